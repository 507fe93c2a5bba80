// The checks a questionnaire page runs before sending, item type by item type, and the server's field mapped back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FATIGUE_LEVELS, checkAnswers, itemHint, itemOfField, likertLabels } from '../../target/unit/participant/answers.js';

const item = (type, extra = {}) => ({ id: type, text: `${type}?`, required: true, type, ...extra });

test('required items left empty are named, optional ones are left out of the answers', () => {
  const items = [item('single-choice', { options: ['a', 'b'] }), { ...item('text', { maxLength: 10 }), required: false }];
  const empty = checkAnswers(items, {});
  assert.deepEqual(Object.keys(empty.problems), ['single-choice']);
  assert.deepEqual(empty.answers, {});
  const given = checkAnswers(items, { 'single-choice': 'b', text: '  ' });
  assert.deepEqual(given, { answers: { 'single-choice': 'b' }, problems: {} });
});

test('likert and fatigue answers are points within the scale, sent as numbers', () => {
  const likert = item('likert', { points: 7, anchors: ['Not at all', 'Very much'] });
  const fatigue = item('fatigue', { scale: 'kss' });
  assert.deepEqual(checkAnswers([likert, fatigue], { likert: '7', fatigue: '9' }).answers, { likert: 7, fatigue: 9 });
  assert.ok(checkAnswers([likert], { likert: '8' }).problems.likert);
  assert.ok(checkAnswers([fatigue], { fatigue: '10' }).problems.fatigue);
  assert.equal(FATIGUE_LEVELS['samn-perelli'].length, 7);
  assert.equal(FATIGUE_LEVELS.kss.length, 9);
});

test('Likert labels carry the anchors at the ends, or at every point', () => {
  assert.deepEqual(likertLabels(3, ['Low', 'High']), ['1 – Low', '2', '3 – High']);
  assert.deepEqual(likertLabels(2, ['No', 'Yes']), ['1 – No', '2 – Yes']);
  assert.deepEqual(likertLabels(3, ['a', 'b', 'c']), ['1 – a', '2 – b', '3 – c']);
  assert.deepEqual(likertLabels(2, []), ['1', '2']);
});

test('single-choice and attention-check answers must be one of the options', () => {
  const check = item('attention-check', { options: ['Agree', 'Disagree'] });
  assert.deepEqual(checkAnswers([check], { 'attention-check': 'Agree' }).answers, { 'attention-check': 'Agree' });
  assert.ok(checkAnswers([check], { 'attention-check': 'Maybe' }).problems['attention-check']);
});

test('multiple-choice answers respect min and max', () => {
  const many = item('multiple-choice', { options: ['a', 'b', 'c'], min: 1, max: 2 });
  assert.match(checkAnswers([{ ...many, required: false }], { 'multiple-choice': [] }).problems['multiple-choice'] ?? 'none',
    /none/);
  assert.match(checkAnswers([many], { 'multiple-choice': ['a', 'b', 'c'] }).problems['multiple-choice'], /at most 2/);
  assert.deepEqual(checkAnswers([many], { 'multiple-choice': ['c', 'a'] }).answers, { 'multiple-choice': ['c', 'a'] });
  assert.equal(itemHint(many), 'Choose 1 to 2.');
});

test('numbers are checked for being numbers, whole when asked, and within the range', () => {
  const years = item('number', { min: 0, max: 80, integer: true });
  assert.deepEqual(checkAnswers([years], { number: ' 12 ' }).answers, { number: 12 });
  assert.match(checkAnswers([years], { number: '2.5' }).problems.number, /whole/);
  assert.match(checkAnswers([years], { number: '81' }).problems.number, /from 0 to 80/);
  assert.match(checkAnswers([years], { number: 'ten' }).problems.number, /a number/);
  assert.deepEqual(checkAnswers([{ ...years, integer: false }], { number: '2.5' }).answers, { number: 2.5 });
  assert.equal(itemHint(years), 'A whole number from 0 to 80.');
});

test('text answers are trimmed and kept within maxLength (counted in characters, not UTF-16 units)', () => {
  const text = item('text', { maxLength: 3 });
  assert.deepEqual(checkAnswers([text], { text: ' 🎵🎵🎵 ' }).answers, { text: '🎵🎵🎵' });
  assert.match(checkAnswers([text], { text: 'abcd' }).problems.text, /3 characters/);
});

test('the server error field names the item it is about', () => {
  const items = [item('number'), { ...item('text', { maxLength: 3 }), id: 'comments' }];
  assert.equal(itemOfField('answers.comments', items), 'comments');
  assert.equal(itemOfField('answers.number.0', items), 'number');
  assert.equal(itemOfField('answers.unknown', items), null);
  assert.equal(itemOfField('block', items), null);
  assert.equal(itemOfField(null, items), null);
});
