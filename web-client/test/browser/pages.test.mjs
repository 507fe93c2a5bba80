// The other pages and promises: a rating sent while offline is kept and arrives once; a lost answer is
// resent with the same idempotency key and stored once; the researcher page shows the Q-table and the tracks
// and is not for participants; declining ends politely; everything works by keyboard and on a phone.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  StudyServer, expectNoSeriousA11yViolations, launchBrowser, newContext, ratingsPerStep, shownStep, tempDir,
  throughBlocksBeforeTraining, trainingParticipant, waitForTraining,
} from './harness.mjs';

let server;
let browser;
let rater; // the participant of the resend tests, shown on the researcher page afterwards

before(async () => {
  browser = await launchBrowser();
  server = new StudyServer(tempDir('pages'));
  await server.start();
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
});

const pendingOf = (page, participantId) =>
  page.evaluate((id) => JSON.parse(localStorage.getItem(`tuneloop.pending.${id}`) ?? 'null'), participantId);

const statusState = (page) => page.evaluate(() => document.getElementById('status').dataset.state);

test('a rating sent without network is kept, shown as not saved, and arrives once after a reload',
  { timeout: 60000 }, async (t) => {
    if (!browser) return t.skip('no Chromium');
    rater = await trainingParticipant(server, { length: 3, tempo: 200 });
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(rater.link);
    await waitForTraining(page, { episode: 1, step: 1 });

    await context.setOffline(true);
    await page.keyboard.press('7');
    await page.waitForFunction(() => document.getElementById('status').dataset.state === 'unsaved');
    assert.match(await page.locator('#status').textContent(), /^Not saved/);
    await expectNoSeriousA11yViolations(page, 'the training page with a rating not saved');
    assert.equal(await page.locator('button.rating[data-rating="7"]').getAttribute('aria-pressed'), 'true');
    assert.deepEqual(await shownStep(page), { episode: 1, step: 1 });
    const pending = await pendingOf(page, rater.participantId);
    assert.equal(pending.action, 'ratings');
    // The passive signals go with the rating: the share heard so far, no replay, no time hidden.
    assert.ok(pending.body.heardShare >= 0 && pending.body.heardShare <= 1);
    assert.deepEqual({ ...pending.body, clientMillisToRate: 0, heardShare: 0 },
      { episode: 1, step: 1, rating: 7, clientMillisToRate: 0, heardShare: 0, replays: 0, hiddenMillis: 0 });
    assert.equal(ratingsPerStep(await server.events(rater.participantId)).size, 0, 'nothing reached the server');

    // Ratings stay blocked until the page has been reloaded: the browser's 'online' event would otherwise
    // resend at once, sometimes before the reload, and this test is about the resend after it.
    await page.route('**/ratings', (route) => route.abort('internetdisconnected'));
    await context.setOffline(false);
    await page.reload();
    await waitForTraining(page, { episode: 1, step: 1 });
    await page.waitForFunction(() => document.getElementById('status').dataset.state === 'unsaved');
    assert.equal(ratingsPerStep(await server.events(rater.participantId)).size, 0, 'still nothing stored');
    await page.unroute('**/ratings');
    await waitForTraining(page, { episode: 1, step: 2 });
    await page.waitForFunction(() => document.getElementById('status').dataset.state === 'saved');
    assert.equal(await pendingOf(page, rater.participantId), null);
    const events = await server.events(rater.participantId);
    assert.deepEqual([...ratingsPerStep(events)], [['1:1', 1]]);
    assert.equal(events.find((e) => e.type === 'TrackRated').data.rating, 7);
    await context.close();
  });

