/**
 * The instructions block: its pages one at a time with Back and Next, then "I have read this" on the last one.
 * Turning a page moves the focus to its title, so that a screen reader starts reading there.
 */
import type { Session } from '../../api.ts';
import { h, paragraphs, replace } from '../../dom.ts';
import { pageSection, type Page, type PageContext } from '../page.ts';

export function instructionsPage(session: Session, context: PageContext): Page {
  const block = session.block;
  const pages = block?.pages?.length ? block.pages : [{ title: 'Instructions', text: '' }];
  let at = 0;
  const counter = h('p', { class: 'meta', id: 'instructions-count' });
  const heading = h('h2', { id: 'instructions-title', tabindex: -1 });
  const body = h('div', { class: 'instructions-text', id: 'instructions-text' });
  const back = h('button', { type: 'button', id: 'back', onclick: () => turn(-1) }, 'Back');
  const next = h('button', { type: 'button', id: 'next', class: 'primary', onclick: () => turn(1) }, 'Next');
  const done = h('button', { type: 'button', id: 'read', class: 'primary', onclick: () => {
    context.player.unlock();
    context.send({ action: 'instructions', body: { block: block?.id ?? '' } });
  } }, 'I have read this');

  function draw(): void {
    const page = pages[at];
    counter.textContent = `Page ${at + 1} of ${pages.length}`;
    heading.textContent = page.title;
    replace(body, paragraphs(page.text));
    back.hidden = at === 0;
    next.hidden = at === pages.length - 1;
    done.hidden = at !== pages.length - 1;
  }

  function turn(by: number): void {
    at = Math.max(0, Math.min(pages.length - 1, at + by));
    draw();
    heading.focus();
  }

  draw();
  const element = pageSection('instructions', 'Before you start', counter, heading, body,
    h('div', { class: 'actions', role: 'group', 'aria-label': 'Pages' }, back, next, done));
  return { element, title: 'Instructions' };
}
