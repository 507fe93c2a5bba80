/**
 * A calm page while the session may not go on: the researcher paused it, or the study is paused and holds its
 * participants. The session controller asks the server every few seconds and leaves this page by itself.
 */
import { h } from '../../dom.ts';
import { pageSection, type Page } from '../page.ts';

/** Why the page waits. */
export type Hold = 'researcher' | 'study';

export function holdPage(kind: Hold): Page {
  const [title, text] = kind === 'researcher'
    ? ['Your session is paused by the researcher',
      'Please wait a moment. Nothing you have done is lost: this page continues by itself when the researcher '
      + 'resumes your session.']
    : ['The study is paused for the moment',
      'Please wait, or come back to this page later. Nothing you have done is lost: this page continues by '
      + 'itself when the study goes on.'];
  const element = pageSection('hold', title, h('p', {}, text),
    h('p', { class: 'meta', id: 'hold-check' }, 'This page checks every few seconds whether you can go on.'));
  element.dataset.hold = kind;
  return { element, title };
}
