import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PendingStore } from '../../target/unit/pending.js';
import { uuid } from '../../target/unit/uuid.js';

class MemoryStorage {
  constructor() { this.map = new Map(); }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) { this.map.set(k, String(v)); }
  removeItem(k) { this.map.delete(k); }
}

const rating = (participantId, key) => ({ participantId, action: 'ratings', key, createdAt: 1,
  body: { episode: 2, step: 3, rating: 7, clientMillisToRate: 1200 } });

test('a pending command survives a new store on the same storage (a reload) with its key', () => {
  const storage = new MemoryStorage();
  new PendingStore(storage).put(rating('p1', 'k1'));
  const again = new PendingStore(storage).get('p1');
  assert.deepEqual(again, rating('p1', 'k1'));
  assert.equal(new PendingStore(storage).get('p2'), null);
});

test('clear forgets only the command with that key', () => {
  const storage = new MemoryStorage();
  const store = new PendingStore(storage);
  store.put(rating('p1', 'k2'));
  store.clear('p1', 'k1');
  assert.equal(store.get('p1').key, 'k2');
  store.clear('p1', 'k2');
  assert.equal(store.get('p1'), null);
  assert.equal(storage.map.size, 0);
});

test('a refusing storage falls back to memory and says so', () => {
  const broken = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('quota'); },
    removeItem() { throw new Error('denied'); } };
  const store = new PendingStore(broken);
  store.put(rating('p1', 'k1'));
  assert.equal(store.persistent, false);
  assert.equal(store.get('p1').key, 'k1');
  store.clear('p1', 'k1');
  assert.equal(store.get('p1'), null);
});

test('garbage in storage reads as nothing pending', () => {
  const storage = new MemoryStorage();
  storage.setItem('tuneloop.pending.p1', '{not json');
  assert.equal(new PendingStore(storage).get('p1'), null);
});

test('idempotency keys are distinct v4 UUIDs', () => {
  const keys = new Set(Array.from({ length: 200 }, () => uuid()));
  assert.equal(keys.size, 200);
  for (const k of keys) {
    assert.match(k, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
});

test('without crypto.randomUUID (plain http on another host) keys still are v4 UUIDs', () => {
  const original = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  const real = globalThis.crypto;
  Object.defineProperty(globalThis, 'crypto', { configurable: true,
    value: { getRandomValues: (a) => real.getRandomValues(a), randomUUID: () => { throw new Error('insecure'); } } });
  try {
    const a = uuid();
    const b = uuid();
    assert.notEqual(a, b);
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  } finally {
    Object.defineProperty(globalThis, 'crypto', original);
  }
});
