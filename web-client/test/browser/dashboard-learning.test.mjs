// The learning views, end to end against `study serve --demo`: two participants rate tracks through the API (known
// ratings), then the researcher opens the first one's learning page and the study page. The charts are drawn (a
// canvas with ink on it) and their text alternatives carry the means worked out here from the ratings sent; the
// timeline's rows are the ratings in order; "What moved it" lists the rating that moved a value; the Q-table
// replayed to an earlier step has the size the trace gives for that step; the study's chart table has each
// episode's mean across participants with its t interval; the access log lists these readings; the export link
// answers with a zip. axe-core checks each screen. With TUNELOOP_SCREENSHOTS=<folder> (docs/images for the guide)
// it saves guide-learning.png and guide-study-learning.png there.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  StudyServer, expectNoSeriousA11yViolations, launchBrowser, newContext, tempDir, trainingParticipant,
} from './harness.mjs';

const SHOTS = process.env.TUNELOOP_SCREENSHOTS;

let server;
let browser;

/** Keeps a picture of the screen with `focus` scrolled to the top, when asked for. */
async function shot(page, name, focus) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await focus.evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: join(SHOTS, `guide-${name}.png`) });
}

before(async () => {
  browser = await launchBrowser();
  if (!browser) return;
  server = new StudyServer(tempDir('learning'));
  await server.start();
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
});

/** Rates the tracks shown, one rating of `ratings` each, going on to new episodes; returns what was rated. */
async function rateThrough(p, ratings) {
  const path = `/api/participants/${p.participantId}`;
  const send = (action, body) => server.api(`${path}/${action}`, { token: p.token, method: 'POST',
    key: crypto.randomUUID(), body });
  let view = await server.api(path, { token: p.token });
  const rated = [];
  for (const rating of ratings) {
    while (view.phase !== 'training' || !view.track) {
      assert.equal(view.phase, 'between-episodes', `a participant of the demo reached ${view.phase}`);
      view = await send('episodes', {});
    }
    const { episode, step } = view.track;
    view = await send('ratings', { episode, step, rating, clientMillisToRate: 1500 + rated.length * 100 });
    rated.push({ episode, step, rating });
  }
  return rated;
}

/** Mean rating per episode of what was sent. */
function episodeMeans(rated) {
  const by = new Map();
  for (const r of rated) by.set(r.episode, [...(by.get(r.episode) ?? []), r.rating]);
  return new Map([...by].map(([e, rs]) => [e, rs.reduce((a, b) => a + b, 0) / rs.length]));
}

const cells = async (row) => (await row.locator('th, td').allTextContents()).map((c) => c.trim());
const tableRows = async (page, id) => Promise.all((await page.locator(`#${id} tbody tr`).all()).map(cells));

/** Whether the chart's canvas has something drawn on it. */
const inked = (page, id) => page.locator(`#${id} canvas`).evaluate((canvas) => {
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
  return canvas.width > 0 && n > 100;
});

/** Opens every "Show the numbers" so axe also checks the tables. */
const openDetails = (page) => page.evaluate(() => {
  for (const d of document.querySelectorAll('details')) d.open = true;
});

