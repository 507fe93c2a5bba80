// What a participant meets on the pages, tried as a participant would: declining asks first; the consent text
// flows with the page; the parameters page explains the scale; the status line does not carry over to a new
// page; a new episode says so; Play reads "Play" until the track has sounded; after a rating the focus leaves
// the rating buttons; keyboard hints stay off touch screens. axe-core on every screen.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  StudyServer, consent, expectNoSeriousA11yViolations, launchBrowser, newContext, tempDir, trainingParticipant,
  waitForTraining,
} from './harness.mjs';

let server;
let browser;

before(async () => {
  browser = await launchBrowser();
  server = new StudyServer(tempDir('participant'));
  await server.start();
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
});

const statusOf = (page) => page.evaluate(() => {
  const s = document.getElementById('status');
  return { state: s.dataset.state, text: s.textContent };
});
const focused = (page) => page.evaluate(() => ({ id: document.activeElement?.id ?? '',
  text: document.activeElement?.textContent ?? '', rating: document.activeElement?.dataset?.rating ?? null }));

test('declining asks first, in a dialog that starts on the way back; the consent text flows with the page',
  { timeout: 30000 }, async (t) => {
    if (!browser) return t.skip('no Chromium');
    const p = await server.enrol();
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(p.link);
    await page.locator('section.consent').waitFor();
    await expectNoSeriousA11yViolations(page, 'the consent page');
    assert.deepEqual(await page.locator('#consent-text').evaluate((el) => ({
      overflow: getComputedStyle(el).overflowY, scrolls: el.scrollHeight > el.clientHeight + 1 })),
    { overflow: 'visible', scrolls: false }, 'no scroll box of its own');

    // A click opens the dialog on "Go back"; Escape closes it and the focus returns to the button.
    await page.getByRole('button', { name: 'I do not agree' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    assert.equal(await dialog.getByRole('heading').textContent(), 'Decline and leave the study?');
    assert.equal((await focused(page)).text, 'Go back');
    await expectNoSeriousA11yViolations(page, 'the decline dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await focused(page)).id, 'decline');
    assert.equal((await server.api(`/api/participants/${p.participantId}`)).phase, 'consent', 'nothing was sent');

    // By keyboard: Enter opens it again, Tab reaches "Decline and leave", Enter declines.
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).text, 'Decline and leave');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    await expectNoSeriousA11yViolations(page, 'the page after declining');
    assert.equal((await server.api(`/api/participants/${p.participantId}`)).phase, 'declined');
    assert.deepEqual(context.errors, []);
    await context.close();
  });

test('the parameters page explains the scale; the status line starts clear on every new page',
  { timeout: 30000 }, async (t) => {
    if (!browser) return t.skip('no Chromium');
    const p = await server.enrol();
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(p.link);
    await page.locator('section.consent').waitFor();
    await consent(page);
    assert.deepEqual(await statusOf(page), { state: 'idle', text: '' }, 'no "Your answer is saved." here');
    await expectNoSeriousA11yViolations(page, 'the parameters page');

    const hint = page.locator('#scale-hint');
    assert.equal(await hint.textContent(), 'Major: bright and settled, the do-re-mi scale.');
    assert.match(await page.getByLabel('Scale').getAttribute('aria-describedby'), /scale-hint pitch-note/);
    assert.match(await page.locator('#pitch-note').textContent(), /by semitones .* some notes may leave the scale/);
    await page.getByLabel('Scale').selectOption('minor');
    assert.equal(await hint.textContent(), 'Minor: darker and more wistful than major.');
    await page.getByLabel('Scale').selectOption('major');

    await page.getByLabel('Track length (notes)').fill('2');
    await page.getByLabel('Tempo (beats per minute)').fill('200');
    await page.getByRole('button', { name: 'Start training' }).click();
    await waitForTraining(page, { episode: 1, step: 1 });
    assert.deepEqual(await statusOf(page), { state: 'idle', text: '' }, 'nothing left from the parameters page');
    assert.equal(await page.locator('#keys').isVisible(), true, 'keyboard hints on a laptop');
    assert.deepEqual(context.errors, []);
    await context.close();
  });

test('a new episode says so for a moment; after a rating the focus moves to Play, which reads "Play again" once heard',
  { timeout: 45000 }, async (t) => {
    if (!browser) return t.skip('no Chromium');
    const p = await trainingParticipant(server, { length: 2, tempo: 200 });
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(p.link);
    await waitForTraining(page, { episode: 1, step: 1 });
    const banner = page.locator('#episode-news .episode-banner');
    assert.equal(await banner.textContent(), 'Episode 1 of 10 begins: a new melody');
    assert.equal(await page.locator('#episode-news').getAttribute('aria-live'), 'polite');
    await expectNoSeriousA11yViolations(page, 'the training page as an episode begins');
    // This browser lets the track play by itself: once it has sounded, the button offers to play it again.
    await page.locator('#play', { hasText: /^Play again$/ }).waitFor({ timeout: 5000 });

    await page.locator('button.rating[data-rating="6"]').click();
    await waitForTraining(page, { episode: 1, step: 2 });
    await page.waitForFunction(() => document.getElementById('status').dataset.state === 'saved');
    assert.equal((await focused(page)).id, 'play', 'the focus left the rating button');
    assert.equal(await page.locator('button.rating[aria-pressed="true"]').count(), 0, 'nothing looks chosen');

    await page.locator('button.rating[data-rating="3"]').click();
    await waitForTraining(page, { episode: 2, step: 1 });
    const arrived = Date.now();
    await page.waitForFunction(() => document.getElementById('status').dataset.state === 'saved');
    assert.equal((await statusOf(page)).text, 'Saved: rating 3 for episode 1, track 2.');
    assert.equal(await banner.textContent(), 'Episode 2 of 10 begins: a new melody');
    assert.ok(await banner.isVisible());
    assert.equal((await focused(page)).id, 'play');
    await expectNoSeriousA11yViolations(page, 'the training page as episode 2 begins');
    await banner.waitFor({ state: 'detached', timeout: 10000 });
    const shownFor = Date.now() - arrived;
    assert.ok(shownFor > 2000, `shown for a moment, not a flash (${shownFor} ms)`);
    assert.equal(await page.locator('#progress').textContent(), 'Episode 2 of 10 · Track 1 of 2', 'the progress stays');
    assert.deepEqual(context.errors, []);
    await context.close();
  });

/**
 * A browser that keeps sound off until the person presses something, as ordinary browsers do. Headless
 * Chromium's own autoplay policy lets some pages through and others not, so the rule is set here: the page's
 * AudioContext stays suspended until the first pointer or key press.
 */
const soundAfterAPress = () => {
  let pressed = false;
  for (const type of ['pointerdown', 'keydown']) addEventListener(type, () => { pressed = true; }, true);
  const Real = window.AudioContext;
  window.AudioContext = class extends Real {
    get state() { return pressed ? super.state : 'suspended'; }
    resume() { return pressed ? super.resume() : Promise.resolve(); }
  };
};

test('in a browser that keeps sound off until a press, the button reads "Play", then "Play again"',
  { timeout: 45000 }, async (t) => {
    if (!browser) return t.skip('no Chromium');
    const p = await trainingParticipant(server, { length: 2, tempo: 200 });
    const context = await newContext(browser);
    await context.addInitScript(soundAfterAPress);
    const page = await context.newPage();
    await page.goto(p.link);
    await waitForTraining(page, { episode: 1, step: 1 });
    await page.locator('#audio-hint').waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await page.locator('#play').textContent(), 'Play', 'not heard yet: "Play"');
    await expectNoSeriousA11yViolations(page, 'the training page before the first play');
    await page.locator('#play').click();
    await page.locator('#play', { hasText: /^Play again$/ }).waitFor({ timeout: 5000 });
    assert.equal(await page.evaluate(() => window.tuneloop.audioState()), 'running');
    assert.equal(await page.locator('#audio-hint').isHidden(), true);
    // The key press let sound in: the next track plays by itself and the button offers to play it again.
    await page.keyboard.press('5');
    await waitForTraining(page, { episode: 1, step: 2 });
    await page.locator('#play', { hasText: /^Play again$/ }).waitFor({ timeout: 5000 });
    assert.deepEqual(context.errors, []);
    await context.close();
  });

test('on a touch screen the keyboard hints are hidden', { timeout: 30000 }, async (t) => {
  if (!browser) return t.skip('no Chromium');
  const p = await trainingParticipant(server, { length: 2, tempo: 200 });
  const context = await newContext(browser, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2,
    isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await page.goto(p.link);
  await waitForTraining(page, { episode: 1, step: 1 });
  assert.equal(await page.evaluate(() => matchMedia('(hover: none) and (pointer: coarse)').matches), true,
    'the phone is seen as a touch screen');
  assert.equal(await page.locator('#keys').isVisible(), false);
  assert.equal(await page.locator('.rating-buttons').isVisible(), true);
  await expectNoSeriousA11yViolations(page, 'the training page on a touch screen');
  await page.locator('button.rating[data-rating="8"]').tap();
  await waitForTraining(page, { episode: 1, step: 2 });
  assert.deepEqual(context.errors, []);
  await context.close();
});
