/**
 * The participant's answers as the server takes them: one action each, with its own body. The page sends one
 * at a time; each is kept until the server answers (see outbox.ts). Pure: no DOM.
 */
import type { Session, StartParameters } from '../api.ts';

export interface ConsentAnswer {
  readonly consentVersion: string;
  readonly agree: boolean;
}

export interface RatingAnswer {
  readonly episode: number;
  readonly step: number;
  readonly rating: number;
  /** From the track appearing on the page to the rating, as this page measured it. */
  readonly clientMillisToRate: number;
}

export type Command =
  | { readonly action: 'consent'; readonly body: ConsentAnswer }
  | { readonly action: 'parameters'; readonly body: StartParameters }
  | { readonly action: 'ratings'; readonly body: RatingAnswer }
  | { readonly action: 'episodes'; readonly body: null }
  | { readonly action: 'finish'; readonly body: null }
  | { readonly action: 'withdraw'; readonly body: null };

export type Action = Command['action'];

/** A command given but not yet answered by the server, as kept in the browser. */
export type PendingCommand = Command & {
  readonly participantId: string;
  /** The Idempotency-Key: one per intended action, unchanged on every resend. */
  readonly key: string;
  readonly createdAt: number;
};

/** The status line while the command is on its way. */
export function savingText(command: Command): string {
  switch (command.action) {
    case 'ratings': return `Saving your rating ${command.body.rating}…`;
    case 'consent': return 'Saving your answer…';
    case 'parameters': return 'Starting…';
    case 'episodes': return 'Starting another episode…';
    case 'finish': return 'Finishing; the agent is composing…';
    case 'withdraw': return 'Withdrawing…';
  }
}

/**
 * The status line once the server took the command and the page stays the same (a rating followed by the next
 * track). A command that opens another page says nothing here: the new page is the answer.
 */
export function savedText(command: Command, answer: Session): string {
  switch (command.action) {
    case 'ratings': {
      const b = command.body;
      const track = answer.phase === 'training' ? answer.track : undefined;
      // A new episode announces itself on the page; the status line need not repeat it.
      const next = track && track.episode === b.episode
        ? ` Now playing episode ${track.episode}, track ${track.step}.` : '';
      return `Saved: rating ${b.rating} for episode ${b.episode}, track ${b.step}.${next}`;
    }
    case 'consent': return 'Your answer is saved.';
    case 'parameters': return 'Saved. The first track is playing.';
    case 'episodes': return 'Another episode starts.';
    case 'finish': return 'Training is finished.';
    case 'withdraw': return 'You have withdrawn.';
  }
}

/** The status line when no answer came: what is kept where, and that it goes again by itself. */
export function notSavedText(command: Command, persistent: boolean): string {
  const what = command.action === 'ratings' ? `Your rating ${command.body.rating} is` : 'Your answer is';
  const kept = persistent ? 'kept in this browser and' : 'kept on this page and';
  return `Not saved — the study server cannot be reached. ${what} ${kept} will be sent again automatically.`;
}
