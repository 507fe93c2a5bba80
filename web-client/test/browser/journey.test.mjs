// The participant's whole journey in real headless Chromium against `study serve --demo` (paper-replication.yaml):
// consent, the blocks before training (answered through the API by the harness; flow.test.mjs and
// pilot.test.mjs go through them on the page), start parameters, 10 episodes (and one more) rated by clicks and
// by keys, a reload, a closed and reopened tab, a server killed (kill -9) and restarted mid-episode, the
// evaluation, feedback and debrief on the page, the finish page with the composition played and downloaded as
// MIDI; then exactly one stored rating per step, and `study audit verify` passing on the data.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  StudyServer, chooseParameters, consent, expectNoSeriousA11yViolations, launchBrowser, newContext, rate, ratingsPerStep, shownStep, tempDir,
  throughBlocksAfterTraining, waitForTraining,
} from './harness.mjs';

const LENGTH = 2;
const TEMPO = 200;
const EPISODES = 10;

let server;
let browser;

before(async () => {
  browser = await launchBrowser();
  server = new StudyServer(tempDir('journey'));
  await server.start();
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
});

test('a participant trains 10 episodes through reloads and a server crash, finishes and downloads the MIDI file',
  { timeout: 240000 }, async (t) => {
    if (!browser) {
      t.skip('no Chromium (set CHROMIUM_PATH); CI=true makes this a failure');
      return;
    }
    const context = await newContext(browser);
    let page = await context.newPage();
    await page.goto(server.participantLink);
    await page.locator('section.consent').waitFor();
    await expectNoSeriousA11yViolations(page, 'the consent page');
    await consent(page);
    await expectNoSeriousA11yViolations(page, 'the parameters page');
    await chooseParameters(page, { length: LENGTH, tempo: TEMPO });
    await expectNoSeriousA11yViolations(page, 'the training page');
    assert.deepEqual(await shownStep(page), { episode: 1, step: 1 });
    assert.equal(await page.locator('#progress').textContent(), `Episode 1 of ${EPISODES} · Track 1 of ${LENGTH}`);

    // Sound: the track plays by itself after Start, and Play (again) keeps a running AudioContext with signal.
    await page.getByRole('button', { name: /Play/ }).click();
    await page.waitForFunction(() => window.tuneloop.audioState() === 'running' && window.tuneloop.level() > 0.001,
      null, { timeout: 5000 });

    const rated = [];
    for (let episode = 1; episode <= EPISODES; episode++) {
      for (let step = 1; step <= LENGTH; step++) {
        assert.deepEqual(await shownStep(page), { episode, step }, 'the page shows the step the server waits for');
        const rating = ((episode * 3 + step) % 10) + 1;
        const how = (episode + step) % 2 === 0 ? 'click' : 'key';

        if (episode === 3 && step === 2) {
          // Reload mid-episode: the same step comes back.
          await page.reload();
          await waitForTraining(page, { episode, step });
        }
        if (episode === 5 && step === 1) {
          // Close the tab and open the link again.
          await page.close();
          page = await context.newPage();
          await page.goto(server.participantLink);
          await waitForTraining(page, { episode, step });
        }
        if (episode === 7 && step === 2) {
          // kill -9 the server mid-episode, rate while it is down, restart it on the same data: the page
          // says the rating is not saved, then sends it by itself once the server is back.
          await server.kill();
          await page.keyboard.press(rating === 10 ? '0' : String(rating));
          await page.waitForFunction(() => document.getElementById('status').dataset.state === 'unsaved', null,
            { timeout: 20000 });
          assert.match(await page.locator('#status').textContent(), /Not saved/);
          assert.deepEqual(await shownStep(page), { episode, step }, 'nothing moves on before the server answers');
          await server.start();
          // (A restarted --demo prints the same links again; the page simply continues with its own.)
          await page.waitForFunction(() => document.getElementById('status').dataset.state === 'saved', null,
            { timeout: 30000 });
          rated.push({ episode, step, rating });
          // ... and a reload after the restart shows exactly the next step.
          await page.reload();
          await waitForTraining(page, { episode: episode + 1, step: 1 });
          continue;
        }
        await rate(page, rating, how);
        rated.push({ episode, step, rating });
      }
    }

    // After the required episodes: "Another episode" (one more, by keys) or "Finish training".
    await page.locator('section.between').waitFor();
    await expectNoSeriousA11yViolations(page, 'the page between episodes');
    await page.getByRole('button', { name: 'Another episode' }).click();
    await waitForTraining(page, { episode: EPISODES + 1, step: 1 });
    assert.equal(await page.locator('#progress').textContent(), `Episode ${EPISODES + 1} (extra) · Track 1 of ${LENGTH}`);
    for (let step = 1; step <= LENGTH; step++) {
      await rate(page, 10, 'key');
      rated.push({ episode: EPISODES + 1, step, rating: 10 });
    }
    await page.locator('section.between').waitFor();
    await page.getByRole('button', { name: 'Finish training' }).click();
    await page.locator('section.evaluation').waitFor();
    await expectNoSeriousA11yViolations(page, 'the evaluation');
    await throughBlocksAfterTraining(page);
    await page.locator('section.finished').waitFor();
    await expectNoSeriousA11yViolations(page, 'the finish page');

    await page.getByRole('button', { name: 'Play the composition' }).click();
    await page.waitForFunction(() => window.tuneloop.audioState() === 'running' && window.tuneloop.level() > 0.001,
      null, { timeout: 5000 });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download as MIDI file' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'tuneloop-composition.mid');
    const saved = join(server.dir, 'composition.mid');
    await download.saveAs(saved);
    const midi = readFileSync(saved);
    assert.equal(midi.subarray(0, 4).toString('latin1'), 'MThd', 'a standard MIDI file');
    assert.ok(midi.includes(Buffer.from('MTrk', 'latin1')));

    // The finish page survives a reload too.
    await page.reload();
    await page.locator('section.finished').waitFor();
    assert.deepEqual(context.errors, [], 'no script errors on the pages');

    // Stored events: exactly one rating per step, with the values given.
    const participantId = (await server.api('/api/session', { token: server.participantToken })).participantId;
    const events = await server.events(participantId);
    const counts = ratingsPerStep(events);
    assert.equal(counts.size, (EPISODES + 1) * LENGTH);
    for (const [step, n] of counts) {
      assert.equal(n, 1, `step ${step} has ${n} ratings`);
    }
    const stored = events.filter((e) => e.type === 'TrackRated')
      .map((e) => ({ episode: e.data.episode, step: e.data.step, rating: e.data.rating }));
    assert.deepEqual(stored, rated);
    assert.ok(events.some((e) => e.type === 'CompositionCreated'));

    // The audit replays every stream and recomputes every Q-value update.
    const stopped = await server.stop();
    t.diagnostic(`server stopped: ${JSON.stringify(stopped)}`);
    const audit = server.auditVerify();
    assert.equal(audit.status, 0, `audit verify failed:\n${audit.output}`);
  });
