/**
 * What the learning views show, worked out from the server's answers: the series each chart draws, the sentences
 * and tables that say the same in text, the timeline's rows and the flags in plain words. Pure: no DOM, no
 * charting library, so it is tested with node:test (test/unit/learning-model.test.mjs).
 */
import type {
  AccessLogPage, ActionCount, Diagnostics, EpisodeSummary, LearningStep, PolicyEntry, Provenance, StudyLearning,
} from './research-api.ts';

/** A table that says in text what a chart draws: its caption, column headings and rows. */
export interface DataTable {
  readonly caption: string;
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** A number with a fixed number of decimals, or a dash for an absent one. */
export function fixed(value: number | null | undefined, decimals = 2): string {
  return value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(decimals);
}

export function percent(share: number | null | undefined, decimals = 0): string {
  return share === null || share === undefined ? '–' : `${(share * 100).toFixed(decimals)} %`;
}

/** Milliseconds as seconds to a tenth: "2.3 s". */
export function seconds(millis: number | null | undefined): string {
  return millis === null || millis === undefined ? '–' : `${(millis / 1000).toFixed(1)} s`;
}

// ---- rating trajectory --------------------------------------------------------------------------------------

export interface Trajectory {
  /** Episode numbers, the x axis. */
  readonly episodes: readonly number[];
  /** Mean rating per episode (null: no rating in it). */
  readonly means: readonly (number | null)[];
  /** Every rating, at its episode. */
  readonly points: readonly { readonly x: number; readonly y: number }[];
  readonly summary: string;
  readonly table: DataTable;
}

export function trajectory(episodes: readonly EpisodeSummary[], steps: readonly LearningStep[]): Trajectory {
  const sorted = [...episodes].sort((a, b) => a.episode - b.episode);
  const means = sorted.map((e) => e.meanRating);
  const rated = sorted.filter((e) => e.meanRating !== null);
  let summary: string;
  if (rated.length === 0) {
    summary = 'No training track has been rated yet.';
  } else {
    const first = rated[0]!;
    const last = rated[rated.length - 1]!;
    summary = rated.length === 1
      ? `One episode so far: ${first.ratings} ratings, mean ${fixed(first.meanRating)}.`
      : `Mean rating ${fixed(first.meanRating)} in episode ${first.episode} and ${fixed(last.meanRating)} in episode `
        + `${last.episode} (${trend(first.meanRating!, last.meanRating!)}), over ${steps.length} ratings in `
        + `${rated.length} episodes.`;
  }
  return {
    episodes: sorted.map((e) => e.episode),
    means,
    points: steps.map((s) => ({ x: s.episode, y: s.rating })),
    summary,
    table: {
      caption: 'Ratings per episode',
      head: ['Episode', 'Ratings', 'Mean rating', 'Each rating'],
      rows: sorted.map((e) => [String(e.episode), String(e.ratings), fixed(e.meanRating),
        steps.filter((s) => s.episode === e.episode).map((s) => String(s.rating)).join(', ') || '–']),
    },
  };
}

function trend(from: number, to: number): string {
  const d = to - from;
  return Math.abs(d) < 0.005 ? 'unchanged' : d > 0 ? `up by ${d.toFixed(2)}` : `down by ${(-d).toFixed(2)}`;
}

// ---- explore versus exploit ---------------------------------------------------------------------------------

export interface ExploreExploit {
  readonly episodes: readonly number[];
  readonly explored: readonly number[];
  readonly exploited: readonly number[];
  readonly summary: string;
  readonly table: DataTable;
}

export function exploreExploit(episodes: readonly EpisodeSummary[]): ExploreExploit {
  const sorted = [...episodes].sort((a, b) => a.episode - b.episode);
  const explored = sorted.reduce((n, e) => n + e.explored, 0);
  const exploited = sorted.reduce((n, e) => n + e.exploited, 0);
  const total = explored + exploited;
  return {
    episodes: sorted.map((e) => e.episode),
    explored: sorted.map((e) => e.explored),
    exploited: sorted.map((e) => e.exploited),
    summary: total === 0 ? 'The agent has chosen no edit yet.'
      : `${explored} of ${total} edits explored (${percent(explored / total)}), ${exploited} exploited.`,
    table: {
      caption: 'Explored and exploited edits per episode',
      head: ['Episode', 'Explored', 'Exploited'],
      rows: sorted.map((e) => [String(e.episode), String(e.explored), String(e.exploited)]),
    },
  };
}

// ---- chosen actions -----------------------------------------------------------------------------------------

export interface ActionBars {
  readonly labels: readonly string[];
  readonly chosen: readonly number[];
  readonly greedy: readonly number[];
  readonly summary: string;
  readonly table: DataTable;
}

export function actionBars(actions: readonly ActionCount[]): ActionBars {
  const sorted = [...actions].sort((a, b) => b.chosen - a.chosen || a.action.localeCompare(b.action));
  const total = sorted.reduce((n, a) => n + a.chosen, 0);
  const top = sorted[0];
  return {
    labels: sorted.map((a) => a.text || a.action),
    chosen: sorted.map((a) => a.chosen),
    greedy: sorted.map((a) => a.greedy),
    summary: !top || total === 0 ? 'No edit has been chosen yet.'
      : `${sorted.length} kinds of edit chosen ${total} times; the most often "${top.text || top.action}", `
        + `${top.chosen} times (${percent(top.chosen / total)}).`,
    table: {
      caption: 'How often each kind of edit was chosen',
      head: ['Edit', 'Chosen', 'Of which greedy'],
      rows: sorted.map((a) => [a.text || a.action, String(a.chosen), String(a.greedy)]),
    },
  };
}

// ---- Q-table growth and revisits ----------------------------------------------------------------------------

export interface Growth {
  /** "episode.step" labels, one per rated step. */
  readonly labels: readonly string[];
  readonly sizes: readonly number[];
  /** Revisit rate in percent, so both lines read on plain axes. */
  readonly revisitPercent: readonly number[];
  readonly summary: string;
  readonly table: DataTable;
}

/** The Q-table's size and the revisit rate after each step; the text table keeps every tenth step and the last. */
export function growth(steps: readonly LearningStep[], tableEvery = 10): Growth {
  const last = steps[steps.length - 1];
  const kept = steps.filter((_, i) => i % tableEvery === 0 || i === steps.length - 1);
  return {
    labels: steps.map(stepLabel),
    sizes: steps.map((s) => s.qTableSize),
    revisitPercent: steps.map((s) => Math.round(s.revisitRate * 1000) / 10),
    summary: !last ? 'No step yet.'
      : `After ${steps.length} steps the Q-table holds ${last.qTableSize} values; ${percent(last.revisitRate, 1)} `
        + 'of updates met a state seen before.',
    table: {
      caption: steps.length > kept.length ? `Q-table size and revisit rate (every ${tableEvery}th step and the last)`
        : 'Q-table size and revisit rate after each step',
      head: ['Step', 'Q-table size', 'Revisit rate'],
      rows: kept.map((s) => [stepLabel(s), String(s.qTableSize), percent(s.revisitRate, 1)]),
    },
  };
}

export function stepLabel(s: { readonly episode: number; readonly step: number }): string {
  return `${s.episode}.${s.step}`;
}

// ---- the step-by-step timeline ------------------------------------------------------------------------------

export interface TimelineRow {
  readonly key: string;
  readonly position: number;
  readonly episode: number;
  readonly step: number;
  readonly action: string;
  readonly choice: string;
  readonly rating: string;
  readonly timeToRate: string;
  readonly q: string;
  /** The state-action it credited, for provenance (null when no update was made). */
  readonly credited: { readonly state: string; readonly action: string } | null;
}

export function timelineRow(s: LearningStep): TimelineRow {
  const choice = s.explored === null ? '–'
    : `${s.explored ? 'explored' : 'exploited'}${s.epsilon === null ? '' : ` (ε ${fixed(s.epsilon)})`}`;
  return {
    key: stepLabel(s),
    position: s.position,
    episode: s.episode,
    step: s.step,
    action: s.actionText ?? (s.action === null ? 'fresh track (episode start)' : s.action),
    choice,
    rating: String(s.rating),
    timeToRate: seconds(s.millisToRate ?? s.clientMillisToRate),
    q: s.qBefore === null || s.qAfter === null ? '–'
      : `${fixed(s.qBefore)} → ${fixed(s.qAfter)}${s.tdError === null ? '' : ` (TD error ${signed(s.tdError)})`}`,
    credited: s.state !== null && s.action !== null && s.qAfter !== null ? { state: s.state, action: s.action } : null,
  };
}

export function signed(value: number, decimals = 2): string {
  return `${value > 0 ? '+' : value < 0 ? '−' : ''}${Math.abs(value).toFixed(decimals)}`;
}

// ---- diagnostics --------------------------------------------------------------------------------------------

const FLAG_TITLES: Readonly<Record<string, string>> = {
  'no-convergence': 'Not settling',
  'policy-collapse': 'One edit dominates',
  'state-space-explosion': 'Too many new states',
  'rating-drift': 'Ratings drifting down',
};

const FLAG_MEANINGS: Readonly<Record<string, string>> = {
  'no-convergence': 'The size of the corrections (TD errors) did not shrink from the first steps to the last: '
    + 'the agent\'s values are not settling on what this participant likes.',
  'policy-collapse': 'The agent chooses one kind of edit most of the time when it exploits: its choices have '
    + 'narrowed, which may be learning or may be a rut.',
  'state-space-explosion': 'Almost every state the agent met was new to it, so a rating rarely improved a value '
    + 'it used again: with these settings the agent can hardly learn from this participant.',
  'rating-drift': 'The participant\'s ratings fall from episode to episode: fatigue, boredom, or an agent '
    + 'that makes the music worse.',
};

export function flagTitle(kind: string): string {
  return FLAG_TITLES[kind] ?? kind;
}

export interface FlagText {
  readonly kind: string;
  readonly title: string;
  readonly meaning: string;
  readonly message: string;
}

/** The flags raised, each with a title, what it means in general and the server's sentence with the figures. */
export function flagTexts(d: Diagnostics): readonly FlagText[] {
  return d.flags.map((f) => ({ kind: f.kind, title: flagTitle(f.kind), meaning: FLAG_MEANINGS[f.kind] ?? '',
    message: f.message }));
}

/** Null when the flags are judged; else why none can be raised yet (too few steps, or all turned off). */
export function notJudgedYet(d: Diagnostics): string | null {
  const min = d.thresholds.minSteps;
  if (min === null) {
    return 'The protocol turns the learning flags off.';
  }
  if (min !== undefined && d.steps !== undefined && d.steps < min) {
    return `No flag is raised before ${min} rated training steps; there are ${d.steps} so far.`;
  }
  return null;
}

/** The figures the flags were judged on, each next to the threshold that would raise its flag. */
export function diagnosticsTable(d: Diagnostics): DataTable {
  const f = d.figures;
  const t = d.thresholds;
  const off = 'flag turned off';
  const share = (v: number | null | undefined) => percent(v, 1);
  const limit = (v: number | null | undefined, say: (x: number) => string) =>
    v === null ? off : v === undefined ? '–' : say(v);
  return {
    caption: 'The figures behind the flags',
    head: ['Figure', 'This participant', 'Flag raised when'],
    rows: [
      ['Mean size of the TD error, first third → last third of the updates',
        f.meanAbsTdErrorFirst === null || f.meanAbsTdErrorFirst === undefined ? '– (fewer than 3 updates)'
          : `${fixed(f.meanAbsTdErrorFirst)} → ${fixed(f.meanAbsTdErrorLast)}`,
        'the last third is not below the first (not settling)'],
      ['Share of greedy steps taken by the most chosen kind of edit', share(f.topActionGreedyShare),
        limit(t.policyCollapseShare, (x) => `above ${share(x)} (one edit dominates)`)],
      ['Share of updates crediting a state never credited before', share(f.neverSeenStateShare),
        limit(t.neverSeenStateShare, (x) => `above ${share(x)} (too many new states)`)],
      ['Change of the mean rating per episode (slope)',
        f.ratingSlopePerEpisode === null || f.ratingSlopePerEpisode === undefined ? '– (fewer than 2 episodes)'
          : `${signed(f.ratingSlopePerEpisode)} points`,
        limit(t.ratingDriftPerEpisode, (x) => `below ${signed(x)} points (ratings drifting down)`)],
    ],
  };
}

// ---- provenance and point-in-time ---------------------------------------------------------------------------

export interface ProvenanceView {
  readonly summary: string;
  readonly table: DataTable;
}

export function provenanceView(p: Provenance): ProvenanceView {
  const n = p.updates.length;
  return {
    summary: `${n} ${n === 1 ? 'rating' : 'ratings'} moved the value of ${p.action} in this state; it is now `
      + `${fixed(p.value)}.`,
    table: {
      caption: `Ratings that moved ${p.action}`,
      head: ['Episode.step', 'Rating', 'Reward', 'Before', 'After', 'Change', 'TD error'],
      rows: p.updates.map((u) => [stepLabel(u), u.rating === null ? '–' : String(u.rating), fixed(u.reward),
        fixed(u.before), fixed(u.after), signed(u.delta), u.tdError === null ? '–' : signed(u.tdError)]),
    },
  };
}

/** The step whose event is the last at or before the position (null before the first). */
export function stepAt(steps: readonly LearningStep[], position: number): LearningStep | null {
  let found: LearningStep | null = null;
  for (const s of steps) {
    if (s.position <= position) {
      found = s;
    }
  }
  return found;
}

/**
 * The log position that shows the agent after the step at `index`: a step's position is that of its rating, and
 * the value update it caused comes after it, so the table "after step k" is the one just before the next rating.
 * Null for the last step: the table as it is now.
 */
export function positionAfterStep(steps: readonly LearningStep[], index: number): number | null {
  const next = steps[index + 1];
  return next ? next.position - 1 : null;
}

/** The greedy policy sorted by state, as a table. */
export function policyTable(policy: readonly PolicyEntry[], caption: string): DataTable {
  return {
    caption,
    head: ['State', 'Greedy action', 'Value'],
    rows: [...policy].sort((a, b) => a.state.localeCompare(b.state))
      .map((p) => [p.state, p.greedyAction, fixed(p.value)]),
  };
}

// ---- the study's arms ---------------------------------------------------------------------------------------

export interface ArmSeries {
  readonly arm: string;
  readonly participants: number;
  readonly means: readonly (number | null)[];
  readonly lows: readonly (number | null)[];
  readonly highs: readonly (number | null)[];
}

export interface ArmBands {
  readonly episodes: readonly number[];
  readonly arms: readonly ArmSeries[];
  readonly summary: string;
  readonly table: DataTable;
}

/** Every arm's mean per episode with its 95 % interval, on one common axis of episodes; arms in the protocol's order. */
export function armBands(learning: StudyLearning): ArmBands {
  const episodes = [...new Set(learning.arms.flatMap((a) => a.episodes.map((e) => e.episode)))].sort((a, b) => a - b);
  const arms = learning.arms.map((a) => {
    const at = (n: number) => a.episodes.find((e) => e.episode === n);
    return { arm: a.arm, participants: a.participants, means: episodes.map((n) => at(n)?.mean ?? null),
      lows: episodes.map((n) => at(n)?.low ?? null), highs: episodes.map((n) => at(n)?.high ?? null) };
  });
  const sentences = arms.map((a) => {
    const source = learning.arms.find((x) => x.arm === a.arm)!;
    const rated = a.means.map((m, i) => ({ m, e: episodes[i]! })).filter((x) => x.m !== null);
    if (rated.length === 0) {
      return `Arm ${a.arm}: ${a.participants} participants, no ratings yet.`;
    }
    // The mean of an episode is over those who rated in it, fewer than the arm's participants while a study runs.
    const over = (e: number) => ` (${source.episodes.find((x) => x.episode === e)?.n ?? 0} rated)`;
    const first = rated[0]!;
    const last = rated[rated.length - 1]!;
    return `Arm ${a.arm}: ${a.participants} participants, mean ${fixed(first.m)} in episode ${first.e}${over(first.e)}`
      + (rated.length > 1 ? ` and ${fixed(last.m)} in episode ${last.e}${over(last.e)}.` : '.');
  });
  return {
    episodes,
    arms,
    summary: episodes.length === 0 ? 'No participant has rated a training track yet.' : sentences.join(' '),
    table: {
      caption: 'Mean rating per episode and arm, with 95 % confidence interval',
      head: ['Arm', 'Episode', 'Participants', 'Mean', '95 % interval'],
      rows: learning.arms.flatMap((a) => [...a.episodes].sort((x, y) => x.episode - y.episode).map((e) => [
        a.arm, String(e.episode), String(e.n), fixed(e.mean),
        e.low === null || e.high === null ? '– (fewer than 2)' : `${fixed(e.low)} to ${fixed(e.high)}`])),
    },
  };
}

export const FLAG_KINDS = ['no-convergence', 'policy-collapse', 'state-space-explosion', 'rating-drift'] as const;

/** Participants flagged per arm and kind of flag. */
export function flagCountTable(learning: StudyLearning): DataTable {
  return {
    caption: 'Participants flagged, per arm',
    head: ['Arm', 'Participants', ...FLAG_KINDS.map(flagTitle)],
    rows: learning.arms.map((a) => [a.arm, String(a.participants),
      ...FLAG_KINDS.map((k) => String(a.flags[k] ?? 0))]),
  };
}

// ---- access log ---------------------------------------------------------------------------------------------

const ACCESS_WORDS: Readonly<Record<string, string>> = {
  audit: 'checked the audit chain',
  events: 'read a participant\'s events',
  export: 'exported the data',
  replay: 'rebuilt a participant\'s Q-table by replay',
  learning: 'opened a participant\'s learning view',
  provenance: 'looked at what moved a Q-value',
  'study-learning': 'opened the study\'s learning by arm',
};

/** What the researcher did, in words; a replay to a point and an export's format are named. */
export function accessWords(action: string, detail?: Readonly<Record<string, unknown>> | null): string {
  const key = action.toLowerCase();
  const words = ACCESS_WORDS[key] ?? key.replace(/[_-]/g, ' ');
  if (key === 'replay' && typeof detail?.at === 'number') {
    return `${words}, as of log position ${detail.at}`;
  }
  if (key === 'provenance' && typeof detail?.action === 'string') {
    return `${words} (${detail.action})`;
  }
  if (key === 'export' && typeof detail?.format === 'string') {
    return `${words} (${detail.format})`;
  }
  return words;
}

export interface AccessRow {
  readonly id: number;
  readonly at: string;
  readonly who: string;
  readonly what: string;
  readonly participant: string;
}

export function accessRows(page: AccessLogPage): readonly AccessRow[] {
  return page.entries.map((e) => ({ id: e.id, at: e.at, who: e.email ?? e.researcherId ?? 'an API token',
    what: accessWords(e.action, e.detail), participant: e.participantId ? e.participantId.slice(0, 8) : '–' }));
}
