/**
 * The practice track: played once to get to know the rating, rated 1 to 10, never learnt from. Like training,
 * with one track and no progress.
 */
import type { Session } from '../../api.ts';
import { h, paragraphs } from '../../dom.ts';
import { keyFor } from '../../keys.ts';
import { alert } from '../../status.ts';
import { pageSection, type Page, type PageContext } from '../page.ts';

export function practicePage(session: Session, context: PageContext): Page {
  const { player } = context;
  const block = session.block;
  const track = block?.track;
  const rate = (rating: number) => {
    if (!block || context.waiting()) {
      return;
    }
    context.send({ action: 'practice-rating', body: { block: block.id, rating } });
  };
  const ratings: HTMLButtonElement[] = [];
  for (let r = 1; r <= 10; r++) {
    ratings.push(h('button', { type: 'button', class: 'rating', 'data-rating': r, 'aria-keyshortcuts': keyFor(r),
      'aria-pressed': 'false', onclick: () => rate(r) }, String(r)));
  }
  const playback = h('progress', { id: 'playback', max: 1, value: 0, 'aria-label': 'Part of the track played' });
  const play = h('button', { type: 'button', class: 'play primary', id: 'play', 'aria-keyshortcuts': 'Space P',
    onclick: () => { player.unlock(); void playIt(true); } }, 'Play');
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
  const element = pageSection('practice', 'A practice track',
    paragraphs(block?.text ?? 'This track is for practice: listen to it, then rate it as you will rate the '
      + 'tracks to come. This rating is not used to teach the agent.'),
    h('div', { class: 'player' }, play, playback),
    h('fieldset', { class: 'ratings' },
      h('legend', { id: 'rating-legend' }, 'How much do you like this track?'),
      h('p', { class: 'scale-ends', id: 'scale-ends' }, h('span', {}, '1 = not at all'),
        h('span', {}, '10 = very much')),
      h('div', { class: 'rating-buttons', role: 'group', 'aria-labelledby': 'rating-legend',
        'aria-describedby': 'scale-ends' }, ratings)));
  element.dataset.playing = 'false';
  player.onStatus = (s) => {
    playback.value = s.position;
    element.dataset.playing = String(s.playing);
  };
  void playIt(false);
  return {
    element,
    title: 'Practice',
    waiting(command) {
      const rating = command?.action === 'practice-rating' ? command.body.rating : null;
      for (const b of ratings) {
        b.setAttribute('aria-pressed', String(rating !== null && Number(b.dataset.rating) === rating));
        b.setAttribute('aria-disabled', String(command !== null));
      }
    },
    key(action, event) {
      event.preventDefault();
      player.unlock();
      if (action.kind === 'play') {
        void playIt(true);
      } else {
        rate(action.rating);
      }
    },
    leave() {
      player.onStatus = null;
    },
  };
}
