// study-protocols/pilot.yaml's whole flow in real headless Chromium, as a researcher runs it: the study created
// from the file through the researcher API (the demo's admin token), opened, and two participants coming in by the
// Prolific link, one after the other, each through every block on the page: consent, instructions, the listening
// setup and the headphone check (answered right from the layout the server gave), the questionnaire with its
// attention check, training of 2 episodes of 4 fast tracks (the first rated alike, so the enforced break comes
// with its countdown), the unannounced reliability probe, the blinded evaluation of Tracks A-D (in different
// orders for the two), the debrief, and the completion page with the code and the redirect to Prolific (answered
// here by page.route: nothing leaves the machine). Then the first one withdraws their data, which erases their
// identifying data, and `study audit verify` passes for the study. axe-core checks every screen.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  ROOT, STUDY, StudyServer, expectNoSeriousA11yViolations, launchBrowser, newContext, screen, tempDir,
} from './harness.mjs';

const PILOT = readFileSync(join(ROOT, 'study-protocols/pilot.yaml'), 'utf8');
const STUDY_ID = 'pilot-flow';
const PROLIFIC = 'https://app.prolific.com';
const REDIRECT = `${PROLIFIC}/submissions/complete?cc=PILOT-DONE`;

let server;
let browser;

before(async () => {
  browser = await launchBrowser();
  server = new StudyServer(tempDir('pilot'));
  await server.start();
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
});

/** The participant's own session, read with the token the page keeps. */
async function sessionOf(page) {
  const token = await page.evaluate(() => localStorage.getItem('tuneloop.participantToken'));
  const { participantId } = await server.api('/api/session', { token });
  return { id: participantId, session: await server.api(`/api/participants/${participantId}`, { token }) };
}

/** Rates the shown training track by a click and waits for the server's answer to be on the page. */
async function rateShown(page, rating) {
  const answered = page.waitForResponse((r) => r.url().endsWith('/ratings') && r.request().method() === 'POST');
  await page.locator(`button.rating[data-rating="${rating}"]`).click();
  assert.equal((await answered).status(), 200);
  await page.waitForFunction(() => !document.querySelector('section.training')
    || document.getElementById('status')?.dataset.state === 'saved', null, { timeout: 20000 });
}

