// The page (web/) in a real browser: Debian's Chromium, headless, driven by playwright-core,
// serving build/www on 127.0.0.1. With --enable-unsafe-webgpu, Chromium offers WebGPU on its
// SwiftShader adapter (a CPU one: the same engine code as on a GPU, slowly), so the sizes here
// are small. The page:
//   - starts its engine on WebGPU and says which adapter;
//   - passes its own GPU-vs-CPU kernel check;
//   - trains a few hundred steps: the loss falls, the samples' sliced W1 improves, and the page
//     keeps answering while it trains;
//   - downloads a checkpoint that the Node side (decodeModel) reads as the CLI's format;
//   - shows progress ("20 / 20") and sliced W1 per epoch, and exports that history as CSV;
//   - loads a checkpoint trained by `ddpm train` and samples the points `ddpm sample` gives for
//     the same seed, GPU (page) vs CPU (CLI): |page − cli| ≤ 1e-4 + 1e-3·|cli|;
//   - replays the reverse process frame for frame (the slider shows the same pixels after a
//     replay), exports the samples as CSV (the very float32s) and PNG, and Stop ends a sampling;
//   - keeps its settings in the address: a copied address opens the same fields;
//   - at 390 and 1 280 px: each refused setting (from the address, or typed) shows its message in
//     view beside its field, the section unfolded; with the page's defaults (79 steps an epoch)
//     progress moves within the first epoch, the untrained preview keeps the data's axes,
//     Stop ends training within 1 s (the epoch cut short undone), and Sample with a refused
//     setting shows its message in view too;
//   - looks like something at 1 280 px (a screenshot, kept at artifacts/web-page.png, is not blank);
//   - at 400 px: no sideways scrolling, the settings folded above the pictures, every control
//     reachable with the Tab key; it loads an image model written by `ddpm train --dataset
//     mnist` and draws the images `ddpm sample` writes for the seed (the same rule), with the
//     reverse process as a strip (artifacts/web-page-400.png); a U-Net checkpoint (`--model unet`)
//     loads and samples the CLI's images the same way;
//   - without WebGPU, trains on the CPU path and says so (and refuses the WebGPU device, saying why).
// Without Chromium the tests are skipped with a banner; under CI=true that is a failure
// (support/optional.ts).
// `npm run test:browser` runs this file alone.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import * as E from '../../engine/index.js';
import { decodeModel } from '../../ddpm/points/checkpoint.js';
import { startStaticServer, type StaticServer } from '../../web/server.js';
import { CHROMIUM, launchChromium } from '../support/chromium.js';
import { repoRoot, runDdpm } from '../support/helpers.js';
import { withMnistClassifier } from '../support/mnist-classifier.js';
import { needs } from '../support/optional.js';
import { decodePng } from '../support/png-reader.js';

const SCREENSHOT = join(repoRoot(), 'artifacts', 'web-page.png');
const SCREENSHOT_NARROW = join(repoRoot(), 'artifacts', 'web-page-400.png');
/** The two widths the page is checked at: a laptop's, and a phone's. */
const WIDE = { width: 1280, height: 900 }, NARROW = { width: 400, height: 860 };
/** A small phone's window, where a message below the fold is one the visitor never sees. */
const PHONE = { width: 390, height: 844 };

/** What the page keeps in window.ddpmPage (web/main.ts). */
interface PageState {
  busy: string | null;
  device: { backend: string; description: string; engine: string; fallbackReason?: string } | null;
  model: { config: Record<string, unknown>; epoch?: number; parameters: number; trainable: boolean } | null;
  losses: number[];
  stepsPerSecond: number | null;
  progress: { target: number; step: number; stepsPerEpoch: number; secondsLeft: number } | null;
  previews: { epoch: number; quality: { slicedW1: number; floor: number; n: number } }[];
  lastSample: { points: Float32Array; quality: { slicedW1: number } | null; seconds: number; frames: number } | null;
  reverse: { count: number; index: number; playing: boolean; drawn: number[] };
  checks: { name: string; maxError: number; rule: string; ok: boolean; elements: number }[] | null;
  errors: string[];
}
declare const ddpmPage: PageState;

