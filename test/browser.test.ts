// The page (web/) in a real browser: Debian's Chromium, headless, driven by playwright-core,
// serving build/www on 127.0.0.1. With --enable-unsafe-webgpu, Chromium offers WebGPU on its
// SwiftShader adapter (a CPU one: the same engine code as on a GPU, slowly), so the sizes here
// are small. The page:
//   - starts its engine on WebGPU and says which adapter;
//   - passes its own GPU-vs-CPU kernel check;
//   - trains a few hundred steps: the loss falls, the samples' sliced W1 improves, and the page
//     keeps answering while it trains;
//   - downloads a checkpoint that the Node side (decodeModel) reads as the CLI's format;
//   - looks like something (a screenshot, kept at artifacts/web-page.png, is not blank);
//   - loads a checkpoint trained by `ddpm train` and samples the points `ddpm sample` gives for
//     the same seed, GPU (page) vs CPU (CLI): |page − cli| ≤ 1e-4 + 1e-3·|cli|;
//   - without WebGPU, trains on the CPU path and says so (and refuses the WebGPU device, saying why).
// Without Chromium the tests are skipped with a banner; under CI=true that is a failure.
// `npm run test:browser` runs this file alone.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import * as E from '../engine/index.js';
import { decodeModel } from '../ddpm/checkpoint.js';
import { startStaticServer, type StaticServer } from '../web/server.js';
import { repoRoot, runDdpm } from './helpers.js';
import { decodePng } from './png-reader.js';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** Flags for a headless Chromium on a machine with a closed network and no GPU. */
const CHROMIUM_ARGS = ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic'];
const SCREENSHOT = join(repoRoot(), 'artifacts', 'web-page.png');

/** What the page keeps in window.ddpmPage (web/main.ts). */
interface PageState {
  busy: string | null;
  device: { backend: string; description: string; engine: string; fallbackReason?: string } | null;
  model: { config: Record<string, unknown>; epoch?: number; parameters: number; trainable: boolean } | null;
  losses: number[];
  stepsPerSecond: number | null;
  previews: { epoch: number; quality: { slicedW1: number; floor: number; n: number } }[];
  lastSample: { points: Float32Array; quality: { slicedW1: number }; seconds: number; frames: number } | null;
  checks: { name: string; maxError: number; rule: string; ok: boolean; elements: number }[] | null;
  errors: string[];
}
declare const ddpmPage: PageState;

