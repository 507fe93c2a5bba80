/**
 * The live monitor's data, without the DOM: rows as the server sends them, merged with stream updates,
 * filtered, sorted and cut into pages, and the "time since" wording. Kept pure so it is unit-tested.
 */

export type Flag = 'test' | 'dropped-out' | 'paused' | 'prolific' | string;

export interface MonitorRow {
  readonly id: string;
  readonly label: string | null;
  readonly arm: string;
  readonly phase: string;
  readonly episode: number;
  readonly step: number;
  readonly lastRating: number | null;
  readonly lastActionAt: string | null;
  readonly startedAt: string | null;
  readonly flags: readonly Flag[];
}

export interface Counts {
  readonly arms: Readonly<Record<string, number>>;
  readonly phases: Readonly<Record<string, number>>;
}

export type SortKey = 'participant' | 'arm' | 'phase' | 'progress' | 'lastRating' | 'lastActionAt' | 'startedAt';
export type Direction = 'ascending' | 'descending';

export interface Sort {
  readonly key: SortKey;
  readonly direction: Direction;
}

export interface Filter {
  /** '' for every arm. */
  readonly arm: string;
  /** '' for every phase. */
  readonly phase: string;
  /** Matched, ignoring case, against the label and the participant id. */
  readonly text: string;
}

export interface Page<T> {
  readonly rows: readonly T[];
  /** 1-based, clamped to the pages there are. */
  readonly page: number;
  readonly pages: number;
  readonly total: number;
  /** 1-based position of the first row shown (0 when there is none). */
  readonly first: number;
  readonly last: number;
}

/** The first 8 characters of the id: enough to tell participants apart, short enough not to read as a secret. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

export function participantName(row: MonitorRow): string {
  return row.label ?? shortId(row.id);
}

/** The rows with `row` in place of the one with its id, or added at the end when new. */
export function mergeRow(rows: readonly MonitorRow[], row: MonitorRow): MonitorRow[] {
  const i = rows.findIndex((r) => r.id === row.id);
  if (i < 0) {
    return [...rows, row];
  }
  const copy = [...rows];
  copy[i] = row;
  return copy;
}

export function filterRows(rows: readonly MonitorRow[], filter: Filter): MonitorRow[] {
  const text = filter.text.trim().toLowerCase();
  return rows.filter((r) => (filter.arm === '' || r.arm === filter.arm)
    && (filter.phase === '' || r.phase === filter.phase)
    && (text === '' || r.id.toLowerCase().includes(text) || (r.label ?? '').toLowerCase().includes(text)));
}

const time = (iso: string | null): number => (iso ? Date.parse(iso) : Number.NEGATIVE_INFINITY);

function compare(a: MonitorRow, b: MonitorRow, key: SortKey): number {
  switch (key) {
    case 'participant':
      return participantName(a).localeCompare(participantName(b), undefined, { numeric: true });
    case 'arm':
      return a.arm.localeCompare(b.arm, undefined, { numeric: true });
    case 'phase':
      return a.phase.localeCompare(b.phase);
    case 'progress':
      return a.episode - b.episode || a.step - b.step;
    case 'lastRating':
      return (a.lastRating ?? -1) - (b.lastRating ?? -1);
    case 'lastActionAt':
      return time(a.lastActionAt) - time(b.lastActionAt);
    case 'startedAt':
      return time(a.startedAt) - time(b.startedAt);
  }
}

/** Sorted copy; ties keep the order they came in (enrolment order), and then by id, so paging is stable. */
export function sortRows(rows: readonly MonitorRow[], sort: Sort): MonitorRow[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  return rows.map((row, index) => ({ row, index }))
    .sort((a, b) => sign * compare(a.row, b.row, sort.key) || a.index - b.index)
    .map((x) => x.row);
}

/** The next sort after a click on a column header: the same column flips, another starts ascending. */
export function toggleSort(current: Sort, key: SortKey): Sort {
  return current.key === key
    ? { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' }
    : { key, direction: 'ascending' };
}

export function pageOf<T>(rows: readonly T[], page: number, size: number): Page<T> {
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const p = Math.min(Math.max(1, Math.floor(page)), pages);
  const start = (p - 1) * size;
  const shown = rows.slice(start, start + size);
  return { rows: shown, page: p, pages, total: rows.length, first: shown.length ? start + 1 : 0,
    last: start + shown.length };
}

/** "12 s", "4 min", "2 h 5 min", "3 d 4 h": how long ago, in the largest units that say it well. */
export function since(iso: string | null, now: number): string {
  if (!iso) {
    return '–';
  }
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) {
    return '–';
  }
  if (seconds < 60) {
    return `${seconds} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  }
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** Counts per arm and per phase from the rows, test participants left out (as the server counts). */
export function countsOf(rows: readonly MonitorRow[]): Counts {
  const arms: Record<string, number> = {};
  const phases: Record<string, number> = {};
  for (const r of rows) {
    if (r.flags.includes('test')) {
      continue;
    }
    arms[r.arm] = (arms[r.arm] ?? 0) + 1;
    phases[r.phase] = (phases[r.phase] ?? 0) + 1;
  }
  return { arms, phases };
}

/** The values to offer in a filter select: those counted and those seen in rows, sorted. */
export function choices(counted: Readonly<Record<string, number>>, rows: readonly MonitorRow[],
                        of: (r: MonitorRow) => string): string[] {
  return [...new Set([...Object.keys(counted), ...rows.map(of)])].sort((a, b) =>
    a.localeCompare(b, undefined, { numeric: true }));
}

/** The CSV of personal links: label, participantId, url. */
export function linksCsvRows(links: readonly { label: string; participantId: string; url: string }[]):
  (string | null)[][] {
  return links.map((l) => [l.label, l.participantId, l.url]);
}