const available = existsSync(CHROMIUM);
const it = needs('browser', available ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);

let server: StaticServer;
/** The browsers launched, closed at the end. */
const browsers: { close(): Promise<void> }[] = [];
let page: Page;
/** The page at 400 px. */
let narrow: Page;
/** The image run written by `ddpm train --dataset mnist` and the images `ddpm sample` drew from it. */
let mnist: { dir: string; cli: Float32Array } | null = null;
/** The same for a U-Net (`--model unet`). */
let unet: { dir: string; cli: Float32Array } | null = null;
/** Problems the page reported on its own: uncaught exceptions and console errors. */
const pageProblems: string[] = [];
/** Figures printed at the end (nothing is asserted on speed). */
const measured: string[] = [];

async function launch(webgpu: boolean): Promise<BrowserContext> {
  const browser = await launchChromium(webgpu, WIDE);
  browsers.push(browser);
  return browser.context;
}

async function open(context: BrowserContext, query: string, viewport = WIDE): Promise<Page> {
  const p = await context.newPage();
  await p.setViewportSize(viewport);
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
/** The last samples' values, as the page holds them. */
const lastPoints = (p: Page): Promise<number[]> => p.evaluate(() => Array.from(ddpmPage.lastSample!.points));

/** A hash of a canvas's pixels (and its size): equal pictures, equal strings. */
function canvasSignature(p: Page, id: string): Promise<string> {
  return p.evaluate((canvasId) => {
    const c = document.getElementById(canvasId) as HTMLCanvasElement;
    const pixels = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < pixels.length; i++) h = Math.imul(h ^ pixels[i], 16777619);
    return `${c.width}×${c.height}:${(h >>> 0).toString(16)}`;
  }, id);
}

/** Waits for sampling and the animation of its frames to end. */
async function sampled(p: Page, timeout: number): Promise<void> {
  await idle(p, timeout);
  await p.waitForFunction(() => !ddpmPage.reverse.playing, null, { timeout: 60_000, polling: 100 });
}

/** Loads an image model's checkpoint into the page and waits until the page has it. */
async function loadImageModel(p: Page, file: string, model: 'MLPImageDiffusion' | 'UNetDiffusion'): Promise<void> {
  await p.setInputFiles('#load-file', file);
  await p.waitForFunction((m) => ddpmPage.model?.config.model === m, model, { timeout: 30_000 });
  await idle(p, 30_000);
}

/** Samples `n` images with seed 4 and η 0 (DDIM, the checkpoint's steps, as the CLI's runs here) and waits for the frames to play. */
async function sampleImages(p: Page, n: number): Promise<void> {
  await p.fill('#sample-n', String(n));
  await p.fill('#sample-seed', '4');
  await p.fill('#eta', '0');
  await p.click('#sample');
  await sampled(p, 120_000);
  assert.equal((await state(p)).errors, [], 'sampling reported no error');
}

/** Clicks a button that starts a download and saves the file; returns its path and name. */
async function downloadFrom(p: Page, selector: string): Promise<{ path: string; name: string }> {
  const [download] = await Promise.all([p.waitForEvent('download'), p.click(selector)]);
  const path = join(mkdtempSync(join(tmpdir(), 'ddpm-download-')), download.suggestedFilename());
  await download.saveAs(path);
  return { path, name: download.suggestedFilename() };
}

/** Every settings field's id and value, in page order. */
const fieldValues = (p: Page): Promise<[string, string][]> => p.evaluate(() =>
  [...document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('#controls input[id]:not([type="file"]), #controls select[id]')].map((el) => [el.id, el.value]));

