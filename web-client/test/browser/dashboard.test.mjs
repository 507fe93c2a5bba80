// The researcher dashboard and the entry through study links, end to end against `study serve --demo`. An admin
// signs in through the printed researcher link and adds a researcher; the researcher signs in, is shown the
// problems of a broken protocol, creates a study from the pilot's arms with training alone and opens it; three participants
// join through the general link at once and land in both arms; the monitor follows their steps live; the
// researcher pauses one (who sees the pause page and goes on by themselves after the resume), writes a note and
// ends another's session early; another researcher cannot see the study; a Prolific entry returns to its session
// from a second browser, finishes the pilot's 2 episodes of 4 tracks and ends on the Prolific redirect (answered
// here by page.route: nothing leaves the machine). axe-core checks every screen on the way.
// With TUNELOOP_SCREENSHOTS=<folder> (docs/images for the guide), the screens that docs/researcher-guide.md shows
// are saved there as guide-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  ROOT, StudyServer, consent, expectNoSeriousA11yViolations, launchBrowser, newContext, rate, waitForTraining,
  tempDir,
} from './harness.mjs';

// The pilot's arms with training alone (pilot.test.mjs goes through study-protocols/pilot.yaml's whole flow).
const PILOT = join(ROOT, 'services/server/src/test/resources/protocols/pilot-training-only.yaml');
const SHOTS = process.env.TUNELOOP_SCREENSHOTS;
const PROLIFIC = 'https://app.prolific.com';

let server;
let browser;

before(async () => {
  browser = await launchBrowser();
  server = new StudyServer(tempDir('dashboard'));
  await server.start();
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
});

/** Checks the screen with axe-core and, when asked for, keeps a picture of it (`focus` scrolled to the top). */
async function screen(page, label, shot, focus) {
  await expectNoSeriousA11yViolations(page, label);
  if (SHOTS && shot) {
    if (focus) await focus.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(SHOTS, `guide-${shot}.png`) });
  }
}

async function signIn(page, email, password, shot) {
  await page.goto(`${server.baseUrl}/#login`);
  await page.getByRole('heading', { name: 'Researcher sign-in' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await screen(page, 'the sign-in page', shot);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Studies' }).waitFor();
}

const participantOf = async (token) => (await server.api('/api/session', { token })).participantId;
const tokenIn = (page) => page.evaluate(() => localStorage.getItem('tuneloop.participantToken'));
const monitorRow = (page, id) => page.locator(`#monitor-table tr[data-participant="${id}"]`);

/** Opens the row's actions dialog and picks one of its buttons. */
async function rowAction(page, id, action) {
  await monitorRow(page, id).getByRole('button', { name: /^Actions for/ }).click();
  const dialog = page.locator('dialog[open]');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: action, exact: true }).click();
}

