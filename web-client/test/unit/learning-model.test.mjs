import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  accessRows, actionBars, armBands, diagnosticsTable, notJudgedYet, exploreExploit, fixed, flagCountTable, flagTexts, growth, policyTable,
  positionAfterStep, provenanceView, signed, stepAt, timelineRow, trajectory,
} from '../../target/unit/learning-model.js';

const step = (episode, stepNo, more = {}) => ({
  position: 100 + episode * 10 + stepNo, episode, step: stepNo, track: { notes: [] }, tempo: 90,
  action: 'pitch:3:+1', actionText: 'raised note 3 by a semitone', explored: true, epsilon: 0.5,
  rating: 5, millisToRate: 2300, clientMillisToRate: 2200, heardShare: 1, reward: 5, qBefore: 0, qAfter: 0.5,
  tdError: 5, state: 's1', qTableSize: 1, revisit: false, revisitRate: 0, ...more });

const steps = [
  step(1, 1, { rating: 4 }), step(1, 2, { rating: 6, explored: false, qTableSize: 2 }),
  step(2, 1, { rating: 7, qTableSize: 3, revisit: true, revisitRate: 1 / 3 }),
  step(2, 2, { rating: 9, explored: false, qTableSize: 3, revisitRate: 0.5 }),
];
const episodes = [
  { episode: 2, meanRating: 8, ratings: 2, explored: 1, exploited: 1 },
  { episode: 1, meanRating: 5, ratings: 2, explored: 1, exploited: 1 },
];

test('the trajectory has the mean per episode in order, every rating as a point, and says the trend', () => {
  const t = trajectory(episodes, steps);
  assert.deepEqual(t.episodes, [1, 2]);
  assert.deepEqual(t.means, [5, 8]);
  assert.deepEqual(t.points, [{ x: 1, y: 4 }, { x: 1, y: 6 }, { x: 2, y: 7 }, { x: 2, y: 9 }]);
  assert.match(t.summary, /5\.00 in episode 1 and 8\.00 in episode 2 \(up by 3\.00\), over 4 ratings in 2 episodes/);
  assert.deepEqual(t.table.rows, [['1', '2', '5.00', '4, 6'], ['2', '2', '8.00', '7, 9']]);
  assert.equal(trajectory([], []).summary, 'No training track has been rated yet.');
});

test('explore and exploit are counted per episode and in total', () => {
  const e = exploreExploit(episodes);
  assert.deepEqual([e.explored, e.exploited], [[1, 1], [1, 1]]);
  assert.equal(e.summary, '2 of 4 edits explored (50 %), 2 exploited.');
});

test('actions are sorted by how often they were chosen, named in words', () => {
  const a = actionBars([{ action: 'tempo', text: 'changed the rhythm', chosen: 2, greedy: 1 },
    { action: 'pitch:+1', text: 'raise a note', chosen: 6, greedy: 4 }]);
  assert.deepEqual(a.labels, ['raise a note', 'changed the rhythm']);
  assert.deepEqual(a.chosen, [6, 2]);
  assert.match(a.summary, /most often "raise a note", 6 times \(75 %\)/);
});

test('growth follows the table size and the revisit rate in percent; its text table thins long runs', () => {
  const g = growth(steps);
  assert.deepEqual(g.labels, ['1.1', '1.2', '2.1', '2.2']);
  assert.deepEqual(g.sizes, [1, 2, 3, 3]);
  assert.deepEqual(g.revisitPercent, [0, 0, 33.3, 50]);
  assert.match(g.summary, /After 4 steps the Q-table holds 3 values; 50\.0 %/);
  const many = Array.from({ length: 25 }, (_, i) => step(1, i + 1));
  assert.deepEqual(growth(many).table.rows.map((r) => r[0]), ['1.1', '1.11', '1.21', '1.25']);
});

test('a timeline row says the action, the choice with epsilon, the time and the Q change', () => {
  const r = timelineRow(steps[0]);
  assert.equal(r.action, 'raised note 3 by a semitone');
  assert.equal(r.choice, 'explored (ε 0.50)');
  assert.equal(r.timeToRate, '2.3 s');
  assert.equal(r.q, '0.00 → 0.50 (TD error +5.00)');
  assert.deepEqual(r.credited, { state: 's1', action: 'pitch:3:+1' });
  const fresh = timelineRow(step(1, 0, { action: null, actionText: null, explored: null, qBefore: null,
    qAfter: null, tdError: null, millisToRate: null }));
  assert.equal(fresh.action, 'fresh track (episode start)');
  assert.equal(fresh.q, '–');
  assert.equal(fresh.timeToRate, '2.2 s', 'the client\'s time when the server has none');
  assert.equal(fresh.credited, null);
});

test('flags get a title and a meaning next to the server\'s sentence', () => {
  const [f] = flagTexts({ flags: [{ kind: 'rating-drift', message: 'Ratings fall by 0.5 per episode.' }],
    figures: {}, thresholds: {} });
  assert.equal(f.title, 'Ratings drifting down');
  assert.match(f.meaning, /fall from episode to episode/);
  assert.equal(f.message, 'Ratings fall by 0.5 per episode.');
});

