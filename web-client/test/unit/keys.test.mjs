import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyAction, keyFor } from '../../target/unit/keys.js';

test('digits 1-9 rate 1-9 and 0 rates 10', () => {
  for (let d = 1; d <= 9; d++) {
    assert.deepEqual(keyAction({ key: String(d) }), { kind: 'rate', rating: d });
  }
  assert.deepEqual(keyAction({ key: '0' }), { kind: 'rate', rating: 10 });
  assert.equal(keyFor(10), '0');
  assert.equal(keyFor(3), '3');
});

test('Space and P play', () => {
  assert.deepEqual(keyAction({ key: ' ' }), { kind: 'play' });
  assert.deepEqual(keyAction({ key: 'p' }), { kind: 'play' });
  assert.deepEqual(keyAction({ key: 'P' }), { kind: 'play' });
});

test('modified, repeated and other keys do nothing', () => {
  assert.equal(keyAction({ key: '5', ctrlKey: true }), null);
  assert.equal(keyAction({ key: '5', metaKey: true }), null);
  assert.equal(keyAction({ key: '5', altKey: true }), null);
  assert.equal(keyAction({ key: '5', repeat: true }), null);
  assert.equal(keyAction({ key: 'Enter' }), null);
  assert.equal(keyAction({ key: 'a' }), null);
  assert.equal(keyAction({ key: 'F1' }), null);
});