test('the researcher reads how ratings shaped the agent: charts, timeline, provenance, the Q-table as of a step, '
  + 'the arms with confidence bands, the access log', { timeout: 120000 }, async (t) => {
  if (!browser) return t.skip('no Chromium');
  const started = Date.now();
  const first = await trainingParticipant(server, { length: 4, tempo: 120 });
  const second = await trainingParticipant(server, { length: 4, tempo: 120 });
  const rated = await rateThrough(first, [3, 5, 7, 4, 8, 6, 9, 2, 7, 5, 8, 6]);
  const ratedToo = await rateThrough(second, [4, 6, 5, 7, 3, 8, 5, 6]);
  const { studies } = await server.api('/api/studies');
  const studyId = studies[0].id;
  const learning = await server.api(`/api/participants/${first.participantId}/learning`);
  assert.equal(learning.steps.length, rated.length, 'every training rating is a step');

  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(server.researcherLink);
  await page.getByRole('heading', { name: 'Studies' }).waitFor();

  // From the monitor row to the learning page.
  await page.goto(`${server.baseUrl}/#study=${studyId}`);
  await page.locator(`#monitor-table tr[data-participant="${first.participantId}"]`)
    .getByRole('link', { name: /^Learning of/ }).click();
  await page.getByRole('heading', { name: 'How the ratings shaped the agent' }).waitFor();
  await page.locator('#at-shown').waitFor();
  await page.locator('#diagnostics h2').waitFor();
  assert.equal((await tableRows(page, 'diagnostics-table')).length, 4, 'the figures behind the four flags');
  await shot(page, 'learning', page.locator('#diagnostics'));
  for (const id of ['chart-trajectory', 'chart-explore', 'chart-actions', 'chart-growth']) {
    assert.ok(await inked(page, id), `${id} is drawn`);
    assert.match(await page.locator(`#${id} canvas`).getAttribute('aria-label'), /\w+\. .+/,
      `${id} has a name saying what it shows`);
  }

  // The trajectory's table: each episode's ratings and their mean, as sent.
  const means = episodeMeans(rated);
  const trajectoryRows = await tableRows(page, 'chart-trajectory-table');
  // (An episode begun but not rated yet shows dashes.)
  assert.deepEqual(trajectoryRows.filter((r) => r[2] !== '–').map((r) => [Number(r[0]), r[2], r[3]]),
    [...means].map(([e, m]) =>
      [e, m.toFixed(2), rated.filter((r) => r.episode === e).map((r) => String(r.rating)).join(', ')]));
  const firstMean = means.get(rated[0].episode).toFixed(2);
  assert.match(await page.locator('#chart-trajectory .chart-summary').innerText(), new RegExp(`Mean rating ${firstMean}`));

  // Explore versus exploit: the server's counts per episode, one per rated edit.
  const exploreRows = await tableRows(page, 'chart-explore-table');
  assert.deepEqual(exploreRows, learning.episodes.map((e) => [String(e.episode), String(e.explored),
    String(e.exploited)]));
  const explored = (e, how) => String(learning.steps.filter((s) => s.episode === e && s.explored === how).length);
  for (const e of means.keys()) {
    assert.deepEqual(exploreRows.find((r) => r[0] === String(e)).slice(1), [explored(e, true), explored(e, false)]);
  }

  // The timeline: one row per rating, in order, with the rating sent.
  const timeline = await tableRows(page, 'timeline');
  assert.deepEqual(timeline.map((r) => [r[0], r[4]]), rated.map((r) => [`${r.episode}.${r.step}`, String(r.rating)]));
  assert.ok(await page.locator('#timeline').getByRole('button', { name: /^Play step/ }).count() >= rated.length - 1);

  // Provenance of the first credited step: its rating is among the updates that moved the value.
  const creditedIndex = learning.steps.findIndex((s) => s.qAfter !== null && s.state !== null && s.action !== null);
  assert.ok(creditedIndex >= 0, 'some step updated a Q-value');
  const credited = learning.steps[creditedIndex];
  const key = `${credited.episode}.${credited.step}`;
  await page.locator(`#timeline tr[data-position="${credited.position}"]`)
    .getByRole('button', { name: /^What moved it/ }).click();
  await page.locator('#provenance-table').waitFor();
  const updates = await tableRows(page, 'provenance-table');
  assert.ok(updates.some((u) => u[0] === key && u[1] === String(rated[creditedIndex].rating)),
    `the rating of step ${key} is listed: ${JSON.stringify(updates)}`);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'provenance-title');

  // Point in time: after the third step (the slider, by keyboard) the Q-table has that step's size.
  const third = learning.steps[2];
  const shown = (k) => page.waitForFunction((want) =>
    document.getElementById('at-shown')?.textContent.includes(`the last rating by then: step ${want})`), k);
  await page.locator('#at-step').focus();
  await page.keyboard.press('Home');
  await shown(`${learning.steps[0].episode}.${learning.steps[0].step}`);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await shown(`${third.episode}.${third.step}`);
  assert.match(await page.locator('#at-step').getAttribute('aria-valuetext'),
    new RegExp(`^after step ${third.episode}\\.${third.step} \\(rating ${rated[2].rating}\\)$`));
  assert.ok(third.qTableSize > 0, 'the table has values by the third step');
  assert.match(await page.locator('#at-q-table caption').innerText(), new RegExp(`^${third.qTableSize} state`));
  assert.equal(Number(await page.locator('#at-position').inputValue()), learning.steps[3].position - 1);
  // A log position typed in: at the third step's rating its update is not applied yet.
  await page.locator('#at-position').fill(String(third.position));
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await page.waitForFunction((p) => document.getElementById('at-shown')?.textContent
    .startsWith(`As of log position ${p} `), third.position);
  assert.match(await page.locator('#at-shown').innerText(), new RegExp(`step ${third.episode}\\.${third.step}\\)`));
  assert.match(await page.locator('#at-q-table caption').innerText(),
    new RegExp(`^${learning.steps[1].qTableSize} state`));
  // A value of the replayed table opens its provenance too.
  await page.locator('#at-q-table').getByRole('button', { name: /^What moved it/ }).first().click();
  await page.waitForFunction(() => document.activeElement?.id === 'provenance-title'
    && document.getElementById('provenance-table'));
  await openDetails(page);
  await expectNoSeriousA11yViolations(page, 'the learning page');

  // The study page: arms with their bands, flag counts, the access log, the export.
  await page.goto(`${server.baseUrl}/#study=${studyId}`);
  await page.locator('#chart-arms canvas').waitFor();
  assert.ok(await inked(page, 'chart-arms'), 'the arms chart is drawn');
  const armRows = await tableRows(page, 'chart-arms-table');
  const other = episodeMeans(ratedToo);
  const e1 = [means.get(rated[0].episode), other.get(ratedToo[0].episode)];
  const mean = (e1[0] + e1[1]) / 2;
  const sd = Math.sqrt(((e1[0] - mean) ** 2 + (e1[1] - mean) ** 2) / 1);
  const half = 12.706 * sd / Math.sqrt(2); // t quantile for 1 degree of freedom, 97.5 %
  const row1 = armRows.find((r) => r[1] === String(rated[0].episode));
  assert.deepEqual(row1.slice(2), ['2', mean.toFixed(2), `${(mean - half).toFixed(2)} to ${(mean + half).toFixed(2)}`]);
  await shot(page, 'study-learning', page.locator('#study-learning-title'));
  const flagRows = await tableRows(page, 'arm-flags');
  assert.deepEqual(flagRows.map((r) => r[0]), ['paper'], 'one row per arm');
  assert.ok(flagRows[0].slice(2).every((c) => /^\d+$/.test(c)), 'a count per kind of flag');

  await page.locator('#access-log tbody tr').first().waitFor();
  const access = (await tableRows(page, 'access-log')).map((r) => r[2]);
  for (const what of ['opened a participant\'s learning view', 'looked at what moved a Q-value',
    `rebuilt a participant's Q-table by replay, as of log position ${third.position}`,
    'opened the study\'s learning by arm']) {
    assert.ok(access.some((a) => a.startsWith(what)), `the access log lists "${what}": ${JSON.stringify(access)}`);
  }
  const exportHref = await page.locator('#export-csv').getAttribute('href');
  const exported = await page.evaluate(async (href) => {
    const r = await fetch(href);
    return { status: r.status, type: r.headers.get('content-type') };
  }, exportHref);
  assert.equal(exported.status, 200);
  assert.match(exported.type, /zip/);
  await openDetails(page);
  await expectNoSeriousA11yViolations(page, 'the study page with its learning views');
  assert.deepEqual(context.errors, []);
  await context.close();
  assert.ok(Date.now() - started < 100000, `took ${Date.now() - started} ms`);
});