test('the figures behind the flags stand next to their thresholds; too few steps means not judged yet', () => {
  const d = { flags: [], steps: 10, figures: { meanAbsTdErrorFirst: 3.1, meanAbsTdErrorLast: 2.9,
    topActionGreedyShare: 0.4, neverSeenStateShare: 0.95, ratingSlopePerEpisode: null },
  thresholds: { minSteps: 16, policyCollapseShare: 0.6, neverSeenStateShare: null, ratingDriftPerEpisode: -0.3 } };
  assert.deepEqual(diagnosticsTable(d).rows.map((r) => r.slice(1)), [
    ['3.10 → 2.90', 'the last third is not below the first (not settling)'],
    ['40.0 %', 'above 60.0 % (one edit dominates)'],
    ['95.0 %', 'flag turned off'],
    ['– (fewer than 2 episodes)', 'below −0.30 points (ratings drifting down)']]);
  assert.equal(notJudgedYet(d), 'No flag is raised before 16 rated training steps; there are 10 so far.');
  assert.equal(notJudgedYet({ ...d, steps: 16 }), null);
  assert.equal(notJudgedYet({ ...d, thresholds: { ...d.thresholds, minSteps: null } }),
    'The protocol turns the learning flags off.');
});

test('provenance lists each update with its change', () => {
  const p = provenanceView({ participantId: 'p', state: 's1', action: 'pitch:3:+1', value: 0.95, updates: [
    { position: 111, episode: 1, step: 1, rating: 5, reward: 5, before: 0, after: 0.5, delta: 0.5, tdError: 5 },
    { position: 121, episode: 2, step: 1, rating: 7, reward: 7, before: 0.5, after: 0.95, delta: 0.45, tdError: 4.5 },
  ] });
  assert.match(p.summary, /^2 ratings moved .* now 0\.95\.$/);
  assert.deepEqual(p.table.rows[1], ['2.1', '7', '7.00', '0.50', '0.95', '+0.45', '+4.50']);
});

test('the step at a position is the last one at or before it', () => {
  assert.equal(stepAt(steps, 50), null);
  assert.equal(stepAt(steps, 112)?.step, 2);
  assert.equal(stepAt(steps, 10_000)?.episode, 2);
  assert.deepEqual(policyTable([{ state: 'b', greedyAction: 'x', value: 1 }, { state: 'a', greedyAction: 'y',
    value: 2 }], 'c').rows, [['a', 'y', '2.00'], ['b', 'x', '1.00']]);
});

test('the table after a step is the one just before the next rating; after the last, the one of now', () => {
  assert.equal(positionAfterStep(steps, 0), steps[1].position - 1);
  assert.equal(positionAfterStep(steps, steps.length - 1), null);
});

test('arm bands share one axis of episodes, arms in the protocol\'s order; a missing episode or interval is null',
  () => {
  const learning = { studyId: 's', participants: [], arms: [
    { arm: 'B', participants: 1, episodes: [{ episode: 1, n: 1, mean: 6, low: null, high: null }],
      flags: { 'rating-drift': 1 } },
    { arm: 'A', participants: 3, episodes: [{ episode: 1, n: 3, mean: 5, low: 4, high: 6 },
      { episode: 2, n: 2, mean: 6.5, low: 5.5, high: 7.5 }], flags: { 'no-convergence': 2 } },
  ] };
  const b = armBands(learning);
  assert.deepEqual(b.episodes, [1, 2]);
  assert.deepEqual(b.arms.map((a) => a.arm), ['B', 'A']);
  assert.deepEqual(b.arms[0].means, [6, null]);
  assert.deepEqual(b.arms[1].lows, [4, 5.5]);
  assert.match(b.summary, /Arm A: 3 participants, mean 5\.00 in episode 1 \(3 rated\) and 6\.50 in episode 2 \(2 rated\)\./);
  assert.ok(b.table.rows.some((r) => r[0] === 'B' && r[4] === '– (fewer than 2)'));
  assert.deepEqual(flagCountTable(learning).rows, [['B', '1', '0', '0', '0', '1'], ['A', '3', '2', '0', '0', '0']]);
  const empty = armBands({ studyId: 's', participants: [], arms: [{ arm: 'A', participants: 0, episodes: [],
    flags: {} }] });
  assert.deepEqual([empty.episodes, empty.summary], [[], 'No participant has rated a training track yet.']);
});

test('access log entries are said in words', () => {
  const rows = accessRows({ next: null, entries: [
    { id: 2, at: '2026-01-01T10:00:00Z', researcherId: 'r', email: 'a@lab.org', action: 'export',
      participantId: null, detail: {} },
    { id: 1, at: '2026-01-01T09:00:00Z', researcherId: null, email: null, action: 'replay',
      participantId: '12345678-abcd', detail: { at: 1234 } },
    { id: 0, at: '2026-01-01T08:00:00Z', researcherId: 'r', email: 'a@lab.org', action: 'study-learning',
      participantId: null, detail: null }] });
  assert.deepEqual(rows.map((r) => [r.who, r.what, r.participant]), [
    ['a@lab.org', 'exported the data', '–'],
    ['an API token', 'rebuilt a participant\'s Q-table by replay, as of log position 1234', '12345678'],
    ['a@lab.org', 'opened the study\'s learning by arm', '–']]);
});

test('numbers print with fixed decimals and a real minus sign', () => {
  assert.equal(fixed(null), '–');
  assert.equal(fixed(1 / 3, 3), '0.333');
  assert.equal(signed(-0.5), '−0.50');
  assert.equal(signed(0), '0.00');
});
