// Shared by the browser tests: start `study serve --demo` the way the README does (a separate process, a temp
// folder as working directory, --data-dir inside it, --port 0), kill or stop it, call the API, launch Chromium.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const AXE = join(dirname(fileURLToPath(import.meta.url)), '../../node_modules/axe-core/axe.min.js');

export const ROOT = resolve(process.env.TUNELOOP_ROOT ?? join(dirname(fileURLToPath(import.meta.url)), '../../..'));
export const STUDY = process.env.TUNELOOP_STUDY ?? join(ROOT, 'study');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const JAR = process.env.STUDY_JAR ?? join(ROOT, 'services/server/target/tuneloop.jar');

/** The environment for `study`: always the built jar (never a rebuild from inside a test). */
function studyEnv() {
  if (!existsSync(JAR)) {
    throw new Error(`no jar at ${JAR}: build it first (mvn -DskipTests package) or set STUDY_JAR`);
  }
  return { ...process.env, STUDY_JAR: JAR };
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `tuneloop-${prefix}-`));
}

export class StudyServer {
  constructor(dir) {
    this.dir = dir;
    this.dataDir = join(dir, 'data');
    this.proc = null;
    this.log = '';
  }

  /** Starts `study serve --demo` in `dir`; the first start takes a free port, restarts reuse it. */
  async start(port = this.port ?? 0, timeoutMs = 120000) {
    // The per-participant command rate is tested in process; here a test rates faster than a person would.
    const proc = spawn(STUDY, ['serve', '--demo', '--port', String(port), '--data-dir', this.dataDir,
      '--command-rate', '0'],
      { cwd: this.dir, env: studyEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
    const info = await new Promise((resolvePromise, reject) => {
      const found = {};
      let buffer = '';
      const timer = setTimeout(() => reject(new Error(`the server did not get ready in ${timeoutMs} ms:\n${this.log}`)),
        timeoutMs);
      const onData = (chunk) => {
        const text = chunk.toString();
        this.log += text;
        buffer += text;
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          let m;
          if ((m = line.match(/^Participant link: (\S+)/))) found.participantLink = m[1];
          if ((m = line.match(/^Researcher link: (\S+)/))) found.researcherLink = m[1];
          if ((m = line.match(/^Database: (\S+)/))) found.database = m[1];
          if ((m = line.match(/Tuneloop is ready at (http:\/\/[^\s/]+)/))) {
            clearTimeout(timer);
            found.baseUrl = m[1];
            resolvePromise(found);
          }
        }
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', (c) => { this.log += c.toString(); });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code ?? signal}) before it was ready:\n${this.log}`));
      });
    });
    this.baseUrl = info.baseUrl;
    this.port = Number(new URL(info.baseUrl).port);
    this.starts = [...(this.starts ?? []), info];
    // The test follows the participant of the first start; the researcher token is the latest printed.
    this.participantLink ??= info.participantLink;
    this.participantToken ??= new URL(info.participantLink).hash.replace('#participant=', '');
    this.researcherLink = info.researcherLink;
    this.researcherToken = new URL(info.researcherLink).hash.replace('#researcher=', '');
    return this;
  }