/** The |page − cli| ≤ atol + 1e-3·|cli| rule over every value; the largest difference and the tightest share of the tolerance. */
function assertClose(page: readonly number[], cli: Float32Array, what: string, atol = 1e-4): { worst: number; tightest: number } {
  assert.is(page.length, cli.length, `${what}: as many values`);
  let worst = 0, tightest = 0;
  for (let i = 0; i < cli.length; i++) {
    const err = Math.abs(page[i] - cli[i]);
    const allowed = atol + 1e-3 * Math.abs(cli[i]);
    assert.ok(err <= allowed, `${what} value ${i}: page ${page[i]}, CLI ${cli[i]} (|difference| ${err.toExponential(2)} > ${allowed.toExponential(2)})`);
    worst = Math.max(worst, err);
    tightest = Math.max(tightest, err / allowed);
  }
  return { worst, tightest };
}
const mean = (a: readonly number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

test.before(async () => {
  if (!available) return;
  server = await startStaticServer(join(repoRoot(), 'build', 'www'));
  page = await open(await launch(true), '?epochs=20&points=2000');
});

test.after(async () => {
  for (const run of [mnist, unet]) if (run) rmSync(run.dir, { recursive: true, force: true });
  for (const browser of browsers) await browser.close();
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
  assert.is(await page.textContent('#stat-epoch'), '20 / 20', 'progress: the epoch reached of the run\'s');
  assert.is(s.progress?.target, 20);
  assert.ok(s.previews.length >= 2 && s.previews.every((p) => p.quality.slicedW1 > 0), 'sliced W1 per preview, for its chart');
  assert.match((await page.getAttribute('#quality-canvas', 'aria-label'))!, /sliced W1 per epoch: \d+ previews, last [\d.]+ at epoch 20/);
});

it('History CSV: the loss of every epoch and sliced W1 where a preview measured it', async () => {
  const { path, name } = await downloadFrom(page, '#export-history');
  assert.is(name, 'ddpm-history.csv');
  const s = await state(page);
  const rows = readFileSync(path, 'utf8').trim().split('\n').map((line) => line.split(','));
  assert.equal(rows[0], ['epoch', 'loss', 'sliced_w1', 'floor']);
  assert.is(rows.length, 1 + 21, 'epoch 0 (the untrained model judged) and 1 … 20');
  for (const [epoch, loss, w1] of rows.slice(1)) {
    const e = Number(epoch);
    if (e >= 1) assert.is(Number(loss), s.losses[e - 1], `loss of epoch ${e}`);
    const preview = s.previews.find((p) => p.epoch === e);
    assert.is(w1 === '' ? null : Number(w1), preview ? preview.quality.slicedW1 : null, `sliced W1 of epoch ${e}`);
  }
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

it('a checkpoint trained by `ddpm train` samples what `ddpm sample` gives for the same seed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ddpm-cli-'));
  const trained = runDdpm(dir, 'train', '--device', 'cpu', '--preset', 'improved', '--epochs', '3', '--data-size', '1000',
    '--samples', '100', '--save-every', '0', '--out', 'run');
  assert.is(trained.status, 0, trained.stderr);
  const sampled = runDdpm(dir, 'sample', '--checkpoint', 'run/model.safetensors', '--device', 'cpu', '--sampler', 'ddim',
    '--sample-steps', '10', '--samples', '300', '--seed', '5', '--out', 'points.npy');
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
  const { worst, tightest } = assertClose(points, cli, 'point');
  assert.ok(worst > 0, 'GPU and CPU sums differ in the last bits somewhere (a real comparison)');
  measured.push(`CLI checkpoint, DDIM 10 steps, 300 points: max |page − CLI| ${worst.toExponential(2)} ` +
    `(${(100 * tightest).toFixed(0)} % of the tolerance at the tightest point)`);
  rmSync(dir, { recursive: true, force: true });
});