/** One participant from the Prolific link to the completion page; returns their id and the labels shown. */
async function participate(context, pid, { followBy, a11y }) {
  const page = await context.newPage();
  await page.goto(`${server.baseUrl}/?join=${STUDY_ID}&PROLIFIC_PID=${pid}&STUDY_ID=st-pilot&SESSION_ID=se-${pid}`);
  await screen(page, 'consent', 'the consent page');
  const consentText = await page.locator('#consent-text').textContent();
  assert.match(consentText, /There are 2 rounds of 4 melodies/, 'the numbers computed from the protocol');
  assert.doesNotMatch(consentText, /\{(duration|episodes|steps|trackSeconds)\}/);
  await page.getByRole('button', { name: 'I agree and take part' }).click();

  await screen(page, 'instructions', 'the instructions');
  assert.equal(await page.locator('#instructions-title').textContent(), 'What happens in this pilot');
  await page.getByRole('button', { name: 'I have read this' }).click();

  // The listening setup, then three headphone trials, each answered with the quiet tone's place.
  await screen(page, 'check', 'the listening setup page');
  await page.getByRole('button', { name: 'Start the sound check' }).click();
  for (const trial of [1, 2, 3]) {
    await page.locator(`section.check[data-trial="${trial}"]`).waitFor({ timeout: 20000 });
    if (trial === 1 || a11y) await expectNoSeriousA11yViolations(page, `sound check ${trial}`);
    const { layout } = (await sessionOf(page)).session.block.headphoneCheck;
    await page.getByRole('button', { name: 'Play the three sounds' }).click();
    await page.waitForFunction(() => document.querySelector('button[data-answer="1"]')
      ?.getAttribute('aria-disabled') === 'false', null, { timeout: 10000 });
    await page.getByRole('button', { name: `Sound ${layout.indexOf('quiet') + 1}` }).click();
  }

  await screen(page, 'questionnaire', 'the questionnaire');
  await page.getByLabel('Yes, occasionally').check();
  await page.getByLabel('Agree', { exact: true }).check();
  await page.getByRole('button', { name: 'Continue' }).click();

  // Fixed start parameters in the pilot: Start begins training.
  await screen(page, 'parameters', 'the parameters page');
  await page.getByRole('button', { name: 'Start training' }).click();

  // Episode 1: four identical ratings, so the break policy (identicalRun: 4, enforce) holds the way on.
  await page.locator('section.training[data-episode="1"][data-step="1"]').waitFor({ timeout: 20000 });
  await expectNoSeriousA11yViolations(page, 'the training page');
  for (let step = 1; step <= 4; step++) {
    await page.locator(`section.training[data-episode="1"][data-step="${step}"]`).waitFor({ timeout: 20000 });
    await rateShown(page, 7);
  }
  await screen(page, 'between', 'the page after episode 1');
  await page.locator('#rest-countdown').waitFor({ timeout: 10000 });
  await expectNoSeriousA11yViolations(page, 'the enforced break');
  assert.equal(await page.locator('#rest').getAttribute('data-enforced'), 'true');
  assert.match(await page.locator('#rest-countdown').textContent(), /\d/, 'the countdown shows the seconds left');
  assert.equal(await page.locator('#end-break').getAttribute('aria-disabled'), 'true');
  assert.equal(await page.locator('#another').getAttribute('aria-disabled'), 'true');
  await page.waitForFunction(() => document.getElementById('end-break')?.getAttribute('aria-disabled') === 'false',
    null, { timeout: 15000 });
  await page.locator('#end-break').click();
  await page.locator('#rest').waitFor({ state: 'detached', timeout: 10000 });
  await page.getByRole('button', { name: 'Another episode' }).click();

  // Episode 2: after its second rating the second track of episode 1 returns unannounced (the probe).
  await page.locator('section.training[data-episode="2"][data-step="1"]').waitFor({ timeout: 20000 });
  for (const rating of [3, 8, 6, 2, 9]) await rateShown(page, rating);
  await screen(page, 'between', 'the page after episode 2');
  await page.getByRole('button', { name: 'Finish training' }).click();

  // The blinded evaluation: Tracks A to D, each rated once it has played to its end.
  const labels = [];
  for (const label of ['A', 'B', 'C', 'D']) {
    await page.locator(`section.evaluation[data-label="${label}"]`).waitFor({ timeout: 20000 });
    if (label === 'A' || a11y) await expectNoSeriousA11yViolations(page, `the evaluation of track ${label}`);
    labels.push(label);
    await page.getByRole('button', { name: /Play/ }).click();
    await page.waitForFunction(() => document.getElementById('submit-answers')?.getAttribute('aria-disabled')
      === 'false', null, { timeout: 15000 });
    for (const group of await page.locator('section.evaluation fieldset.item').all()) {
      await group.locator('input[value="4"]').check();
    }
    await page.getByRole('button', { name: 'Save and go on' }).click();
  }

  await screen(page, 'debrief', 'the debrief');
  await page.getByLabel(/anything you would like to tell us/i).fill(`Fine, from ${pid}.`);
  await page.getByRole('button', { name: 'Finish' }).click();

  // The completion code, then the way back to Prolific: by itself after its countdown, or by the button.
  await screen(page, 'finished', 'the finished page with the completion code');
  assert.equal(await page.locator('#completion-code').textContent(), 'PILOT-DONE');
  assert.equal(await page.locator('#complete-return').getAttribute('href'), REDIRECT);
  const { id } = await sessionOf(page);
  if (followBy === 'button') {
    await page.locator('#complete-return').click();
  } else {
    await page.locator('#redirect-countdown').waitFor();
  }
  await page.waitForURL(REDIRECT, { timeout: 20000 });
  assert.match(await page.locator('body').textContent(), /Submission complete/);
  return { id, page, labels };
}

