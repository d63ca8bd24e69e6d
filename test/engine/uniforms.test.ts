// Uniform blocks declared once (engine/webgpu/uniforms.ts): the layout of a struct of scalars
// and vec4s (WGSL's offsets), values written by name (an unknown name or a value that is not the
// field's type is an error), the check against WGSL catching each kind of drift (a renamed,
// retyped, reordered, missing or extra field, a missing struct), and every struct in the WGSL
// sources — each shader's Params, the fused engine's Consts and Step — matching its declaration.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkUniformStruct, uniformBlock, uniformStruct, wgslStructFields } from '../../engine/webgpu/uniforms.js';
import { FUSED_CONTRACT } from '../../ddpm/fused/index.js';
import { SHADERS } from '../../engine/webgpu/backend.js';
import { KERNELS } from '../../engine/webgpu/kernel-contracts.js';

const struct = uniformStruct('Params', { n: 'u32', scale: 'f32', shift: 'i32' });
const wgsl = `
struct Params {
  n: u32,       // a count
  scale: f32,   /* a factor */
  shift: i32,
}
@group(0) @binding(0) var<uniform> p: Params;`;

test('a block is 4 bytes a field, rounded up to 16, written by name', () => {
  assert.is(struct.bytes, 16);
  assert.is(uniformStruct('Five', { a: 'u32', b: 'u32', c: 'u32', d: 'u32', e: 'f32' }).bytes, 32);
  const view = new DataView(uniformBlock(struct, { n: 7, scale: 0.5, shift: -3 }));
  assert.is(view.getUint32(0, true), 7);
  assert.is(view.getFloat32(4, true), 0.5);
  assert.is(view.getInt32(8, true), -3);
  assert.is(new DataView(uniformBlock(struct, { scale: 2 })).getUint32(0, true), 0, 'a field without a value is 0');
});

test('offsets follow WGSL: a scalar at a multiple of 4, a vec4<u32> at a multiple of 16', () => {
  const mixed = uniformStruct('Mixed', { n: 'u32', v: 'vec4<u32>', x: 'f32', w: 'vec4<u32>' });
  assert.equal(mixed.offsets, { n: 0, v: 16, x: 32, w: 48 });
  assert.is(mixed.bytes, 64);
  assert.equal(KERNELS.elementwise.params.offsets, { n: 0, op: 4, c0: 8, c1: 12, shape: 16, aStrides: 32, bStrides: 48 });
  const view = new DataView(uniformBlock(mixed, { n: 3, v: [1, 2, 3, 4], x: 0.25 }));
  assert.equal([0, 16, 20, 24, 28].map((o) => view.getUint32(o, true)), [3, 1, 2, 3, 4]);
  assert.is(view.getFloat32(32, true), 0.25);
  assert.throws(() => uniformBlock(mixed, { v: [1, 2] }), /Mixed\.v: expected 4 numbers for a vec4<u32>/);
  assert.throws(() => uniformBlock(mixed, { v: [1, 2, 3, -4] }), /Mixed\.v\[3\]: -4 is not a u32/);
});

test('writing a field the struct lacks, or a value its type cannot hold, is an error naming it', () => {
  assert.throws(() => uniformBlock(struct, { count: 1 } as never), /Params has no field 'count' \(fields: n, scale, shift\)/);
  assert.throws(() => uniformBlock(struct, { n: -1 }), /Params\.n: -1 is not a u32/);
  assert.throws(() => uniformBlock(struct, { n: 1.5 }), /Params\.n: 1\.5 is not a u32/);
  assert.throws(() => uniformBlock(struct, { shift: 2 ** 31 }), /Params\.shift: 2147483648 is not a i32/);
  assert.throws(() => uniformStruct('Empty', {}), /no fields/);
});

test('the WGSL struct is read with comments removed', () => {
  assert.equal(wgslStructFields(wgsl, 'Params'), [['n', 'u32'], ['scale', 'f32'], ['shift', 'i32']]);
  assert.is(wgslStructFields(wgsl, 'Other'), null);
  checkUniformStruct(wgsl, struct, 'test');
});

test('every kind of drift between TypeScript and WGSL is caught, naming the field', () => {
  const drift: [string, RegExp][] = [
    [wgsl.replace('scale: f32', 'factor: f32'), /field 1 of struct Params is 'factor: f32' in WGSL but 'scale: f32' in TypeScript/],
    [wgsl.replace('scale: f32', 'scale: u32'), /field 1 of struct Params is 'scale: u32' in WGSL but 'scale: f32'/],
    [wgsl.replace('n: u32,       // a count\n  scale: f32,', 'scale: f32,\n  n: u32,'), /field 0 of struct Params is 'scale: f32' in WGSL but 'n: u32'/],
    [wgsl.replace('  shift: i32,\n', ''), /field 2 of struct Params is '\(none\): ' in WGSL but 'shift: i32'/],
    [wgsl.replace('shift: i32,', 'shift: i32,\n  extra: u32,'), /field 3 of struct Params is 'extra: u32' in WGSL but '\(none\)' in TypeScript/],
    [wgsl.replace('struct Params', 'struct Parameters'), /declares no struct Params/],
  ];
  for (const [code, message] of drift) assert.throws(() => checkUniformStruct(code, struct, 'test'), message);
});

test('every struct in the backend\'s WGSL sources is declared, and matches its declaration', () => {
  for (const [shader, code] of Object.entries(SHADERS)) {
    const structs = [...code.replace(/\/\/[^\n]*/g, '').matchAll(/\bstruct\s+(\w+)/g)].map((m) => m[1]);
    assert.equal(structs, ['Params'], `shaders/${shader}.wgsl declares one struct, its Params`);
    checkUniformStruct(code, KERNELS[shader as keyof typeof KERNELS].params, `shaders/${shader}.wgsl`);
  }
  const fused = [...FUSED_CONTRACT.code.replace(/\/\/[^\n]*/g, '').matchAll(/\bstruct\s+(\w+)/g)].map((m) => m[1]);
  assert.equal(fused, ['Consts', 'Step'], 'mlp-diffusion.wgsl declares Consts and Step');
});

test('the fused engine\'s Consts and Step match ddpm/fused/mlp-diffusion.wgsl', () => {
  checkUniformStruct(FUSED_CONTRACT.code, FUSED_CONTRACT.constants, 'mlp-diffusion');
  checkUniformStruct(FUSED_CONTRACT.code, FUSED_CONTRACT.step, 'mlp-diffusion');
  assert.ok(Object.keys(FUSED_CONTRACT.constants.fields).length > 30, 'the check saw the whole Consts struct');
});

test.run();
