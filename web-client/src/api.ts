/**
 * The Tuneloop HTTP API (served beside this page; contract in /openapi.yaml). A participant (and a script) sends
 * a bearer token; a researcher's browser sends its session cookie and, on every change, the CSRF token.
 */
import type { Note } from './music.ts';

export interface Caller {
  readonly role: 'participant' | 'researcher';
  readonly participantId: string | null;
  readonly studyId: string | null;
}

export interface StartParameters {
  readonly baseNote: number;
  readonly scale: string;
  readonly length: number;
  readonly tempo: number;
}

export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface ParameterRules {
  readonly defaults: StartParameters;
  readonly scales: readonly string[];
  readonly baseNote: Range;
  readonly length: Range;
  readonly tempo: Range;
  readonly fixed: boolean;
  /**
   * How the agent's pitch edits move a note: by a semitone (the default, also when absent) or to the next pitch
   * of the scale (the agent's `scale-degree` option).
   */
  readonly pitchStep?: 'semitone' | 'scale-degree';
}

export interface Progress {
  readonly completedEpisodes: number;
  readonly minEpisodes: number;
  readonly episode: number;
  readonly step: number;
  readonly stepsPerEpisode: number;
}

export interface Track {
  readonly episode: number;
  readonly step: number;
  readonly tempo: number;
  readonly notes: readonly Note[];
}

export interface Composition {
  readonly tempo: number;
  readonly start: readonly Note[];
  readonly actions: readonly string[];
  readonly notes: readonly Note[];
}

export type Phase = 'consent' | 'declined' | 'parameters' | 'training' | 'between-episodes' | 'finished'
  | 'withdrawn' | 'ended' | 'instructions' | 'listening-check' | 'questionnaire' | 'practice' | 'evaluation'
  | 'debrief' | 'screened-out';

/** A question of a questionnaire, an evaluation or a debrief (docs/flow.md, "Items"). */
export type Item = {
  readonly id: string;
  readonly text: string;
  readonly required: boolean;
} & (
  | { readonly type: 'likert'; readonly points: number; readonly anchors: readonly string[] }
  | { readonly type: 'single-choice' | 'attention-check'; readonly options: readonly string[] }
  | { readonly type: 'multiple-choice'; readonly options: readonly string[]; readonly min?: number | null;
      readonly max?: number | null }
  | { readonly type: 'number'; readonly min?: number | null; readonly max?: number | null; readonly integer?: boolean }
  | { readonly type: 'text'; readonly maxLength: number }
  | { readonly type: 'fatigue'; readonly scale: 'samn-perelli' | 'kss' }
);

/** A track to play in a block: the practice track, or an evaluation's blinded track (by its label only). */
export interface BlockTrack {
  readonly tempo: number;
  readonly notes: readonly Note[];
  readonly presentedAt: string;
  readonly label?: string;
  /** Evaluation: when the track could have been heard to its end; the server refuses a rating before. */
  readonly ratableAt?: string;
}

/** The block under way and what its page needs. */
export interface Block {
  readonly id: string;
  readonly type: string;
  readonly title?: string | null;
  readonly text?: string | null;
  readonly pages?: readonly { readonly title: string; readonly text: string }[];
  readonly items?: readonly Item[];
  readonly track?: BlockTrack;
  readonly setupRecorded?: boolean;
  readonly headphoneCheck?: { readonly trials: number; readonly trial: number;
    readonly layout: readonly ('reference' | 'quiet' | 'antiphase')[] } | null;
  readonly labels?: readonly string[];
  readonly position?: number;
}

/** A break between episodes, suggested or under way. */
export interface Rest {
  readonly reason: string;
  readonly seconds: number;
  readonly started: boolean;
  readonly enforced: boolean;
  readonly endsAt: string | null;
  readonly secondsLeft: number;
}

export interface Completion {
  readonly code: string;
  readonly redirectUrl: string | null;
}

export interface Session {
  readonly participantId: string;
  readonly studyId: string;
  readonly phase: Phase;
  readonly version: number;
  readonly consent?: { readonly version: string; readonly title: string; readonly text: string };
  readonly parameterRules?: ParameterRules;
  readonly parameters?: StartParameters;
  readonly progress?: Progress;
  readonly track?: Track;
  readonly canFinish?: boolean;
  readonly composition?: Composition;
  readonly duplicate?: boolean;
  readonly pausedByResearcher?: boolean;
  readonly studyStatus?: 'open' | 'paused' | 'closed';
  readonly completion?: Completion;
  readonly block?: Block;
  readonly flow?: { readonly index: number; readonly blocks: readonly { readonly id: string; readonly type: string }[] };
  readonly questionnaire?: { readonly block: string; readonly title: string | null; readonly items: readonly Item[] }
    | null;
  readonly rest?: Rest | null;
  readonly time?: { readonly elapsedSeconds: number; readonly estimatedSecondsLeft: number };
  readonly mustListen?: { readonly enabled: boolean; readonly toleranceMillis: number };
  /** Aspects an arm with a compound reward asks to rate besides the overall rating (musicality, novelty, coherence). */
  readonly aspects?: readonly ('musicality' | 'novelty' | 'coherence')[] | null;
  readonly canWithdrawData?: boolean;
  readonly screenedOut?: { readonly block: string };
}