const available = existsSync(CHROMIUM);
const it = available ? test : test.skip;
if (!available) {
  const reason = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`;
  if (process.env.CI === 'true') test('Chromium is installed (required under CI=true)', () => { throw new Error(reason); });
  else console.warn(`\n${'!'.repeat(78)}\n!! BROWSER TESTS SKIPPED: ${reason}\n${'!'.repeat(78)}\n`);
}

let server: StaticServer;
const contexts: { context: BrowserContext; dir: string }[] = [];
let page: Page;
/** Problems the page reported on its own: uncaught exceptions and console errors. */
const pageProblems: string[] = [];
/** Figures printed at the end (nothing is asserted on speed). */
const measured: string[] = [];

async function launch(webgpu: boolean): Promise<BrowserContext> {
  const dir = mkdtempSync(join(tmpdir(), 'ddpm-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, acceptDownloads: true, viewport: { width: 1360, height: 900 },
    args: [...CHROMIUM_ARGS, ...(webgpu ? ['--enable-unsafe-webgpu'] : [])],
  });
  contexts.push({ context, dir });
  return context;
}

async function open(context: BrowserContext, query: string): Promise<Page> {
  const p = await context.newPage();
  p.on('pageerror', (e) => pageProblems.push(`uncaught: ${e.message}`));
  p.on('console', (m) => { if (m.type() === 'error') pageProblems.push(`console: ${m.text()}`); });
  await p.goto(`${server.url}${query}`);
  await idle(p, 60_000);
  return p;
}

/** Waits until the page has finished what it was doing. */
async function idle(p: Page, timeout: number): Promise<void> {
  await p.waitForFunction(() => typeof ddpmPage !== 'undefined' && ddpmPage.busy === null, null, { timeout, polling: 250 });
}

const state = (p: Page): Promise<PageState> => p.evaluate(() => ({ ...ddpmPage, lastSample: null }));
const mean = (a: readonly number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

test.before(async () => {
  if (!available) return;
  server = await startStaticServer(join(repoRoot(), 'build', 'www'));
  page = await open(await launch(true), '?epochs=20&points=2000');
});

test.after(async () => {
  for (const { context, dir } of contexts) {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
  await server?.close();
});

it('the page starts its engine on WebGPU and says which adapter', async () => {
  const s = await state(page);
  assert.is(s.device?.backend, 'webgpu', `device: ${JSON.stringify(s.device)}`);
  const line = await page.textContent('#device-line');
  assert.ok(line?.includes('Running on WebGPU'), `device line: ${line}`);
  assert.ok(line?.includes(s.device!.description), 'the line names the adapter');
  assert.equal(s.errors, []);
});

it('GPU vs CPU: the kernel check inside the page passes', async () => {
  await page.click('#check');
  await idle(page, 120_000);
  const { checks, errors } = await state(page);
  assert.equal(errors, []);
  assert.ok(checks && checks.length >= 12, `expected every output checked, got ${JSON.stringify(checks)}`);
  for (const c of checks) {
    assert.ok(c.ok && Number.isFinite(c.maxError) && c.elements > 0, `${c.name}: max error ${c.maxError} (${c.rule})`);
  }
  assert.is(await page.locator('#checks td.ok').count(), checks.length, 'the table shows a pass per output');
});

it('training a few hundred steps: the loss falls, the samples improve, the page stays responsive', async () => {
  // A timer on the page's own thread: the longest gap between its ticks while training runs.
  await page.evaluate(() => {
    const probe = { last: performance.now(), worst: 0 };
    (globalThis as { probe?: typeof probe }).probe = probe;
    setInterval(() => {
      const now = performance.now();
      probe.worst = Math.max(probe.worst, now - probe.last);
      probe.last = now;
    }, 50);
  });
  await page.click('#train');
  await page.waitForFunction(() => ddpmPage.busy === 'training', null, { timeout: 10_000 });
  await idle(page, 400_000);
  const s = await state(page);
  const worstGap = await page.evaluate(() => (globalThis as unknown as { probe: { worst: number } }).probe.worst);
  assert.equal(s.errors, []);
  assert.is(s.losses.length, 20, 'one loss per epoch');
  assert.is(s.model?.epoch, 20);
  const [first, last] = [s.losses[0], mean(s.losses.slice(-5))];
  assert.ok(last < 0.9 * first, `loss should fall: first epoch ${first}, mean of the last five ${last}`);
  const [before, after] = [s.previews[0], s.previews.at(-1)!];
  assert.is(before.epoch, 0);
  assert.is(after.epoch, 20);
  assert.ok(after.quality.slicedW1 < 0.5 * before.quality.slicedW1,
    `sliced W1 should at least halve: ${before.quality.slicedW1} untrained, ${after.quality.slicedW1} after 320 steps`);
  assert.ok(s.stepsPerSecond! > 0);
  assert.ok(worstGap < 1000, `the page's thread was blocked for ${worstGap.toFixed(0)} ms while training`);
  measured.push(`${s.device!.description}, ${s.device!.engine} engine: 320 steps at ${s.stepsPerSecond!.toFixed(1)} steps/s, ` +
    `loss ${first.toFixed(3)} → ${last.toFixed(3)}, sliced W1 ${before.quality.slicedW1.toFixed(4)} → ${after.quality.slicedW1.toFixed(4)} ` +
    `(floor ${after.quality.floor.toFixed(4)}), longest pause of the page's thread ${worstGap.toFixed(0)} ms`);
  const shown = await page.textContent('#stat-epoch');
  assert.is(shown, '20');
});

it('Download: the checkpoint is the CLI\'s format (decodeModel reads it)', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const path = join(mkdtempSync(join(tmpdir(), 'ddpm-download-')), download.suggestedFilename());
  await download.saveAs(path);
  assert.match(download.suggestedFilename(), /^ddpm-s-curve-improved-epoch20\.safetensors$/);
  const { model, config, epoch } = decodeModel(new Uint8Array(readFileSync(path)), E.cpu, path);
  assert.is(epoch, 20);
  assert.equal({ ...config }, (await state(page)).model!.config);
  assert.is(model.parameters().reduce((s, p) => s + p.size, 0), 72_066);
});

it('a screenshot of the page is not blank (kept at artifacts/web-page.png)', async () => {
  const png = await page.screenshot({ fullPage: true });
  mkdirSync(join(repoRoot(), 'artifacts'), { recursive: true });
  writeFileSync(SCREENSHOT, png);
  const { width, rgba } = decodePng(new Uint8Array(png));
  const box = (await page.locator('#points-canvas').boundingBox())!;
  // Inside the samples' canvas: pixels of the samples' blue, and many colours over the page.
  let blue = 0;
  for (let y = Math.ceil(box.y); y < box.y + box.height; y++) {
    for (let x = Math.ceil(box.x); x < box.x + box.width; x++) {
      const [r, g, b] = rgba.subarray(4 * (y * width + x), 4 * (y * width + x) + 3);
      if (b > 150 && b - r > 60 && b - g > 30) blue++;
    }
  }
  const colours = new Set<number>();
  for (let i = 0; i < rgba.length; i += 4 * 7) colours.add((rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2]);
  assert.ok(blue > 500, `expected the samples drawn in blue on the canvas, found ${blue} blue pixels`);
  assert.ok(colours.size > 100, `expected a page with text and plots, found ${colours.size} colours`);
});

