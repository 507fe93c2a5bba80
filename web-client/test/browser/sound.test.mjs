// Sound is real: the player renders tracks from the API offline (the same scheduling code that plays them
// live), melody and percussion separately, at two tempos; every onset has signal and the track's silent parts
// are silent. Live, after Play, the AudioContext runs and its output carries signal.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  StudyServer, expectNoSeriousA11yViolations, launchBrowser, newContext, tempDir, trainingParticipant, waitForTraining,
} from './harness.mjs';

const LEAD = 0.1;          // seconds of silence the render puts before the first onset
const SILENT = 1e-4;       // RMS below this is silence
const AUDIBLE = 0.01;      // RMS above this is sound (the player peaks near 0.2)
const DRUM_RING = 0.45;    // bass drum and snare (GM 35, 38) die away within this many seconds

let server;
let browser;

before(async () => {
  browser = await launchBrowser();
  server = new StudyServer(tempDir('sound'));
  await server.start();
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
});

function rms(samples, rate, from, to) {
  const a = Math.max(0, Math.floor(from * rate));
  const b = Math.min(samples.length, Math.ceil(to * rate));
  let sum = 0;
  for (let i = a; i < b; i++) sum += samples[i] * samples[i];
  return b > a ? Math.sqrt(sum / (b - a)) : 0;
}

/** Onsets and end in seconds, computed here from beats and tempo, independently of the page's code. */
function expected(track) {
  const spb = 60 / track.tempo;
  let at = LEAD;
  const onsets = track.notes.map((n) => { const o = at; at += n.beats * spb; return o; });
  return { onsets, end: at };
}

test('the player renders tracks from the API with sound at every onset and silence elsewhere, at two tempos',
  { timeout: 90000 }, async (t) => {
    if (!browser) {
      t.skip('no Chromium (set CHROMIUM_PATH); CI=true makes this a failure');
      return;
    }
    const fast = await trainingParticipant(server, { length: 4, tempo: 200 });
    const slow = await trainingParticipant(server, { length: 3, tempo: 90 });
    const tracks = [];
    for (const p of [fast, slow]) {
      const session = await server.api(`/api/participants/${p.participantId}`, { token: p.token });
      tracks.push({ tempo: session.track.tempo, notes: session.track.notes });
    }
    assert.deepEqual(tracks.map((x) => x.tempo), [200, 90]);

    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/sound-check.html`);
    await page.waitForFunction(() => window.tuneloopSound !== undefined);
    await expectNoSeriousA11yViolations(page, 'the sound check page');
    const renders = await page.evaluate(async ({ tracks, lead }) => {
      const out = [];
      for (const track of tracks) {
        for (const part of ['melody', 'percussion']) {
          const buffer = await window.tuneloopSound.renderOffline(track, { parts: [part], lead, sampleRate: 22050 });
          out.push({ part, rate: buffer.sampleRate, samples: Array.from(buffer.getChannelData(0)) });
        }
      }
      return out;
    }, { tracks, lead: LEAD });

    for (let i = 0; i < renders.length; i++) {
      const { part, rate, samples } = renders[i];
      const track = tracks[Math.floor(i / 2)];
      const { onsets, end } = expected(track);
      const label = `${part} at ${track.tempo} BPM`;
      const duration = samples.length / rate;
      assert.ok(rms(samples, rate, 0, LEAD - 0.005) < SILENT, `${label}: silent before the first onset`);
      if (part === 'melody') {
        onsets.forEach((onset, n) => {
          const level = rms(samples, rate, onset + 0.003, onset + 0.03);
          assert.ok(level > AUDIBLE, `${label}: note ${n} sounds at ${onset.toFixed(3)} s (RMS ${level})`);
          if (n > 0) {
            const before = rms(samples, rate, onset - 0.003, onset - 0.0005);
            assert.ok(before < level / 2, `${label}: note ${n} starts at its onset (${before} before, ${level} after)`);
          }
        });
        const tail = rms(samples, rate, end + 0.02, duration);
        assert.ok(tail < SILENT, `${label}: silent after the last note ends at ${end.toFixed(3)} s (RMS ${tail})`);
      } else {
        const hits = onsets.filter((_, n) => track.notes[n].drum > 0);
        hits.forEach((onset) => {
          const level = rms(samples, rate, onset + 0.001, onset + 0.03);
          assert.ok(level > AUDIBLE, `${label}: drum hit at ${onset.toFixed(3)} s (RMS ${level})`);
        });
        if (hits.length > 0) {
          assert.ok(rms(samples, rate, LEAD, hits[0] - 0.001) < SILENT, `${label}: nothing before the first hit`);
          const tail = rms(samples, rate, hits.at(-1) + DRUM_RING, duration);
          assert.ok(tail < SILENT, `${label}: silent once the last hit has died away (RMS ${tail})`);
        } else {
          assert.ok(rms(samples, rate, 0, duration) < SILENT, `${label}: all rests, all silent`);
        }
      }
      t.diagnostic(`${label}: ${onsets.length} notes over ${(end - LEAD).toFixed(2)} s checked`);
    }

    // Live: the participant's page plays the track through a running AudioContext that carries signal.
    const live = await context.newPage();
    await live.goto(fast.link);
    await waitForTraining(live, { episode: 1, step: 1 });
    await expectNoSeriousA11yViolations(live, 'the training page');
    await live.getByRole('button', { name: /Play/ }).click();
    await live.waitForFunction(() => window.tuneloop.audioState() === 'running', null, { timeout: 5000 });
    await live.waitForFunction(() => window.tuneloop.level() > 0.001, null, { timeout: 5000 });
    assert.deepEqual(context.errors, []);
  });
