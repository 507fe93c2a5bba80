/**
 * Pages after which nothing more is asked: declined, withdrawn, ended by the researcher, the study closed, and
 * a link that does not work. Each says so politely and offers nothing to press.
 */
import type { ApiError, Session } from '../../api.ts';
import { h } from '../../dom.ts';
import { pageSection, type Page } from '../page.ts';

export function endPage(kind: string, title: string, text: readonly string[]): Page {
  const element = pageSection('end', title, text.map((t) => h('p', {}, t)));
  element.dataset.end = kind;
  return { element, title };
}

export const declinedPage = (): Page => endPage('declined', 'Thank you', [
  'You chose not to take part. Nothing more will be asked, and no answers of yours will be used.',
  'Thank you for considering it. You can close this page now.']);

export const withdrawnPage = (): Page => endPage('withdrawn', 'You have withdrawn', [
  'You have withdrawn from the study. Nothing more will be asked.',
  'Thank you for your time. You can close this page now.']);

export const endedPage = (): Page => endPage('ended', 'Your session has ended', [
  'The researcher has ended this session. Nothing more will be asked, and you do not need to do anything.',
  'Thank you very much for your time. You can close this page now.']);

/** The headphone check was not passed and the protocol ends the study there (`onFail: end`). */
export const screenedOutPage = (): Page => endPage('screened-out', 'Thank you for your time', [
  'This study needs headphones, and the sound check suggests that the sound did not reach you through '
    + 'headphones. That is no fault of yours: the study simply cannot use the answers in this setup, so it ends '
    + 'here.',
  'Nothing more will be asked. Thank you for your interest. You can close this page now.']);

/** The study closed while this participant was in it: nothing more can be saved. */
export const closedPage = (): Page => endPage('closed', 'This study has ended', [
  'The study has closed, so nothing more can be saved. What you gave before is kept.',
  'Thank you very much for taking part. You can close this page now.']);

/** The server refused the participant's token (401) or the page (403). */
export const refusedPage = (e: ApiError): Page => endPage('refused', 'This link does not work', [e.status === 401
  ? 'The link you opened is not (or no longer) valid. Please open the personal link you were given.'
  : `The server refused this page: ${e.detail}`]);

/** For the phase table: the end pages ignore the session. */
export const fromSession = (page: () => Page) => (_session: Session): Page => page();
