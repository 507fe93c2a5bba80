/**
 * Listen and rate: the progress, the track (playing by itself when it arrives), ten rating buttons and the
 * keys. When a new episode starts the page says so for a moment, on the page and in a live region. The Play
 * button reads "Play" until the track has sounded once, then "Play again". After a rating the focus leaves
 * the rating buttons for the Play button, so that nothing looks chosen on the next track.
 */
import type { Progress, Session, Track } from '../../api.ts';
import { h, replace } from '../../dom.ts';
import { keyFor } from '../../keys.ts';
import { alert } from '../../status.ts';
import type { Page, PageContext } from '../page.ts';

/** How long "Episode 2 of 10 begins" stays on the page. */
export const EPISODE_NEWS_MS = 4000;

type Aspect = 'musicality' | 'novelty' | 'coherence';

/** The aspects of a compound reward, with the words the page shows. */
const ASPECTS: readonly (readonly [Aspect, string, string])[] = [
  ['musicality', 'Musicality', 'How musical does it sound?'],
  ['novelty', 'Novelty', 'How new or surprising is it?'],
  ['coherence', 'Coherence', 'How well does it hang together?'],
];

export function trainingPage(session: Session, context: PageContext): Page {
  const { player } = context;
  let track: Track | null = null;
  let presentedAt = 0;
  let newsTimer: number | null = null;
  // The passive signals sent with each rating (docs/flow.md): starts after the first, time the tab was hidden.
  let plays = 0;
  let hiddenMillis = 0;
  let hiddenSince: number | null = document.visibilityState === 'hidden' ? performance.now() : null;
  // Must-listen: the ratings open once the track has played to its end here.
  let mustListen = session.mustListen?.enabled === true;
  let heardToEnd = false;
  let waitingFor: boolean = false;
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') {
      hiddenSince ??= performance.now();
    } else if (hiddenSince !== null) {
      hiddenMillis += performance.now() - hiddenSince;
      hiddenSince = null;
    }
  };
  document.addEventListener('visibilitychange', onVisibility);
  const hiddenSoFar = () => hiddenMillis + (hiddenSince === null ? 0 : performance.now() - hiddenSince);

  const locked = () => mustListen && !heardToEnd;
  // An arm with a compound reward asks for three aspect ratings before the overall one (docs/method.md).
  const aspectSelects = new Map<Aspect, HTMLSelectElement>();
  const aspectBox = h('fieldset', { class: 'aspects', id: 'aspects', hidden: true },
    h('legend', {}, 'First rate three aspects of this track (1 = poor, 10 = excellent)'),
    ASPECTS.map(([name, label, hint]) => {
      const select = h('select', { id: `aspect-${name}`, name, 'aria-describedby': `aspect-${name}-hint` },
        h('option', { value: '' }, 'Choose…'),
        Array.from({ length: 10 }, (_, i) => h('option', { value: i + 1 }, String(i + 1))));
      aspectSelects.set(name, select);
      return h('div', { class: 'field' }, h('label', { for: `aspect-${name}` }, label), select,
        h('p', { class: 'hint', id: `aspect-${name}-hint` }, hint));
    }));
  let asked: readonly Aspect[] = [];
  const rate = (rating: number) => {
    if (!track || context.waiting()) {
      return;
    }
    if (locked()) {
      alert('Please listen to the track to its end before rating it.');
      return;
    }
    const aspects: Partial<Record<Aspect, number>> = {};
    for (const name of asked) {
      const value = Number(aspectSelects.get(name)!.value);
      if (!value) {
        alert(`Please rate the track's ${name} first (1 to 10), then give your overall rating.`);
        aspectSelects.get(name)!.focus();
        return;
      }
      aspects[name] = value;
    }
    context.send({ action: 'ratings', body: { episode: track.episode, step: track.step, rating, ...aspects,
      clientMillisToRate: Math.max(0, Math.round(performance.now() - presentedAt)),
      heardShare: Math.round(Math.min(1, Math.max(0, player.heardShare())) * 1000) / 1000,
      replays: Math.max(0, plays - 1), hiddenMillis: Math.round(hiddenSoFar()) } });
  };
  const ratings: HTMLButtonElement[] = [];
  for (let r = 1; r <= 10; r++) {
    ratings.push(h('button', { type: 'button', class: 'rating', 'data-rating': r, 'aria-keyshortcuts': keyFor(r),
      'aria-pressed': 'false', onclick: () => rate(r) }, String(r)));
  }
  const progress = h('p', { class: 'progress', id: 'progress' });
  const overall = h('progress', { id: 'overall', max: 1, value: 0, 'aria-label': 'Required episodes done' });
  const news = h('div', { class: 'episode-news', id: 'episode-news', 'aria-live': 'polite', 'aria-atomic': 'true' });
  const play = h('button', { type: 'button', class: 'play primary', id: 'play', 'aria-keyshortcuts': 'Space P',
    onclick: () => { player.unlock(); void playTrack(true); } }, 'Play');
  const playback = h('progress', { id: 'playback', max: 1, value: 0, 'aria-label': 'Part of the track played' });
  const audioHint = h('p', { class: 'audio-hint', id: 'audio-hint', hidden: true },
    'Your browser plays sound only after you press something: press Play',
    h('span', { class: 'key-hint' }, ' (or the Space key)'), ' to listen.');
  const listenHint = h('p', { class: 'hint', id: 'listen-hint', hidden: true, 'aria-live': 'polite' },
    'The rating buttons open once the track has played to its end.');
  const fieldset = h('fieldset', { class: 'ratings' },
    h('legend', { id: 'rating-legend' }, 'How much do you like this track?'),
    h('p', { class: 'scale-ends', id: 'scale-ends' }, h('span', {}, '1 = not at all'),
      h('span', {}, '10 = very much')),
    h('div', { class: 'rating-buttons', role: 'group', 'aria-labelledby': 'rating-legend',
      'aria-describedby': 'scale-ends listen-hint' }, ratings), listenHint);
  /** The buttons' aria-disabled: while an answer waits, and while must-listen keeps them closed. */
  const lockButtons = () => {
    const closed = waitingFor || locked();
    for (const b of ratings) {
      b.setAttribute('aria-disabled', String(closed));
    }
    listenHint.hidden = !locked();
  };
  const element = h('section', { class: 'page training', 'aria-labelledby': 'page-title', 'data-playing': 'false' },
    h('h1', { id: 'page-title', tabindex: -1 }, 'Listen and rate'), progress, overall, news,
    h('div', { class: 'player' }, play, playback), audioHint, aspectBox, fieldset,
    // Only for keyboards: hidden on touch screens (style.css).
    h('p', { class: 'keys key-hint', id: 'keys' }, 'Keys: ', h('kbd', {}, '1'), '–', h('kbd', {}, '9'), ' rate, ',
      h('kbd', {}, '0'), ' is 10, ', h('kbd', {}, 'Space'), ' or ', h('kbd', {}, 'P'), ' plays the track again. ',
      h('span', { id: 'rate-early' }, 'You may rate before the track ends.')));

  player.onStatus = (s) => {
    playback.value = s.position;
    element.dataset.playing = String(s.playing);
    if (!heardToEnd && s.position >= 1) {
      heardToEnd = true;
      if (mustListen) {
        lockButtons();
        listenHint.hidden = false;
        listenHint.textContent = 'You can rate the track now.';
      }
    }
  };

  async function playTrack(byUser: boolean): Promise<void> {
    const asked = track;
    if (!asked) {
      return;
    }
    const started = await player.play(asked);
    if (asked !== track) {
      return; // a newer track arrived meanwhile
    }
    audioHint.hidden = started;
    if (started) {
      plays++;
      play.textContent = 'Play again';
    } else if (byUser) {
      alert('This browser did not start the sound. Check that the tab is not muted, then press Play once more.');
    }
  }

  function tellEpisode(t: Track, p: Progress): void {
    if (newsTimer !== null) {
      clearTimeout(newsTimer);
    }
    const which = t.episode > p.minEpisodes ? `Episode ${t.episode} (extra)` : `Episode ${t.episode} of ${p.minEpisodes}`;
    replace(news, h('p', { class: 'episode-banner' }, `${which} begins: a new melody`));
    newsTimer = window.setTimeout(() => {
      newsTimer = null;
      replace(news);
    }, EPISODE_NEWS_MS);
  }

  function update(s: Session): void {
    const t = s.track;
    const p = s.progress;
    if (!t || !p) {
      return;
    }
    const extra = p.episode > p.minEpisodes;
    const episodeText = extra ? `Episode ${p.episode} (extra)` : `Episode ${p.episode} of ${p.minEpisodes}`;
    // Step 0 is the episode's fresh melody, rated before the agent's first edit where the arm asks for it.
    progress.textContent = t.step === 0 ? `${episodeText} · The new melody, before any edit`
      : `${episodeText} · Track ${t.step} of ${p.stepsPerEpisode}`;
    element.dataset.episode = String(t.episode);
    element.dataset.step = String(t.step);
    const done = (Math.min(p.completedEpisodes, p.minEpisodes) * p.stepsPerEpisode + (extra ? 0 : t.step - 1))
      / Math.max(1, p.minEpisodes * p.stepsPerEpisode);
    overall.value = Math.min(1, done);
    overall.setAttribute('aria-valuetext', `${p.completedEpisodes} of ${p.minEpisodes} episodes done`);
    if (track && track.episode === t.episode && track.step === t.step) {
      return;
    }
    const first = track === null;
    const newEpisode = track === null || track.episode !== t.episode;
    track = t;
    asked = s.aspects ?? [];
    aspectBox.hidden = asked.length === 0;
    for (const select of aspectSelects.values()) {
      select.value = '';
    }
    plays = 0;
    hiddenMillis = 0;
    hiddenSince = document.visibilityState === 'hidden' ? performance.now() : null;
    mustListen = s.mustListen?.enabled === true;
    heardToEnd = false;
    element.querySelector<HTMLElement>('#rate-early')!.hidden = mustListen;
    listenHint.textContent = 'The rating buttons open once the track has played to its end.';
    lockButtons();
    play.textContent = 'Play';
    playback.value = 0;
    presentedAt = performance.now();
    document.title = `Episode ${t.episode}, track ${t.step} – Tuneloop`;
    if (newEpisode && t.step <= 1) {
      tellEpisode(t, p);
    }
    // The rating just given keeps no focus ring: the next track starts from the Play button.
    if (!first && fieldset.contains(document.activeElement)) {
      play.focus();
    }
    void playTrack(false);
  }

  update(session);
  return {
    element,
    title: session.track ? `Episode ${session.track.episode}, track ${session.track.step}` : 'Listen and rate',
    update,
    waiting(command) {
      const rating = command?.action === 'ratings' ? command.body.rating : null;
      element.classList.toggle('waiting', command !== null);
      element.setAttribute('aria-busy', String(command !== null));
      waitingFor = command !== null;
      for (const b of ratings) {
        b.setAttribute('aria-pressed', String(rating !== null && Number(b.dataset.rating) === rating));
      }
      // aria-disabled, not disabled: a disabled button would lose the keyboard focus.
      lockButtons();
    },
    key(action, event) {
      event.preventDefault();
      player.unlock();
      if (action.kind === 'play') {
        void playTrack(true);
      } else {
        rate(action.rating);
      }
    },
    leave() {
      if (newsTimer !== null) {
        clearTimeout(newsTimer);
      }
      document.removeEventListener('visibilitychange', onVisibility);
      player.onStatus = null;
    },
  };
}
