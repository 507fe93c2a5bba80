/**
 * The blinded evaluation: one track at a time, known only by its label (Track A, B, ...). Its questions open
 * once the track has played to its end here and the server's `ratableAt` has come (measured from when the page
 * showed the track, so that a clock that is off does not matter); until then they are disabled, with a hint.
 */
import type { Session } from '../../api.ts';
import { h, paragraphs } from '../../dom.ts';
import { alert } from '../../status.ts';
import { checkAnswers, itemOfField } from '../answers.ts';
import { itemsForm } from '../items.ts';
import { pageSection, type Page, type PageContext } from '../page.ts';

export function evaluationPage(session: Session, context: PageContext): Page {
  const { player } = context;
  const block = session.block;
  const track = block?.track;
  const label = track?.label ?? '?';
  const items = block?.items ?? [];
  const shownAt = performance.now();
  const waitMs = track?.ratableAt && track.presentedAt
    ? Math.max(0, Date.parse(track.ratableAt) - Date.parse(track.presentedAt)) : 0;
  let ended = false;
  let timer: number | null = null;
  const form = itemsForm(`eval-${label}`, items);
  form.enable(false);
  const hint = h('p', { class: 'hint', id: 'eval-hint', 'aria-live': 'polite' },
    'The questions open once the track has played to its end.');
  const play = h('button', { type: 'button', class: 'play primary', id: 'play', 'aria-keyshortcuts': 'Space P',
    onclick: () => { player.unlock(); void playIt(true); } }, 'Play');
  const playback = h('progress', { id: 'playback', max: 1, value: 0, 'aria-label': 'Part of the track played' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'submit-answers', 'aria-disabled': 'true',
    'aria-describedby': 'eval-hint' }, 'Save and go on');
  const formElement = h('form', { class: 'questions', id: 'questions', novalidate: true }, form.element,
    h('div', { class: 'actions' }, submit));
  const open = () => {
    if (!ended || performance.now() - shownAt < waitMs) {
      return;
    }
    form.enable(true);
    submit.setAttribute('aria-disabled', 'false');
    hint.textContent = 'You can answer now (and play the track again if you like).';
  };
  formElement.addEventListener('submit', (e) => {
    e.preventDefault();
    if (submit.getAttribute('aria-disabled') === 'true' || context.waiting() || !block) {
      return;
    }
    const { answers, problems } = checkAnswers(items, form.read());
    form.show(problems);
    if (Object.keys(problems).length > 0) {
      alert('Please answer every question about this track.');
      return;
    }
    const points: Record<string, number> = {};
    for (const [id, value] of Object.entries(answers)) {
      points[id] = Number(value);
    }
    context.send({ action: 'evaluations', body: { block: block.id, label, answers: points } });
  });
  const playIt = async (byUser: boolean) => {
    if (!track) {
      return;
    }
    const started = await player.play(track);
    if (started) {
      play.textContent = 'Play again';
    } else if (byUser) {
      alert('This browser did not start the sound. Check that the tab is not muted, then press Play once more.');
    }
  };
  const position = block?.position ?? 1;
  const count = block?.labels?.length ?? 1;
  const element = pageSection('evaluation', `Track ${label}`,
    h('p', { class: 'progress', id: 'progress' }, `Track ${position} of ${count}`),
    block?.text ? paragraphs(block.text) : h('p', {}, 'Listen to the track, then answer the questions about it.'),
    h('div', { class: 'player' }, play, playback), hint, formElement);
  element.dataset.label = label;
  element.dataset.playing = 'false';
  player.onStatus = (s) => {
    playback.value = s.position;
    element.dataset.playing = String(s.playing);
    if (!ended && s.position >= 1) {
      ended = true;
      element.dataset.ended = 'true';
      const rest = waitMs - (performance.now() - shownAt);
      if (rest > 0) {
        timer = window.setTimeout(open, rest + 50);
      } else {
        open();
      }
    }
  };
  void playIt(false);
  return {
    element,
    title: `Track ${label}`,
    refused(command, error) {
      const item = command.action === 'evaluations' ? itemOfField(error.field, items) : null;
      if (!item) {
        return false;
      }
      form.show({ [item]: error.words });
      return true;
    },
    key(action, event) {
      if (action.kind === 'play') {
        event.preventDefault();
        player.unlock();
        void playIt(true);
      }
    },
    leave() {
      player.onStatus = null;
      if (timer !== null) {
        clearTimeout(timer);
      }
    },
  };
}
