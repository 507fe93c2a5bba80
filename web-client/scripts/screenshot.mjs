#!/usr/bin/env node
// Takes the README's picture of the training page (docs/images/training.png, 1280x800) with headless Chromium
// against `study serve --demo` (the built jar; set STUDY_JAR to use another): npm run screenshot
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT, StudyServer, consent, launchBrowser, newContext, rate, tempDir, waitForTraining,
} from '../test/browser/harness.mjs';

const out = process.argv[2] ?? join(ROOT, 'docs/images/training.png');
const browser = await launchBrowser();
if (!browser) {
  console.error('no Chromium found (set CHROMIUM_PATH)');
  process.exit(1);
}
const server = new StudyServer(tempDir('screenshot'));
try {
  await server.start();
  const context = await newContext(browser, { viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  const page = await context.newPage();
  await page.goto(server.participantLink);
  await consent(page);
  await page.getByRole('button', { name: 'Start training' }).click(); // the protocol's defaults
  await waitForTraining(page, { episode: 1, step: 1 });
  await rate(page, 6, 'click');
  await rate(page, 8, 'key');
  await waitForTraining(page, { episode: 1, step: 3 });
  await page.getByRole('button', { name: /Play/ }).click();
  await page.waitForTimeout(1500);
  mkdirSync(join(out, '..'), { recursive: true });
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.cleanup();
}
