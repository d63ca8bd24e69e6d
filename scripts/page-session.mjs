// `npm run web`'s page in Debian's Chromium (headless, WebGPU on its adapter), for the scripts
// that drive it as a visitor would (page-default-run.mjs, page-screenshots.mjs). Needs
// `node scripts/build.mjs` first, /usr/bin/chromium (or $CHROMIUM) and playwright-core.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** --port N from the command line (default `fallback`), checked. */
export function portFlag(fallback) {
  const at = process.argv.indexOf('--port');
  const port = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a whole number from 0 to 65535, got '${process.argv[at + 1]}'`);
  return port;
}

/** Serves build/www on `port`, opens a browser, runs `fn(open)`, and closes both; open(query, viewport) gives a page that has started its engine. */
export async function withPageSession(port, fn) {
  const server = spawn(process.execPath, ['build/web/serve.js', '--port', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => server.stdout.once('data', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'ddpm-page-run-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
    args: ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--enable-unsafe-webgpu'],
  });
  const open = async (query = '', viewport = { width: 1280, height: 900 }) => {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    await page.goto(`http://127.0.0.1:${port}/${query}`);
    await idle(page, 60_000);
    return page;
  };
  try {
    return await fn(open);
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
    server.kill();
  }
}

/** Waits until the page has finished what it was doing (and the reverse process has played). */
export async function idle(page, timeout) {
  await page.waitForFunction(() => typeof ddpmPage !== 'undefined' && ddpmPage.busy === null && !ddpmPage.reverse.playing, null, { timeout, polling: 500 });
}

/** Clicks `selector` and waits for the work it starts to end; throws what the page reported. */
export async function run(page, selector, busy, timeout = 3_600_000) {
  await page.click(selector);
  await page.waitForFunction((b) => ddpmPage.busy === b, busy, { timeout: 10_000 });
  await idle(page, timeout);
  const errors = await page.evaluate(() => ddpmPage.errors);
  if (errors.length > 0) throw new Error(`the page reported: ${errors.join('; ')}`);
}
