// Lists the loops in the source import graph: the strongly connected components of more than
// one file, from esbuild's metafile (every import esbuild resolves, type-only imports excluded
// since TypeScript erases them). Run: node scripts/import-loops.mjs [entry …]
// (default: the engine, its WebGPU backend, the ddpm CLI and the benchmark).

import { build } from 'esbuild';

const entries = process.argv.slice(2);
const entryPoints = entries.length > 0 ? entries : ['engine/index.ts', 'engine/webgpu/index.ts', 'ddpm/cli/main.ts', 'bench/main.ts'];
const result = await build({
  entryPoints, bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', outdir: 'out',
  loader: { '.wgsl': 'text' }, packages: 'external', logLevel: 'error',
});
const graph = new Map();
for (const [file, input] of Object.entries(result.metafile.inputs)) {
  graph.set(file, input.imports.filter((i) => !i.external && i.path in result.metafile.inputs).map((i) => i.path));
}

// Tarjan's strongly connected components.
let index = 0;
const stack = [], onStack = new Set(), idx = new Map(), low = new Map(), components = [];
function visit(v) {
  idx.set(v, index); low.set(v, index); index++;
  stack.push(v); onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const c = [];
    let w;
    do { w = stack.pop(); onStack.delete(w); c.push(w); } while (w !== v);
    if (c.length > 1) components.push(c.sort());
  }
}
for (const v of graph.keys()) if (!idx.has(v)) visit(v);

console.log(`${graph.size} files, ${components.length} import loop(s)`);
for (const c of components) {
  const inside = new Set(c);
  console.log(`\nloop of ${c.length} files:`);
  for (const f of c) console.log(`  ${f} → ${graph.get(f).filter((g) => inside.has(g)).join(', ')}`);
}
process.exitCode = 0;
