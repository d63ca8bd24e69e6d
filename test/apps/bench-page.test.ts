// The bench page (web/bench.html, bench/page/) in a real browser: Debian's Chromium, headless,
// with WebGPU on its SwiftShader adapter (a CPU one), serving build/www. `bench.html?quick`
// starts a quick run at once; the test waits for it and checks that
//   - the table holds finite, positive figures for our engine (fused and eager: training
//     steps/s, sampling seconds) and for TensorFlow.js-WebGPU, and matmul GFLOP/s on both with
//     the tuner's kernel named, at least at the small shapes;
//   - the software-adapter warning shows (SwiftShader is a CPU's);
//   - the JSON download parses and holds the very figures the table shows;
//   - "Copy as Markdown" gives bench/RESULTS.md's tables;
//   - the page looks like something at 1 280 px (artifacts/bench-page.png) and has no sideways
//     scrolling at 390 px.
// The quick run's time is printed (it should take under a minute); only a runaway fails it.
// Without Chromium the tests are skipped with a banner; under CI=true that is a failure. Without
// TensorFlow.js in bench/peers when the page was built (npm run bench:peers), its rows must say
// so instead (under CI=true, set-up installs it).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { PageBenchResults, PageEngine } from '../../bench/page/protocol.js';
import { startStaticServer, type StaticServer } from '../../web/server.js';
import { CHROMIUM, launchChromium } from '../support/chromium.js';
import { repoRoot } from '../support/helpers.js';
import { needs } from '../support/optional.js';
import { decodePng } from '../support/png-reader.js';

/** What the page keeps in window.benchPage (bench/page/page.ts). */
interface BenchPageState {
  phase: 'idle' | 'running' | 'done';
  results: PageBenchResults | null;
  copied: string | null;
  downloaded: string | null;
  errors: string[];
}
declare const benchPage: BenchPageState;

const SCREENSHOT = join(repoRoot(), 'artifacts', 'bench-page.png');
/** Only a runaway fails: the quick run should take under a minute on SwiftShader. */
const RUNAWAY_SECONDS = 90;
/** TensorFlow.js was there for the build to bundle (scripts/build.mjs). */
const tfjsInstalled = existsSync(join(repoRoot(), 'bench', 'peers', 'node_modules', '@tensorflow', 'tfjs-backend-webgpu'));
/** The engines and matmul columns the page must have measured. */
const ENGINES: PageEngine[] = ['ours-webgpu', 'ours-webgpu-eager', ...(tfjsInstalled ? ['tfjs-webgpu' as const] : [])];
const COLUMNS = ['webgpu', ...(tfjsInstalled ? ['tfjs-webgpu'] : [])];
const SMALL_SHAPES = ['layer 1 fwd [128,2]·[128,2]ᵀ', 'hidden fwd [128,128]·[128,128]ᵀ', 'hidden dW [128,128]ᵀ·[128,128]'];

const available = existsSync(CHROMIUM);
const it = needs('browser', available ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);

let server: StaticServer;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let results: PageBenchResults;
let runSeconds = 0;
const pageProblems: string[] = [];
const measured: string[] = [];

const state = (): Promise<BenchPageState> => page.evaluate(() => benchPage);
const isGood = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0;
/** The text of a cell of the S-curve table: the engine's row, the column by its number (1: steps/s). */
const engineCell = (engine: string, column: number): Promise<string | null> =>
  page.textContent(`#engines tr[data-engine="${engine}"] > :nth-child(${column + 1})`);
const matmulCell = (shape: string, column: string): Promise<string | null> =>
  page.textContent(`#matmul tr[data-shape="${shape}"] td[data-column="${column}"]`);

