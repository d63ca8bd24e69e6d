// Op codes declared once (engine/webgpu/op-codes.ts): a table's WGSL names, the check against
// WGSL catching each kind of drift (a renumbered, renamed, retyped, missing or extra code), and
// every table — the elementwise kernels' in engine/webgpu/kernel-contracts.ts, the sampling
// table's kinds in ddpm/fused/program.ts — matching the constants its WGSL switches on.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FUSED_CONTRACT } from '../../ddpm/fused/index.js';
import { SHADERS } from '../../engine/webgpu/backend.js';
import { KERNELS } from '../../engine/webgpu/kernel-contracts.js';
import { checkOpCodes, opCodeName, opCodes, wgslConstants } from '../../engine/webgpu/op-codes.js';

const table = opCodes('UNARY', { neg: 0, square: 1, rowAdd: 2 });
const wgsl = `
const UNARY_NEG: u32 = 0u;
const UNARY_SQUARE: u32 = 1u;  // x·x
const UNARY_ROW_ADD: u32 = 2u;
const OTHER_NEG: u32 = 7u;
switch u.op { case UNARY_NEG: {} case UNARY_SQUARE: {} case UNARY_ROW_ADD, default: {} }`;

test('a code\'s WGSL name is the prefix and the key in upper snake case; codes are distinct u32s', () => {
  assert.is(opCodeName('UNARY', 'neg'), 'UNARY_NEG');
  assert.is(opCodeName('UNARY', 'rowAdd'), 'UNARY_ROW_ADD');
  assert.throws(() => opCodes('X', { a: 0, b: 0 }), /two names share a code/);
  assert.throws(() => opCodes('X', { a: -1 }), /op code X_A: -1 is not a u32/);
  assert.throws(() => opCodes('X', {}), /no codes/);
});

test('the WGSL constants of a prefix are read with comments removed', () => {
  assert.equal(wgslConstants(wgsl, 'UNARY').map((c) => `${c.name}: ${c.type} = ${c.value}`),
    ['UNARY_NEG: u32 = 0u', 'UNARY_SQUARE: u32 = 1u', 'UNARY_ROW_ADD: u32 = 2u']);
  assert.equal(wgslConstants('// const UNARY_OLD: u32 = 9u;', 'UNARY'), []);
  checkOpCodes(wgsl, table, 'test');
});

test('every kind of drift between TypeScript and WGSL is caught, naming the code', () => {
  const drift: [string, RegExp][] = [
    [wgsl.replace('UNARY_SQUARE: u32 = 1u', 'UNARY_SQUARE: u32 = 3u'), /^Error: kernel k: op code UNARY_SQUARE is 'u32 = 3u' in WGSL but 'u32 = 1u' in TypeScript$/],
    [wgsl.replace('UNARY_SQUARE: u32', 'UNARY_SQUARE: i32'), /op code UNARY_SQUARE is 'i32 = 1u' in WGSL but 'u32 = 1u'/],
    [wgsl.replace('UNARY_SQUARE: u32', 'UNARY_SQUARE'), /op code UNARY_SQUARE is '\(none\) = 1u' in WGSL/],
    [wgsl.replace('const UNARY_NEG', 'const UNARY_NEGATE'), /op code UNARY_NEG \(0u in TypeScript\) is not declared in WGSL/],
    [wgsl.replace(/const UNARY_ROW_ADD[^\n]*\n/, ''), /op code UNARY_ROW_ADD \(2u in TypeScript\) is not declared in WGSL/],
    [`${wgsl}\nconst UNARY_EXP: u32 = 3u;`, /op code UNARY_EXP is declared in WGSL but not in TypeScript's UNARY table/],
  ];
  for (const [code, message] of drift) {
    try {
      checkOpCodes(code, table, 'kernel k');
      assert.unreachable(`no error for ${message}`);
    } catch (e) {
      assert.match(String(e), message);
    }
  }
});

test('every op-code table of the kernels matches its WGSL constants, and the switches use the names', () => {
  const code = SHADERS.elementwise;
  const { ops } = KERNELS.elementwise;
  assert.equal(Object.keys(ops), ['unary', 'scalar', 'binary', 'clampBounds']);
  for (const t of Object.values(ops)) checkOpCodes(code, t, 'shaders/elementwise.wgsl');
  for (const [shader, text] of Object.entries(SHADERS)) {
    const plain = text.replace(/\/\/[^\n]*/g, '');
    assert.not.match(plain, /\bcase\s+\d/, `shaders/${shader}.wgsl: a switch case by number, not by name`);
    assert.not.match(plain, /u\.op\s*&\s*\d/, `shaders/${shader}.wgsl: an op bit by number, not by name`);
  }
});

test('the sampling table\'s kinds match ddpm/fused/mlp-diffusion.wgsl, which tests them by name', () => {
  checkOpCodes(FUSED_CONTRACT.code, FUSED_CONTRACT.kinds, 'mlp-diffusion');
  assert.not.match(FUSED_CONTRACT.code, /kind\s*==\s*\d/, 'a kind tested by number, not by name');
});

test.run();
