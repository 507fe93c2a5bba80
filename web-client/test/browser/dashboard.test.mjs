// The researcher dashboard and the entry through study links, against the API of the dashboard (sessions,
// studies with status and links, monitor and its event stream, supervised sessions, join). An admin signs in
// through the printed researcher link and adds a researcher; the researcher signs in, creates a study from
// study-protocols/pilot.yaml, opens it; three participants join through the general link at once and land in
// both arms; the monitor follows their steps live; the researcher pauses, resumes and writes a note; another
// researcher cannot see the study; a Prolific entry returns to its session and ends on the redirect.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  ROOT, StudyServer, chooseParameters, consent, expectNoSeriousA11yViolations, launchBrowser, newContext, rate,
  tempDir, waitForTraining,
} from './harness.mjs';

const PILOT = join(ROOT, 'study-protocols/pilot.yaml');

let server;
let browser;

before(async () => {
  browser = await launchBrowser();
  server = new StudyServer(tempDir('dashboard'));
  await server.start();
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
});

async function signIn(page, email, password) {
  await page.goto(`${server.baseUrl}/#login`);
  await page.getByRole('heading', { name: 'Researcher sign-in' }).waitFor();
  await expectNoSeriousA11yViolations(page, 'the sign-in page');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Studies' }).waitFor();
}

const participantOf = async (token) => (await server.api('/api/session', { token })).participantId;

/** Drives a participant through the API to the end: consent, parameters, ratings, finish. */
async function finishByApi(participantId, token) {
  for (let i = 0; i < 2000; i++) {
    const s = await server.api(`/api/participants/${participantId}`, { token });
    const post = (action, body) => server.api(`/api/participants/${participantId}/${action}`,
      { token, method: 'POST', key: crypto.randomUUID(), body });
    if (s.phase === 'finished') return s;
    if (s.phase === 'consent') await post('consent', { consentVersion: s.consent.version, agree: true });
    else if (s.phase === 'parameters') await post('parameters', { ...s.parameterRules.defaults,
      length: s.parameterRules.length.min });
    else if (s.phase === 'training') await post('ratings', { episode: s.track.episode, step: s.track.step, rating: 6 });
    else if (s.phase === 'between-episodes') await post(s.canFinish ? 'finish' : 'episodes', {});
    else throw new Error(`unexpected phase ${s.phase}`);
  }
  throw new Error('the participant never finished');
}

