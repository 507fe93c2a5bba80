/**
 * The end of the study for a participant who came through a recruitment service: the completion code, big,
 * and with a return address a button there (followed by itself after a few seconds, unless stopped).
 */
import type { Completion } from './api.ts';
import { h } from './dom.ts';

const REDIRECT_SECONDS = 8;

export function completionBlock(completion: Completion): HTMLElement {
  const box = h('section', { class: 'completion', 'aria-labelledby': 'completion-title' },
    h('h2', { id: 'completion-title' }, 'Your completion code'),
    h('p', { class: 'completion-code', id: 'completion-code' }, completion.code),
    h('p', {}, 'Keep this code: the study\'s organisers use it to confirm that you took part.'));
  const target = completion.redirectUrl;
  if (target && /^https?:\/\//i.test(target)) {
    let seconds = REDIRECT_SECONDS;
    const countdown = h('p', { id: 'redirect-countdown', class: 'meta' },
      `You will be taken there in ${seconds} seconds.`);
    const timer = window.setInterval(() => {
      seconds -= 1;
      if (seconds <= 0) {
        window.clearInterval(timer);
        location.assign(target);
      } else {
        countdown.textContent = `You will be taken there in ${seconds} seconds.`;
      }
    }, 1000);
    const stay = h('button', { type: 'button', class: 'link-button', id: 'stay' }, 'Stay on this page');
    stay.addEventListener('click', () => {
      window.clearInterval(timer);
      countdown.textContent = 'You stay on this page. Use the button when you are ready.';
      stay.remove();
    });
    box.append(h('div', { class: 'actions' },
      h('a', { href: target, class: 'button primary', id: 'complete-return', rel: 'noreferrer' },
        'Finish and return to the study site')), countdown, stay);
  }
  return box;
}
