// Transpiles every TypeScript source (engine/, ddpm/, bench/, test/, examples/) to build/,
// keeping the folder layout so relative `./x.js` imports resolve as written.
// Type checking is tsc's job (`npm run typecheck`); this step only strips types.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['engine', 'ddpm', 'bench', 'test', 'examples'];

function tsFiles(dir) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out = out.concat(tsFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

rmSync('build', { recursive: true, force: true });
await build({
  entryPoints: roots.flatMap(tsFiles),
  outdir: 'build',
  outbase: '.',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});