it('the reverse process replays frame for frame; the slider scrubs it', async () => {
  await sampled(page, 30_000);
  const played = (await state(page)).reverse;
  assert.equal(played.drawn, [...Array(11).keys()], 'sampling showed x_T and each of the 10 steps in order');
  assert.is(played.index, 10);
  const seek = async (i: number): Promise<string> => {
    await page.locator('#frame').fill(String(i));
    return canvasSignature(page, 'points-canvas');
  };
  const [x3, x0] = [await seek(3), await seek(0)];
  assert.is.not(x3, x0, 'frames 0 and 3 are different pictures');
  assert.match((await page.textContent('#frame-label'))!, /^frame 1 of 11: x_T/);
  await page.click('#replay');
  await page.waitForFunction(() => ddpmPage.reverse.playing, null, { timeout: 5_000, polling: 20 });
  await sampled(page, 30_000);
  assert.equal((await state(page)).reverse.drawn, [...Array(11).keys()], 'the replay shows every frame again, in order');
  assert.is(await seek(3), x3, 'frame 3 after the replay is the same picture');
  // Play from the middle goes on to the end.
  await seek(7);
  await page.click('#play');
  await sampled(page, 30_000);
  assert.equal((await state(page)).reverse.drawn.slice(-4), [7, 8, 9, 10]);
});

it('Samples CSV holds the samples\' very values; Samples PNG is the picture shown', async () => {
  const points = await lastPoints(page);
  const csv = await downloadFrom(page, '#export-csv');
  const rows = readFileSync(csv.path, 'utf8').trim().split('\n');
  assert.is(rows[0], 'x,y');
  assert.is(rows.length, 1 + 300);
  const values = Float32Array.from(rows.slice(1).flatMap((r) => r.split(',').map(Number)));
  assert.equal(Array.from(values), points, 'CSV values read back as float32 are the samples');
  const png = await downloadFrom(page, '#export-png');
  assert.is(png.name, 'ddpm-samples.png');
  const picture = decodePng(new Uint8Array(readFileSync(png.path)));
  const canvasSize = await page.evaluate(() => { const c = document.getElementById('points-canvas') as HTMLCanvasElement; return [c.width, c.height]; });
  assert.equal([picture.width, picture.height], canvasSize);
});

it('Stop ends a sampling between steps: no samples are kept, the page is ready again', async () => {
  await page.selectOption('#sampler', 'ddpm');
  await page.fill('#sample-n', '20000');
  await page.click('#sample');
  await page.waitForFunction(() => ddpmPage.busy === 'sampling', null, { timeout: 10_000, polling: 20 });
  await page.click('#stop');
  await sampled(page, 60_000);
  const s = await state(page);
  assert.equal(s.errors, []);
  assert.is(await page.evaluate(() => ddpmPage.lastSample), null, 'a stopped sampling keeps no samples');
  assert.ok(s.reverse.count < 101, `stopped before all 100 steps: ${s.reverse.count} frames`);
  assert.match((await page.textContent('#log'))!, /sampling stopped after \d+ of 100 steps/);
  assert.not.ok(await page.isDisabled('#sample'), 'ready to sample again');
  await page.fill('#sample-n', '300');
  await page.selectOption('#sampler', 'ddim');
  await page.click('#sample');
  await sampled(page, 60_000);
});

it('the address holds the settings: a copied address opens the same fields', async () => {
  await page.selectOption('#preset', 'seed');
  await page.fill('#epochs', '7');
  await page.selectOption('#sampler', 'ddim');
  await page.fill('#ddim-steps', '13');
  await page.fill('#eta', '0.5');
  const [search, fields] = await Promise.all([page.evaluate(() => location.search), fieldValues(page)]);
  for (const part of ['preset=seed', 'epochs=7', 'sampler=ddim', 'ddim-steps=13', 'eta=0.5']) assert.ok(search.includes(part), `${part} in ${search}`);
  assert.not.ok(search.includes('hidden='), `a field left at its default stays out of the address: ${search}`);
  const copy = await open(page.context(), search);
  assert.equal(await fieldValues(copy), fields, 'every field as it was');
  assert.is(await copy.evaluate(() => location.search), search, 'and the address stays as it was');
  await copy.close();
  const bad = await open(page.context(), '?epochs=3&bogus=1&sampler=nope');
  const errors = (await state(bad)).errors;
  assert.ok(errors.some((e) => e.includes("'bogus'")) && errors.some((e) => e.includes('sampler=nope')), `errors: ${JSON.stringify(errors)}`);
  assert.is(await bad.inputValue('#epochs'), '3', 'the good part still applies');
  await bad.close();
});

