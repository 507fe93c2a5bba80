/**
 * Entry: reads the token from the link (#participant=… or #researcher=…), asks the server who it belongs to,
 * and opens the participant's or the researcher's pages. The token is kept in localStorage so that reopening
 * the site in the same browser resumes, and it is sent only in the Authorization header.
 */
import './style.css';
import { Api, ApiError, type Caller } from './api.ts';
import { byId, h, replace } from './dom.ts';
import { ParticipantApp } from './participant.ts';
import { ResearcherApp } from './researcher.ts';
import { status } from './status.ts';

const STORED = { participant: 'tuneloop.participantToken', researcher: 'tuneloop.researcherToken' } as const;

function tokenFromLink(): { role: keyof typeof STORED; token: string } | null {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  for (const role of ['participant', 'researcher'] as const) {
    const token = params.get(role);
    if (token) {
      return { role, token };
    }
  }
  return null;
}

function remembered(role: keyof typeof STORED): string | null {
  try {
    return localStorage.getItem(STORED[role]);
  } catch {
    return null;
  }
}

function remember(role: keyof typeof STORED, token: string | null): void {
  try {
    if (token) {
      localStorage.setItem(STORED[role], token);
    } else {
      localStorage.removeItem(STORED[role]);
    }
  } catch {
    // private mode: the link still works, reopening without it does not
  }
}

function page(title: string, ...text: string[]): void {
  replace(byId('view'), h('section', { class: 'page', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title', tabindex: -1 }, title), text.map((t) => h('p', {}, t))));
  byId('page-title').focus();
}

async function whoAmI(api: Api): Promise<Caller | ApiError> {
  for (let delay = 1000; ; delay = Math.min(delay * 2, 5000)) {
    try {
      const caller = await api.get<Caller>('/api/session');
      status('', 'idle');
      return caller;
    } catch (e) {
      if (e instanceof ApiError && !e.retryable) {
        return e;
      }
      status('Cannot reach the study server. Trying again…', 'offline');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

async function main(): Promise<void> {
  const link = tokenFromLink();
  if (link) {
    remember(link.role, link.token);
  }
  const role = link?.role ?? (remembered('participant') ? 'participant' : 'researcher');
  const token = link?.token ?? remembered(role);
  if (!token) {
    page('Tuneloop', 'Please open the personal link you were given for this study.');
    return;
  }
  const api = new Api(token);
  const caller = await whoAmI(api);
  if (caller instanceof ApiError) {
    remember(role, null);
    page('This link does not work', caller.status === 401
      ? 'The link you opened is not (or no longer) valid. Please open the personal link you were given.'
      : caller.detail);
    return;
  }
  if (caller.role === 'researcher') {
    await new ResearcherApp(api, caller).start();
  } else if (caller.participantId) {
    await new ParticipantApp(api, caller.participantId).start();
  } else {
    page('This link does not work', 'The token belongs to no participant.');
  }
}

window.addEventListener('hashchange', () => location.reload());
main().catch((e: unknown) => {
  page('Something went wrong', 'Please reload the page. If this happens again, tell the researcher.', String(e));
});
