// Bundles the runnable entry points (the ddpm CLI, tests, examples, benchmarks, the web page's
// server) into build/ with esbuild, and the browser pages into build/www/: the trainer
// (index.html) and the benchmark (bench.html).
// Node: shared code is split into common chunks, so every test file in one process sees the
// same engine module; npm packages stay external. Browser: the page (web/main.ts) and its worker
// (web/worker.ts) are each one self-contained file; nothing Node-only may be reachable from
// them (esbuild fails on a `node:` import; the one reference to Dawn's Node bindings, behind the
// check for navigator.gpu in engine/webgpu/device.ts, resolves to a module that throws). The
// bench page (bench/page/page.ts) and its worker (bench/page/worker.ts, as bench-page.js and
// bench-worker.js) are built the same way, with one npm package allowed in: TensorFlow.js from
// bench/peers/node_modules (npm run bench:peers), or where it is not installed a module that
// throws saying so, which the page shows as the tfjs row's reason.
// WGSL sources come in as their generated modules (scripts/wgsl-modules.mjs; a stale one stops
// the build). The package's own build, JavaScript and declarations in dist/, is tsc's
// (tsconfig.build.json, npm run dist).
// Type checking is tsc's job (`npm run typecheck`); this step only strips types and bundles.
import { build } from 'esbuild';
import { copyFileSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { wgslModules } from './wgsl-modules.mjs';

function files(dir, suffix) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) { if (e.name !== 'node_modules') out = out.concat(files(p, suffix)); }
    else if (e.name.endsWith(suffix)) out.push(p);
  }
  return out;
}

const entryPoints = [
  ...files('test', '.test.ts'),
  'bench/main.ts',
  'examples/tiny-mlp.ts',
  'commands/ddpm.ts',
  'web/serve.ts',
  'scripts/gpu-check.ts',
  'scripts/api-reference.ts',
  'scripts/cli-reference.ts',
];

const stale = wgslModules().filter((m) => m.stale);
if (stale.length > 0) {
  for (const m of stale) console.error(`build: ${m.ts} is not current with ${m.wgsl}: run npm run wgsl`);
  process.exit(1);
}

rmSync('build', { recursive: true, force: true });
await build({
  entryPoints,
  outdir: 'build',
  outbase: '.',
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});

/** In the browser bundle, Dawn's Node bindings (never loaded there) are a module that throws. */
const noDawnInBrowser = {
  name: 'no-dawn-in-browser',
  setup(b) {
    b.onResolve({ filter: /^webgpu$/ }, () => ({ path: 'webgpu', namespace: 'no-dawn' }));
    b.onLoad({ filter: /.*/, namespace: 'no-dawn' }, () => ({
      contents: "throw new Error(\"Dawn's WebGPU bindings are for Node; a browser provides navigator.gpu\");",
      loader: 'js',
    }));
  },
};

const browserBuild = {
  entryPoints: ['web/main.ts', 'web/worker.ts'],
  outdir: 'build/www',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  plugins: [noDawnInBrowser],
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
};
const { metafile } = await build(browserBuild);
// What the page's bundles are made of, for test/apps/web.test.ts (no Node-only module in them).
writeFileSync('build/www-meta.json', JSON.stringify(metafile));
for (const file of ['index.html', 'style.css']) copyFileSync(join('web', file), join('build/www', file));

/** Where the bench page's TensorFlow.js comes from. */
const PEERS = 'bench/peers/node_modules';
/** Without the peer installed, `@tensorflow/…` is a module that throws: the page's tfjs row says why. */
const tfjsFromPeers = {
  name: 'tfjs-from-bench-peers',
  setup(b) {
    if (existsSync(join(PEERS, '@tensorflow', 'tfjs-backend-webgpu'))) return;
    b.onResolve({ filter: /^@tensorflow\// }, (args) => ({ path: args.path, namespace: 'no-tfjs' }));
    b.onLoad({ filter: /.*/, namespace: 'no-tfjs' }, () => ({
      contents: "throw new Error('TensorFlow.js was not installed when this page was built: npm run bench:peers, then npm run build');",
      loader: 'js',
    }));
  },
};
const bench = await build({
  ...browserBuild,
  entryPoints: { 'bench-page': 'bench/page/page.ts', 'bench-worker': 'bench/page/worker.ts' },
  nodePaths: [PEERS],
  plugins: [noDawnInBrowser, tfjsFromPeers],
});
// The bench page's bundles, for test/apps/web.test.ts (no Node-only module; npm packages only from bench/peers).
writeFileSync('build/www-bench-meta.json', JSON.stringify(bench.metafile));
for (const file of ['bench.html', 'bench.css']) copyFileSync(join('web', file), join('build/www', file));