/** Whether element `selector` lies wholly inside the window (after whatever scrolling the page did). */
const inViewport = (p: Page, selector: string): Promise<boolean> => p.evaluate((sel) => {
  const el = document.querySelector(sel);
  if (!el || !(el as HTMLElement).checkVisibility()) return false;
  const r = el.getBoundingClientRect();
  return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
}, selector);

for (const [width, viewport] of [['390', PHONE], ['1 280', WIDE]] as const) {
  it(`at ${width} px: each refused setting shows its message in view, at its field`, async () => {
    const p = await open(page.context(), '?lr=-5&epochs=abc&sampler=nope&bogus=1', viewport);
    // The address's refusals: listed under the header (in view as the page opens), each field marked.
    assert.ok(await inViewport(p, '#address-notice'), 'the list of refused address settings is in view');
    const listed = (await p.textContent('#address-problems'))!;
    for (const part of ["lr=-5: learning rate must be a number above 0, got '-5'", 'epochs=abc, which is not a number: kept 45', 'sampler=nope', "'bogus'"]) {
      assert.ok(listed.includes(part), `'${part}' in: ${listed}`);
    }
    assert.is(await p.inputValue('#epochs'), '45', 'a value a number field cannot hold leaves the field as it was');
    assert.is(await p.getAttribute('#lr', 'aria-invalid'), 'true');
    assert.match((await p.textContent('#lr-error'))!, /learning rate must be a number above 0/);
    // Train with the refused learning rate: the message is brought into view beside the field, which takes the focus.
    await p.evaluate(() => scrollTo(0, document.body.scrollHeight)); // wherever the visitor is
    await p.click('#train');
    await idle(p, 10_000);
    assert.ok(await inViewport(p, '#lr-error'), 'the learning rate\'s message is in view');
    assert.ok(await inViewport(p, '#lr'), 'and so is its field');
    assert.is(await p.evaluate(() => document.activeElement?.id), 'lr');
    assert.is((await state(p)).model, null, 'nothing was trained');
    // Editing the field clears its mark; the next refusal (a field of a folded section on a phone) unfolds its section.
    await p.fill('#lr', '0.001');
    assert.is(await p.locator('#lr-error').count(), 0, 'the mark goes once the field is edited');
    await p.evaluate(() => {
      for (const group of document.querySelectorAll('details')) group.open = false;
      (document.getElementById('batch') as HTMLInputElement).value = '0';
      scrollTo(0, 0);
    });
    await p.click('#train');
    await idle(p, 10_000);
    assert.ok(await p.evaluate(() => (document.getElementById('group-training') as HTMLDetailsElement).open), 'the section unfolds');
    assert.ok(await inViewport(p, '#batch-error'), 'the batch\'s message is in view');
    assert.match((await p.textContent('#batch-error'))!, /^batch must be a whole number from 1 to 100000, got '0'$/);
    const w = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));
    assert.ok(w.scroll <= w.inner, `with the messages shown the page is ${w.scroll} px wide in a ${w.inner} px window`);
    await p.close();
  });

  it(`at ${width} px: progress moves within the first epoch, and Stop ends training within 1 s`, async () => {
    const p = await open(page.context(), '', viewport); // the page's defaults: 10 000 points, 79 steps an epoch
    await p.click('#train');
    // The untrained model's preview keeps the data's axes, and says how many of its points fall outside them.
    await p.waitForFunction(() => ddpmPage.previews.length > 0, null, { timeout: 60_000, polling: 50 });
    assert.match((await p.textContent('#points-caption'))!, /· \d+ of 500 outside the view$/);
    await p.waitForFunction(() => ddpmPage.progress !== null && ddpmPage.progress.step > 0 && ddpmPage.model?.epoch === 0, null, { timeout: 60_000, polling: 20 });
    const first = (await state(p)).progress!;
    assert.is(first.stepsPerEpoch, 79);
    assert.match((await p.textContent('#stat-step'))!, /^step \d+ \/ 79$/);
    assert.match((await p.textContent('#stat-left'))!, /\d/, 'time left, from the first steps');
    await p.waitForFunction((step) => ddpmPage.progress!.step > step || ddpmPage.model!.epoch! > 0, first.step, { timeout: 30_000, polling: 20 });
    const clicked = await p.evaluate(() => performance.now());
    await p.click('#stop');
    await p.waitForFunction(() => ddpmPage.busy === null, null, { timeout: 30_000, polling: 10 });
    const took = (await p.evaluate(() => performance.now())) - clicked;
    measured.push(`Stop at ${width} px, step ${first.step}+ of the first epoch: training ended ${took.toFixed(0)} ms after the click`);
    assert.ok(took <= 1000, `training ended ${took.toFixed(0)} ms after Stop`);
    const s = await state(p);
    assert.equal(s.errors, []);
    assert.ok(Number.isInteger(s.model?.epoch) && s.losses.length === s.model!.epoch, 'the model stays on whole epochs (the one cut short is undone)');
    assert.match((await p.textContent('#log'))!, /stopped at epoch \d+/);
    assert.not.ok(await p.isDisabled('#train-more'), 'ready to train more');
    // Sample with a refused setting, in a folded section: it unfolds, and the message is in view.
    for (const [id, value, message] of [['sample-n', '0', /^points must be a whole number from 1 to 100000, got '0'$/],
      ['ddim-steps', '500', /^DDIM steps must be a whole number from 1 to 100, got '500'$/]] as const) {
      await p.evaluate(([field, v]) => {
        for (const group of document.querySelectorAll('details')) group.open = false;
        (document.getElementById('sampler') as HTMLSelectElement).value = 'ddim';
        (document.getElementById(field) as HTMLInputElement).value = v;
        scrollTo(0, 0);
      }, [id, value]);
      await p.click('#sample');
      await idle(p, 10_000);
      assert.ok(await inViewport(p, `#${id}-error`), `the message of ${id}=${value} is in view`);
      assert.match((await p.textContent(`#${id}-error`))!, message);
      await p.fill(`#${id}`, '20');
    }
    await p.close();
  });
}