test('a lab runs a study from the dashboard: researchers, a new study, live monitor, supervision, Prolific entry',
  { timeout: 90000 }, async (t) => {
    if (!browser) return t.skip('no Chromium');
    const started = Date.now();

    // The admin signs in through the printed link; the token leaves the address bar.
    const adminContext = await newContext(browser);
    const admin = await adminContext.newPage();
    await admin.goto(server.researcherLink);
    await admin.getByRole('heading', { name: 'Studies' }).waitFor();
    assert.doesNotMatch(admin.url(), /researcher=/);
    assert.match(await admin.locator('.desk-nav .who').textContent(), /demo@tuneloop\.local/);
    await screen(admin, 'the admin\'s studies list');

    // The admin adds a researcher and gets a password shown once.
    await admin.getByRole('link', { name: 'Researchers' }).click();
    await admin.getByRole('heading', { name: 'Researchers' }).waitFor();
    await admin.getByLabel('Email').fill('ana@lab.example');
    await admin.getByLabel('Role').selectOption('researcher');
    await admin.getByRole('button', { name: 'Add researcher' }).click();
    const password = await admin.locator('#new-password').inputValue();
    assert.ok(password.length >= 8, 'a generated password is shown');
    await admin.locator('#researchers tr', { hasText: 'ana@lab.example' }).waitFor();
    await screen(admin, 'the researchers page');
    // A second researcher, through the API with the admin's token.
    const other = await server.api('/api/researchers', { method: 'POST',
      body: { email: 'bo@lab.example', role: 'researcher', password: 'another-password-42' } });
    assert.equal(other.email, 'bo@lab.example');
    const { researchers } = await server.api('/api/researchers');
    const anaId = researchers.find((r) => r.email === 'ana@lab.example').id;

    // The researcher signs in; a broken protocol is answered with its problems, each at its place.
    const anaContext = await newContext(browser);
    const ana = await anaContext.newPage();
    await signIn(ana, 'ana@lab.example', password, 'signin');
    await screen(ana, 'the studies list with the new-study form');
    const pilot = readFileSync(PILOT, 'utf8');
    await ana.getByLabel('Protocol (YAML)').fill(pilot.replace('epsilon: 0.5', 'epsilon: 7')
      .replace('maxParticipants: 200', 'maxParticipants: -1'));
    await ana.getByRole('button', { name: 'Create study' }).click();
    const problems = ana.getByRole('list', { name: 'Problems in the protocol' });
    await problems.waitFor();
    assert.match(await problems.textContent(), /arms\[0\]\.agent\.policy\.epsilon/);
    await screen(ana, 'the new-study form with problems', 'new-study-problems', ana.locator('#new-study-title'));

    // The pilot protocol from its file: the study starts paused.
    await ana.locator('#protocol-file').setInputFiles(PILOT);
    await ana.waitForFunction((text) => document.getElementById('protocol-text').value === text, pilot);
    await ana.getByLabel('Study id (optional)').fill('pilot-dash');
    await ana.getByRole('button', { name: 'Create study' }).click();
    await ana.locator('section.study[data-study="pilot-dash"]').waitFor();
    assert.equal(await ana.locator('.status-value').textContent(), 'paused', 'a new study starts paused');
    await screen(ana, 'the study page');
    const general = await ana.getByLabel('General link', { exact: true }).inputValue();
    assert.equal(general, `${server.baseUrl}/?join=pilot-dash`);
    assert.match(await ana.getByLabel('Prolific link', { exact: true }).inputValue(),
      /PROLIFIC_PID=\{\{%PROLIFIC_PID%\}\}&STUDY_ID=\{\{%STUDY_ID%\}\}&SESSION_ID=\{\{%SESSION_ID%\}\}$/);

    // Paused: joining says so kindly.
    const earlyContext = await newContext(browser);
    const early = await earlyContext.newPage();
    await early.goto(general);
    await early.getByText('This study is paused at the moment. Please try again later.').waitFor();
    await screen(early, 'the paused-study page');
    await earlyContext.close();

    await ana.getByRole('button', { name: 'Open', exact: true }).click();
    await ana.waitForFunction(() => document.querySelector('.status-value')?.textContent === 'open');
    await ana.waitForFunction(() => document.getElementById('live-state')?.dataset.state === 'live');
    await screen(ana, 'the open study with its links', 'study-links');

    // Three participants join at once, each in their own browser, and appear in the monitor by themselves.
    // The first one's first answer is lost on the way back: the page sends the join again with the same
    // Idempotency-Key and gets the same participant back.
    const joinKeys = [];
    const joinStatuses = [];
    const joiners = await Promise.all([0, 1, 2].map(async (i) => {
      const context = await newContext(browser);
      if (i === 0) {
        await context.route('**/api/studies/pilot-dash/join', async (route) => {
          joinKeys.push(route.request().headers()['idempotency-key']);
          const response = await route.fetch();
          joinStatuses.push(response.status());
          if (joinKeys.length === 1) await route.abort('connectionreset');
          else await route.fulfill({ response });
        });
      }
      const page = await context.newPage();
      await page.goto(general);
      await page.locator('section.consent').waitFor();
      assert.equal(new URL(page.url()).search, '', 'the query is dropped from the address');
      const token = await tokenIn(page);
      return { context, page, token, id: await participantOf(token) };
    }));
    assert.equal(new Set(joiners.map((j) => j.id)).size, 3, 'three participants');
    assert.equal(joinKeys.length, 2, 'the lost join was sent again');
    assert.ok(joinKeys[0] && joinKeys[0] === joinKeys[1], 'with the same Idempotency-Key');
    assert.deepEqual(joinStatuses, [201, 200], 'the second answer is the same participant, returning');
    await screen(joiners[0].page, 'the consent page after joining');
    for (const j of joiners) await monitorRow(ana, j.id).waitFor({ timeout: 10000 });
    const monitor = await server.api('/api/studies/pilot-dash/monitor');
    assert.equal(monitor.participants.length, 3, 'nobody enrolled twice');
    assert.deepEqual(new Set(monitor.participants.map((r) => r.arm)), new Set(['A', 'B']), 'both arms in use');
    assert.equal(JSON.stringify(monitor).includes(joiners[0].token), false, 'no token in the monitor');

    // A reload of the join link never enrols twice.
    await joiners[0].page.goto(general);
    await joiners[0].page.locator('section.consent').waitFor();
    assert.equal(await participantOf(await tokenIn(joiners[0].page)), joiners[0].id);

    // The monitor follows the steps live, without a reload.
    const [watched, paused, ended] = joiners;
    await consent(watched.page);
    await consent(paused.page);
    await watched.page.getByRole('button', { name: 'Start training' }).click(); // fixed start in the pilot
    await waitForTraining(watched.page, { episode: 1, step: 1 });
    await rate(watched.page, 8, 'key');
    await ana.waitForFunction((id) => {
      const r = document.querySelector(`#monitor-table tr[data-participant="${id}"]`);
      return r?.dataset.phase === 'training' && r.querySelector('.progress-cell')?.textContent === '1 / 2';
    }, watched.id, { timeout: 10000 });
    assert.match(await monitorRow(ana, watched.id).textContent(), /8/, 'the last rating is shown');
    await ana.waitForFunction((id) => document.querySelector(`#monitor-table tr[data-participant="${id}"]`)
      ?.dataset.phase === 'parameters', paused.id, { timeout: 10000 });
    await screen(ana, 'the live monitor', 'monitor', ana.locator('#monitor-title'));

    // The researcher pauses a participant; their next answer shows the pause page, which goes on by itself.
    await monitorRow(ana, watched.id).getByRole('button', { name: /^Actions for/ }).click();
    await ana.locator('dialog[open]').waitFor();
    await screen(ana, 'the participant actions dialog', 'participant-actions');
    await ana.locator('dialog[open]').getByRole('button', { name: 'Pause', exact: true }).click();
    await monitorRow(ana, watched.id).locator('.flag-paused').waitFor({ timeout: 10000 });
    await watched.page.keyboard.press('6');
    await watched.page.getByRole('heading', { name: 'Your session is paused by the researcher' }).waitFor();
    assert.equal((await server.events(watched.id)).filter((e) => e.type === 'TrackRated').length, 1,
      'no rating is taken while paused');
    await screen(watched.page, 'the participant\'s pause page', 'participant-paused');
    await rowAction(ana, watched.id, 'Resume');
    await monitorRow(ana, watched.id).locator('.flag-paused').waitFor({ state: 'detached', timeout: 10000 });
    await waitForTraining(watched.page, { episode: 1, step: 2 });
    await rate(watched.page, 5, 'key');

    // A note, shown with who wrote it; the server keeps the researcher's id.
    await rowAction(ana, watched.id, 'Add a note');
    await ana.getByLabel('Note', { exact: true }).fill('Headphones swapped after track 1.');
    await screen(ana, 'the note dialog');
    await ana.getByRole('button', { name: 'Save note' }).click();
    await ana.locator('#status', { hasText: /^Note on .* saved\.$/ }).waitFor();
    const { notes } = await server.api(`/api/participants/${watched.id}/notes`);
    assert.deepEqual(notes.map((n) => [n.text, n.by]), [['Headphones swapped after track 1.', anaId]]);
    await monitorRow(ana, watched.id).getByRole('button', { name: /^Actions for/ }).click();
    await ana.locator('dialog[open] .notes-list li.note', { hasText: 'by you' }).waitFor();
    await ana.locator('dialog[open]').getByRole('button', { name: 'Close', exact: true }).click();
    // The admin, not a member, sees the researcher's email.
    await admin.goto(`${server.baseUrl}/#study=pilot-dash&details=${watched.id}`);
    await admin.locator('.notes-list li.note', { hasText: 'by ana@lab.example' }).waitFor();
    await screen(admin, 'the participant details');

    // Ending a session early: the participant's next answer shows a polite end page.
    await rowAction(ana, ended.id, 'End session early…');
    await ana.getByLabel('Reason (required)').fill('Fire alarm; the session could not go on.');
    await ana.getByRole('button', { name: 'End the session' }).click();
    await ana.waitForFunction((id) => document.querySelector(`#monitor-table tr[data-participant="${id}"]`)
      ?.dataset.phase === 'ended', ended.id, { timeout: 10000 });
    await ended.page.getByRole('button', { name: 'I agree and take part' }).click();
    await ended.page.getByRole('heading', { name: 'Your session has ended' }).waitFor();
    await screen(ended.page, 'the participant\'s end page after an early end');
    for (const j of joiners) await j.context.close();

    // Another researcher sees neither the study nor its page.
    const boContext = await newContext(browser);
    const bo = await boContext.newPage();
    await signIn(bo, 'bo@lab.example', 'another-password-42');
    assert.equal(await bo.locator('#studies a[href="#study=pilot-dash"]').count(), 0);
    await bo.goto(`${server.baseUrl}/#study=pilot-dash`);
    await bo.getByRole('heading', { name: 'This page could not be loaded' }).waitFor();
    await screen(bo, 'the page of a study one may not see');
    await boContext.close();

    // Prolific: the second visit (another browser) returns to the same session, which ends on the redirect.
    const prolificUrl = `${server.baseUrl}/?join=pilot-dash&PROLIFIC_PID=pp-123&STUDY_ID=st-1&SESSION_ID=se-1`;
    const visit = async () => {
      const context = await newContext(browser);
      await context.route(`${PROLIFIC}/**`, (route) => route.fulfill({ contentType: 'text/html',
        body: '<!doctype html><html lang="en"><title>Prolific</title><p>Submission complete</p></html>' }));
      const page = await context.newPage();
      await page.goto(prolificUrl);
      await page.locator('section.consent').waitFor();
      assert.equal(new URL(page.url()).search, '');
      return { context, page, id: await participantOf(await tokenIn(page)) };
    };
    const one = await visit();
    await one.context.close();
    const two = await visit();
    assert.equal(two.id, one.id, 'the same participant on the second visit');
    await consent(two.page);
    await two.page.getByRole('button', { name: 'Start training' }).click();
    // Episode 2 follows episode 1 directly; after the minimum of 2 the participant may finish.
    for (const episode of [1, 2]) {
      await waitForTraining(two.page, { episode, step: 1 });
      for (let step = 1; step <= 4; step++) await rate(two.page, step + 4, 'key');
    }
    await two.page.locator('section.between').waitFor();
    await two.page.getByRole('button', { name: 'Finish training' }).click();
    await two.page.locator('#completion-code').waitFor();
    assert.equal(await two.page.locator('#completion-code').textContent(), 'PILOT-DONE');
    await screen(two.page, 'the finish page with the completion code');
    await two.page.waitForURL(`${PROLIFIC}/submissions/complete?cc=PILOT-DONE`, { timeout: 15000 });
    await two.context.close();
    const row = (await server.api('/api/studies/pilot-dash/monitor')).participants.find((r) => r.id === one.id);
    assert.deepEqual([row.phase, row.flags], ['finished', ['prolific']]);

    // The admin's list shows both studies with their participants.
    await admin.goto(`${server.baseUrl}/#studies`);
    await admin.locator('#studies tr[data-study="pilot-dash"]').waitFor();
    assert.equal(await admin.locator('#studies tr[data-study="pilot-dash"] td.num').textContent(), '4');
    await screen(admin, 'the studies list', 'studies');

    // Sign out: the dashboard is gone, also after a reload.
    await ana.getByRole('button', { name: 'Sign out' }).click();
    await ana.getByRole('heading', { name: 'Researcher sign-in' }).waitFor();
    await ana.goto(server.baseUrl);
    await ana.getByRole('heading', { name: 'Researcher sign-in' }).waitFor();
    assert.deepEqual([...adminContext.errors, ...anaContext.errors], []);
    await adminContext.close();
    await anaContext.close();
    t.diagnostic(`story took ${Math.round((Date.now() - started) / 1000)} s`);
  });
