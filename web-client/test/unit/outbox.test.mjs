// The retry queue of the participant's answers, against a fake clock and a fake fetch behind the real Api.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { Api, ApiError } from '../../target/unit/api.js';
import { notSavedText, savedText } from '../../target/unit/participant/commands.js';
import { FIRST_RETRY_MS, MAX_RETRY_MS, Outbox } from '../../target/unit/participant/outbox.js';
import { PendingStore } from '../../target/unit/pending.js';

class MemoryStorage {
  constructor() { this.map = new Map(); }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) { this.map.set(k, String(v)); }
  removeItem(k) { this.map.delete(k); }
}

/** Timers that run only when the test moves the time on. */
class FakeClock {
  constructor() { this.time = 0; this.timers = []; }
  now() { return this.time; }
  setTimeout(run, ms) { const timer = { at: this.time + ms, run }; this.timers.push(timer); return timer; }
  clearTimeout(timer) { this.timers = this.timers.filter((t) => t !== timer); }
  /** Runs the next timer (moving the time to it); false when none is set. */
  next() {
    const timer = [...this.timers].sort((a, b) => a.at - b.at)[0];
    if (!timer) return false;
    this.clearTimeout(timer);
    this.time = timer.at;
    timer.run();
    return true;
  }
}

/** A server that answers each request by the next line of its script: 'down', or {status, body}. */
function fakeServer(clock, script) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ at: clock.now(), url, method: init.method, headers: init.headers,
      body: init.body === undefined ? undefined : JSON.parse(init.body) });
    const next = script.length > 1 ? script.shift() : script[0];
    if (next === 'down') throw new TypeError('fetch failed');
    return new Response(JSON.stringify(next.body ?? {}), { status: next.status ?? 200,
      headers: { 'Content-Type': 'application/json' } });
  };
  return { fetch, requests };
}

function recorder() {
  const events = [];
  return {
    events,
    listener: {
      sending: (c, resend) => events.push(['sending', c.action, resend]),
      saved: (c, answer) => events.push(['saved', c.action, answer.version]),
      unsaved: (c, retryInMs) => events.push(['unsaved', c.action, retryInMs]),
      refused: (c, e) => events.push(['refused', c.action, e instanceof ApiError ? e.status : String(e)]),
    },
  };
}

const session = (version) => ({ participantId: 'p1', studyId: 's', phase: 'training', version,
  track: { episode: 1, step: 3, tempo: 120, notes: [] } });
const rating = { action: 'ratings', body: { episode: 1, step: 2, rating: 7, clientMillisToRate: 1500 } };

let realFetch;
beforeEach(() => { realFetch = globalThis.fetch; });
afterEach(() => { globalThis.fetch = realFetch; });

function setUp(script, storage = new MemoryStorage()) {
  const clock = new FakeClock();
  const server = fakeServer(clock, script);
  globalThis.fetch = server.fetch;
  const { events, listener } = recorder();
  let n = 0;
  const outbox = new Outbox(new Api('token-1'), 'p1', new PendingStore(storage), listener, clock, () => `key-${++n}`);
  /** Lets every send settle and every retry run, until nothing is scheduled. */
  const settle = async () => {
    do { await outbox.idle(); } while (clock.next());
    await outbox.idle();
  };
  return { clock, server, events, outbox, storage, settle };
}

test('an answer is kept before it is sent, sent with its own key, and forgotten once the server answers',
  async () => {
    const { server, events, outbox, storage } = setUp([{ body: session(5) }]);
    assert.equal(outbox.submit(rating), true);
    assert.deepEqual(JSON.parse(storage.getItem('tuneloop.pending.p1')),
      { ...rating, participantId: 'p1', key: 'key-1', createdAt: 0 }, 'kept before any answer');
    assert.equal(outbox.blocked, true);
    await outbox.idle();
    assert.equal(server.requests.length, 1);
    const [request] = server.requests;
    assert.equal(request.url, '/api/participants/p1/ratings');
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['Idempotency-Key'], 'key-1');
    assert.equal(request.headers.Authorization, 'Bearer token-1');
    assert.deepEqual(request.body, rating.body);
    assert.deepEqual(events, [['sending', 'ratings', false], ['saved', 'ratings', 5]]);
    assert.equal(storage.getItem('tuneloop.pending.p1'), null);
    assert.equal(outbox.blocked, false);
  });