export interface QTable {
  readonly participantId: string;
  readonly version: number;
  readonly phase: string;
  readonly entries: number;
  readonly values: readonly { readonly state: string; readonly action: string; readonly value: number }[];
  /** With `?at=POSITION`: the last log position applied, and the greedy action per state as of then. */
  readonly at?: number;
  readonly policy?: readonly { readonly state: string; readonly greedyAction: string; readonly value: number }[];
  /** How much the agent could learn: revisits, the table's size, greedy steps that met a learnt value. */
  readonly learning?: {
    readonly updates: number;
    readonly revisitedStates: number;
    readonly stateRevisitRate: number;
    readonly qTableSize: number;
    readonly greedySteps: number;
    readonly informedGreedySteps: number;
    readonly informedGreedyShare: number;
    readonly weights?: Readonly<Record<string, number>>;
  };
}

export interface StoredEventView {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** The server refused the request (status 4xx or 5xx), with its JSON error body when it sent one. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly error: string, readonly detail: string,
              readonly field: string | null, readonly body: Record<string, unknown> = {},
              readonly retryAfterSeconds: number | null = null) {
    super(`${status} ${error}: ${detail}`);
  }

  /** What went wrong in words: the server's sentence, else its short error. */
  get words(): string {
    return this.detail || this.error;
  }

  /** Worth sending again unchanged: the server (or a proxy before it) was in trouble, not the request. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

/** The request never got an answer: no network, server down, or timed out. */
export class NetworkError extends Error {}

const TIMEOUT_MS = 15000;

/**
 * How requests prove who sends them: a bearer token (participants, scripts), the browser's session cookie
 * (researchers; `csrf` goes with every change), both (turning an API token into a session), or nothing at all (joining a study, redeeming a kiosk code:
 * no cookie either, so that a researcher signed in in the same browser does not count as the caller).
 */
export type Credentials = { readonly token: string; readonly cookie?: boolean } | { readonly cookie: true }
  | { readonly none: true };

export class Api {
  /** The session's CSRF token, from the login answer or GET /api/session. */
  csrf: string | null = null;
  private readonly token: string | null;
  private readonly cookie: boolean;

  constructor(credentials: string | Credentials) {
    const c: Credentials = typeof credentials === 'string' ? { token: credentials } : credentials;
    this.token = 'token' in c ? c.token : null;
    this.cookie = 'cookie' in c && c.cookie === true;
  }

  get usesCookie(): boolean {
    return this.cookie;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path, undefined, undefined);
  }

  /** A command: `key` is the Idempotency-Key, the same on every resend of one intended action. */
  post<T>(path: string, body: unknown, key?: string): Promise<T> {
    return this.request<T>('POST', path, body, key);
  }

  /** DELETE, answered by 204 No Content. */
  async delete(path: string): Promise<void> {
    await this.fetch('DELETE', path, undefined, undefined, 'application/json');
  }

  /** A binary download (MIDI), with the token. */
  async blob(path: string): Promise<Blob> {
    const response = await this.fetch('GET', path, undefined, undefined, '*/*');
    return response.blob();
  }

  private async request<T>(method: string, path: string, body: unknown, key: string | undefined): Promise<T> {
    const response = await this.fetch(method, path, body, key, 'application/json');
    if (response.status === 204) {
      return undefined as T;
    }
    try {
      return (await response.json()) as T;
    } catch {
      throw new NetworkError('the answer was cut off');
    }
  }

  private async fetch(method: string, path: string, body: unknown, key: string | undefined,
                      accept: string): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept };
    if (this.token) {
      headers.Authorization = `Bearer ${this.token}`;
    }
    if (this.cookie && this.csrf && method !== 'GET') {
      headers['X-CSRF-Token'] = this.csrf;
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    if (key) {
      headers['Idempotency-Key'] = key;
      headers['X-Client-Time'] = new Date().toISOString();
    }
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(path, {
        method, headers, cache: 'no-store', signal: abort.signal,
        credentials: this.cookie ? 'same-origin' : 'omit',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new NetworkError(e instanceof Error ? e.message : String(e));
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      let error = response.statusText || 'Error';
      let detail = '';
      let field: string | null = null;
      let json: Record<string, unknown> = {};
      try {
        json = (await response.json()) as Record<string, unknown>;
        error = typeof json.error === 'string' ? json.error : error;
        detail = typeof json.detail === 'string' ? json.detail : '';
        field = typeof json.field === 'string' ? json.field : null;
      } catch {
        // not JSON (a proxy's page): keep the status text
      }
      const retryAfter = Number(response.headers.get('Retry-After') ?? NaN);
      throw new ApiError(response.status, error, detail, field, json, Number.isFinite(retryAfter) ? retryAfter : null);
    }
    return response;
  }
}