  /** The java process itself (the study script execs java; if a wrapper remains, its java descendant). */
  javaPid() {
    const pid = this.proc.pid;
    const comm = (p) => { try { return readFileSync(`/proc/${p}/comm`, 'utf8').trim(); } catch { return ''; } };
    if (comm(pid) === 'java') {
      return pid;
    }
    const queue = [pid];
    while (queue.length) {
      const parent = queue.shift();
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          if (ppid === parent) {
            if (comm(entry) === 'java') return Number(entry);
            queue.push(Number(entry));
          }
        } catch {
          // the process is gone
        }
      }
    }
    throw new Error(`no java process under ${pid}`);
  }

  /** kill -9 of the java process: no shutdown hook runs, the embedded PostgreSQL is left behind. */
  async kill() {
    const pid = this.javaPid();
    process.kill(pid, 'SIGKILL');
    await this.exited;
    this.proc = null;
  }

  /** SIGTERM and wait for a clean exit (then SIGKILL after 20 s). */
  async stop() {
    if (!this.proc) {
      return null;
    }
    const pid = this.javaPid();
    process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, 20000);
    const result = await this.exited;
    clearTimeout(timer);
    this.proc = null;
    return result;
  }

  /** `study audit verify --data-dir …` (run after stop); returns {status, output}. */
  auditVerify() {
    const run = spawnSync(STUDY, ['audit', 'verify', '--data-dir', this.dataDir],
      { cwd: this.dir, env: studyEnv(), encoding: 'utf8', timeout: 90000 });
    return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
  }

  /** Stops anything still running (a PostgreSQL left by a kill) and removes the folder. */
  async cleanup() {
    try {
      await this.stop();
    } catch {
      // already gone
    }
    const pidFile = findFile(this.dataDir, 'postmaster.pid');
    if (pidFile) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      try {
        process.kill(pid, 'SIGINT');
        for (let i = 0; i < 50 && alive(pid); i++) await sleep(100);
      } catch {
        // not running
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Calls the API with a token (the researcher's by default). */
  async api(path, { token = this.researcherToken, method = 'GET', body, key } = {}) {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (key) headers['Idempotency-Key'] = key;
    const response = await fetch(this.baseUrl + path,
      { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    if (!response.ok) {
      const error = new Error(`${method} ${path}: ${response.status} ${text}`);
      error.status = response.status;
      throw error;
    }
    return json;
  }

  /** Enrols another participant of the demo study; returns {participantId, token, link}. */
  async enrol() {
    const { studies } = await this.api('/api/studies');
    // Plain ids from an older server, study summaries from one with the dashboard.
    const studyId = typeof studies[0] === 'string' ? studies[0] : studies[0].id;
    const enrolled = await this.api(`/api/studies/${studyId}/participants`, { method: 'POST', body: {} });
    return { ...enrolled, link: `${this.baseUrl}/#participant=${enrolled.token}` };
  }

  /** The participant's events, from the researcher API. */
  async events(participantId) {
    return (await this.api(`/api/participants/${participantId}/events`)).events;
  }
}

function findFile(dir, name) {
  if (!existsSync(dir)) return null;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return path;
    if (entry.isDirectory()) {
      const found = findFile(path, name);
      if (found) return found;
    }
  }
  return null;
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Headless Chromium from the machine (never a downloaded one); null when missing, unless CI=true. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === 'true') {
      throw new Error(`no Chromium at ${CHROMIUM}; CI=true makes this a failure (apt-get install chromium)`);
    }
    return null;
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** A fresh browser context (own localStorage) at laptop size, collecting the pages' console errors. */
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true,
    ...options });
  context.errors = [];
  context.on('page', (page) => page.on('pageerror', (e) => context.errors.push(String(e))));
  return context;
}

// ---- the participant's pages, as a person uses them ------------------------------------------------------

export async function phaseOf(page) {
  return page.evaluate(() => {
    const view = document.querySelector('#view > *');
    return view ? [...view.classList].find((c) => c !== 'page') ?? '' : '';
  });
}

/** The (episode, step) shown on the training page, or null when not training. */
export async function shownStep(page) {
  return page.evaluate(() => {
    const s = document.querySelector('section.training');
    return s && s.dataset.episode ? { episode: Number(s.dataset.episode), step: Number(s.dataset.step) } : null;
  });
}

export async function waitForTraining(page, at) {
  await page.waitForFunction((want) => {
    const s = document.querySelector('section.training');
    if (!s || !s.dataset.episode) return false;
    return !want || (Number(s.dataset.episode) === want.episode && Number(s.dataset.step) === want.step);
  }, at ?? null, { timeout: 30000 });
}

/**
 * Agrees on the consent page, then goes on to the start parameters: a study whose protocol has blocks before
 * training (the demo's, paper-replication.yaml) has them answered by throughBlocksBeforeTraining.
 */