it('at 1 280 px: every control reachable; a screenshot of the page is not blank (kept at artifacts/web-page.png)', async () => {
  assert.ok(await assertControlsReachable(page, WIDE.width) >= 25);
  await page.evaluate(() => scrollTo(0, 0));
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

it('at 400 px: no sideways scrolling, settings folded above the pictures, every control reachable with Tab', async () => {
  narrow = await open(page.context(), '', NARROW); // the same browser, a second tab at a phone's width
  assert.ok(await assertControlsReachable(narrow, NARROW.width) >= 6, 'folded: Train and the five headings');
  const groups = narrow.locator('#controls details');
  assert.ok(await groups.count() >= 5);
  assert.is(await narrow.locator('#controls details[open]').count(), 0, 'the settings start folded');
  const formBox = (await narrow.locator('#controls').boundingBox())!, viewBox = (await narrow.locator('.view').boundingBox())!;
  assert.ok(formBox.y + formBox.height <= viewBox.y, 'the settings sit above the pictures');
  for (let i = 0; i < await groups.count(); i++) await groups.nth(i).locator('summary').click();
  assert.ok(await assertControlsReachable(narrow, NARROW.width) >= 25, 'unfolded: every field and button');
  for (const id of ['points-canvas', 'loss-canvas', 'quality-canvas', 'strip-canvas']) {
    assert.is(await narrow.getAttribute(`#${id}`, 'role'), 'img');
    assert.ok((await narrow.getAttribute(`#${id}`, 'aria-label'))!.length > 10, `#${id} is described in words`);
  }
  // Help shows where it is needed: under the field that has the focus.
  await narrow.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  assert.not.ok(await narrow.isVisible('#warmup-help'));
  await narrow.focus('#warmup');
  assert.ok(await narrow.isVisible('#warmup-help'), 'the warm-up field\'s help shows while it has the focus');
});

it('at 400 px: an image model from `ddpm train --dataset mnist` draws the images `ddpm sample` writes, with its reverse strip', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ddpm-mnist-'));
  withMnistClassifier(join(dir, 'run')); // its judge is not what is tested here
  const trained = runDdpm(dir, 'train', '--dataset', 'mnist', '--data-size', '256', '--hidden', '32', '--depth', '1', '--time-dim', '16',
    '--timesteps', '50', '--sample-steps', '10', '--epochs', '2', '--samples', '8', '--classifier-epochs', '1', '--device', 'cpu',
    '--save-every', '0', '--seed', '3', '--out', 'run');
  assert.is(trained.status, 0, trained.stderr);
  const cliSampled = runDdpm(dir, 'sample', '--checkpoint', 'run', '--device', 'cpu', '--sampler', 'ddim', '--sample-steps', '10',
    '--samples', '16', '--seed', '4', '--out', 'images.npy');
  assert.is(cliSampled.status, 0, cliSampled.stderr);
  const cli = readNpy(join(dir, 'images.npy'));
  mnist = { dir, cli };

  await loadImageModel(narrow, join(dir, 'run', 'model.safetensors'), 'MLPImageDiffusion');
  assert.is(await narrow.textContent('#sample-n-label'), 'images');
  assert.is(await narrow.inputValue('#ddim-steps'), '10', 'the checkpoint\'s DDIM steps');
  await sampleImages(narrow, 16);
  const s = await state(narrow);
  assert.is(s.model?.epoch, 2, 'the epoch recorded by the CLI');
  assert.is(s.reverse.count, 10, 'x_T and nine more frames, as ddpm sample\'s -reverse.png');
  // Pixels: 784-wide sums, taken in another order on the GPU, through ten steps (1.2e-4 off at a
  // pixel near 0, where 1e-4 + 1e-3·|cli| fails): the absolute part is 5e-4, an eighth of one grey
  // level (2/255) of the picture.
  const { worst, tightest } = assertClose(await lastPoints(narrow), cli, 'pixel', 5e-4);
  measured.push(`CLI image checkpoint, DDIM 10 steps, 16 images: max |page − CLI| ${worst.toExponential(2)} ` +
    `(${(100 * tightest).toFixed(0)} % of the tolerance at the tightest pixel)`);
  assert.ok(await narrow.isVisible('#strip-canvas'), 'the reverse process as a strip');
  const strip = await narrow.evaluate(() => { const c = document.getElementById('strip-canvas') as HTMLCanvasElement; return [c.width, c.height]; });
  assert.ok(strip[0] > 10 * 28 && strip[1] > 8 * 28, `the strip is 8 rows of 10 frames: ${strip}`);
  const w = await narrow.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));
  assert.ok(w.scroll <= w.inner, `with images the page is ${w.scroll} px wide in a ${w.inner} px window`);
  const before = await canvasSignature(narrow, 'points-canvas');
  await narrow.locator('#frame').fill('0');
  assert.is.not(await canvasSignature(narrow, 'points-canvas'), before, 'the slider shows x_T');
  await narrow.locator('#frame').fill('9');
  assert.is(await canvasSignature(narrow, 'points-canvas'), before, 'and back at x_0 the same grid');
  await narrow.evaluate(() => scrollTo(0, 0)); // the run buttons stick to the top of the window
  const png = await narrow.screenshot({ fullPage: true });
  writeFileSync(SCREENSHOT_NARROW, png);
  assert.is(decodePng(new Uint8Array(png)).width, NARROW.width);
});