test('two participants go through the pilot\'s whole flow; one withdraws the data; the audit passes',
  { timeout: 240000 }, async (t) => {
    if (!browser) {
      t.skip('no Chromium (set CHROMIUM_PATH); CI=true makes this a failure');
      return;
    }
    const started = Date.now();
    await server.api('/api/studies', { method: 'POST', body: { id: STUDY_ID, protocol: PILOT } });
    await server.api(`/api/studies/${STUDY_ID}/open`, { method: 'POST', key: crypto.randomUUID() });

    const contexts = [];
    const newParticipantContext = async () => {
      const context = await newContext(browser);
      // Prolific answered here: nothing leaves the machine.
      await context.route(`${PROLIFIC}/**`, (route) => route.fulfill({ contentType: 'text/html',
        body: '<!doctype html><html lang="en"><title>Prolific</title><p>Submission complete</p></html>' }));
      contexts.push(context);
      return context;
    };
    const first = await participate(await newParticipantContext(), 'pp-pilot-1', { followBy: 'countdown', a11y: true });
    const second = await participate(await newParticipantContext(), 'pp-pilot-2', { followBy: 'button', a11y: false });
    assert.notEqual(first.id, second.id);

    // What the server recorded: the headphone check passed, the break enforced for identical ratings, the probe
    // beside the earlier rating, and the two evaluation orders, which differ.
    const eventsOf = async (id) => server.events(id);
    const orders = [];
    for (const p of [first, second]) {
      const events = await eventsOf(p.id);
      const of = (type) => events.filter((e) => e.type === type);
      assert.equal(of('HeadphoneCheckCompleted')[0]?.data.passed, true);
      assert.deepEqual(of('BreakStarted').map((e) => [e.data.reason, e.data.enforced]), [['identical-ratings', true]]);
      assert.equal(of('TrackRated').length, 8, 'two episodes of four tracks');
      const probes = of('ProbeRated');
      assert.equal(probes.length, 1, 'one probe');
      assert.deepEqual([probes[0].data.rating, probes[0].data.earlierRating], [6, 7], 'beside the earlier rating');
      const order = of('EvaluationOrderAssigned');
      assert.equal(order.length, 1);
      assert.deepEqual(order[0].data.order.map((o) => o.label), ['A', 'B', 'C', 'D']);
      assert.deepEqual(order[0].data.order.map((o) => o.source).sort(), ['baseline', 'best', 'composition', 'first']);
      orders.push(order[0].data.order.map((o) => o.source).join(' '));
      assert.deepEqual(p.labels, ['A', 'B', 'C', 'D']);
    }
    assert.notEqual(orders[0], orders[1], 'the two participants heard Tracks A-D in different orders');

    // "Withdraw my data" after finishing: back on the app, the first participant withdraws.
    const page = first.page;
    await page.goto(server.baseUrl);
    await screen(page, 'finished', 'the finished page on return');
    await page.locator('#stay').click(); // the countdown to Prolific again, stopped
    await page.getByRole('button', { name: 'Withdraw my data' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    await expectNoSeriousA11yViolations(page, 'the withdraw-data dialog');
    await dialog.getByRole('button', { name: 'Withdraw my data' }).click();
    await page.getByRole('heading', { name: 'You have withdrawn' }).waitFor();
    await expectNoSeriousA11yViolations(page, 'the page after withdrawing the data');

    // Erased: the log says so with what was deleted (the Prolific entry and the written answer), and the Prolific
    // id no longer leads to the withdrawn participant; the second one's entry is still there.
    const erased = (await eventsOf(first.id)).filter((e) => e.type === 'IdentifyingDataErased');
    assert.deepEqual(erased.map((e) => [e.data.by, e.data.entries, e.data.texts]), [['participant', 1, 1]]);
    assert.equal((await eventsOf(second.id)).filter((e) => e.type === 'IdentifyingDataErased').length, 0);
    const join = (pid) => fetch(`${server.baseUrl}/api/studies/${STUDY_ID}/join`, { method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() },
      body: JSON.stringify({ prolific: { PROLIFIC_PID: pid } }) }).then(async (r) => ({ status: r.status, ...(await r.json()) }));
    const again = await join('pp-pilot-1');
    assert.notEqual(again.participantId, first.id, 'the erased entry no longer finds the withdrawn participant');
    const kept = await join('pp-pilot-2');
    assert.equal(kept.participantId, second.id, 'a kept entry still finds its participant');

    // The audit of the study passes, through the command line against the running server.
    const audit = spawnSync(STUDY, ['audit', 'verify', '--study', STUDY_ID, '--url', server.baseUrl,
      '--token', server.researcherToken], { cwd: server.dir, env: { ...process.env,
      STUDY_JAR: process.env.STUDY_JAR ?? join(ROOT, 'services/server/target/tuneloop.jar') },
    encoding: 'utf8', timeout: 90000 });
    assert.equal(audit.status, 0, `audit verify:\n${audit.stdout}\n${audit.stderr}`);

    for (const context of contexts) {
      assert.deepEqual(context.errors, [], 'no script errors on the pages');
      await context.close();
    }
    t.diagnostic(`pilot flow took ${Math.round((Date.now() - started) / 1000)} s`);
  });
