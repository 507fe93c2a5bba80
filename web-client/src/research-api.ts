/** What the researcher routes send and answer (the dashboard's part of the API contract). */
import type { Counts, MonitorRow } from './monitor-model.ts';

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
