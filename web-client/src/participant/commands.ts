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
  /** Share of the track played before the rating (0..1), as the player measured it. */
  readonly heardShare?: number;
  /** Times the track was started again. */
  readonly replays?: number;
  /** Time the page was hidden while the track waited for its rating. */
  readonly hiddenMillis?: number;
  /** An arm with a compound reward asks for these three too, each 1 to 10 (the session names them in `aspects`). */
  readonly musicality?: number;
  readonly novelty?: number;
  readonly coherence?: number;
}

/** The playback setup of a listening check (setup.ts). */
export interface SetupAnswer {
  readonly block: string;
  readonly browser: string;
  readonly sampleRate?: number;
  readonly outputLatency?: number;
  readonly deviceType: 'desktop' | 'laptop' | 'tablet' | 'phone' | 'other';
}

/** Item id to answer: a number (Likert, number, fatigue), a text (choice, attention check, free text) or texts. */
export type Answers = Readonly<Record<string, number | string | readonly string[]>>;

export type Command =
  | { readonly action: 'consent'; readonly body: ConsentAnswer }
  | { readonly action: 'parameters'; readonly body: StartParameters }
  | { readonly action: 'ratings'; readonly body: RatingAnswer }
  | { readonly action: 'episodes'; readonly body: null }
  | { readonly action: 'finish'; readonly body: null }
  | { readonly action: 'withdraw'; readonly body: null }
  | { readonly action: 'instructions'; readonly body: { readonly block: string } }
  | { readonly action: 'setup'; readonly body: SetupAnswer }
  | { readonly action: 'headphone-trials'; readonly body: { readonly block: string; readonly trial: number;
      readonly answer: number } }
  | { readonly action: 'answers'; readonly body: { readonly block: string; readonly answers: Answers } }
  | { readonly action: 'practice-rating'; readonly body: { readonly block: string; readonly rating: number } }
  | { readonly action: 'evaluations'; readonly body: { readonly block: string; readonly label: string;
      readonly answers: Readonly<Record<string, number>> } }
  | { readonly action: 'breaks'; readonly body: null }
  | { readonly action: 'breaks/end'; readonly body: null };

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
    case 'instructions': return 'Going on…';
    case 'setup': return 'Saving your listening setup…';
    case 'headphone-trials': return `Saving your answer ${command.body.answer}…`;
    case 'answers': return 'Saving your answers…';
    case 'practice-rating': return `Saving your rating ${command.body.rating}…`;
    case 'evaluations': return `Saving your answers about track ${command.body.label}…`;
    case 'breaks': return 'Starting your break…';
    case 'breaks/end': return 'Ending your break…';
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
    case 'instructions': return 'Going on.';
    case 'setup': return 'Your listening setup is saved.';
    case 'headphone-trials': return `Saved: answer ${command.body.answer} for sound check ${command.body.trial}.`;
    case 'answers': return 'Your answers are saved.';
    case 'practice-rating': return 'Your practice rating is saved.';
    case 'evaluations': return `Saved: your answers about track ${command.body.label}.`;
    case 'breaks': return 'Your break has started.';
    case 'breaks/end': return 'Your break is over.';
  }
}

/** The status line when no answer came: what is kept where, and that it goes again by itself. */
export function notSavedText(command: Command, persistent: boolean): string {
  const what = command.action === 'ratings' ? `Your rating ${command.body.rating} is` : 'Your answer is';
  const kept = persistent ? 'kept in this browser and' : 'kept on this page and';
  return `Not saved — the study server cannot be reached. ${what} ${kept} will be sent again automatically.`;
}