test('a rating whose answer was lost is resent with the same key and stored once', { timeout: 60000 }, async (t) => {
  if (!browser) return t.skip('no Chromium');
  const context = await newContext(browser);
  const page = await context.newPage();
  // The request reaches the server, but the page never hears back.
  await page.route('**/ratings', async (route) => {
    await route.fetch();
    await route.abort('internetdisconnected');
  });
  await page.goto(rater.link);
  await waitForTraining(page, { episode: 1, step: 2 });
  await page.keyboard.press('4');
  await page.waitForFunction(() => document.getElementById('status').dataset.state === 'unsaved');
  assert.deepEqual(await shownStep(page), { episode: 1, step: 2 }, 'not shown as saved without an answer');
  const key = (await pendingOf(page, rater.participantId)).key;
  assert.deepEqual([...ratingsPerStep(await server.events(rater.participantId))], [['1:1', 1], ['1:2', 1]]);

  await page.unroute('**/ratings');
  const resent = [];
  page.on('request', (r) => { if (r.url().endsWith('/ratings')) resent.push(r.headers()['idempotency-key']); });
  await page.reload();
  await waitForTraining(page, { episode: 1, step: 3 });
  await page.waitForFunction(() => document.getElementById('status').dataset.state === 'saved');
  assert.ok(resent.length >= 1 && resent.every((k) => k === key), 'resent with the same Idempotency-Key');
  assert.deepEqual([...ratingsPerStep(await server.events(rater.participantId))], [['1:1', 1], ['1:2', 1]]);
  assert.deepEqual(context.errors, []);
  await context.close();
});

test('the researcher page shows the Q-table rebuilt by replay and the tracks so far; participants never see it',
  { timeout: 60000 }, async (t) => {
    if (!browser) return t.skip('no Chromium');
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(server.researcherLink);
    await page.getByRole('heading', { name: 'Studies' }).waitFor();
    assert.doesNotMatch(page.url(), /researcher=/, 'the token is dropped from the address bar');
    await expectNoSeriousA11yViolations(page, 'the studies list');
    const { studies } = await server.api('/api/studies');
    const studyId = typeof studies[0] === 'string' ? studies[0] : studies[0].id;
    await page.locator(`#studies a[href="#study=${studyId}"]`).click();
    const row = page.locator(`#monitor-table tr[data-participant="${rater.participantId}"]`);
    await row.waitFor();
    await expectNoSeriousA11yViolations(page, 'the study page with its monitor');
    await row.getByRole('link', { name: /^Details/ }).click();
    await page.locator('#detail-title', { hasText: rater.participantId }).waitFor();
    const qRows = page.locator('#q-table tbody tr');
    await qRows.first().waitFor();
    const q = await server.api(`/api/participants/${rater.participantId}/q-table`);
    assert.equal(await qRows.count(), q.values.length);
    assert.equal(q.values.length, 2, 'two ratings, two updated state-action pairs');
    // How much the agent could learn, from the same figures the server computed.
    assert.equal(q.learning.updates, 2);
    assert.match(await page.locator('#revisit-rate').textContent(),
      new RegExp(`^${(q.learning.stateRevisitRate * 100).toFixed(1)} % \\(${q.learning.revisitedStates} of 2 updates`));
    assert.match(await page.locator('#informed-share').textContent(), / of \d+\)$/);
    const rated = page.locator('#tracks tr[data-episode="1"][data-step="1"] .rating-cell');
    assert.equal(await rated.textContent(), '7');
    assert.equal(await page.locator('#tracks tr[data-episode="1"][data-step="2"] .rating-cell').textContent(), '4');
    assert.equal(await page.locator('#tracks tr[data-episode="1"][data-step="3"] .rating-cell').textContent(), '–');
    await expectNoSeriousA11yViolations(page, 'the participant details');

    // A participant token, even under the researcher's link form, gets the participant's own pages.
    const other = await newContext(browser);
    const sneaky = await other.newPage();
    await sneaky.goto(`${server.baseUrl}/#researcher=${rater.token}`);
    await waitForTraining(sneaky);
    assert.equal(await sneaky.getByRole('heading', { name: 'Studies' }).count(), 0);
    assert.equal(await sneaky.locator('.desk-nav').count(), 0, 'no researcher controls');
    for (const path of [`/api/participants/${rater.participantId}/q-table`,
      `/api/participants/${rater.participantId}/events`, '/api/studies']) {
      await assert.rejects(server.api(path, { token: rater.token }), (e) => e.status === 403, path);
    }
    assert.deepEqual([...context.errors, ...other.errors], []);
    await context.close();
    await other.close();
  });

test('declining consent ends with a polite thank-you, also after a reload', { timeout: 30000 }, async (t) => {
  if (!browser) return t.skip('no Chromium');
  const p = await server.enrol();
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(p.link);
  await page.locator('section.consent').waitFor();
  await expectNoSeriousA11yViolations(page, 'the consent page');
  await page.getByRole('button', { name: 'I do not agree' }).click();
  await page.locator('dialog[open]').getByRole('button', { name: 'Decline and leave' }).click();
  await page.getByRole('heading', { name: 'Thank you' }).waitFor();
  await expectNoSeriousA11yViolations(page, 'the page after declining');
  assert.match(await page.locator('#view').textContent(), /Nothing more will be asked/);
  await page.reload();
  await page.getByRole('heading', { name: 'Thank you' }).waitFor();
  assert.equal(await page.locator('#withdraw').count(), 0);
  assert.equal((await server.api(`/api/participants/${p.participantId}`)).phase, 'declined');
  await context.close();
});