test('without an answer the same request goes again after 1, 2, 4, then every 5 seconds, with the same key',
  async () => {
    const { clock, server, events, outbox, settle } = setUp(['down', 'down', 'down', 'down', 'down',
      { body: session(6) }]);
    outbox.submit(rating);
    await settle();
    assert.deepEqual(server.requests.map((r) => r.at), [0, 1000, 3000, 7000, 12000, 17000]);
    assert.deepEqual(new Set(server.requests.map((r) => r.headers['Idempotency-Key'])), new Set(['key-1']));
    assert.deepEqual(events.filter((e) => e[0] === 'unsaved').map((e) => e[2]),
      [FIRST_RETRY_MS, 2000, 4000, MAX_RETRY_MS, MAX_RETRY_MS]);
    assert.deepEqual(events.filter((e) => e[0] === 'sending').map((e) => e[2]),
      [false, true, true, true, true, true], 'every send after the first is a resend');
    assert.deepEqual(events.at(-1), ['saved', 'ratings', 6]);
    assert.equal(outbox.pending, null);
    assert.equal(clock.timers.length, 0, 'nothing left scheduled');
  });

test('after an answer the wait starts again at 1 second', async () => {
  const { events, outbox, settle } = setUp(['down', 'down', { body: session(2) }, 'down', { body: session(3) }]);
  outbox.submit(rating);
  await settle();
  outbox.submit({ action: 'episodes', body: null });
  await settle();
  assert.deepEqual(events.filter((e) => e[0] === 'unsaved').map((e) => [e[1], e[2]]),
    [['ratings', 1000], ['ratings', 2000], ['episodes', 1000]]);
});

test('5xx, 408 and 429 are worth sending again; any other refusal drops the answer', async () => {
  const { clock, events, outbox, settle } = setUp([{ status: 503 }, { status: 429 }, { status: 408 },
    { status: 409, body: { error: 'conflict', detail: 'already rated', reason: 'rated' } }]);
  outbox.submit(rating);
  await settle();
  assert.deepEqual(events.map((e) => e[0]), ['sending', 'unsaved', 'sending', 'unsaved', 'sending', 'unsaved',
    'sending', 'refused']);
  assert.deepEqual(events.at(-1), ['refused', 'ratings', 409]);
  assert.equal(outbox.pending, null, 'a refused answer is not kept');
  assert.equal(outbox.blocked, false);
  assert.equal(clock.timers.length, 0);
});

test('one answer at a time: while one waits for the server, a new one is not taken', async () => {
  const { server, outbox } = setUp(['down']);
  outbox.submit(rating);
  assert.equal(outbox.submit({ action: 'finish', body: null }), false, 'refused while on its way');
  await outbox.idle();
  assert.equal(outbox.retrying, true);
  assert.equal(outbox.submit({ action: 'finish', body: null }), false, 'refused while it waits to be resent');
  assert.equal(server.requests.length, 1);
  assert.equal(outbox.pending.action, 'ratings');
});

test('a reload resends the waiting answer with its key at once, and "try again now" does not wait for the timer',
  async () => {
    const storage = new MemoryStorage();
    const first = setUp(['down'], storage);
    first.outbox.submit(rating);
    await first.outbox.idle();
    assert.equal(first.outbox.retrying, true);

    // The page is reloaded: a new queue on the same storage.
    const second = setUp(['down', { body: session(9) }], storage);
    assert.equal(second.outbox.pending.key, 'key-1');
    second.outbox.resendNow();
    await second.outbox.idle();
    assert.equal(second.outbox.retrying, true, 'still down: a resend is scheduled');
    second.outbox.resendNow(); // "Try again now"
    assert.equal(second.outbox.retrying, false, 'the scheduled resend is replaced by this one');
    await second.outbox.idle();
    assert.deepEqual(second.server.requests.map((r) => [r.at, r.headers['Idempotency-Key']]),
      [[0, 'key-1'], [0, 'key-1']]);
    assert.deepEqual(second.events.at(-1), ['saved', 'ratings', 9]);
    assert.equal(storage.getItem('tuneloop.pending.p1'), null);
  });

test('answers without a body send none', async () => {
  const { server, outbox, settle } = setUp([{ body: session(1) }]);
  outbox.submit({ action: 'withdraw', body: null });
  await settle();
  assert.equal(server.requests[0].url, '/api/participants/p1/withdraw');
  assert.equal(server.requests[0].body, undefined);
  assert.equal(server.requests[0].headers['Content-Type'], undefined);
});

test('the status texts name the rating, and say where an unsent answer is kept', () => {
  assert.equal(savedText(rating, session(2)), 'Saved: rating 7 for episode 1, track 2. Now playing episode 1, track 3.');
  const nextEpisode = { ...session(3), track: { episode: 2, step: 1, tempo: 120, notes: [] } };
  assert.equal(savedText(rating, nextEpisode), 'Saved: rating 7 for episode 1, track 2.',
    'a new episode announces itself on the page');
  assert.match(notSavedText(rating, true), /Your rating 7 is kept in this browser/);
  assert.match(notSavedText({ action: 'consent', body: { consentVersion: '1', agree: true } }, false),
    /Your answer is kept on this page/);
});
