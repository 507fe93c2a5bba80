/**
 * The information and consent text, then an answer. The text flows with the page (no scroll box of its own that
 * a keyboard could not reach). Declining cannot be undone, so it asks first, in a dialog that opens on the way
 * back.
 */
import type { Session } from '../../api.ts';
import { confirmed } from '../../dialog.ts';
import { h, paragraphs } from '../../dom.ts';
import { pageSection, type Page, type PageContext } from '../page.ts';

export function consentPage(session: Session, context: PageContext): Page {
  const consent = session.consent ?? { version: '?', title: 'Consent', text: '' };
  const answer = (agree: boolean) => context.send({ action: 'consent',
    body: { consentVersion: consent.version, agree } });
  const decline = async () => {
    if (context.waiting()) {
      return;
    }
    if (await confirmed('Decline and leave the study?',
      'You will not take part, and nothing more will be asked. You cannot change this answer afterwards.',
      'Decline and leave', true, 'Go back')) {
      answer(false);
    }
  };
  const element = pageSection('consent', consent.title,
    h('p', { class: 'meta' }, `Information and consent, version ${consent.version}`),
    h('div', { class: 'consent-text', id: 'consent-text' }, paragraphs(consent.text)),
    h('div', { class: 'actions', role: 'group', 'aria-label': 'Your answer' },
      h('button', { type: 'button', class: 'primary', id: 'agree', 'aria-describedby': 'consent-text',
        onclick: () => { context.player.unlock(); answer(true); } }, 'I agree and take part'),
      h('button', { type: 'button', id: 'decline', onclick: () => void decline() }, 'I do not agree')));
  return { element, title: 'Consent' };
}