test.before(async () => {
  if (!available) return;
  server = await startStaticServer(join(repoRoot(), 'build', 'www'));
  chromium = await launchChromium(true);
  page = await chromium.context.newPage();
  page.on('pageerror', (e) => pageProblems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') pageProblems.push(`console: ${m.text()}`); });
  const t0 = performance.now();
  await page.goto(`${server.url}bench.html?quick`);
  await page.waitForFunction(() => typeof benchPage !== 'undefined' && benchPage.phase === 'done', null,
    { timeout: RUNAWAY_SECONDS * 1000, polling: 250 });
  runSeconds = (performance.now() - t0) / 1000;
  results = (await state()).results!;
});

test.after(async () => {
  if (measured.length > 0) console.log(`\n${measured.join('\n')}`);
  await chromium?.close();
  await server?.close();
});

it('?quick runs at once and fills the table: ours fused and eager, tfjs-webgpu, matmul with the tuner\'s kernel', async () => {
  const s = await state();
  assert.equal(s.errors, []);
  assert.is(results.failed, null);
  assert.is(results.settings.quick, true);
  if (process.env.CI === 'true') assert.ok(tfjsInstalled, 'under CI, set-up installed the benchmark peers');
  if (tfjsInstalled) assert.equal(results.skipped['tfjs-webgpu'], undefined, `tfjs-webgpu: ${results.skipped['tfjs-webgpu']}`);
  else assert.match((await engineCell('tfjs-webgpu', 1))!, /^not measured: .*npm run bench:peers/);
  const engines = new Map(results.engines);
  for (const engine of ENGINES) {
    const r = engines.get(engine);
    assert.ok(r, `${engine} was measured (${results.skipped[engine] ?? ''})`);
    assert.ok(isGood(r!.trainStepsPerSecond) && isGood(r!.sampleSeconds), `${engine}: ${JSON.stringify(r)}`);
    assert.is(await engineCell(engine, 1), r!.trainStepsPerSecond.toFixed(1), `${engine}'s steps/s in the table`);
    assert.is(await engineCell(engine, 3), `${r!.sampleSeconds.toFixed(2)} s`, `${engine}'s sampling time in the table`);
  }
  assert.match((await engineCell('jax-js-webgpu', 1))!, /^not measured: /, 'jax-js says why it has no figures');
  for (const shape of SMALL_SHAPES) {
    for (const column of COLUMNS) {
      const gflops = results.matmul.gflops[column]?.[shape];
      assert.ok(isGood(gflops), `${column} at ${shape}: ${gflops}`);
      assert.is(await matmulCell(shape, column), gflops!.toFixed(2));
    }
    assert.ok(results.matmul.kernels[shape], `the tuner's kernel for ${shape}`);
    assert.is(await matmulCell(shape, 'webgpu kernel'), results.matmul.kernels[shape]);
  }
  assert.match((await page.textContent('#status'))!, /^done in /);
  measured.push(`bench.html?quick on ${results.adapter?.description}: the run took ${runSeconds.toFixed(1)} s (page: ${results.seconds.toFixed(1)} s); ` +
    `steps/s ${results.engines.map(([e, r]) => `${e} ${r.trainStepsPerSecond.toFixed(1)}`).join(', ')}; ` +
    `sampling ${results.settings.sampleN} points ${results.engines.map(([e, r]) => `${e} ${r.sampleSeconds.toFixed(2)} s`).join(', ')}; matmul GFLOP/s ` +
    Object.entries(results.matmul.gflops).map(([column, byShape]) => `${column} ${Object.values(byShape).map((g) => g.toFixed(2)).join(' ')}`).join('; ') +
    `; kernels ${[...new Set(Object.values(results.matmul.kernels))].join(', ')}; ` +
    `seconds per row: ${Object.entries(results.rowSeconds).map(([row, seconds]) => `${row} ${seconds.toFixed(1)}`).join(', ')}`);
  assert.ok(runSeconds < RUNAWAY_SECONDS, `the quick run took ${runSeconds.toFixed(0)} s`);
});

it('on SwiftShader the page warns that the adapter is a CPU\'s', async () => {
  assert.ok(results.adapter, 'the adapter was opened');
  assert.ok(results.adapter!.cpuDriver, `the engine takes ${results.adapter!.description} for a CPU driver`);
  assert.ok(await page.isVisible('#software-warning'), 'the warning shows');
  assert.match((await page.textContent('#adapter-details'))!, 'maxComputeWorkgroupStorageSize');
});

it('the JSON download parses and holds the figures the table shows', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.match(download.suggestedFilename(), /^bench-.*\.json$/);
  const path = await download.path();
  const json = JSON.parse(readFileSync(path, 'utf8')) as {
    device: { adapter: string }; quick: boolean; train_steps_per_s: Record<string, number>; sample_s: Record<string, number>;
    matmul_gflops: Record<string, Record<string, number>>; matmul_kernels: Record<string, string>; skipped: Record<string, string>;
  };
  assert.is(json.device.adapter, results.adapter!.description);
  assert.is(json.quick, true);
  for (const engine of ENGINES) {
    assert.is((await engineCell(engine, 1)), json.train_steps_per_s[engine].toFixed(1), `${engine}: steps/s`);
    assert.is((await engineCell(engine, 3)), `${json.sample_s[engine].toFixed(2)} s`, `${engine}: sampling`);
  }
  for (const shape of SMALL_SHAPES) {
    for (const column of COLUMNS) assert.is(await matmulCell(shape, column), json.matmul_gflops[column][shape].toFixed(2));
    assert.is(json.matmul_kernels[shape], results.matmul.kernels[shape]);
  }
  assert.ok(json.skipped['jax-js-webgpu'], 'jax-js: why not measured');
});

it('"Copy as Markdown" gives bench/RESULTS.md\'s tables', async () => {
  await page.click('#copy');
  await page.waitForFunction(() => benchPage.copied !== null, null, { timeout: 5000 });
  const markdown = (await state()).copied!;
  assert.match(markdown, /^\*\*bench\.html\*\* on WebGPU: /);
  assert.match(markdown, `| engine | train steps/s | ours-webgpu ÷ this | sample ${results.settings.sampleN}×100 | this ÷ ours-webgpu | loss | after steps |`);
  assert.match(markdown, '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const engine of ENGINES) assert.match(markdown, `| ${engine} | ${(await engineCell(engine, 1))} |`);
  assert.match(markdown, tfjsInstalled ? '| shape | webgpu | tfjs-webgpu | webgpu kernel | webgpu ÷ tfjs-webgpu |' : '| shape | webgpu | webgpu kernel |');
  assert.match(markdown, `| ${SMALL_SHAPES[1]} | ${await matmulCell(SMALL_SHAPES[1], 'webgpu')} |`);
  assert.match(markdown, 'jax-js-webgpu: not measured: ');
  assert.is(await page.inputValue('#markdown'), markdown, 'shown on the page too');
});

it('at 1 280 px a screenshot is not blank (artifacts/bench-page.png); at 390 px no sideways scrolling', async () => {
  await page.evaluate(() => scrollTo(0, 0));
  const png = await page.screenshot({ fullPage: true });
  mkdirSync(join(repoRoot(), 'artifacts'), { recursive: true });
  writeFileSync(SCREENSHOT, png);
  const { width, rgba } = decodePng(new Uint8Array(png));
  assert.is(width, 1280);
  const colours = new Set<number>();
  for (let i = 0; i < rgba.length; i += 4 * 7) colours.add((rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2]);
  assert.ok(colours.size > 20, `expected a page with text and tables, found ${colours.size} colours`);
  await page.setViewportSize({ width: 390, height: 844 });
  const w = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: innerWidth }));
  assert.ok(w.scroll <= w.inner, `at 390 px the page is ${w.scroll} px wide`);
  assert.equal(pageProblems, []);
});

test.run();
