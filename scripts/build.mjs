// Bundles the runnable entry points (the ddpm CLI, tests, examples, benchmarks) into build/ with esbuild.
// Shared code is split into common chunks, so every test file in one process sees the same
// engine module. WGSL sources are imported as text. npm packages stay external.
// Type checking is tsc's job (`npm run typecheck`); this step only strips types and bundles.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

function files(dir, suffix) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out = out.concat(files(p, suffix));
    else if (e.name.endsWith(suffix)) out.push(p);
  }
  return out;
}

const entryPoints = [
  ...files('test', '.test.ts'),
  'bench/main.ts',
  'examples/tiny-mlp.ts',
  'ddpm/cli/main.ts',
];

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
  loader: { '.wgsl': 'text' },
  sourcemap: 'inline',
  logLevel: 'warning',
});
