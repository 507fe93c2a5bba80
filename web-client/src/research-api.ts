/** What the researcher routes send and answer (the dashboard's part of the API contract). */
import type { Counts, MonitorRow } from './monitor-model.ts';
import type { Note } from './music.ts';

export type ResearcherRole = 'admin' | 'researcher';

export interface Researcher {
  readonly id: string;
  readonly email: string;
  readonly role: ResearcherRole;
}

/** POST /api/login and /api/login/token. */
export interface SignedIn {
  readonly researcher: Researcher;
  readonly csrfToken: string;
}

export type StudyStatus = 'open' | 'paused' | 'closed';

export interface StudySummary {
  readonly id: string;
  readonly title: string;
  readonly protocolId: string;
  readonly protocolVersion: string | number;
  readonly status: StudyStatus;
  readonly createdAt: string;
  readonly participants: number;
}

export interface Arm {
  readonly id: string;
  readonly weight: number;
  readonly maxParticipants: number | null;
}

export interface Study extends StudySummary {
  readonly protocolSha256?: string;
  readonly arms?: readonly Arm[];
  readonly maxParticipants?: number | null;
  readonly links?: { readonly general: string; readonly prolific: string };
  readonly whilePaused?: 'continue' | 'hold';
  readonly idleMinutes?: number;
}

export interface Problem {
  readonly path: string;
  readonly reason: string;
}

export interface PersonalLink {
  readonly label: string;
  readonly participantId: string;
  readonly url: string;
}

export interface Member {
  readonly id: string;
  readonly email: string;
  readonly role: 'owner' | 'member';
}

export interface ApiTokenInfo {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface ResearcherInfo extends Researcher {
  readonly createdAt: string;
}

export interface ResearchNote {
  readonly at: string;
  readonly by: string;
  readonly text: string;
}

export interface Monitor {
  readonly study: StudySummary;
  readonly counts: Counts;
  readonly participants: MonitorRow[];
}

export const studyPath = (id: string): string => `/api/studies/${encodeURIComponent(id)}`;
export const participantPath = (id: string): string => `/api/participants/${encodeURIComponent(id)}`;

/** A date and time in the reader's locale, short. */
export function when(iso: string | null | undefined): string {
  if (!iso) {
    return '–';
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

// ---- how a participant's ratings shaped the agent (the learning views) ------------------------------------

export type FlagKind = 'no-convergence' | 'policy-collapse' | 'state-space-explosion' | 'rating-drift';

/** One rated training step, joined with what the agent did and learnt from it. */
export interface LearningStep {
  /** Place of the TrackRated event in the whole log: what point-in-time replay takes. */
  readonly position: number;
  readonly episode: number;
  readonly step: number;
  readonly track: { readonly tempo?: number; readonly notes: readonly Note[] } | null;
  readonly tempo: number | null;
  readonly action: string | null;
  readonly actionText: string | null;
  readonly explored: boolean | null;
  readonly epsilon: number | null;
  readonly rating: number;
  readonly millisToRate: number | null;
  readonly clientMillisToRate: number | null;
  readonly heardShare: number | null;
  readonly reward: number | null;
  readonly qBefore: number | null;
  readonly qAfter: number | null;
  readonly tdError: number | null;
  readonly state: string | null;
  readonly qTableSize: number;
  readonly revisit: boolean;
  readonly revisitRate: number;
}

export interface EpisodeSummary {
  readonly episode: number;
  readonly meanRating: number | null;
  readonly ratings: number;
  readonly explored: number;
  readonly exploited: number;
}

export interface ActionCount {
  readonly action: string;
  readonly text: string;
  readonly chosen: number;
  readonly greedy: number;
}

export interface Diagnostics {
  readonly flags: readonly { readonly kind: FlagKind | string; readonly message: string }[];
  /** Rated training steps the flags were judged on. */
  readonly steps?: number;
  readonly figures: Readonly<Record<string, number | null>>;
  readonly thresholds: Readonly<Record<string, number | null>>;
}

/** GET /api/participants/:id/learning */
export interface ParticipantLearning {
  readonly participantId: string;
  readonly arm: string;
  readonly phase: string;
  readonly steps: readonly LearningStep[];
  readonly episodes: readonly EpisodeSummary[];
  readonly actions: readonly ActionCount[];
  readonly diagnostics: Diagnostics;
}

export interface ProvenanceUpdate {
  readonly position: number;
  readonly episode: number;
  readonly step: number;
  readonly rating: number | null;
  readonly reward: number | null;
  readonly before: number;
  readonly after: number;
  readonly delta: number;
  readonly tdError: number | null;
}

/** GET /api/participants/:id/provenance?state=&action= */
export interface Provenance {
  readonly participantId: string;
  readonly state: string;
  readonly action: string;
  readonly value: number;
  readonly updates: readonly ProvenanceUpdate[];
}

export interface PolicyEntry {
  readonly state: string;
  readonly greedyAction: string;
  readonly value: number;
}

/** GET /api/studies/:id/learning */
export interface StudyLearning {
  readonly studyId: string;
  readonly arms: readonly {
    readonly arm: string;
    readonly participants: number;
    readonly episodes: readonly { readonly episode: number; readonly n: number; readonly mean: number | null;
      readonly low: number | null; readonly high: number | null }[];
    readonly flags: Readonly<Record<string, number>>;
  }[];
  readonly participants: readonly { readonly participantId: string; readonly arm: string;
    readonly flags: readonly string[] }[];
}

/** GET /api/studies/:id/access-log: newest first; `next` pages back. */
export interface AccessLogPage {
  readonly entries: readonly {
    readonly id: number;
    readonly at: string;
    readonly researcherId: string | null;
    readonly email: string | null;
    readonly action: string;
    readonly participantId: string | null;
    readonly detail: Readonly<Record<string, unknown>> | null;
  }[];
  readonly next: number | null;
}
