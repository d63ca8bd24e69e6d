// WGSL sources as TypeScript modules: every `X.wgsl` (shaders/, ddpm/fused/) gets a checked-in
// `X.wgsl.ts` beside it whose default export is the source text, so the engine loads through
// tsc's output, Node or any bundler, with no loader for .wgsl files. The .wgsl file is the one
// to edit; `npm run wgsl` rewrites the modules, and the build (scripts/build.mjs) refuses to run
// while one is stale.
//   node scripts/wgsl-modules.mjs          write the modules that differ
//   node scripts/wgsl-modules.mjs --check  list the stale ones and exit 1 if any

import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const FOLDERS = ['shaders', 'ddpm'];

function wgslFiles(dir) {
  let out = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out = out.concat(wgslFiles(p));
    else if (e.name.endsWith('.wgsl')) out.push(p);
  }
  return out.sort();
}

/**
 * The module for a WGSL source: its text as a template literal (\, ` and ${ escaped), typed
 * `string` so that the declarations tsc writes say `string`, not the whole source as a literal type.
 */
export function moduleText(wgslPath, source) {
  const escaped = source.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
  return `// Generated from ${basename(wgslPath)} by scripts/wgsl-modules.mjs (npm run wgsl): edit the .wgsl file.\n` +
    `const source: string = \`${escaped}\`;\nexport default source;\n`;
}

/** Every WGSL source with its module's path and whether the checked-in module is current. */
export function wgslModules() {
  return FOLDERS.flatMap(wgslFiles).map((wgsl) => {
    const ts = `${wgsl}.ts`;
    const expected = moduleText(wgsl, readFileSync(join(root, wgsl), 'utf8'));
    const current = existsSync(join(root, ts)) ? readFileSync(join(root, ts), 'utf8') : null;
    return { wgsl, ts, expected, stale: current !== expected };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const stale = wgslModules().filter((m) => m.stale);
  if (process.argv.includes('--check')) {
    for (const m of stale) console.error(`${m.ts} is not current with ${m.wgsl}: run npm run wgsl`);
    process.exitCode = stale.length > 0 ? 1 : 0;
  } else {
    for (const m of stale) {
      writeFileSync(join(root, m.ts), m.expected);
      console.log(`wrote ${m.ts}`);
    }
  }
}
