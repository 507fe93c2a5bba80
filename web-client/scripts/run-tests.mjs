#!/usr/bin/env node
// Runs the web client's tests the way Maven does (see services/server/pom.xml):
//   node scripts/run-tests.mjs unit      compile the pure modules with tsc, run test/unit/ (node:test)
//   node scripts/run-tests.mjs browser   run test/browser/ in real headless Chromium against `study serve --demo`
// Flags --skip-tests=true, --skip-its=true (browser only) or --maven-test-skip=true skip the run, so that
// `mvn -DskipTests package` stays quick. Under CI=true a missing Chromium fails instead of skipping.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(dirname(fileURLToPath(import.meta.url)));
const [kind, ...flags] = process.argv.slice(2);
const flag = (name) => flags.find((f) => f.startsWith(`--${name}=`))?.split('=')[1];

if (kind !== 'unit' && kind !== 'browser') {
  console.error('usage: run-tests.mjs unit|browser [--skip-tests=true] [--skip-its=true]');
  process.exit(2);
}
const skipped = flag('skip-tests') === 'true' || flag('maven-test-skip') === 'true'
  || (kind === 'browser' && flag('skip-its') === 'true');
if (skipped) {
  console.log(`web-client: ${kind} tests skipped`);
  process.exit(0);
}

const reportDir = process.env.TUNELOOP_REPORT_DIR;
const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout'];
if (reportDir) {
  mkdirSync(reportDir, { recursive: true });
  reporters.push('--test-reporter=junit', `--test-reporter-destination=${join(reportDir, `${kind}-tests.xml`)}`);
}

if (kind === 'unit') {
  const tsc = spawnSync(process.execPath, [join(here, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.unit.json'],
    { cwd: here, stdio: 'inherit' });
  if (tsc.status !== 0) {
    process.exit(tsc.status ?? 1);
  }
  const run = spawnSync(process.execPath, ['--test', ...reporters, 'test/unit/'], { cwd: here, stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

// Browser tests: one file at a time (each starts its own server), inside a time budget.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const message = `web-client: no Chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.CI === 'true') {
    console.error(`${message}: failing, because CI=true`);
    process.exit(1);
  }
  console.warn(`${message}: browser tests skipped`);
  process.exit(0);
}
const budgetSeconds = Number(process.env.TUNELOOP_BROWSER_BUDGET_S ?? 480);
const started = Date.now();
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', ...reporters, 'test/browser/'],
  { cwd: here, stdio: 'inherit', env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } });
const timer = setTimeout(() => {
  console.error(`web-client: browser tests ran over their budget of ${budgetSeconds} s; stopping them`);
  child.kill('SIGTERM');
  setTimeout(() => child.kill('SIGKILL'), 15000).unref();
}, budgetSeconds * 1000);
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  console.log(`web-client: browser tests took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exit(code ?? (signal ? 1 : 0));
});
