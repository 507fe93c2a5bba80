/**
 * The researcher's dashboard: a bar (studies, API tokens, researchers for admins, sign out) and one page at a
 * time, chosen by the part of the address after '#', so links, Back and reload work:
 * #studies, #study=<id>, #study=<id>&details=<participantId>, #study=<id>&learning=<participantId>, #tokens,
 * #researchers.
 */
import { Api, ApiError, NetworkError } from './api.ts';
import { showDetails } from './details.ts';
import { byId, h, replace } from './dom.ts';
import { showResearchers, showTokens } from './admin.ts';
import type { Researcher } from './research-api.ts';
import { alert, clearStatus } from './status.ts';
import { showStudies } from './studies.ts';
import { showStudy } from './study.ts';

export interface Desk {
  readonly api: Api;
  readonly researcher: Researcher;
  /** A server without the dashboard routes (bearer token, plain study list): only what it offers. */
  readonly legacy: boolean;
  /** Called when the page is left: closes what it keeps open (the monitor's stream, its clock). */
  onLeave(stop: () => void): void;
}

export class Dashboard implements Desk {
  private stops: (() => void)[] = [];

  constructor(readonly api: Api, readonly researcher: Researcher, readonly legacy: boolean,
              private readonly signOutHere: () => Promise<void>) {}

  onLeave(stop: () => void): void {
    this.stops.push(stop);
  }

  start(): void {
    document.body.classList.add('researcher');
    this.bar();
    window.addEventListener('hashchange', () => void this.route());
    void this.route();
  }

  private bar(): void {
    const admin = this.researcher.role === 'admin';
    const link = (href: string, text: string) => h('li', {}, h('a', { href }, text));
    const header = document.querySelector('.site-header');
    header?.querySelector('nav')?.remove();
    header?.appendChild(h('nav', { class: 'desk-nav', 'aria-label': 'Dashboard' },
      h('ul', {},
        link('#studies', 'Studies'),
        this.legacy ? null : link('#tokens', 'API tokens'),
        admin && !this.legacy ? link('#researchers', 'Researchers') : null),
      h('p', { class: 'who' }, h('span', {}, `Signed in as ${this.researcher.email}`),
        h('button', { type: 'button', id: 'sign-out', onclick: () => void this.signOutHere() }, 'Sign out'))));
  }

  private async route(): Promise<void> {
    for (const stop of this.stops.splice(0)) {
      stop();
    }
    alert('');
    clearStatus();
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    const view = byId('view');
    for (const a of document.querySelectorAll<HTMLAnchorElement>('.desk-nav a')) {
      const current = location.hash === a.getAttribute('href')
        || (a.getAttribute('href') === '#studies' && (params.has('study') || !location.hash));
      if (current) {
        a.setAttribute('aria-current', 'page');
      } else {
        a.removeAttribute('aria-current');
      }
    }
    try {
      const study = params.get('study');
      const details = params.get('details');
      const learning = params.get('learning');
      if (study && learning) {
        // The charting library loads only with the pages that draw charts, not with the participant's pages.
        const { showLearning } = await import('./learning.ts');
        await showLearning(this, view, study, learning);
      } else if (study && details) {
        await showDetails(this, view, study, details);
      } else if (study) {
        await showStudy(this, view, study);
      } else if (params.has('tokens')) {
        await showTokens(this, view);
      } else if (params.has('researchers')) {
        await showResearchers(this, view);
      } else {
        await showStudies(this, view);
      }
    } catch (e) {
      failedPage(view, e);
    }
    document.getElementById('page-title')?.focus();
  }
}

/** An error as a person reads it. */
export function words(e: unknown): string {
  if (e instanceof ApiError) {
    return e.status === 404 ? `Not found: ${e.words}` : e.words;
  }
  if (e instanceof NetworkError) {
    return 'The study server cannot be reached. Please try again.';
  }
  return String(e);
}

function failedPage(view: HTMLElement, e: unknown): void {
  replace(view, h('section', { class: 'page desk', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title', tabindex: -1 }, 'This page could not be loaded'),
    h('p', {}, words(e)),
    h('p', {}, h('a', { href: '#studies' }, 'Back to the studies'))));
}

/** The heading every dashboard page starts with (it gets the focus when the page opens). */
export function pageTitle(text: string, ...more: (Node | string)[]): HTMLHeadingElement {
  document.title = `${text} – Tuneloop`;
  return h('h1', { id: 'page-title', tabindex: -1 }, text, ...more);
}