it('at 400 px: a U-Net checkpoint from `ddpm train --model unet` loads and draws the images `ddpm sample` writes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ddpm-unet-'));
  withMnistClassifier(join(dir, 'run'));
  const trained = runDdpm(dir, 'train', '--dataset', 'mnist', '--model', 'unet', '--channels', '4,8,8', '--groups', '2', '--data-size', '16',
    '--batch', '8', '--time-dim', '8', '--timesteps', '20', '--sample-steps', '5', '--epochs', '1', '--samples', '8', '--classifier-epochs', '1',
    '--device', 'cpu', '--save-every', '0', '--seed', '3', '--out', 'run');
  assert.is(trained.status, 0, trained.stderr);
  const cliSampled = runDdpm(dir, 'sample', '--checkpoint', 'run', '--device', 'cpu', '--sampler', 'ddim', '--sample-steps', '5',
    '--samples', '8', '--seed', '4', '--out', 'images.npy');
  assert.is(cliSampled.status, 0, cliSampled.stderr);
  unet = { dir, cli: readNpy(join(dir, 'images.npy')) };

  await loadImageModel(narrow, join(dir, 'run', 'model.safetensors'), 'UNetDiffusion');
  assert.match((await narrow.textContent('#model-caption'))!, /U-Net, channels 4\/8\/8/);
  await sampleImages(narrow, 8);
  // Convolutions summed in another order on the GPU, through five steps: the same rule as the MLP's images.
  const { worst, tightest } = assertClose(await lastPoints(narrow), unet.cli, 'U-Net pixel', 5e-4);
  measured.push(`CLI U-Net checkpoint, DDIM 5 steps, 8 images: max |page − CLI| ${worst.toExponential(2)} ` +
    `(${(100 * tightest).toFixed(0)} % of the tolerance at the tightest pixel)`);
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

  // The image model on the page's CPU path: the CLI's CPU images, to the bit.
  assert.ok(mnist, 'the image run of the 400 px test');
  await loadImageModel(plain, join(mnist.dir, 'run', 'model.safetensors'), 'MLPImageDiffusion');
  await sampleImages(plain, 16);
  assert.equal(await lastPoints(plain), Array.from(mnist.cli), 'the same CPU code in the page and in Node: the same float32s');

  // And the U-Net's: the same float32s too.
  assert.ok(unet, 'the U-Net run of the 400 px test');
  await loadImageModel(plain, join(unet.dir, 'run', 'model.safetensors'), 'UNetDiffusion');
  await sampleImages(plain, 8);
  assert.equal(await lastPoints(plain), Array.from(unet.cli), 'the U-Net on the page\'s CPU path: the CLI\'s float32s');

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

