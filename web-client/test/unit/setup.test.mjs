// What a listening check records about the browser and device: a family and a major version, never the whole
// user-agent string; the device type from pointer and screen; latencies in seconds, rounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserFamily, describeSetup, deviceType, setupAnswer } from '../../target/unit/participant/setup.js';

const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.85 Safari/537.36';
const EDGE = `${CHROME} Edg/131.0.2903.70`;
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

test('the browser family and major version come from the brands, else from the user agent', () => {
  assert.equal(browserFamily([{ brand: 'Not_A Brand', version: '24' }, { brand: 'Chromium', version: '131' },
    { brand: 'Google Chrome', version: '131' }], CHROME), 'Chrome 131');
  assert.equal(browserFamily([{ brand: 'Chromium', version: '131' }], CHROME), 'Chromium 131');
  assert.equal(browserFamily(undefined, CHROME), 'Chrome 131');
  assert.equal(browserFamily(undefined, EDGE), 'Edge 131');
  assert.equal(browserFamily(undefined, FIREFOX), 'Firefox 133');
  assert.equal(browserFamily(undefined, SAFARI), 'Safari 17');
  assert.equal(browserFamily([], 'curl/8.0'), 'other');
});

test('the device type follows the pointer and the screen', () => {
  const base = { coarsePointer: false, finePointer: true, screenShort: 1080, screenLong: 1920, touchPoints: 0,
    userAgent: CHROME };
  assert.equal(deviceType(base), 'desktop');
  assert.equal(deviceType({ ...base, screenShort: 800, screenLong: 1280 }), 'laptop');
  assert.equal(deviceType({ ...base, touchPoints: 10 }), 'laptop');
  assert.equal(deviceType({ ...base, coarsePointer: true, finePointer: false, screenShort: 390, screenLong: 844 }), 'phone');
  assert.equal(deviceType({ ...base, coarsePointer: true, finePointer: false, screenShort: 820, screenLong: 1180 }),
    'tablet');
  assert.equal(deviceType({ ...base, finePointer: false }), 'other');
});

test('the setup sent: rounded sample rate and latency (output latency, else base latency), then in words', () => {
  const facts = { userAgent: FIREFOX, coarsePointer: false, finePointer: true, screenShort: 800, screenLong: 1280,
    touchPoints: 0, sampleRate: 48000.0, outputLatency: 0, baseLatency: 0.0106667 };
  const setup = setupAnswer('check', facts);
  assert.deepEqual(setup, { block: 'check', browser: 'Firefox 133', sampleRate: 48000, outputLatency: 0.0107,
    deviceType: 'laptop' });
  assert.equal(describeSetup(setup), 'Firefox 133, laptop, 48000 Hz, 11 ms output latency');
  assert.deepEqual(setupAnswer('check', { ...facts, sampleRate: undefined, outputLatency: undefined,
    baseLatency: undefined }), { block: 'check', browser: 'Firefox 133', deviceType: 'laptop' });
});
