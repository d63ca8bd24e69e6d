// The layers read top-down with no arrow back up, checked on every relative import in the
// sources (type-only ones too):
//   apps       commands/ (the ddpm command's table) over cli/ (train, sample) and bench/, which
//              never import each other; web/; and app-support/ (flags, stop signals, files,
//              run folders, size limits, errors, progress), which they share
//   workload   ddpm/ — the shared core and one folder per workload (points/, images/) — the
//              engine only through its public entry points (its fused programs, ddpm/fused/,
//              and the bench also through the internal ones: engine/internal.ts,
//              engine/webgpu/internal.ts)
//   engine     engine/ — nothing above it
//   shaders    shaders/ — WGSL and its generated modules, importing nothing
// and the import graph (scripts/import-loops.mjs) has one loop, tensor ⇄ autograd, inherent as
// engine/tensor.ts's header says.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot } from '../support/helpers.js';

const root = repoRoot();
const IMPORT = /^\s*(?:import|export)\b[^'";]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gm;

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import of the files under `dir`: [importer, imported], repository paths. */
function importsOf(dir: string): [string, string][] {
  return sources(dir).flatMap((file) => {
    const text = readFileSync(join(root, file), 'utf8');
    return [...text.matchAll(IMPORT)].map((m): [string, string] =>
      [file, relative(root, normalize(join(root, dirname(file), m[1]))).replace(/\.js$/, '.ts')]);
  });
}

const ENGINE_PUBLIC = ['engine/index.ts', 'engine/webgpu/index.ts'];
/** What the engine's tests, the benchmark and fused programs use besides (not in package.json's exports). */
const ENGINE_INTERNAL = ['engine/internal.ts', 'engine/webgpu/internal.ts'];
const top = (path: string): string => path.split('/')[0];

function assertAllowed(dir: string, allowed: (imported: string, importer: string) => boolean, rule: string): void {
  const broken = importsOf(dir).filter(([from, to]) => !allowed(to, from)).map(([from, to]) => `${from} → ${to}`);
  assert.equal(broken, [], `${dir}/: ${rule}`);
}

test('shaders/ imports nothing; engine/ imports only engine/ and shaders/', () => {
  assertAllowed('shaders', () => false, 'WGSL modules import nothing');
  assertAllowed('engine', (to) => ['engine', 'shaders'].includes(top(to)), 'nothing in the engine knows about what uses it');
});

test('ddpm/ uses the engine through its public entry points (its fused programs also the internal ones), and nothing above it', () => {
  assertAllowed('ddpm', (to, from) => top(to) === 'ddpm' || ENGINE_PUBLIC.includes(to) || (from.startsWith('ddpm/fused/') && ENGINE_INTERNAL.includes(to)),
    `only ddpm/ and ${ENGINE_PUBLIC.join(', ')} (ddpm/fused/ also ${ENGINE_INTERNAL.join(', ')})`);
});

test('the apps: commands/ (the command table) dispatches to cli/ and bench/, which never import each other; app-support/ serves them and the page\'s server', () => {
  const publicOrWorkload = (to: string): boolean => top(to) === 'ddpm' || ENGINE_PUBLIC.includes(to);
  const support = (to: string): boolean => top(to) === 'app-support';
  assertAllowed('app-support', (to) => support(to) || publicOrWorkload(to), 'app-support/ uses ddpm/ and the engine\'s public API, no app');
  assertAllowed('commands', (to) => ['commands', 'cli', 'bench'].includes(top(to)) || support(to), 'commands/ dispatches to cli/ and bench/');
  assertAllowed('cli', (to) => top(to) === 'cli' || support(to) || publicOrWorkload(to), 'cli/ uses app-support/, ddpm/ and the engine\'s public API');
  assertAllowed('bench', (to) => top(to) === 'bench' || support(to) || publicOrWorkload(to) || ENGINE_INTERNAL.includes(to),
    'bench/ uses app-support/, ddpm/ and the engine\'s public API (and its internal entries: the matmul kernels, Program)');
  assertAllowed('web', (to, from) => top(to) === 'web' || publicOrWorkload(to) || (from === 'web/serve.ts' && support(to)),
    'the page uses ddpm/ and the engine\'s public API (its Node server, web/serve.ts, also app-support/\'s flags)');
});

test('the import graph has one loop, tensor ⇄ autograd', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'import-loops.mjs'), '--json'], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const loops = JSON.parse(r.stdout) as { runtime: string[][]; all: string[][] };
  const only = [['engine/autograd.ts', 'engine/tensor.ts']];
  assert.equal(loops.runtime, only, 'runtime imports');
  assert.equal(loops.all, only, 'all imports, type-only included');
});

test.run();