/** Presses Tab until the element with this id has the focus. */
async function tabTo(page, id, limit = 25) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((x) => document.activeElement?.id === x, id)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached #${id}`);
}

async function fitsWidth(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

test('keyboard only, on a phone-sized screen: labels, visible focus, rating keys, withdrawal',
  { timeout: 60000 }, async (t) => {
    if (!browser) return t.skip('no Chromium');
    const p = await server.enrol();
    const context = await newContext(browser, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    await page.goto(p.link);
    await page.locator('section.consent').waitFor();
    assert.ok(await fitsWidth(page), 'consent page fits a phone');
    assert.equal(await page.locator('#status').getAttribute('role'), 'status');
    assert.equal(await page.locator('#status').getAttribute('aria-live'), 'polite');

    await tabTo(page, 'agree');
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none',
      'the focused button shows its focus');
    await page.keyboard.press('Enter');
    // The demo's blocks before training are answered through the API (pilot.test.mjs walks them on the page).
    await page.waitForFunction(() => !document.querySelector('#view section.consent'), null, { timeout: 20000 });
    await throughBlocksBeforeTraining(page);
    assert.ok(await fitsWidth(page), 'parameters page fits a phone');
    await expectNoSeriousA11yViolations(page, 'the parameters page on a phone');
    assert.ok(await page.evaluate(() => [...document.querySelectorAll('input, select')]
      .every((el) => el.labels.length === 1 && el.labels[0].textContent.trim() !== '')), 'every field has a label');
    assert.equal(await page.getByLabel('Base note').inputValue(), '60', 'defaults from the protocol');
    assert.equal(await page.getByLabel('Scale').inputValue(), 'major');

    // Out of range: the field says so, nothing is sent.
    await tabTo(page, 'tempo');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('500');
    await page.keyboard.press('Enter');
    await page.locator('#tempo-error').waitFor();
    assert.equal(await page.getByLabel('Tempo (beats per minute)').getAttribute('aria-invalid'), 'true');
    assert.equal((await server.api(`/api/participants/${p.participantId}`)).phase, 'parameters');

    await page.keyboard.press('Control+A');
    await page.keyboard.type('200');
    await tabTo(page, 'length');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('2');
    await tabTo(page, 'start');
    await page.keyboard.press('Enter');
    await waitForTraining(page, { episode: 1, step: 1 });
    assert.ok(await fitsWidth(page), 'training page fits a phone');
    await expectNoSeriousA11yViolations(page, 'the training page on a phone');
    for (let r = 1; r <= 10; r++) {
      const box = await page.getByRole('button', { name: String(r), exact: true }).boundingBox();
      assert.ok(box.height >= 44 && box.width >= 44, `rating ${r} is a large enough target`);
    }

    await page.keyboard.press('p');
    await page.waitForFunction(() => window.tuneloop.audioState() === 'running');
    await page.keyboard.press('0');
    await waitForTraining(page, { episode: 1, step: 2 });
    await page.waitForFunction(() => document.getElementById('status').dataset.state === 'saved');
    assert.match(await page.locator('#status').textContent(), /rating 10 for episode 1, track 1/);

    // Withdraw by keyboard: the dialog opens on the safe choice, Escape keeps taking part.
    await tabTo(page, 'withdraw', 40);
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Keep taking part');
    await expectNoSeriousA11yViolations(page, 'the withdrawal dialog');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('dialog[open]'));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'withdraw');
    await page.keyboard.press('Enter');
    await page.locator('dialog[open]').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Withdraw');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'You have withdrawn' }).waitFor();
    await expectNoSeriousA11yViolations(page, 'the page after withdrawing');
    assert.equal((await server.api(`/api/participants/${p.participantId}`)).phase, 'withdrawn');
    assert.deepEqual([...ratingsPerStep(await server.events(p.participantId))], [['1:1', 1]]);
    assert.deepEqual(context.errors, []);
    await context.close();
  });
