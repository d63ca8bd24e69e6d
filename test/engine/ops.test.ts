// Every op of the engine, one row of the op table (op-table.ts) each, through the shared runners
// (op-runners.ts): forward and every input gradient against PyTorch (test/fixtures/torch_ops.json,
// torch_unet_ops.json, torch_softmax.json, torch_nonfinite.json, torch_ops_math.json,
// torch_ops_dims.json, written by torch 1.13 through test/fixtures/make_fixtures.py), central
// differences, GPU vs CPU on awkward shapes and with NaN and ±Inf inputs, bad inputs refused by
// name, and each row's own checks (op-checks.ts).
//
// Tolerance rules (op-runners.ts; a row's own, with its reason, in op-table.ts):
//   against PyTorch           1e-5 + 1e-5·|torch| (torch_ops, torch_unet_ops),
//                             1e-6 + 1e-5·|torch| (torch_softmax, torch_nonfinite, torch_ops_math,
//                             torch_ops_dims)
//   central differences       2e-3 + 1e-2·|numeric|, h = 1e-3
//   GPU vs CPU                (2e-6·K + 1e-6) + 1e-5·|cpu|, K the terms of the longest sum
//                             (0 elementwise); NaN where NaN, the same infinity where infinite.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { repoRoot } from '../support/helpers.js';
import { torchCases } from './op-fixtures.js';
import {
  fromTorch, gpuMatchesCpu, gradcheckCases, isNonFinite, matchesCentralDifferences, matchesTorch, prepared, refusesBadInputs,
  title, torchCasesOf,
} from './op-runners.js';
import { opTable } from './op-table.js';

const gpu = await gpuForTests();
const it = gpuTest(gpu);
if (gpu) console.log(`  parity: ${gpu.describe()}`);

for (const row of opTable) {
  const torch = torchCasesOf(row);
  for (const c of torch) {
    test(`${title(row, c.name)}: forward and gradients match PyTorch`, () => matchesTorch(row, c, E.cpu));
  }
  for (const c of gradcheckCases(row)) {
    test(`gradcheck ${title(row, c.name)}`, () => matchesCentralDifferences(row, c));
  }
  for (const c of torch.filter((c) => !isNonFinite(c))) {
    it(`parity (fixture inputs) ${title(row, c.name)}`, () => gpuMatchesCpu(gpu!, row, fromTorch(c)));
  }
  for (const c of row.gpu ?? []) {
    it(`parity ${title(row, c.name)}`, () => gpuMatchesCpu(gpu!, row, prepared(c)));
  }
  for (const c of torch.filter(isNonFinite)) {
    it(`${title(row, c.name)}: PyTorch's answers on WebGPU`, () => matchesTorch(row, c, gpu!));
  }
  for (const c of row.nonfinite ?? []) {
    it(`parity with NaN/±Inf ${title(row, c.name)}`, () => gpuMatchesCpu(gpu!, row, prepared(c)));
  }
  if (row.errors) {
    test(`${row.op}: bad inputs are refused by name (${row.errors.map((e) => e.what).join('; ')})`, () => refusesBadInputs(row));
  }
  for (const check of row.checks ?? []) {
    (check.gpu === 'needs' ? it : test)(`${row.op}: ${check.name}`, () => check.run(gpu));
  }
}

/** The functions engine/index.ts exports from engine/ops/. */
function engineOps(): string[] {
  const index = ['index.ts', 'internal.ts'].map((f) => readFileSync(join(repoRoot(), 'engine', f), 'utf8')).join('\n');
  return [...index.matchAll(/^export \{([^}]*)\} from '\.\/ops\//gm)]
    .flatMap((m) => m[1].split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '' && !name.startsWith('type '));
}

test('every op engine/index.ts (or its internal entry) exports has a row; every row has PyTorch cases or says why not', () => {
  const rows = new Set(opTable.map((r) => r.op));
  const ops = engineOps();
  assert.ok(ops.length >= 29, `found ${ops.length} ops in engine/index.ts and engine/internal.ts`);
  for (const op of ops) assert.ok(rows.has(op), `a row for ${op}`);
  for (const row of opTable) {
    assert.ok((row.torch !== undefined) !== (row.withoutTorch !== undefined), `${row.op}: PyTorch cases, or why not`);
    for (const ref of row.torch ?? []) {
      assert.ok(torchCases(ref).length > 0, `${row.op}: cases under ${ref.file} ${ref.key}${ref.names ? ` ${ref.names}` : ''}`);
    }
  }
});

test.run();
