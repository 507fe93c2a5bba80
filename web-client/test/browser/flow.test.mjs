// A participant's whole formal flow in real headless Chromium, on a study created through the researcher API
// from a protocol like study-protocols/formal-study.yaml but short (2 episodes of 2 fast tracks, must-listen off):
// consent, two pages of instructions, the listening setup and a headphone check answered on the page, a
// questionnaire of every item type (a missing answer shown at its item first), the practice track, training
// with a fatigue report and an enforced break between episodes, a blinded evaluation of two tracks, the debrief,
// the completion code, then "Withdraw my data". axe on every screen; the events checked at the end.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  StudyServer, expectNoSeriousA11yViolations, launchBrowser, newContext, screen, tempDir,
} from './harness.mjs';

const PROTOCOL = `
id: flow-short
version: 1
title: Teaching a music agent, the short way
consent:
  version: "1.0"
  text: |
    A short flow for the browser test: {episodes} episodes of {steps} tracks, about {duration}.
recruitment:
  completionCode: FLOW-DONE
flow:
  - type: instructions
    id: instructions
    pages:
      - {title: What happens in this study, text: "The agent makes short melodies; you rate each one."}
      - {title: Rounds and ratings, text: "There are {episodes} episodes of {steps} tracks."}
  - type: listening-check
    id: listening-check
    text: Please put on headphones, then set a comfortable volume.
    headphoneCheck: {trials: 2, passMinimum: 2, onFail: end}
  - type: questionnaire
    id: about
    title: About you
    items:
      - {type: single-choice, id: age, text: "How old are you?", options: ["18-24", "25-34", "35 or older"]}
      - {type: number, id: training-years, text: "Years of musical training?", min: 0, max: 80}
      - {type: multiple-choice, id: genres, text: "Which styles do you listen to?", options: [Pop, Jazz, Classical], min: 1, max: 2}
      - {type: likert, id: liking, text: "How much do you like melodies with drums?", points: 5, anchors: [Not at all, Very much]}
      - {type: attention-check, id: attention, text: 'Please choose "Agree" here.', options: [Disagree, Agree], expected: Agree}
      - {type: text, id: note, text: "Anything else?", required: false, maxLength: 100}
  - type: practice
    id: practice
  - type: training
    id: training
    pauseBetweenEpisodes: true
    questionnaires:
      - every: 1
        id: fatigue
        title: How do you feel right now?
        items:
          - {type: fatigue, id: fatigue, text: "Which statement best describes how you feel right now?", scale: samn-perelli}
    breaks: {fatigueAbove: 1, mode: enforce, seconds: 5}
    mustListen: {enabled: false}
  - type: evaluation
    id: evaluation
    tracks: [first, composition]
  - type: debrief
    id: debrief
    title: Thank you
    text: Thank you for taking part. Use "Withdraw my data" on the next page if you want your data withdrawn.
arms:
  - id: short
    startParameters:
      defaults: {baseNote: 60, scale: major, length: 2, tempo: 200}
      length: [2, 2]
      tempo: [200, 200]
      fixed: true
    episodes:
      minimum: 2
      stepsPerEpisode: 2
`;

let server;
let browser;

before(async () => {
  browser = await launchBrowser();
  server = new StudyServer(tempDir('flow'));
  await server.start();
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
});

