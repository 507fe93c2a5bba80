/**
 * The participant's pages, one per phase of the session: consent, start parameters, training, between
 * episodes, finished (plus declined and withdrawn). The server's Session is the only truth: every page is
 * drawn from the last Session the server sent, and a command counts as done only when the server answers.
 * A command that got no answer stays in localStorage and is resent with the same Idempotency-Key.
 */
import { Api, ApiError, NetworkError, type Composition, type ParameterRules, type Session } from './api.ts';
import { byId, h, paragraphs, replace, saveBlob } from './dom.ts';
import { keyAction, keyFor } from './keys.ts';
import { describe, noteName, scaleLabel, spokenNoteName, type Playable } from './music.ts';
import { completionBlock } from './completion.ts';
import { browserStorage, PendingStore, type Action, type PendingCommand } from './pending.ts';
import { LivePlayer } from './player.ts';
import { alert, clearStatus, status } from './status.ts';
import { uuid } from './uuid.ts';

const RETRY_MAX_MS = 5000;
/** How often a paused page asks whether it may go on. */
const HOLD_CHECK_MS = 3000;
/** How often an open page looks, quietly, whether a researcher has paused or ended the session meanwhile. */
const WATCH_MS = 10000;
/** Phases in which the participant still has something to do. */
const ACTIVE: ReadonlySet<string> = new Set(['consent', 'parameters', 'training', 'between-episodes']);

/** Why the page waits: the researcher paused this session, or the study is paused and holds its participants. */
type Hold = 'researcher' | 'study';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface TrainingElements {
  readonly section: HTMLElement;
  readonly heading: HTMLElement;
  readonly progress: HTMLElement;
  readonly overall: HTMLProgressElement;
  readonly play: HTMLButtonElement;
  readonly playback: HTMLProgressElement;
  readonly audioHint: HTMLElement;
  readonly ratings: HTMLButtonElement[];
}

export class ParticipantApp {
  private session: Session | null = null;
  private rendered: string | null = null;
  private busy = false;
  private retryTimer: number | null = null;
  private retryDelay = 1000;
  private presentedAt = 0;
  private trackKey = '';
  private training: TrainingElements | null = null;
  private hold: Hold | null = null;
  private holdTimer: number | null = null;
  private readonly player = new LivePlayer();
  private readonly store = new PendingStore(browserStorage());

  constructor(private readonly api: Api, private readonly participantId: string) {
    window.addEventListener('online', () => this.resendNow());
    document.addEventListener('keydown', (e) => this.onKey(e));
    this.player.onStatus = (s) => {
      if (this.training) {
        this.training.playback.value = s.position;
        this.training.play.textContent = s.playing ? 'Play again' : (s.position > 0 ? 'Play again' : 'Play');
      }
      const section = document.querySelector<HTMLElement>('[data-playing]');
      if (section) {
        section.dataset.playing = String(s.playing);
      }
    };
    // For the browser tests and for anyone checking a lab machine: what the live audio is doing.
    (window as unknown as { tuneloop: unknown }).tuneloop = {
      audioState: () => this.player.audioState(),
      level: () => this.player.level(),
      heardShare: () => this.player.heardShare(),
    };
  }

  async start(): Promise<void> {
    const session = await this.fetchSession();
    if (!session) {
      return;
    }
    const pending = this.store.get(this.participantId);
    this.show(session);
    window.setInterval(() => void this.watch(), WATCH_MS);
    if (pending) {
      await this.send(pending, true);
    }
  }

  /**
   * A participant listening to a track sends nothing for a while: a researcher's pause or early end should
   * still reach the page. One quiet look, no retries and no status messages; anything else waits for the
   * participant's next answer.
   */
  private async watch(): Promise<void> {
    if (this.hold || this.blocked() || document.visibilityState !== 'visible'
      || !ACTIVE.has(this.session?.phase ?? '')) {
      return;
    }
    try {
      const session = await this.api.get<Session>(`/api/participants/${this.participantId}`);
      if (!this.blocked() && (session.pausedByResearcher || session.phase === 'ended'
        || session.studyStatus === 'closed')) {
        this.show(session);
      }
    } catch {
      // the next answer the participant gives will say what is wrong
    }
  }