test('a lab runs a study from the dashboard: researchers, a new study, live monitor, supervision, Prolific entry',
  { timeout: 240000 }, async (t) => {
    if (!browser) return t.skip('no Chromium');
    // The admin signs in through the printed link; the token leaves the address bar.
    const adminContext = await newContext(browser);
    const admin = await adminContext.newPage();
    await admin.goto(server.researcherLink);
    await admin.getByRole('heading', { name: 'Studies' }).waitFor();
    assert.doesNotMatch(admin.url(), /researcher=/);
    await expectNoSeriousA11yViolations(admin, 'the admin\'s studies list');

    // The admin adds a researcher and gets a password shown once.
    await admin.getByRole('link', { name: 'Researchers' }).click();
    await admin.getByRole('heading', { name: 'Researchers' }).waitFor();
    await admin.getByLabel('Email').fill('ana@lab.example');
    await admin.getByLabel('Role').selectOption('researcher');
    await admin.getByRole('button', { name: 'Add researcher' }).click();
    const password = await admin.locator('#new-password').inputValue();
    assert.ok(password.length >= 8, 'a generated password is shown');
    await admin.locator('#researchers tr', { hasText: 'ana@lab.example' }).waitFor();
    await expectNoSeriousA11yViolations(admin, 'the researchers page');
    // A second researcher, through the API.
    const other = await server.api('/api/researchers', { method: 'POST',
      body: { email: 'bo@lab.example', role: 'researcher', password: 'another-password-42' } });
    assert.equal(other.email, 'bo@lab.example');

    // The researcher signs in and creates the study from the pilot protocol file.
    const anaContext = await newContext(browser);
    const ana = await anaContext.newPage();
    await signIn(ana, 'ana@lab.example', password);
    await expectNoSeriousA11yViolations(ana, 'the studies list with the new-study form');
    await ana.locator('#protocol-file').setInputFiles(PILOT);
    await ana.waitForFunction(() => document.getElementById('protocol-text').value.includes(':'));
    await ana.getByLabel('Study id (optional)').fill('pilot-dash');
    await ana.getByRole('button', { name: 'Create study' }).click();
    await ana.locator('section.study[data-study="pilot-dash"]').waitFor();
    assert.equal(await ana.locator('.status-value').textContent(), 'paused', 'a new study starts paused');
    await expectNoSeriousA11yViolations(ana, 'the study page');
    const general = await ana.getByLabel('General link').inputValue();
    assert.match(general, /\?join=pilot-dash$/);
    assert.match(await ana.getByLabel('Prolific link').inputValue(), /PROLIFIC_PID=\{\{%PROLIFIC_PID%\}\}/);

    // Paused: joining says so kindly.
    const early = await (await newContext(browser)).newPage();
    await early.goto(general);
    await early.getByText('This study is paused at the moment. Please try again later.').waitFor();
    await expectNoSeriousA11yViolations(early, 'the paused-study page');
    await early.context().close();

    await ana.getByRole('button', { name: 'Open', exact: true }).click();
    await ana.waitForFunction(() => document.querySelector('.status-value')?.textContent === 'open');
    await ana.waitForFunction(() => document.getElementById('live-state')?.dataset.state === 'live');

    // Three participants join at once, each in their own browser.
    const joiners = await Promise.all([0, 1, 2].map(async () => {
      const context = await newContext(browser);
      const page = await context.newPage();
      await page.goto(general);
      await page.locator('section.consent').waitFor();
      assert.equal(new URL(page.url()).search, '', 'the query is dropped from the address');
      const token = await page.evaluate(() => localStorage.getItem('tuneloop.participantToken'));
      return { context, page, token, id: await participantOf(token) };
    }));
    await expectNoSeriousA11yViolations(joiners[0].page, 'the consent page after joining');
    for (const j of joiners) {
      await ana.locator(`#monitor-table tr[data-participant="${j.id}"]`).waitFor({ timeout: 10000 });
    }
    const monitor = await server.api('/api/studies/pilot-dash/monitor');
    assert.deepEqual(new Set(monitor.participants.map((r) => r.arm)), new Set(['A', 'B']), 'both arms in use');
    assert.equal(JSON.stringify(monitor).includes(joiners[0].token), false, 'no token in the monitor');

    // A reload never enrols twice.
    await joiners[0].page.goto(general);
    await joiners[0].page.locator('section.consent').waitFor();
    assert.equal(await participantOf(await joiners[0].page.evaluate(
      () => localStorage.getItem('tuneloop.participantToken'))), joiners[0].id);

    // The monitor follows the steps live, without a reload.
    const first = joiners[1];
    await consent(first.page);
    await chooseParameters(first.page, { length: 2, tempo: 200 });
    await rate(first.page, 8, 'key');
    const row = ana.locator(`#monitor-table tr[data-participant="${first.id}"]`);
    await ana.waitForFunction((id) => {
      const r = document.querySelector(`#monitor-table tr[data-participant="${id}"]`);
      return r?.dataset.phase === 'training' && r.querySelector('.progress-cell')?.textContent === '1 / 2';
    }, first.id, { timeout: 10000 });
    assert.match(await row.textContent(), /8/, 'the last rating is shown');
    await expectNoSeriousA11yViolations(ana, 'the live monitor');

    // Pause and resume one participant, and write a note.
    const actions = () => row.getByRole('button', { name: /^Actions for/ }).click();
    await actions();
    await ana.locator('dialog[open]').waitFor();
    await expectNoSeriousA11yViolations(ana, 'the participant actions dialog');
    await ana.locator('dialog[open]').getByRole('button', { name: 'Pause' }).click();
    await ana.waitForFunction((id) => document.querySelector(`#monitor-table tr[data-participant="${id}"] .flag-paused`),
      first.id, { timeout: 10000 });
    await actions();
    await ana.locator('dialog[open]').getByRole('button', { name: 'Resume' }).click();
    await ana.waitForFunction((id) => !document.querySelector(`#monitor-table tr[data-participant="${id}"] .flag-paused`),
      first.id, { timeout: 10000 });
    await actions();
    await ana.locator('dialog[open]').getByRole('button', { name: 'Add a note' }).click();
    await ana.getByLabel('Note', { exact: true }).fill('Headphones swapped after track 1.');
    await expectNoSeriousA11yViolations(ana, 'the note dialog');
    await ana.getByRole('button', { name: 'Save note' }).click();
    await ana.waitForFunction(() => !document.querySelector('dialog[open]'));
    const { notes } = await server.api(`/api/participants/${first.id}/notes`);
    assert.deepEqual(notes.map((n) => [n.text, n.by]), [['Headphones swapped after track 1.', 'ana@lab.example']]);
    for (const j of joiners) await j.context.close();

    // Another researcher sees neither the study nor its page.
    const boContext = await newContext(browser);
    const bo = await boContext.newPage();
    await signIn(bo, 'bo@lab.example', 'another-password-42');
    assert.equal(await bo.locator('#studies a[href="#study=pilot-dash"]').count(), 0);
    await bo.goto(`${server.baseUrl}/#study=pilot-dash`);
    await bo.getByRole('heading', { name: 'This page could not be loaded' }).waitFor();
    await boContext.close();

    // Prolific: the second visit (another browser) returns to the same session; the end redirects.
    const prolificUrl = `${server.baseUrl}/?join=pilot-dash&PROLIFIC_PID=pp-123&STUDY_ID=st-1&SESSION_ID=se-1`;
    const visit = async () => {
      const context = await newContext(browser);
      const page = await context.newPage();
      await page.goto(prolificUrl);
      await page.locator('#view section, #view form').first().waitFor();
      await page.waitForFunction(() => localStorage.getItem('tuneloop.participantToken'));
      const token = await page.evaluate(() => localStorage.getItem('tuneloop.participantToken'));
      assert.equal(new URL(page.url()).search, '');
      return { context, page, token };
    };
    const one = await visit();
    const pid = await participantOf(one.token);
    await one.context.close();
    const two = await visit();
    assert.equal(await participantOf(two.token), pid, 'the same participant on the second visit');
    const finished = await finishByApi(pid, two.token);
    assert.ok(finished.completion?.redirectUrl, 'the pilot protocol has a completion redirect');
    const target = new URL(finished.completion.redirectUrl);
    await two.context.route(`${target.origin}/**`, (route) => route.fulfill({ contentType: 'text/html',
      body: '<!doctype html><title>Back at the study site</title><p>done</p>' }));
    await two.page.reload();
    await two.page.locator('#completion-code').waitFor();
    assert.equal(await two.page.locator('#completion-code').textContent(), finished.completion.code);
    await expectNoSeriousA11yViolations(two.page, 'the finish page with the completion code');
    await two.page.waitForURL((u) => u.origin === target.origin, { timeout: 20000 });
    await two.context.close();

    // Sign out: the dashboard is gone, also after a reload.
    await ana.getByRole('button', { name: 'Sign out' }).click();
    await ana.getByRole('heading', { name: 'Researcher sign-in' }).waitFor();
    await ana.goto(server.baseUrl);
    await ana.getByRole('heading', { name: 'Researcher sign-in' }).waitFor();
    assert.deepEqual([...adminContext.errors, ...anaContext.errors], []);
    await adminContext.close();
    await anaContext.close();
  });