export async function consent(page) {
  await page.getByRole('button', { name: 'I agree and take part' }).click();
  await page.waitForFunction(() => !document.querySelector('#view section.consent'), null, { timeout: 20000 });
  await throughBlocksBeforeTraining(page);
}

const BEFORE_TRAINING = ['instructions', 'listening-check', 'questionnaire'];

/** The API's answer to each block before training, as a careful participant gives it (FlowSteps in the Java tests). */
function answerBeforeTraining(session) {
  const block = session.block;
  switch (session.phase) {
    case 'instructions':
      return ['instructions', { block: block.id }];
    case 'listening-check':
      if (!block.setupRecorded || !block.headphoneCheck) {
        return ['setup', { block: block.id, browser: 'HeadlessChrome 1', sampleRate: 48000, deviceType: 'laptop' }];
      }
      return ['headphone-trials', { block: block.id, trial: block.headphoneCheck.trial,
        answer: block.headphoneCheck.layout.indexOf('quiet') + 1 }];
    default: {
      const answers = {};
      for (const item of block.items.filter((i) => i.required !== false)) {
        if (item.type === 'single-choice') answers[item.id] = item.options[0];
        else if (item.type === 'multiple-choice') answers[item.id] = [item.options[0]];
        else if (item.type === 'attention-check') {
          answers[item.id] = item.options.find((o) => item.text.includes(`"${o}"`)) ?? item.options[0];
        } else if (item.type === 'number') answers[item.id] = item.min ?? 0;
        else if (item.type === 'text') answers[item.id] = 'No comment.';
        else answers[item.id] = 1;
      }
      return ['answers', { block: block.id, answers }];
    }
  }
}

/**
 * For tests about training: the blocks between consent and training (instructions, listening check,
 * questionnaires) answered through the API with the page's own participant token, then the page reloaded at the
 * start parameters. A study of training alone is at the parameters already; the page is left as it is.
 */