  // ---- talking to the server ----------------------------------------------------------------------------

  /** The current Session, retrying while the server cannot be reached; null after a refusal. */
  private async fetchSession(): Promise<Session | null> {
    for (let delay = 1000; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      try {
        const session = await this.api.get<Session>(`/api/participants/${this.participantId}`);
        if (byId('status').dataset.state === 'offline') {
          clearStatus();
        }
        return session;
      } catch (e) {
        if (e instanceof ApiError && !e.retryable) {
          this.refused(e);
          return null;
        }
        status('Cannot reach the study server. Trying again…', 'offline');
        await sleep(delay);
      }
    }
  }

  private async refresh(): Promise<void> {
    const session = await this.fetchSession();
    if (session) {
      this.show(session);
    }
  }

  /** True while a command is in flight or waits to be resent: the page takes no new answer then. */
  private blocked(): boolean {
    return this.busy || this.store.get(this.participantId) !== null;
  }

  private command(action: Action, body: Record<string, unknown> | null): void {
    if (this.blocked()) {
      return;
    }
    const command: PendingCommand = { participantId: this.participantId, action, body, key: uuid(),
      createdAt: Date.now() };
    this.store.put(command);
    void this.send(command, false);
  }

  private async send(command: PendingCommand, resend: boolean): Promise<void> {
    if (this.busy) {
      return;
    }
    this.busy = true;
    this.cancelRetry();
    alert('');
    this.markChoice(command);
    status(resend ? `${savingText(command)} (sending again)` : savingText(command), 'saving');
    let answer: Session;
    try {
      answer = await this.api.post<Session>(`/api/participants/${this.participantId}/${command.action}`,
        command.body ?? undefined, command.key);
    } catch (e) {
      this.busy = false;
      if (e instanceof NetworkError || (e instanceof ApiError && e.retryable)) {
        this.notSaved(command);
        return;
      }
      this.store.clear(this.participantId, command.key);
      this.markChoice(null);
      const reason = e instanceof ApiError && e.status === 409 ? e.body.reason : undefined;
      if (reason === 'paused-by-researcher' || reason === 'paused') {
        clearStatus();
        this.holdPage(reason === 'paused' ? 'study' : 'researcher');
      } else if (reason === 'closed') {
        clearStatus();
        this.closedPage();
      } else if (e instanceof ApiError && e.status === 409) {
        status('That answer was no longer needed (perhaps it was given in another tab). Here is where you are now.',
          'info');
        await this.refresh();
      } else if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        this.refused(e);
      } else if (e instanceof ApiError) {
        clearStatus();
        this.rejected(command, e);
      } else {
        clearStatus();
        alert(`Something went wrong: ${String(e)}`);
      }
      return;
    }
    this.store.clear(this.participantId, command.key);
    this.busy = false;
    this.retryDelay = 1000;
    this.markChoice(null);
    status(savedText(command, answer), 'saved');
    this.show(answer);
  }

  private notSaved(command: PendingCommand): void {
    const what = command.action === 'ratings' ? `Your rating ${String(command.body?.rating)} is` : 'Your answer is';
    const kept = this.store.persistent ? 'kept in this browser and' : 'kept on this page and';
    status(`Not saved — the study server cannot be reached. ${what} ${kept} will be sent again automatically.`,
      'unsaved', ' ', h('button', { type: 'button', class: 'link-button', onclick: () => this.resendNow() },
        'Try again now'));
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null) {
      return;
    }
    const delay = this.retryDelay;
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = null;
      this.resendNow();
    }, delay);
  }

  private cancelRetry(): void {
    if (this.retryTimer !== null) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
  }

  private resendNow(): void {
    const pending = this.store.get(this.participantId);
    if (pending && !this.busy) {
      void this.send(pending, true);
    }
  }

  private refused(e: ApiError): void {
    this.player.stop();
    this.rendered = null;
    this.training = null;
    clearStatus();
    replace(byId('view'), h('section', { 'aria-labelledby': 'page-title' },
      h('h1', { id: 'page-title', tabindex: -1 }, 'This link does not work'),
      h('p', {}, e.status === 401
        ? 'The link you opened is not (or no longer) valid. Please open the personal link you were given.'
        : `The server refused this page: ${e.detail}`)));
    byId('page-title').focus();
  }

  private rejected(command: PendingCommand, e: ApiError): void {
    if (command.action === 'parameters' && e.field) {
      const input = document.getElementById(e.field) as HTMLInputElement | null;
      const error = document.getElementById(`${e.field}-error`);
      if (input && error) {
        input.setAttribute('aria-invalid', 'true');
        error.textContent = e.detail;
        error.hidden = false;
        input.focus();
        return;
      }
    }
    alert(`The server did not accept this: ${e.detail || e.error}`);
  }

  // ---- drawing the session ------------------------------------------------------------------------------

  private show(session: Session): void {
    if (this.session && session.version < this.session.version) {
      return; // an older answer arriving late
    }
    this.session = session;
    const phase = session.phase;
    if (ACTIVE.has(phase)) {
      if (session.studyStatus === 'closed') {
        this.closedPage();
        return;
      }
      const held: Hold | null = session.pausedByResearcher ? 'researcher'
        : this.hold === 'study' && session.studyStatus === 'paused' ? 'study' : null;
      if (held) {
        this.holdPage(held);
        return;
      }
    }
    if (this.hold) {
      this.endHold();
      status('You can go on now.', 'info');
    }
    const changed = this.rendered !== phase;
    if (changed) {
      this.player.stop();
      this.training = null;
      this.trackKey = '';
    }
    switch (phase) {
      case 'consent':
        if (changed) this.consentPage(session);
        break;
      case 'declined':
        if (changed) this.endPage('Thank you', [
          'You chose not to take part. Nothing more will be asked, and no answers of yours will be used.',
          'Thank you for considering it. You can close this page now.']);
        break;
      case 'parameters':
        if (changed) this.parametersPage(session.parameterRules);
        break;
      case 'training':
        if (changed) this.training = this.trainingPage();
        this.showTrack(session);
        break;
      case 'between-episodes':
        if (changed) this.betweenPage(session);
        break;
      case 'finished':
        if (changed) this.finishedPage(session);
        break;
      case 'withdrawn':
        if (changed) this.endPage('You have withdrawn', [
          'You have withdrawn from the study. Nothing more will be asked.',
          'Thank you for your time. You can close this page now.']);
        break;
      case 'ended':
        if (changed) this.endPage('Your session has ended', [
          'The researcher has ended this session. Nothing more will be asked, and you do not need to do anything.',
          'Thank you very much for your time. You can close this page now.']);
        break;
    }
    this.rendered = phase;
    this.footer(phase);
    if (changed) {
      document.getElementById('page-title')?.focus();
    }
  }

  // ---- waiting for the researcher or the study ---------------------------------------------------------------

  /** A calm page while the session may not go on; it asks every few seconds and goes on by itself. */
  private holdPage(kind: Hold): void {
    if (this.hold !== kind) {
      this.player.stop();
      this.training = null;
      this.trackKey = '';
      this.rendered = `hold-${kind}`;
      this.hold = kind;
      const [title, text] = kind === 'researcher'
        ? ['Your session is paused by the researcher',
          'Please wait a moment. Nothing you have done is lost: this page continues by itself when the researcher '
          + 'resumes your session.']
        : ['The study is paused for the moment',
          'Please wait, or come back to this page later. Nothing you have done is lost: this page continues by '
          + 'itself when the study goes on.'];
      document.title = `${title} – Tuneloop`;
      replace(byId('view'), h('section', { class: 'page hold', 'aria-labelledby': 'page-title', 'data-hold': kind },
        h('h1', { id: 'page-title', tabindex: -1 }, title),
        h('p', {}, text),
        h('p', { class: 'meta', id: 'hold-check' }, 'This page checks every few seconds whether you can go on.')));
      byId('page-title').focus();
    }
    if (this.holdTimer === null) {
      this.holdTimer = window.setTimeout(() => void this.checkHold(), HOLD_CHECK_MS);
    }
  }

  private async checkHold(): Promise<void> {
    this.holdTimer = null;
    try {
      this.show(await this.api.get<Session>(`/api/participants/${this.participantId}`));
    } catch (e) {
      if (e instanceof ApiError && !e.retryable) {
        this.endHold();
        this.refused(e);
        return;
      }
      if (this.hold) {
        this.holdTimer = window.setTimeout(() => void this.checkHold(), HOLD_CHECK_MS);
      }
    }
  }

  private endHold(): void {
    this.hold = null;
    if (this.holdTimer !== null) {
      clearTimeout(this.holdTimer);
      this.holdTimer = null;
    }
  }

  /** The study closed while this participant was in it: nothing more can be saved. */
  private closedPage(): void {
    this.endHold();
    this.player.stop();
    this.training = null;
    if (this.rendered !== 'closed') {
      this.endPage('This study has ended', [
        'The study has closed, so nothing more can be saved. What you gave before is kept.',
        'Thank you very much for taking part. You can close this page now.']);
      this.rendered = 'closed';
      replace(byId('footer'));
      byId('page-title').focus();
    }
  }

  private consentPage(session: Session): void {
    const consent = session.consent ?? { version: '?', title: 'Consent', text: '' };
    document.title = 'Consent – Tuneloop';
    replace(byId('view'), h('section', { class: 'page consent', 'aria-labelledby': 'page-title' },
      h('h1', { id: 'page-title', tabindex: -1 }, consent.title),
      h('p', { class: 'meta' }, `Information and consent, version ${consent.version}`),
      h('div', { class: 'consent-text', id: 'consent-text' }, paragraphs(consent.text)),
      h('div', { class: 'actions', role: 'group', 'aria-label': 'Your answer' },
        h('button', { type: 'button', class: 'primary', id: 'agree', 'aria-describedby': 'consent-text',
          onclick: () => { this.player.unlock(); this.command('consent', { consentVersion: consent.version, agree: true }); } },
          'I agree and take part'),
        h('button', { type: 'button', id: 'decline',
          onclick: () => this.command('consent', { consentVersion: consent.version, agree: false }) },
          'I do not agree'))));
  }

  private parametersPage(rules: ParameterRules | undefined): void {
    document.title = 'Start – Tuneloop';
    const r: ParameterRules = rules ?? {
      defaults: { baseNote: 60, scale: 'major', length: 8, tempo: 90 }, scales: ['major'],
      baseNote: { min: 36, max: 84 }, length: { min: 2, max: 16 }, tempo: { min: 40, max: 200 }, fixed: false,
    };
    const d = r.defaults;
    const notes: HTMLOptionElement[] = [];
    for (let p = r.baseNote.min; p <= r.baseNote.max; p++) {
      // The accessible name starts with the visible label (speech users say what they see), then spells
      // the note out for screen readers ("C sharp 4").
      const visible = `${noteName(p)}${p === 60 ? ' (middle C)' : ''}`;
      notes.push(h('option', { value: p, selected: p === d.baseNote, 'aria-label': `${visible}, ${spokenNoteName(p)}` },
        visible));
    }
    const field = (id: string, label: string, control: HTMLElement, hint: string) => h('div', { class: 'field' },
      h('label', { for: id }, label), control,
      h('p', { class: 'hint', id: `${id}-hint` }, hint),
      h('p', { class: 'field-error', id: `${id}-error`, hidden: true }));
    const disabled = r.fixed;
    const form = h('form', { class: 'page parameters', 'aria-labelledby': 'page-title', novalidate: true },
      h('h1', { id: 'page-title', tabindex: -1 }, 'Choose where the music starts'),
      h('p', {}, 'The agent starts every episode from a random melody with drums, made from these choices. ',
        'Then it edits the melody step by step and learns from your ratings.'),
      r.fixed ? h('p', { class: 'meta' }, 'In this study the starting point is fixed.') : null,
      field('baseNote', 'Base note', h('select', { id: 'baseNote', name: 'baseNote', disabled,
        'aria-describedby': 'baseNote-hint baseNote-error' }, notes), 'The lowest note of the scale.'),
      field('scale', 'Scale', h('select', { id: 'scale', name: 'scale', disabled,
        'aria-describedby': 'scale-hint scale-error' },
        r.scales.map((s) => h('option', { value: s, selected: s === d.scale }, scaleLabel(s)))),
        'The set of notes the melody uses.'),
      field('length', 'Track length (notes)', h('input', { id: 'length', name: 'length', type: 'number',
        inputmode: 'numeric', min: r.length.min, max: r.length.max, step: 1, value: d.length, required: true, disabled,
        'aria-describedby': 'length-hint length-error' }),
        `From ${r.length.min} to ${r.length.max}. Longer tracks take longer to rate.`),
      field('tempo', 'Tempo (beats per minute)', h('input', { id: 'tempo', name: 'tempo', type: 'number',
        inputmode: 'numeric', min: r.tempo.min, max: r.tempo.max, step: 1, value: d.tempo, required: true, disabled,
        'aria-describedby': 'tempo-hint tempo-error' }),
        `From ${r.tempo.min} (slow) to ${r.tempo.max} (fast).`),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'start' },
        'Start training')));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.player.unlock();
      const values = r.fixed ? d : this.readParameters(form, r);
      if (values) {
        this.command('parameters', { ...values });
      }
    });
    replace(byId('view'), form);
  }

  /** The form's values, or null after marking the fields that are out of range. */
  private readParameters(form: HTMLFormElement, r: ParameterRules): ParameterRules['defaults'] | null {
    const value = (id: string) => (form.querySelector(`#${id}`) as HTMLInputElement).value.trim();
    const whole = (id: string, range: { min: number; max: number }, what: string): number | null => {
      const input = form.querySelector(`#${id}`) as HTMLInputElement;
      const error = form.querySelector(`#${id}-error`) as HTMLElement;
      const n = Number(value(id));
      const ok = value(id) !== '' && Number.isInteger(n) && n >= range.min && n <= range.max;
      input.setAttribute('aria-invalid', String(!ok));
      error.hidden = ok;
      error.textContent = ok ? '' : `Please enter ${what} from ${range.min} to ${range.max}.`;
      return ok ? n : null;
    };
    const length = whole('length', r.length, 'a whole number of notes');
    const tempo = whole('tempo', r.tempo, 'a tempo');
    const baseNote = Number(value('baseNote'));
    if (length === null || tempo === null) {
      (form.querySelector('[aria-invalid="true"]') as HTMLElement | null)?.focus();
      return null;
    }
    return { baseNote, scale: value('scale'), length, tempo };
  }

  private trainingPage(): TrainingElements {
    const ratings: HTMLButtonElement[] = [];
    for (let r = 1; r <= 10; r++) {
      ratings.push(h('button', { type: 'button', class: 'rating', 'data-rating': r, 'aria-keyshortcuts': keyFor(r),
        'aria-pressed': 'false', onclick: () => this.rate(r) }, String(r)));
    }
    const heading = h('h1', { id: 'page-title', tabindex: -1 }, 'Listen and rate');
    const progress = h('p', { class: 'progress', id: 'progress' });
    const overall = h('progress', { id: 'overall', max: 1, value: 0, 'aria-label': 'Required episodes done' });
    const play = h('button', { type: 'button', class: 'play primary', id: 'play', 'aria-keyshortcuts': 'Space P',
      onclick: () => { this.player.unlock(); void this.playCurrent(true); } }, 'Play');
    const playback = h('progress', { id: 'playback', max: 1, value: 0, 'aria-label': 'Part of the track played' });
    const audioHint = h('p', { class: 'audio-hint', id: 'audio-hint', hidden: true },
      'Your browser plays sound only after a click or a key press: press Play (or the Space key) to listen.');
    const section = h('section', { class: 'page training', 'aria-labelledby': 'page-title', 'data-playing': 'false' },
      heading, progress, overall,
      h('div', { class: 'player' }, play, playback), audioHint,
      h('fieldset', { class: 'ratings' },
        h('legend', { id: 'rating-legend' }, 'How much do you like this track?'),
        h('p', { class: 'scale-ends', id: 'scale-ends' }, h('span', {}, '1 = not at all'),
          h('span', {}, '10 = very much')),
        h('div', { class: 'rating-buttons', role: 'group', 'aria-labelledby': 'rating-legend',
          'aria-describedby': 'scale-ends' }, ratings)),
      h('p', { class: 'keys', id: 'keys' }, 'Keys: ', h('kbd', {}, '1'), '–', h('kbd', {}, '9'), ' rate, ',
        h('kbd', {}, '0'), ' is 10, ', h('kbd', {}, 'Space'), ' or ', h('kbd', {}, 'P'), ' plays the track again. ',
        'You may rate before the track ends.'));
    replace(byId('view'), section);
    return { section, heading, progress, overall, play, playback, audioHint, ratings };
  }

  private showTrack(session: Session): void {
    const view = this.training;
    const track = session.track;
    const p = session.progress;
    if (!view || !track || !p) {
      return;
    }
    const key = `${track.episode}-${track.step}`;
    const extra = p.episode > p.minEpisodes;
    const episodeText = extra ? `Episode ${p.episode} (extra)` : `Episode ${p.episode} of ${p.minEpisodes}`;
    view.progress.textContent = `${episodeText} · Track ${track.step} of ${p.stepsPerEpisode}`;
    view.section.dataset.episode = String(track.episode);
    view.section.dataset.step = String(track.step);
    const done = (Math.min(p.completedEpisodes, p.minEpisodes) * p.stepsPerEpisode + (extra ? 0 : track.step - 1))
      / Math.max(1, p.minEpisodes * p.stepsPerEpisode);
    view.overall.value = Math.min(1, done);
    view.overall.setAttribute('aria-valuetext', `${p.completedEpisodes} of ${p.minEpisodes} episodes done`);
    if (key === this.trackKey) {
      return;
    }
    this.trackKey = key;
    this.presentedAt = performance.now();
    document.title = `Episode ${track.episode}, track ${track.step} – Tuneloop`;
    view.playback.value = 0;
    void this.playCurrent(false);
  }

  private playable(): Playable | null {
    const s = this.session;
    if (s?.phase === 'training' && s.track) {
      return s.track;
    }
    if (s?.phase === 'finished' && s.composition) {
      return { tempo: s.composition.tempo, notes: s.composition.notes };
    }
    return null;
  }

  private async playCurrent(byUser: boolean): Promise<void> {
    const track = this.playable();
    if (!track) {
      return;
    }
    const started = await this.player.play(track);
    const hint = document.getElementById('audio-hint');
    if (hint) {
      hint.hidden = started;
    }
    if (!started && byUser) {
      alert('This browser did not start the sound. Check that the tab is not muted, then press Play again.');
    }
  }

  private rate(rating: number): void {
    const track = this.session?.phase === 'training' ? this.session.track : undefined;
    if (!track || this.blocked() || this.hold) {
      return;
    }
    this.command('ratings', { episode: track.episode, step: track.step, rating,
      clientMillisToRate: Math.max(0, Math.round(performance.now() - this.presentedAt)) });
  }

  /** Shows which rating is being sent (pressed) and that no other answer is taken meanwhile. */
  private markChoice(command: PendingCommand | null): void {
    const view = this.training;
    if (!view) {
      return;
    }
    const rating = command?.action === 'ratings' ? Number(command.body?.rating) : null;
    view.section.classList.toggle('waiting', command !== null);
    view.section.setAttribute('aria-busy', String(command !== null));
    for (const b of view.ratings) {
      const mine = rating !== null && Number(b.dataset.rating) === rating;
      b.setAttribute('aria-pressed', String(mine));
      // aria-disabled, not disabled: a disabled button would lose the keyboard focus.
      b.setAttribute('aria-disabled', String(command !== null));
    }
  }

  private betweenPage(session: Session): void {
    const p = session.progress;
    const done = p?.completedEpisodes ?? 0;
    document.title = 'Episode done – Tuneloop';
    replace(byId('view'), h('section', { class: 'page between', 'aria-labelledby': 'page-title' },
      h('h1', { id: 'page-title', tabindex: -1 }, `You have finished ${done} episodes`),
      h('p', {}, session.canFinish
        ? 'That is all the study asks for. You can train your agent for another episode, or finish: the agent then '
          + 'composes a track of its own from what it has learned.'
        : `The study asks for at least ${p?.minEpisodes ?? '?'} episodes. Please continue.`),
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'another', class: session.canFinish ? '' : 'primary',
          onclick: () => { this.player.unlock(); this.command('episodes', null); } }, 'Another episode'),
        h('button', { type: 'button', id: 'finish', class: 'primary', disabled: !session.canFinish,
          onclick: () => { this.player.unlock(); this.command('finish', null); } }, 'Finish training'))));
  }

  private finishedPage(session: Session): void {
    const composition: Composition | undefined = session.composition;
    document.title = 'Finished – Tuneloop';
    const play = h('button', { type: 'button', class: 'primary', id: 'play',
      'aria-keyshortcuts': 'Space P', onclick: () => { this.player.unlock(); void this.playCurrent(true); } },
    'Play the composition');
    const download = h('button', { type: 'button', id: 'download', onclick: () => void this.download() },
      'Download as MIDI file');
    replace(byId('view'), h('section', { class: 'page finished', 'aria-labelledby': 'page-title', 'data-playing': 'false' },
      h('h1', { id: 'page-title', tabindex: -1 }, 'Thank you — training is finished'),
      session.completion ? completionBlock(session.completion) : null,
      h('p', {}, 'Your agent composed this track with what it learned from your ratings.'),
      h('div', { class: 'player' }, play, download),
      h('p', { class: 'audio-hint', id: 'audio-hint', hidden: true },
        'Press Play (or the Space key) to listen.'),
      composition ? h('details', {}, h('summary', {}, 'The notes'),
        h('p', { class: 'notes' }, describe(composition.notes)),
        h('p', { class: 'meta' }, `Tempo ${composition.tempo} BPM; edits: ${composition.actions.join(', ') || 'none'}`))
        : null,
      h('p', {}, 'You can close this page now.')));
  }

  private async download(): Promise<void> {
    status('Preparing the MIDI file…', 'saving');
    try {
      const blob = await this.api.blob(`/api/participants/${this.participantId}/composition.mid`);
      saveBlob(new Blob([blob], { type: 'audio/midi' }), 'tuneloop-composition.mid');
      status('The MIDI file tuneloop-composition.mid was downloaded.', 'info');
    } catch (e) {
      status(e instanceof NetworkError ? 'The download failed: the study server cannot be reached. Please try again.'
        : `The download failed: ${e instanceof ApiError ? e.detail : String(e)}`, 'info');
    }
  }

  private endPage(title: string, text: readonly string[]): void {
    document.title = `${title} – Tuneloop`;
    replace(byId('view'), h('section', { class: 'page end', 'aria-labelledby': 'page-title' },
      h('h1', { id: 'page-title', tabindex: -1 }, title), text.map((t) => h('p', {}, t))));
  }

  private footer(phase: string): void {
    const canWithdraw = ['parameters', 'training', 'between-episodes', 'finished'].includes(phase);
    replace(byId('footer'), canWithdraw
      ? h('button', { type: 'button', class: 'link-button', id: 'withdraw', onclick: () => this.confirmWithdraw() },
        'Withdraw from the study')
      : null);
  }

  private confirmWithdraw(): void {
    const dialog = byId<HTMLDialogElement>('confirm');
    replace(dialog, h('form', { method: 'dialog' },
      h('h2', { id: 'confirm-title' }, 'Withdraw from the study?'),
      h('p', { id: 'confirm-text' }, 'Training stops and nothing more will be asked. You cannot undo this.'),
      h('div', { class: 'actions' },
        h('button', { value: 'cancel', autofocus: true }, 'Keep taking part'),
        h('button', { value: 'withdraw', class: 'danger' }, 'Withdraw'))));
    dialog.setAttribute('aria-labelledby', 'confirm-title');
    dialog.setAttribute('aria-describedby', 'confirm-text');
    dialog.onclose = () => {
      if (dialog.returnValue === 'withdraw') {
        this.command('withdraw', null);
      }
      byId('withdraw').focus();
    };
    dialog.returnValue = '';
    dialog.showModal();
  }

  // ---- keys -----------------------------------------------------------------------------------------------

  private onKey(e: KeyboardEvent): void {
    const phase = this.session?.phase;
    if ((phase !== 'training' && phase !== 'finished') || this.hold || this.rendered === 'closed') {
      return;
    }
    if (document.querySelector('dialog[open]')) {
      return;
    }
    const target = e.target as HTMLElement | null;
    const tag = target?.tagName ?? '';
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || target?.isContentEditable) {
      return;
    }
    const action = keyAction(e);
    if (!action) {
      return;
    }
    if (action.kind === 'play') {
      // Space on a focused button or link keeps its usual meaning: it presses that button.
      if (e.key === ' ' && (tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY')) {
        return;
      }
      e.preventDefault();
      this.player.unlock();
      void this.playCurrent(true);
      return;
    }
    if (phase === 'training') {
      e.preventDefault();
      this.player.unlock();
      this.rate(action.rating);
    }
  }
}

function savingText(command: PendingCommand): string {
  switch (command.action) {
    case 'ratings': return `Saving your rating ${String(command.body?.rating)}…`;
    case 'consent': return 'Saving your answer…';
    case 'parameters': return 'Starting…';
    case 'episodes': return 'Starting another episode…';
    case 'finish': return 'Finishing; the agent is composing…';
    case 'withdraw': return 'Withdrawing…';
  }
}

function savedText(command: PendingCommand, answer: Session): string {
  switch (command.action) {
    case 'ratings': {
      const b = command.body ?? {};
      const next = answer.phase === 'training' && answer.track
        ? ` Now playing episode ${answer.track.episode}, track ${answer.track.step}.` : '';
      return `Saved: rating ${String(b.rating)} for episode ${String(b.episode)}, track ${String(b.step)}.${next}`;
    }
    case 'consent': return 'Your answer is saved.';
    case 'parameters': return 'Saved. The first track is playing.';
    case 'episodes': return 'Another episode starts.';
    case 'finish': return 'Training is finished.';
    case 'withdraw': return 'You have withdrawn.';
  }
}

