import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  choices, countsOf, filterRows, mergeRow, pageOf, participantName, since, sortRows, toggleSort,
} from '../../target/unit/monitor-model.js';

const row = (id, more = {}) => ({ id, label: null, arm: 'A', phase: 'training', episode: 1, step: 1,
  lastRating: null, lastActionAt: '2026-01-01T10:00:00Z', startedAt: '2026-01-01T09:00:00Z', flags: [], ...more });

const rows = [
  row('c3f1a2b4-0000', { label: 'P10', arm: 'B', episode: 2, step: 3, lastRating: 7 }),
  row('a1b2c3d4-1111', { label: 'P2', phase: 'consent', episode: 0, step: 0 }),
  row('ffee0011-2222', { arm: 'B', phase: 'finished', episode: 10, step: 2, lastRating: 3,
    lastActionAt: '2026-01-01T11:00:00Z', flags: ['test'] }),
];

test('a participant is named by label, else by a short id', () => {
  assert.equal(participantName(rows[0]), 'P10');
  assert.equal(participantName(rows[2]), 'ffee0011');
});

test('a row update replaces the row with its id, or is added', () => {
  const changed = mergeRow(rows, { ...rows[1], phase: 'training' });
  assert.equal(changed.length, 3);
  assert.equal(changed[1].phase, 'training');
  assert.equal(rows[1].phase, 'consent', 'the old array is left as it was');
  const added = mergeRow(rows, row('new-1'));
  assert.deepEqual(added.map((r) => r.id), [...rows.map((r) => r.id), 'new-1']);
});

test('filters by arm, phase and text on label or id, ignoring case', () => {
  assert.deepEqual(filterRows(rows, { arm: 'B', phase: '', text: '' }).map((r) => r.label), ['P10', null]);
  assert.deepEqual(filterRows(rows, { arm: '', phase: 'consent', text: '' }).map((r) => r.label), ['P2']);
  assert.deepEqual(filterRows(rows, { arm: '', phase: '', text: 'p1' }).map((r) => r.label), ['P10']);
  assert.deepEqual(filterRows(rows, { arm: '', phase: '', text: 'FFEE' }).map((r) => r.id), ['ffee0011-2222']);
  assert.equal(filterRows(rows, { arm: 'A', phase: 'finished', text: '' }).length, 0);
});

test('sorts by label in number order, by progress, by time; ties keep their order', () => {
  const by = (key, direction = 'ascending') => sortRows(rows, { key, direction }).map((r) => r.id.slice(0, 2));
  assert.deepEqual(by('participant'), ['ff', 'a1', 'c3'], 'ffee0011 < P2 < P10');
  assert.deepEqual(by('progress'), ['a1', 'c3', 'ff']);
  assert.deepEqual(by('progress', 'descending'), ['ff', 'c3', 'a1']);
  assert.deepEqual(by('lastRating'), ['a1', 'ff', 'c3'], 'no rating comes first');
  assert.deepEqual(by('lastActionAt', 'descending'), ['ff', 'c3', 'a1']);
  assert.deepEqual(by('arm'), ['a1', 'c3', 'ff']);
});

test('clicking a header flips its direction; another header starts ascending', () => {
  assert.deepEqual(toggleSort({ key: 'arm', direction: 'ascending' }, 'arm'), { key: 'arm', direction: 'descending' });
  assert.deepEqual(toggleSort({ key: 'arm', direction: 'descending' }, 'phase'),
    { key: 'phase', direction: 'ascending' });
});

test('pages of 50 over 501 rows, clamped at both ends', () => {
  const many = Array.from({ length: 501 }, (_, i) => i);
  const first = pageOf(many, 1, 50);
  assert.equal(first.pages, 11);
  assert.equal(first.rows.length, 50);
  assert.deepEqual([first.first, first.last, first.total], [1, 50, 501]);
  const last = pageOf(many, 99, 50);
  assert.equal(last.page, 11);
  assert.deepEqual(last.rows, [500]);
  assert.deepEqual([last.first, last.last], [501, 501]);
  assert.equal(pageOf(many, 0, 50).page, 1);
  const empty = pageOf([], 3, 50);
  assert.deepEqual([empty.page, empty.pages, empty.first, empty.last], [1, 1, 0, 0]);
});

test('time since, in words a person reads at a glance', () => {
  const at = Date.parse('2026-01-01T10:00:00Z');
  const ago = (s) => since(new Date(at - s * 1000).toISOString(), at);
  assert.equal(ago(0), '0 s');
  assert.equal(ago(12), '12 s');
  assert.equal(ago(59), '59 s');
  assert.equal(ago(60), '1 min');
  assert.equal(ago(4 * 60 + 30), '4 min');
  assert.equal(ago(2 * 3600), '2 h');
  assert.equal(ago(2 * 3600 + 5 * 60), '2 h 5 min');
  assert.equal(ago(3 * 86400 + 4 * 3600), '3 d 4 h');
  assert.equal(ago(-5), '0 s', 'a clock slightly ahead says 0 s');
  assert.equal(since(null, at), '–');
});

test('counts leave test participants out; choices merge counts and rows', () => {
  assert.deepEqual(countsOf(rows), { arms: { B: 1, A: 1 }, phases: { training: 1, consent: 1 } });
  assert.deepEqual(choices({ C: 0 }, rows, (r) => r.arm), ['A', 'B', 'C']);
});
