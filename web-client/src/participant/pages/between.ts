/**
 * Between episodes: the questions due now (a fatigue report, say), a break suggested or under way with its
 * countdown, the progress with the time so far and the time left; then another episode, or finish once the
 * required ones are done. Every newer session of this phase redraws the page (the break started, the questions
 * answered) and the focus goes back to its title.
 */
import type { Rest, Session } from '../../api.ts';
import { h, replace } from '../../dom.ts';
import { pageSection, type Page, type PageContext } from '../page.ts';
import { questions, type Questions } from './questionnaire.ts';

/** "12 min", "1 h 5 min", "40 s": rounded the way a person would say it. */
export function spokenDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) {
    return `${s} s`;
  }
  const minutes = Math.round(s / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function betweenPage(session: Session, context: PageContext): Page {
  const element = pageSection('between', 'Episode done');
  const heading = element.querySelector('h1')!;
  const body = h('div', { class: 'between-body' });
  element.append(body);
  let countdown: number | null = null;
  let form: Questions | null = null;

  const stopCountdown = () => {
    if (countdown !== null) {
      clearInterval(countdown);
      countdown = null;
    }
  };

  function draw(s: Session): void {
    stopCountdown();
    const p = s.progress;
    heading.textContent = `You have finished ${p?.completedEpisodes ?? 0} of ${p?.minEpisodes ?? '?'} episodes`;
    const go = (action: 'episodes' | 'finish', button: HTMLButtonElement) => {
      if (button.getAttribute('aria-disabled') === 'true') {
        return;
      }
      context.player.unlock();
      context.send({ action, body: null });
    };
    const time = s.time ? h('p', { class: 'meta', id: 'time' },
      `Time so far: ${spokenDuration(s.time.elapsedSeconds)}. `,
      s.time.estimatedSecondsLeft > 0 ? `About ${spokenDuration(s.time.estimatedSecondsLeft)} of training left.`
        : 'The required training is done.') : null;
    const progress = p ? h('progress', { id: 'overall', max: Math.max(1, p.minEpisodes),
      value: Math.min(p.completedEpisodes, p.minEpisodes), 'aria-label': 'Required episodes done',
      'aria-valuetext': `${p.completedEpisodes} of ${p.minEpisodes} episodes done` }) : null;
    if (s.questionnaire) {
      form = questions(s.questionnaire.block, s.questionnaire.items, context, 'Continue');
      replace(body, progress, time,
        h('h2', {}, s.questionnaire.title ?? 'A few questions'), form.element);
      return;
    }
    form = null;
    const rest = s.rest ?? null;
    const restOn = rest !== null && rest.started;
    const held = restOn && rest.enforced;
    const another = h('button', { type: 'button', id: 'another', class: s.canFinish ? '' : 'primary',
      onclick: () => go('episodes', another) }, restOn ? 'Continue: another episode' : 'Another episode');
    const finish = h('button', { type: 'button', id: 'finish', class: 'primary', disabled: !s.canFinish,
      onclick: () => go('finish', finish) }, 'Finish training');
    replace(body, progress, time,
      rest ? restPart(rest, context, (on) => {
        for (const b of [another, finish]) {
          b.setAttribute('aria-disabled', String(on));
        }
      }, (timer) => { countdown = timer; }) : null,
      h('p', {}, s.canFinish
        ? 'That is all the study asks for. You can train your agent for another episode, or finish: the agent then '
          + 'composes a track of its own from what it has learned.'
        : `The study asks for at least ${p?.minEpisodes ?? '?'} episodes. Please continue when you are ready.`),
      h('div', { class: 'actions' }, another, finish));
    if (held) {
      for (const b of [another, finish]) {
        b.setAttribute('aria-disabled', 'true');
        b.setAttribute('aria-describedby', 'rest-countdown');
      }
    }
  }

  draw(session);
  return {
    element,
    title: 'Episode done',
    update(s) {
      const inside = element.contains(document.activeElement) && document.activeElement !== heading;
      draw(s);
      if (inside) {
        heading.focus();
      }
    },
    refused(command, error) {
      return form?.refused(command, error) ?? false;
    },
    leave: stopCountdown,
  };
}

/**
 * A break: offered ("Take a break", or go on), or under way with a countdown. An enforced break keeps the way on
 * closed (aria-disabled, so that the buttons keep their focus) until its time is over; the server refuses too.
 */
function restPart(rest: Rest, context: PageContext, hold: (on: boolean) => void,
                  keep: (timer: number) => void): HTMLElement {
  if (!rest.started) {
    return h('div', { class: 'rest', id: 'rest' },
      h('p', {}, rest.reason === 'fatigue' ? 'You said you feel tired. '
        : rest.reason === 'identical-ratings' ? 'Many ratings in a row were the same. ' : 'You have been at it for a while. ',
        `A break of ${spokenDuration(rest.seconds)} may help.`),
      h('div', { class: 'actions' }, h('button', { type: 'button', id: 'take-break', class: 'primary',
        onclick: () => context.send({ action: 'breaks', body: null }) }, 'Take a break')));
  }
  // The server counts whole seconds left rounded down: one more here, so that Continue never opens early.
  let left = rest.enforced && rest.secondsLeft > 0 ? Math.ceil(rest.secondsLeft) + 1
    : Math.max(0, Math.round(rest.secondsLeft));
  const count = h('p', { class: 'countdown', id: 'rest-countdown', role: 'timer', 'aria-live': 'off' });
  const spoken = h('p', { class: 'visually-hidden', 'aria-live': 'polite', id: 'rest-news' });
  const end = h('button', { type: 'button', id: 'end-break', class: 'primary', 'aria-describedby': 'rest-countdown',
    onclick: () => {
      if (end.getAttribute('aria-disabled') !== 'true') {
        context.player.unlock();
        context.send({ action: 'breaks/end', body: null });
      }
    } }, 'Continue');
  const draw = () => {
    count.textContent = left > 0 ? `Break: ${left} s left` : 'The break is over: continue when you are ready.';
    const closed = rest.enforced && left > 0;
    end.setAttribute('aria-disabled', String(closed));
    if (rest.enforced) {
      hold(closed);
    }
  };
  draw();
  if (left > 0) {
    const timer = window.setInterval(() => {
      left = Math.max(0, left - 1);
      draw();
      if (left === 0) {
        clearInterval(timer);
        spoken.textContent = 'The break is over.';
      }
    }, 1000);
    keep(timer);
  }
  return h('div', { class: 'rest', id: 'rest', 'data-enforced': String(rest.enforced) },
    h('h2', {}, 'Take a break'),
    h('p', {}, rest.enforced ? 'Please rest for a moment: the study goes on when the break is over.'
      : 'Rest as long as you like; continue whenever you are ready.'),
    count, spoken, h('div', { class: 'actions' }, end));
}