/**
 * No sideways scrolling, and every control that can be used now is visible, inside the window's
 * width, and takes the focus in turn with the Tab key.
 */
async function assertControlsReachable(p: Page, width: number): Promise<number> {
  const w = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));
  assert.ok(w.scroll <= w.inner, `the page is ${w.scroll} px wide in a ${w.inner} px window`);
  const controls = await p.evaluate(() => [...document.querySelectorAll<HTMLElement>('button, input:not([type="file"]), select, summary')]
    .filter((el) => el.checkVisibility() && !(el as HTMLButtonElement).disabled) // (a folded field keeps its offsetParent)
    .map((el) => { const r = el.getBoundingClientRect(); return { id: el.id || el.textContent!.trim(), left: r.left, right: r.right }; }));
  for (const c of controls) assert.ok(c.left >= 0 && c.right <= width, `${c.id} spans ${c.left}…${c.right} px`);
  const reached = new Set<string>();
  for (let i = 0; i < 3 * controls.length && !controls.every((c) => reached.has(c.id)); i++) {
    await p.keyboard.press('Tab');
    reached.add(await p.evaluate(() => { const el = document.activeElement as HTMLElement; return el.id || el.textContent!.trim(); }));
  }
  const missed = controls.filter((c) => !reached.has(c.id)).map((c) => c.id);
  assert.equal(missed, [], 'every control takes the focus in turn');
  return controls.length;
}

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
