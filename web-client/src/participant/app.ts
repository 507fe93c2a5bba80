/**
 * The participant's session controller. The server's Session is the only truth: the page for its phase
 * (pages.ts) is drawn from the last Session the server sent, and an answer counts as given only when the server
 * has answered it; until then it waits in the retry queue (outbox.ts). Besides, the controller holds the page
 * while the researcher or the study pauses it, looks now and then whether the session was paused or ended
 * meanwhile, and passes the page keys to the page.
 */
import { Api, ApiError, type Phase, type Session } from '../api.ts';
import { confirmed } from '../dialog.ts';
import { byId, h, replace } from '../dom.ts';
import { keyAction } from '../keys.ts';
import { browserStorage, PendingStore } from '../pending.ts';
import { LivePlayer } from '../player.ts';
import { alert, clearStatus, status } from '../status.ts';
import { notSavedText, savedText, savingText, type PendingCommand } from './commands.ts';
import { Outbox, type OutboxListener } from './outbox.ts';
import type { Page, PageContext } from './page.ts';
import { ACTIVE, CAN_WITHDRAW, pageFor } from './pages.ts';
import { closedPage, refusedPage } from './pages/end.ts';
import { holdPage, type Hold } from './pages/hold.ts';

/** How often a paused page asks whether it may go on. */
const HOLD_CHECK_MS = 3000;
/** How often an open page looks, quietly, whether a researcher has paused or ended the session meanwhile. */
const WATCH_MS = 10000;
/** While the server cannot be reached for the session: the first wait, doubled up to the longest. */
const FETCH_FIRST_MS = 1000;
const FETCH_MAX_MS = 5000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ParticipantApp {
  private session: Session | null = null;
  private page: Page | null = null;
  /** What is on the screen: a phase, or `hold-researcher`, `hold-study`, `closed`, `refused`. */
  private shown: string | null = null;
  private hold: Hold | null = null;
  private holdTimer: number | null = null;
  private readonly player = new LivePlayer();
  private readonly outbox: Outbox;
  private readonly context: PageContext;

  constructor(private readonly api: Api, private readonly participantId: string) {
    this.outbox = new Outbox(api, participantId, new PendingStore(browserStorage()), this.listener());
    this.context = {
      api, participantId, player: this.player,
      send: (command) => { this.outbox.submit(command); },
      waiting: () => this.outbox.blocked,
    };
    window.addEventListener('online', () => this.outbox.resendNow());
    document.addEventListener('keydown', (e) => this.onKey(e));
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
    this.show(session);
    window.setInterval(() => void this.watch(), WATCH_MS);
    // An answer left by an earlier page (a reload, a closed tab) goes again with its own key.
    this.outbox.resendNow();
  }

  // ---- talking to the server ----------------------------------------------------------------------------

  private get sessionPath(): string {
    return `/api/participants/${this.participantId}`;
  }

  /** The current Session, retrying while the server cannot be reached; null after a refusal. */
  private async fetchSession(): Promise<Session | null> {
    for (let delay = FETCH_FIRST_MS; ; delay = Math.min(delay * 2, FETCH_MAX_MS)) {
      try {
        const session = await this.api.get<Session>(this.sessionPath);
        if (byId('status').dataset.state === 'offline') {
          clearStatus();
        }
        return session;
      } catch (e) {
        if (e instanceof ApiError && !e.retryable) {
          this.showRefused(e);
          return null;
        }
        status('Cannot reach the study server. Trying again…', 'offline');
        await sleep(delay);
      }
    }
  }

  /**
   * A participant listening to a track sends nothing for a while: a researcher's pause or early end should
   * still reach the page. One quiet look, no retries and no status messages; anything else waits for the
   * participant's next answer.
   */
  private async watch(): Promise<void> {
    if (this.hold || this.outbox.blocked || document.visibilityState !== 'visible'
      || !ACTIVE.has(this.session?.phase ?? 'finished')) {
      return;
    }
    try {
      const session = await this.api.get<Session>(this.sessionPath);
      if (!this.outbox.blocked && (session.pausedByResearcher || session.phase === 'ended'
        || session.studyStatus === 'closed')) {
        this.show(session);
      }
    } catch {
      // the next answer the participant gives will say what is wrong
    }
  }

  /** How the page follows the retry queue: the status line, the waiting answer on the page, refusals. */
  private listener(): OutboxListener {
    return {
      sending: (command, resend) => {
        alert('');
        this.page?.waiting?.(command);
        status(resend ? `${savingText(command)} (sending again)` : savingText(command), 'saving');
      },
      saved: (command, answer) => {
        this.page?.waiting?.(null);
        const before = this.page;
        this.show(answer);
        // A new page is the answer itself (and starts with a clear status line).
        if (this.page === before) {
          status(savedText(command, answer), 'saved');
        }
      },
      unsaved: (command) => {
        status(notSavedText(command, this.outbox.persistent), 'unsaved', ' ',
          h('button', { type: 'button', class: 'link-button', onclick: () => this.outbox.resendNow() },
            'Try again now'));
      },
      refused: (command, e) => void this.refused(command, e),
    };
  }

  private async refused(command: PendingCommand, e: unknown): Promise<void> {
    this.page?.waiting?.(null);
    const reason = e instanceof ApiError && e.status === 409 ? e.body.reason : undefined;
    if (reason === 'paused-by-researcher' || reason === 'paused') {
      clearStatus();
      this.showHold(reason === 'paused' ? 'study' : 'researcher');
    } else if (reason === 'closed') {
      clearStatus();
      this.showClosed();
    } else if (e instanceof ApiError && e.status === 409) {
      const session = await this.fetchSession();
      if (session) {
        this.show(session);
        status('That answer was no longer needed (perhaps it was given in another tab). Here is where you are now.',
          'info');
      }
    } else if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
      this.showRefused(e);
    } else if (e instanceof ApiError) {
      clearStatus();
      if (!this.page?.refused?.(command, e)) {
        alert(`The server did not accept this: ${e.words}`);
      }
    } else {
      clearStatus();
      alert(`Something went wrong: ${String(e)}`);
    }
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
        this.showClosed();
        return;
      }
      const held: Hold | null = session.pausedByResearcher ? 'researcher'
        : this.hold === 'study' && session.studyStatus === 'paused' ? 'study' : null;
      if (held) {
        this.showHold(held);
        return;
      }
    }
    const resumed = this.hold !== null;
    this.endHold();
    if (this.shown === phase && this.page) {
      this.page.update?.(session);
    } else {
      this.put(phase, () => pageFor[phase](session, this.context));
    }
    this.footer(phase);
    if (resumed) {
      status('You can go on now.', 'info');
    }
  }

  /**
   * Puts a new page on the screen: the old one stops (sound, timers), the status line and any alert clear
   * (they spoke of the old page), and the new heading takes the focus.
   */
  private put(shown: string, make: () => Page): void {
    this.player.stop();
    this.page?.leave?.();
    this.page = null;
    clearStatus();
    alert('');
    const page = make();
    this.page = page;
    this.shown = shown;
    document.title = `${page.title} – Tuneloop`;
    replace(byId('view'), page.element);
    byId('page-title').focus();
  }

  private footer(phase: Phase | null): void {
    const footer = byId('footer');
    const wanted = phase !== null && CAN_WITHDRAW.has(phase);
    // Left alone when nothing changes, so that a focused Withdraw keeps its focus.
    if (wanted === (footer.querySelector('#withdraw') !== null)) {
      return;
    }
    replace(footer, wanted
      ? h('button', { type: 'button', class: 'link-button', id: 'withdraw', onclick: () => void this.withdraw() },
        'Withdraw from the study')
      : null);
  }

  private async withdraw(): Promise<void> {
    if (await confirmed('Withdraw from the study?',
      'Nothing more will be asked, and what you gave will not be used. You cannot undo this.', 'Withdraw', true,
      'Keep taking part')) {
      this.context.send({ action: 'withdraw', body: null });
    }
  }

  private showRefused(e: ApiError): void {
    this.endHold();
    this.put('refused', () => refusedPage(e));
    this.footer(null);
  }

  /** The study closed while this participant was in it: nothing more can be saved. */
  private showClosed(): void {
    this.endHold();
    if (this.shown !== 'closed') {
      this.put('closed', closedPage);
      this.footer(null);
    }
  }

  // ---- waiting for the researcher or the study ---------------------------------------------------------------

  /** A calm page while the session may not go on; it asks every few seconds and goes on by itself. */
  private showHold(kind: Hold): void {
    if (this.hold !== kind) {
      this.hold = kind;
      this.put(`hold-${kind}`, () => holdPage(kind));
    }
    if (this.holdTimer === null) {
      this.holdTimer = window.setTimeout(() => void this.checkHold(), HOLD_CHECK_MS);
    }
  }

  private async checkHold(): Promise<void> {
    this.holdTimer = null;
    try {
      this.show(await this.api.get<Session>(this.sessionPath));
    } catch (e) {
      if (e instanceof ApiError && !e.retryable) {
        this.showRefused(e);
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

  // ---- keys -----------------------------------------------------------------------------------------------

  /** Page keys (keys.ts) go to the page, except in text fields, in dialogs and while the page is held. */
  private onKey(e: KeyboardEvent): void {
    const page = this.page;
    if (!page?.key || this.hold || document.querySelector('dialog[open]')) {
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
    // Space on a focused button or link keeps its usual meaning: it presses that button.
    if (action.kind === 'play' && e.key === ' ' && (tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY')) {
      return;
    }
    page.key(action, e);
  }
}
