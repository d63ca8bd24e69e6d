// The page's default run, measured as a visitor makes it: `npm run web`'s page in Debian's
// Chromium (headless, WebGPU on its adapter), Train pressed with every field as the page opens,
// then Sample with 10 000 points (the CLI's closing sample) — and the page's own report of
// steps/s and sliced W1 printed, to set beside `ddpm train --preset improved --epochs 45`.
//   node scripts/page-default-run.mjs [--port 8093]     (after `node scripts/build.mjs`)
// Needs /usr/bin/chromium (or $CHROMIUM) and playwright-core; it runs for minutes on a CPU adapter.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const at = process.argv.indexOf('--port');
const port = at >= 0 ? Number(process.argv[at + 1]) : 8093;
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a whole number from 0 to 65535, got '${process.argv[at + 1]}'`);
const server = spawn(process.execPath, ['build/web/serve.js', '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve) => server.stdout.once('data', resolve));
const dir = mkdtempSync(join(tmpdir(), 'ddpm-page-run-'));
const context = await chromium.launchPersistentContext(dir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--enable-unsafe-webgpu'],
});
try {
  const page = await context.newPage();
  const idle = (timeout) => page.waitForFunction(() => typeof ddpmPage !== 'undefined' && ddpmPage.busy === null, null, { timeout, polling: 500 });
  await page.goto(`http://127.0.0.1:${port}/`);
  await idle(60_000);
  const start = performance.now();
  await page.click('#train');
  await page.waitForFunction(() => ddpmPage.busy === 'training', null, { timeout: 10_000 });
  await idle(3_600_000);
  const trained = (performance.now() - start) / 1000;
  await page.fill('#sample-n', '10000');
  await page.click('#sample');
  await page.waitForFunction(() => ddpmPage.busy === 'sampling', null, { timeout: 10_000 });
  await idle(3_600_000);
  const s = await page.evaluate(() => ({
    device: ddpmPage.device, epoch: ddpmPage.model?.epoch, stepsPerSecond: ddpmPage.stepsPerSecond, errors: ddpmPage.errors,
    quality: ddpmPage.lastSample?.quality, seconds: ddpmPage.lastSample?.seconds,
  }));
  if (s.errors.length > 0) throw new Error(`the page reported: ${s.errors.join('; ')}`);
  console.log(`${s.device.description} (${s.device.engine} engine): ${s.epoch} epochs in ${trained.toFixed(0)} s (${s.stepsPerSecond.toFixed(1)} steps/s); ` +
    `10 000 points sampled in ${s.seconds.toFixed(1)} s: sliced W1 ${s.quality.slicedW1.toFixed(5)} (floor ${s.quality.floor.toFixed(5)}, ` +
    `${(s.quality.slicedW1 / s.quality.floor).toFixed(2)}×)`);
} finally {
  await context.close();
  rmSync(dir, { recursive: true, force: true });
  server.kill();
}