it('a checkpoint trained by `ddpm train` samples what `ddpm sample` gives for the same seed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ddpm-cli-'));
  const trained = runDdpm(dir, 'train', '--device', 'cpu', '--preset', 'improved', '--epochs', '3', '--points', '1000',
    '--eval-points', '100', '--save-every', '0', '--out', 'run');
  assert.is(trained.status, 0, trained.stderr);
  const sampled = runDdpm(dir, 'sample', '--checkpoint', 'run/model.safetensors', '--device', 'cpu', '--sampler', 'ddim',
    '--sample-steps', '10', '--n', '300', '--seed', '5', '--out', 'points.npy');
  assert.is(sampled.status, 0, sampled.stderr);
  const cli = readNpy(join(dir, 'points.npy'));

  await page.setInputFiles('#load-file', join(dir, 'run', 'model.safetensors'));
  await page.waitForFunction(() => ddpmPage.model?.trainable === false, null, { timeout: 30_000 });
  await idle(page, 30_000);
  for (const [id, value] of [['sampler', 'ddim'], ['ddim-steps', '10'], ['eta', '0'], ['sample-n', '300'], ['sample-seed', '5']]) {
    if (id === 'sampler') await page.selectOption(`#${id}`, value);
    else await page.fill(`#${id}`, value);
  }
  await page.click('#sample');
  await idle(page, 120_000);
  const s = await state(page);
  assert.equal(s.errors, []);
  assert.is(s.model?.epoch, 3, 'the epoch recorded by the CLI');
  const { points, frames } = await page.evaluate(() => ({ points: Array.from(ddpmPage.lastSample!.points), frames: ddpmPage.lastSample!.frames }));
  assert.is(frames, 11, 'the animation shows x_T and every one of the 10 steps');
  assert.is(points.length, cli.length);
  let worst = 0, tightest = 0;
  for (let i = 0; i < cli.length; i++) {
    const err = Math.abs(points[i] - cli[i]);
    const allowed = 1e-4 + 1e-3 * Math.abs(cli[i]);
    assert.ok(err <= allowed, `point value ${i}: page ${points[i]}, CLI ${cli[i]}`);
    worst = Math.max(worst, err);
    tightest = Math.max(tightest, err / allowed);
  }
  assert.ok(worst > 0, 'GPU and CPU sums differ in the last bits somewhere (a real comparison)');
  measured.push(`CLI checkpoint, DDIM 10 steps, 300 points: max |page − CLI| ${worst.toExponential(2)} ` +
    `(${(100 * tightest).toFixed(0)} % of the tolerance at the tightest point)`);
  rmSync(dir, { recursive: true, force: true });
});

it('without WebGPU the page trains on the CPU path and says so', async () => {
  const plain = await open(await launch(false), '?epochs=2&points=500');
  const s = await state(plain);
  assert.is(s.device?.backend, 'cpu', `device: ${JSON.stringify(s.device)}`);
  const line = (await plain.textContent('#device-line'))!;
  assert.ok(line.includes('No WebGPU here') && line.includes('CPU reference path'), `device line: ${line}`);
  assert.ok(await plain.isDisabled('#check'), 'the GPU check needs a GPU');
  await plain.click('#train');
  await plain.waitForFunction(() => ddpmPage.busy === 'training', null, { timeout: 10_000 });
  await idle(plain, 120_000);
  const trained = await state(plain);
  assert.equal(trained.errors, []);
  assert.is(trained.losses.length, 2);
  assert.ok(trained.losses.every(Number.isFinite));
  assert.is(trained.previews.at(-1)?.epoch, 2);

  // Asking for WebGPU where there is none: the page says why and offers nothing that would run elsewhere.
  await plain.selectOption('#device', 'webgpu');
  await idle(plain, 30_000);
  const refused = await state(plain);
  assert.is(refused.device, null);
  assert.ok(refused.errors.at(-1)?.includes('no adapter'), `errors: ${JSON.stringify(refused.errors)}`);
  const said = (await plain.textContent('#device-line'))!;
  assert.ok(said.includes("did not start on 'webgpu'"), `device line: ${said}`);
  assert.ok(await plain.isDisabled('#train'), 'nothing to train on');
});

it('the page reported no uncaught errors or console errors', () => {
  assert.equal(pageProblems, []);
  if (measured.length) console.log(`\n  measured in the browser:\n${measured.map((m) => `  - ${m}`).join('\n')}`);
});

/** A float32 .npy file's values (the header is skipped; `ddpm sample` writes version 1.0). */
function readNpy(path: string): Float32Array {
  const bytes = readFileSync(path);
  assert.is(bytes.subarray(1, 6).toString('latin1'), 'NUMPY');
  const headerLength = bytes.readUInt16LE(8);
  assert.match(bytes.subarray(10, 10 + headerLength).toString('latin1'), "'descr': '<f4'");
  const data = bytes.subarray(10 + headerLength);
  return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

test.run();
