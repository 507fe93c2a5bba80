import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvField, toCsv } from '../../target/unit/csv.js';

test('plain fields stay as they are', () => {
  assert.equal(csvField('P01'), 'P01');
  assert.equal(csvField(42), '42');
  assert.equal(csvField(null), '');
});

test('commas, quotes, line breaks and edge spaces are quoted, quotes doubled', () => {
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\r'), '"cr\r"');
  assert.equal(csvField(' padded'), '" padded"');
});

test('a CSV has a header and CRLF-ended lines', () => {
  const csv = toCsv(['label', 'participantId', 'url'], [
    ['P01', 'id-1', 'http://x/#participant=a'],
    ['Room 2, "left"', 'id-2', 'http://x/#participant=b'],
  ]);
  assert.equal(csv, 'label,participantId,url\r\nP01,id-1,http://x/#participant=a\r\n'
    + '"Room 2, ""left""",id-2,http://x/#participant=b\r\n');
});
