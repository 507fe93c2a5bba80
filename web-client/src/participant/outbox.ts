/**
 * The retry queue of the participant's answers. An answer is written to the browser (pending.ts) before it is
 * sent, and forgotten only when the server has answered it. Without an answer (no network, server down, a 5xx,
 * 408 or 429) it stays and goes again with the same Idempotency-Key, after 1, 2, 4, then every 5 seconds, or at
 * once on `resendNow` (the browser is online again, the participant asked). One answer at a time: while one is
 * on its way or waits, no other is taken. No DOM here: the page listens through `OutboxListener`.
 */
import { ApiError, NetworkError, type Session } from '../api.ts';
import type { PendingStore } from '../pending.ts';
import { uuid } from '../uuid.ts';
import type { Command, PendingCommand } from './commands.ts';

export const FIRST_RETRY_MS = 1000;
export const MAX_RETRY_MS = 5000;

/** Time as the queue needs it; tests pass a clock they move by hand. */
export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => globalThis.setTimeout(run, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** What the queue tells the page. */
export interface OutboxListener {
  /** The command goes out now (again, when `resend`). */
  sending(command: PendingCommand, resend: boolean): void;
  /** The server took it; `answer` is the session after it. */
  saved(command: PendingCommand, answer: Session): void;
  /** No answer: the command is kept and goes again in `retryInMs`. */
  unsaved(command: PendingCommand, retryInMs: number): void;
  /** The server refused it (4xx other than 408 and 429, or something unexpected): it is dropped. */
  refused(command: PendingCommand, error: unknown): void;
}

/** The one call the queue makes: a POST with a body and an Idempotency-Key (Api.post). */
export interface Poster {
  post<T>(path: string, body: unknown, key?: string): Promise<T>;
}

export class Outbox {
  private busy = false;
  private timer: unknown = null;
  private delay = FIRST_RETRY_MS;
  private flight: Promise<void> = Promise.resolve();

  constructor(private readonly api: Poster, private readonly participantId: string,
              private readonly store: PendingStore, private readonly listener: OutboxListener,
              private readonly clock: Clock = systemClock, private readonly newKey: () => string = uuid) {}

  /** The command waiting for the server's answer, if any (also one left by an earlier page). */
  get pending(): PendingCommand | null {
    return this.store.get(this.participantId);
  }

  /** True while a command is on its way or waits to be resent: no new one is taken then. */
  get blocked(): boolean {
    return this.busy || this.pending !== null;
  }

  /** False when the browser refused storage: a waiting command then lives only as long as the page. */
  get persistent(): boolean {
    return this.store.persistent;
  }

  /** True when a resend is scheduled. */
  get retrying(): boolean {
    return this.timer !== null;
  }

  /** Keeps the command and sends it; false (and nothing done) while another one is not answered yet. */
  submit(command: Command): boolean {
    if (this.blocked) {
      return false;
    }
    const pending = { ...command, participantId: this.participantId, key: this.newKey(),
      createdAt: this.clock.now() } as PendingCommand;
    this.store.put(pending);
    this.send(pending, false);
    return true;
  }

  /** Sends the waiting command now (a reload, the browser back online, "Try again now"). */
  resendNow(): void {
    const pending = this.pending;
    if (pending && !this.busy) {
      this.send(pending, true);
    }
  }

  /** Settles when the last send has been answered or given up (for tests and for the page's start). */
  idle(): Promise<void> {
    return this.flight;
  }

  private send(command: PendingCommand, resend: boolean): void {
    this.busy = true;
    this.cancelRetry();
    this.listener.sending(command, resend);
    this.flight = this.api.post<Session>(`/api/participants/${this.participantId}/${command.action}`,
      command.body ?? undefined, command.key).then(
      (answer) => {
        this.store.clear(this.participantId, command.key);
        this.busy = false;
        this.delay = FIRST_RETRY_MS;
        this.listener.saved(command, answer);
      },
      (e: unknown) => {
        this.busy = false;
        if (e instanceof NetworkError || (e instanceof ApiError && e.retryable)) {
          this.listener.unsaved(command, this.scheduleRetry());
          return;
        }
        this.store.clear(this.participantId, command.key);
        this.listener.refused(command, e);
      });
  }

  private scheduleRetry(): number {
    const delay = this.delay;
    this.delay = Math.min(this.delay * 2, MAX_RETRY_MS);
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.resendNow();
    }, delay);
    return delay;
  }

  private cancelRetry(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
