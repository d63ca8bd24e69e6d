// Lists the loops in the source import graph: the strongly connected components of more than
// one file. Two graphs are read:
//   runtime  every import esbuild resolves from the entry points (its metafile); type-only
//            imports are not there, since TypeScript erases them
//   all      every relative `import`/`export … from` in the files reached, type-only ones too
//            (what a reader follows), read from the sources
// Run: node scripts/import-loops.mjs [--json] [entry …] (default: the engine, its WebGPU backend,
// the diffusion workload, the ddpm command and the benchmark). --json prints
// { runtime: [[file, …], …], all: [[file, …], …] } for test/project/layers.test.ts.

import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

const json = process.argv.includes('--json');
const entries = process.argv.slice(2).filter((a) => a !== '--json');
const entryPoints = entries.length > 0 ? entries
  : ['engine/index.ts', 'engine/webgpu/index.ts', 'ddpm/index.ts', 'commands/ddpm.ts', 'bench/main.ts'];
const result = await build({
  entryPoints, bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', outdir: 'out',
  packages: 'external', logLevel: 'error',
});
const inputs = result.metafile.inputs;
const runtime = new Map();
for (const [file, input] of Object.entries(inputs)) {
  runtime.set(file, input.imports.filter((i) => !i.external && i.path in inputs).map((i) => i.path));
}

const IMPORT = /^\s*(?:import|export)\b[^'";]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gm;
const all = new Map();
for (const file of runtime.keys()) {
  const source = readFileSync(file, 'utf8');
  const targets = [...source.matchAll(IMPORT)].map((m) => normalize(join(dirname(file), m[1])).replace(/\.js$/, '.ts'));
  all.set(file, targets.filter((t) => runtime.has(t)));
}

/** Tarjan's strongly connected components of more than one file. */
function loops(graph) {
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
  return components;
}

const graphs = { runtime, all };
if (json) {
  console.log(JSON.stringify(Object.fromEntries(Object.entries(graphs).map(([name, graph]) => [name, loops(graph)]))));
} else {
  for (const [name, graph] of [['runtime imports', runtime], ['all imports, type-only included', all]]) {
    const components = loops(graph);
    console.log(`${name}: ${graph.size} files, ${components.length} loop(s)`);
    for (const c of components) {
      const inside = new Set(c);
      console.log(`  loop of ${c.length} files:`);
      for (const f of c) console.log(`    ${f} → ${graph.get(f).filter((g) => inside.has(g)).join(', ')}`);
    }
  }
}