test('a participant goes through a short formal flow, finishes with the code and withdraws the data',
  { timeout: 60000 }, async (t) => {
    if (!browser) {
      t.skip('no Chromium (set CHROMIUM_PATH); CI=true makes this a failure');
      return;
    }
    await server.api('/api/studies', { method: 'POST', body: { id: 'flow-short', protocol: PROTOCOL } });
    await server.api('/api/studies/flow-short/open', { method: 'POST', key: crypto.randomUUID() });
    const enrolled = await server.api('/api/studies/flow-short/participants', { method: 'POST', body: {} });
    const id = enrolled.participantId;
    const session = () => server.api(`/api/participants/${id}`, { token: enrolled.token });

    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/#participant=${enrolled.token}`);
    await screen(page, 'consent', 'the consent page');
    await page.getByRole('button', { name: 'I agree and take part' }).click();

    // Instructions: Next, Back, Next, then "I have read this" on the last page.
    await screen(page, 'instructions', 'the first instructions page');
    assert.equal(await page.locator('#instructions-title').textContent(), 'What happens in this study');
    assert.equal(await page.locator('#read').isVisible(), false);
    await page.getByRole('button', { name: 'Next' }).click();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'instructions-title');
    assert.match(await page.locator('#instructions-text').textContent(), /There are 2 episodes of 2 tracks/);
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await expectNoSeriousA11yViolations(page, 'the last instructions page');
    await page.getByRole('button', { name: 'I have read this' }).click();

    // The listening setup, then two headphone trials answered from the layout the server gave.
    await screen(page, 'check', 'the listening setup page');
    await page.getByRole('button', { name: 'Start the sound check' }).click();
    for (const trial of [1, 2]) {
      await page.locator(`section.check[data-trial="${trial}"]`).waitFor({ timeout: 20000 });
      await expectNoSeriousA11yViolations(page, `sound check ${trial}`);
      assert.equal(await page.locator('button[data-answer="1"]').getAttribute('aria-disabled'), 'true');
      const layout = (await session()).block.headphoneCheck.layout;
      await page.getByRole('button', { name: 'Play the three sounds' }).click();
      await page.waitForFunction(() => document.querySelector('button[data-answer="1"]')
        ?.getAttribute('aria-disabled') === 'false', null, { timeout: 10000 });
      await page.getByRole('button', { name: `Sound ${layout.indexOf('quiet') + 1}` }).click();
    }

    // The questionnaire: sent empty, the required items say so at the item; then answered by keyboard and mouse.
    await screen(page, 'questionnaire', 'the questionnaire');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('[data-item="age"] .field-error').waitFor();
    assert.equal(await page.locator('.field-error:not([hidden])').count(), 5, 'five required items unanswered');
    assert.equal(await page.locator('[data-item="age"]').getAttribute('aria-invalid'), 'true');
    await expectNoSeriousA11yViolations(page, 'the questionnaire with its problems shown');
    await page.getByLabel('25-34').check();
    await page.getByLabel('Years of musical training?').fill('2.5');
    await page.getByLabel('Pop').check();
    await page.getByLabel('Jazz').check();
    await page.getByLabel('Classical').check();
    await page.getByLabel('5 – Very much').check();
    await page.getByLabel('Agree', { exact: true }).check();
    await page.getByLabel('Anything else?').fill('Nice tunes');
    assert.equal(await page.locator('[data-item="note"] .counter').textContent(), '90 of 100 characters left');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match(await page.locator('[data-item="training-years"] .field-error').textContent(), /whole number/);
    assert.match(await page.locator('[data-item="genres"] .field-error').textContent(), /at most 2/);
    assert.equal(await page.evaluate(() => document.activeElement.id), await page.getByLabel('Years of musical training?')
      .getAttribute('id'), 'the first item with a problem takes the focus');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('3');
    await page.getByLabel('Classical').uncheck();
    await page.getByRole('button', { name: 'Continue' }).click();

    // Practice: one track, rated with a key.
    await screen(page, 'practice', 'the practice page');
    await page.keyboard.press('7');

    // The start parameters are fixed in this study: the page says so, and Start begins training.
    await screen(page, 'parameters', 'the parameters page');
    await page.getByRole('button', { name: 'Start training' }).click();

    // Training: 2 episodes of 2 tracks; after each, the fatigue question; after the first, an enforced break.
    for (const episode of [1, 2]) {
      for (const step of [1, 2]) {
        await page.locator(`section.training[data-episode="${episode}"][data-step="${step}"]`).waitFor({ timeout: 20000 });
        if (episode === 1 && step === 1) {
          await expectNoSeriousA11yViolations(page, 'the training page');
        }
        await page.locator(`button.rating[data-rating="${4 + step}"]`).click();
      }
      await screen(page, 'between', `the questions after episode ${episode}`);
      await page.getByLabel(episode === 1 ? '2 – Very lively' : '1 – Fully alert').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      if (episode === 1) {
        // Fatigue above 1: a break of 5 s, enforced; its Continue stays closed until the countdown ends.
        await page.locator('#rest-countdown').waitFor({ timeout: 10000 });
        await expectNoSeriousA11yViolations(page, 'the enforced break');
        assert.equal(await page.locator('#end-break').getAttribute('aria-disabled'), 'true');
        assert.equal(await page.locator('#another').getAttribute('aria-disabled'), 'true');
        assert.match(await page.locator('#time').textContent(), /Time so far: .*left/);
        await page.waitForFunction(() => document.getElementById('end-break')?.getAttribute('aria-disabled')
          === 'false', null, { timeout: 10000 });
        await page.locator('#end-break').click();
        await page.locator('#rest').waitFor({ state: 'detached', timeout: 10000 });
        await page.getByRole('button', { name: 'Another episode' }).click();
      } else {
        await page.getByRole('button', { name: 'Finish training' }).click();
      }
    }

    // The blinded evaluation: the questions open only after the track has played to its end.
    for (const label of ['A', 'B']) {
      await page.locator(`section.evaluation[data-label="${label}"]`).waitFor({ timeout: 20000 });
      await expectNoSeriousA11yViolations(page, `the evaluation of track ${label}`);
      await page.getByRole('button', { name: /Play/ }).click();
      await page.waitForFunction(() => document.getElementById('submit-answers')?.getAttribute('aria-disabled')
        === 'false', null, { timeout: 15000 });
      for (const group of await page.locator('section.evaluation fieldset.item').all()) {
        await group.locator('input[value="5"]').check();
      }
      await page.getByRole('button', { name: 'Save and go on' }).click();
    }

    // The debrief, then the completion code and "Withdraw my data".
    await screen(page, 'debrief', 'the debrief');
    await page.getByRole('button', { name: 'Finish' }).click();
    await screen(page, 'finished', 'the finished page');
    assert.match(await page.locator('section.finished').textContent(), /FLOW-DONE/);
    await page.getByRole('button', { name: 'Withdraw my data' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    await expectNoSeriousA11yViolations(page, 'the withdraw-data dialog');
    await dialog.getByRole('button', { name: 'Withdraw my data' }).click();
    await page.getByRole('heading', { name: 'You have withdrawn' }).waitFor();
    await expectNoSeriousA11yViolations(page, 'the page after withdrawing the data');
    assert.equal((await session()).phase, 'withdrawn');

    // What the server recorded from the pages.
    const events = await server.events(id);
    const of = (type) => events.filter((e) => e.type === type);
    const setup = of('SetupRecorded')[0]?.data ?? of('ListeningSetupRecorded')[0]?.data;
    assert.ok(setup, `a setup event among ${[...new Set(events.map((e) => e.type))].join(', ')}`);
    assert.match(setup.browser, /^(Chrome|Chromium|HeadlessChrome) \d+$/);
    assert.ok(['desktop', 'laptop'].includes(setup.deviceType));
    assert.equal(of('HeadphoneCheckCompleted')[0].data.passed, true);
    const ratings = of('TrackRated');
    assert.equal(ratings.length, 4);
    for (const r of ratings) {
      assert.ok(r.data.heardShare >= 0 && r.data.heardShare <= 1, 'heardShare sent with each rating');
      assert.equal(typeof r.data.hiddenMillis, 'number');
    }
    assert.deepEqual(context.errors, []);
    await context.close();
  });

test('with must-listen on, the ratings open only once the track has played to its end', { timeout: 40000 }, async (t) => {
  if (!browser) {
    t.skip('no Chromium (set CHROMIUM_PATH); CI=true makes this a failure');
    return;
  }
  const protocol = PROTOCOL.replace('id: flow-short', 'id: flow-listen')
    .replace('mustListen: {enabled: false}', 'mustListen: {enabled: true, toleranceMillis: 200}')
    .replace(/flow:\n[\s\S]*?  - type: training\n/, 'flow:\n  - type: training\n')
    .replace(/\n {2}- type: evaluation[\s\S]*?(?=\narms:)/, '')
    .replace(/    breaks: \{[^\n]*\n/, '');
  await server.api('/api/studies', { method: 'POST', body: { id: 'flow-listen', protocol } });
  await server.api('/api/studies/flow-listen/open', { method: 'POST', key: crypto.randomUUID() });
  const enrolled = await server.api('/api/studies/flow-listen/participants', { method: 'POST', body: {} });
  const id = enrolled.participantId;
  const as = { token: enrolled.token, method: 'POST' };
  const view = await server.api(`/api/participants/${id}`, { token: enrolled.token });
  await server.api(`/api/participants/${id}/consent`, { ...as, key: crypto.randomUUID(),
    body: { consentVersion: view.consent.version, agree: true } });
  await server.api(`/api/participants/${id}/parameters`, { ...as, key: crypto.randomUUID(),
    body: { baseNote: 60, scale: 'major', length: 2, tempo: 200 } });

  const context = await newContext(browser);
  const page = await context.newPage();
  // Sound waits for a press here, as in a browser that keeps it off until then: the track cannot end by itself.
  await page.addInitScript(() => {
    let pressed = false;
    for (const type of ['pointerdown', 'keydown']) addEventListener(type, () => { pressed = true; }, true);
    const Real = window.AudioContext;
    window.AudioContext = class extends Real {
      get state() { return pressed ? super.state : 'suspended'; }
      resume() { return pressed ? super.resume() : Promise.resolve(); }
    };
  });
  await page.goto(`${server.baseUrl}/#participant=${enrolled.token}`);
  await page.locator('section.training[data-episode="1"][data-step="1"]').waitFor({ timeout: 20000 });
  const first = page.locator('button.rating[data-rating="6"]');
  assert.equal(await first.getAttribute('aria-disabled'), 'true');
  assert.equal(await page.locator('#listen-hint').isVisible(), true);
  await expectNoSeriousA11yViolations(page, 'the training page before the track has been heard');
  await page.keyboard.press('6');
  await page.locator('#alert').filter({ hasText: 'listen to the track to its end' }).waitFor();
  assert.equal((await server.events(id)).filter((e) => e.type === 'TrackRated').length, 0, 'nothing sent');

  await page.getByRole('button', { name: /^Play/ }).click();
  await page.waitForFunction(() => document.querySelector('button.rating[data-rating="6"]')
    ?.getAttribute('aria-disabled') === 'false', null, { timeout: 10000 });
  await first.click();
  await page.locator('section.training[data-step="2"]').waitFor({ timeout: 10000 });
  const rated = (await server.events(id)).filter((e) => e.type === 'TrackRated');
  assert.equal(rated.length, 1);
  assert.equal(rated[0].data.heardShare, 1);
  assert.equal(rated[0].data.replays, 0);
  assert.deepEqual(context.errors, []);
  await context.close();
});

test('a headphone check failed with onFail end closes politely, with nothing more to do', { timeout: 30000 }, async (t) => {
  if (!browser) {
    t.skip('no Chromium (set CHROMIUM_PATH); CI=true makes this a failure');
    return;
  }
  const protocol = PROTOCOL.replace('id: flow-short', 'id: flow-screen')
    .replace('headphoneCheck: {trials: 2, passMinimum: 2, onFail: end}', 'headphoneCheck: {trials: 1, passMinimum: 1, onFail: end}')
    .replace(/flow:\n[\s\S]*?  - type: listening-check\n/, 'flow:\n  - type: listening-check\n');
  await server.api('/api/studies', { method: 'POST', body: { id: 'flow-screen', protocol } });
  await server.api('/api/studies/flow-screen/open', { method: 'POST', key: crypto.randomUUID() });
  const enrolled = await server.api('/api/studies/flow-screen/participants', { method: 'POST', body: {} });
  const id = enrolled.participantId;
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${server.baseUrl}/#participant=${enrolled.token}`);
  await page.getByRole('button', { name: 'I agree and take part' }).click();
  await page.getByRole('button', { name: 'Start the sound check' }).click();
  await page.locator('section.check[data-trial="1"]').waitFor({ timeout: 20000 });
  const layout = (await server.api(`/api/participants/${id}`, { token: enrolled.token })).block.headphoneCheck.layout;
  await page.getByRole('button', { name: 'Play the three sounds' }).click();
  await page.waitForFunction(() => document.querySelector('button[data-answer="1"]')
    ?.getAttribute('aria-disabled') === 'false', null, { timeout: 10000 });
  // The loudest tone, as over loudspeakers someone might hear it: a wrong answer.
  await page.getByRole('button', { name: `Sound ${layout.indexOf('reference') + 1}` }).click();
  await page.locator('section[data-end="screened-out"]').waitFor({ timeout: 10000 });
  await expectNoSeriousA11yViolations(page, 'the screened-out page');
  assert.equal(await page.locator('#view button').count(), 0, 'nothing to press');
  assert.equal(await page.locator('#withdraw').count(), 0);
  assert.equal((await server.api(`/api/participants/${id}`, { token: enrolled.token })).phase, 'screened-out');
  assert.deepEqual(context.errors, []);
  await context.close();
});

test('an arm with a compound reward asks for three aspects of every track, the fresh one first', { timeout: 40000 },
  async (t) => {
    if (!browser) {
      t.skip('no Chromium (set CHROMIUM_PATH); CI=true makes this a failure');
      return;
    }
    const protocol = PROTOCOL.replace('id: flow-short', 'id: flow-compound')
      .replace(/flow:\n[\s\S]*?  - type: training\n/, 'flow:\n  - type: training\n')
      .replace(/\n {2}- type: evaluation[\s\S]*?(?=\narms:)/, '')
      .replace(/    breaks: \{[^\n]*\n/, '')
      .replace('    startParameters:', `    agent:
      reward: {type: compound, weights: {musicality: 2, novelty: 1, coherence: 1}}
    startParameters:`)
      .replace('      minimum: 2\n', '      minimum: 1\n      rateFreshTrack: true\n');
    await server.api('/api/studies', { method: 'POST', body: { id: 'flow-compound', protocol } });
    await server.api('/api/studies/flow-compound/open', { method: 'POST', key: crypto.randomUUID() });
    const enrolled = await server.api('/api/studies/flow-compound/participants', { method: 'POST', body: {} });
    const id = enrolled.participantId;
    const as = { token: enrolled.token, method: 'POST' };
    const view = await server.api(`/api/participants/${id}`, { token: enrolled.token });
    await server.api(`/api/participants/${id}/consent`, { ...as, key: crypto.randomUUID(),
      body: { consentVersion: view.consent.version, agree: true } });
    await server.api(`/api/participants/${id}/parameters`, { ...as, key: crypto.randomUUID(),
      body: { baseNote: 60, scale: 'major', length: 2, tempo: 200 } });

    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/#participant=${enrolled.token}`);
    // Step 0: the episode's fresh melody, rated before the agent's first edit.
    await page.locator('section.training[data-episode="1"][data-step="0"]').waitFor({ timeout: 20000 });
    assert.match(await page.locator('#progress').textContent(), /The new melody, before any edit/);
    assert.equal(await page.locator('#aspects').isVisible(), true);
    await expectNoSeriousA11yViolations(page, 'the training page of a compound arm');
    await page.locator('button.rating[data-rating="6"]').click();
    await page.locator('#alert').filter({ hasText: 'musicality first' }).waitFor();
    assert.equal((await server.events(id)).filter((e) => e.type === 'TrackRated').length, 0, 'nothing sent');

    for (const [step, aspects, overall] of [[0, ['7', '4', '5'], 6], [1, ['3', '8', '6'], 5]]) {
      await page.locator(`section.training[data-step="${step}"]`).waitFor({ timeout: 10000 });
      await page.getByLabel('Musicality').selectOption(aspects[0]);
      await page.getByLabel('Novelty').selectOption(aspects[1]);
      await page.getByLabel('Coherence').selectOption(aspects[2]);
      await page.locator(`button.rating[data-rating="${overall}"]`).click();
      await page.locator(`section.training[data-step="${step + 1}"]`).waitFor({ timeout: 10000 });
      assert.equal(await page.getByLabel('Musicality').inputValue(), '', 'the aspects start empty on a new track');
    }
    const rated = (await server.events(id)).filter((e) => e.type === 'TrackRated');
    assert.deepEqual(rated.map((e) => [e.data.step, e.data.rating, e.data.musicality, e.data.novelty,
      e.data.coherence]), [[0, 6, 7, 4, 5], [1, 5, 3, 8, 6]]);
    const update = (await server.events(id)).find((e) => e.type === 'QValueUpdated');
    assert.equal(update.data.reward, (2 * 3 + 8 + 6) / 4, 'the compound of step 1, weights normalised');
    assert.deepEqual(context.errors, []);
    await context.close();
  });