export async function throughBlocksBeforeTraining(page) {
  const base = new URL(page.url()).origin;
  const token = await page.evaluate(() => localStorage.getItem('tuneloop.participantToken'));
  const call = async (path, method = 'GET', body) => {
    const headers = { Authorization: `Bearer ${token}` };
    if (body !== undefined) Object.assign(headers, { 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() });
    const response = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const { participantId } = await call('/api/session');
  let session = await call(`/api/participants/${participantId}`);
  if (!BEFORE_TRAINING.includes(session.phase)) {
    await page.locator('form.parameters').waitFor();
    return;
  }
  while (BEFORE_TRAINING.includes(session.phase)) {
    const [action, body] = answerBeforeTraining(session);
    session = await call(`/api/participants/${participantId}/${action}`, 'POST', body);
  }
  await page.reload();
  await page.locator('form.parameters').waitFor();
}

/**
 * After training, the blocks of the demo's flow answered on the page as a participant does: each evaluation
 * track played to its end and rated, each questionnaire's required items answered (the first choice), the
 * debrief's Finish; it returns at the finished page.
 */
export async function throughBlocksAfterTraining(page) {
  for (;;) {
    await page.locator('#view section.evaluation, #view section.questionnaire, #view section.debrief, #view section.finished')
      .first().waitFor({ timeout: 20000 });
    const phase = await page.evaluate(() => ['finished', 'evaluation', 'questionnaire', 'debrief']
      .find((kind) => document.querySelector(`#view section.${kind}`)));
    if (phase === 'finished') return;
    if (!phase) {
      await sleep(100); // between two pages
    } else if (phase === 'evaluation') {
      const label = await page.locator('section.evaluation').getAttribute('data-label');
      await page.getByRole('button', { name: /Play/ }).click();
      await page.waitForFunction(() => document.getElementById('submit-answers')?.getAttribute('aria-disabled')
        === 'false', null, { timeout: 20000 });
      for (const group of await page.locator('section.evaluation fieldset.item').all()) {
        await group.locator('input[type="radio"]').first().check();
      }
      await page.getByRole('button', { name: 'Save and go on' }).click();
      await page.waitForFunction((l) => document.querySelector('section.evaluation')?.dataset.label !== l, label,
        { timeout: 20000 });
    } else if (phase === 'questionnaire') {
      for (const group of await page.locator('section.questionnaire fieldset.item').all()) {
        await group.locator('input[type="radio"], input[type="checkbox"]').first().check();
      }
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.locator('section.questionnaire').waitFor({ state: 'detached', timeout: 20000 });
    } else {
      await page.getByRole('button', { name: 'Finish', exact: true }).click();
      await page.locator('section.debrief').waitFor({ state: 'detached', timeout: 20000 });
    }
  }
}

export async function chooseParameters(page, { length, tempo }) {
  await page.getByLabel('Track length (notes)').fill(String(length));
  await page.getByLabel('Tempo (beats per minute)').fill(String(tempo));
  await page.getByRole('button', { name: 'Start training' }).click();
  await waitForTraining(page);
}

/**
 * Rates the shown track by clicking its button or pressing its key, and waits until the server's answer is
 * on the page: status "saved" and a new step, or the page after the last episode (a new page starts with a
 * clear status line).
 */
export async function rate(page, rating, how) {
  const before = await shownStep(page);
  if (how === 'key') {
    await page.keyboard.press(rating === 10 ? '0' : String(rating));
  } else {
    await page.locator(`button.rating[data-rating="${rating}"]`).click();
  }
  await page.waitForFunction((b) => {
    const s = document.querySelector('section.training');
    if (!s) return true;
    const status = document.getElementById('status');
    return status?.dataset.state === 'saved'
      && (Number(s.dataset.episode) !== b.episode || Number(s.dataset.step) !== b.step);
  }, before, { timeout: 30000 });
  return before;
}

/** Exactly-once check: the number of TrackRated events per "episode:step". */
export function ratingsPerStep(events) {
  const counts = new Map();
  for (const e of events.filter((x) => x.type === 'TrackRated')) {
    const k = `${e.data.episode}:${e.data.step}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** Participant set up through the API (consent, the blocks before training, parameters), to reach training quickly. */
export async function trainingParticipant(server, { length, tempo }) {
  const p = await server.enrol();
  const session = await server.api(`/api/participants/${p.participantId}`, { token: p.token });
  let next = await server.api(`/api/participants/${p.participantId}/consent`, { token: p.token, method: 'POST',
    key: crypto.randomUUID(), body: { consentVersion: session.consent.version, agree: true } });
  while (BEFORE_TRAINING.includes(next.phase)) {
    const [action, body] = answerBeforeTraining(next);
    next = await server.api(`/api/participants/${p.participantId}/${action}`, { token: p.token, method: 'POST',
      key: crypto.randomUUID(), body });
  }
  await server.api(`/api/participants/${p.participantId}/parameters`, { token: p.token, method: 'POST',
    key: crypto.randomUUID(), body: { baseNote: 60, scale: 'major', length, tempo } });
  return p;
}

// ---- accessibility ---------------------------------------------------------------------------------------

/**
 * Runs axe-core (the npm package, from node_modules) on the page as it is now and fails on any
 * violation of impact serious or critical, naming the rule, its help text and the elements.
 */
export async function expectNoSeriousA11yViolations(page, label) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    // Evaluated through the DevTools protocol: the pages' Content-Security-Policy rightly blocks a <script> tag
    // with inline code (page.addScriptTag), and the tests should not switch that policy off.
    await page.evaluate(readFileSync(AXE, 'utf8'));
  }
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`) }));
  });
  if (violations.length > 0) {
    const text = violations.map((v) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`).join('\n');
    throw new Error(`accessibility violations on ${label}:\n${text}`);
  }
}

/** Waits for the page of a phase (the section's class) and runs axe on it. */
export async function screen(page, kind, label) {
  await page.locator(`#view .${kind}`).first().waitFor({ timeout: 20000 });
  await expectNoSeriousA11yViolations(page, label);
}
