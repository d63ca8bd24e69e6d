// Storage bindings declared once (engine/webgpu/bindings.ts): indices that follow the
// declaration's order, buffers given by name and bound at their declared index (an unknown name
// is an error), the check against WGSL catching each kind of drift (a renamed, moved, missing or
// extra storage, other access, a storage where WGSL has a uniform), and every shader file's
// storages — each kernel family's in engine/webgpu/kernel-contracts.ts, the fused program's in
// ddpm/fused/program.ts — matching its declaration.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FUSED_CONTRACT } from '../../ddpm/fused/index.js';
import { SHADERS } from '../../engine/webgpu/backend.js';
import { bindingSlots, bindStorages, checkStorageBindings, storageBindings, wgslStorageBindings } from '../../engine/webgpu/bindings.js';
import { KERNELS } from '../../engine/webgpu/kernel-contracts.js';

const declared = storageBindings(1, { out: 'read_write', x: 'read', w: 'read' });
const wgsl = `
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;  // the result
@group(0) @binding(2) var<storage, read> x: array<f32>;
/* a weight */ @group(0) @binding(3) var<storage> w: array<f32>;`;

test('a declaration numbers its storages in order from its first binding', () => {
  assert.equal(bindingSlots(declared), [
    { binding: 1, name: 'out', access: 'read_write' }, { binding: 2, name: 'x', access: 'read' }, { binding: 3, name: 'w', access: 'read' },
  ]);
  assert.equal(bindingSlots(storageBindings(2, { P: 'read_write' })), [{ binding: 2, name: 'P', access: 'read_write' }]);
  assert.throws(() => storageBindings(1, {}), /no storages/);
  assert.throws(() => storageBindings(-1, { a: 'read' }), /first binding must be an index, got -1/);
});

test('buffers are given by name and bound at their declared index; a name left out is not bound', () => {
  const bound = bindStorages(declared, { w: 'W', out: 'OUT' }, 'test');
  assert.equal(bound.map(({ binding, name, resource }) => [binding, name, resource]), [[1, 'out', 'OUT'], [3, 'w', 'W']]);
  assert.throws(() => bindStorages(declared, { y: 'Y' } as never, 'test kernel'), /test kernel: no storage binding 'y' \(bindings: out, x, w\)/);
});

test('the WGSL storages are read with comments removed, access read by default, uniforms left out', () => {
  assert.equal(wgslStorageBindings(wgsl), [
    { binding: 1, name: 'out', access: 'read_write' }, { binding: 2, name: 'x', access: 'read' }, { binding: 3, name: 'w', access: 'read' },
  ]);
  assert.equal(wgslStorageBindings('// @group(0) @binding(1) var<storage, read> old: array<f32>;'), []);
  checkStorageBindings(wgsl, declared, 'test');
});

test('every kind of drift between TypeScript and WGSL is caught, naming the kernel, the binding and the difference', () => {
  const drift: [string, RegExp][] = [
    [wgsl.replace('> x:', '> input:'), /^Error: kernel k: storage binding 2 is 'input: read' in WGSL but 'x: read' in TypeScript$/],
    [wgsl.replace('storage, read> x', 'storage, read_write> x'), /kernel k: storage binding 2 is 'x: read_write' in WGSL but 'x: read'/],
    [wgsl.replace('@binding(2) var<storage, read> x', '@binding(4) var<storage, read> x'), /storage binding 2 is '\(none\)' in WGSL but 'x: read'/],
    [wgsl.replace(/\n\/\* a weight[^\n]*/, ''), /storage binding 3 is '\(none\)' in WGSL but 'w: read' in TypeScript/],
    [`${wgsl}\n@group(0) @binding(4) var<storage, read> extra: array<f32>;`, /storage binding 4 is 'extra: read' in WGSL but '\(none\)' in TypeScript/],
    [`${wgsl}\n@group(0) @binding(3) var<storage, read> again: array<f32>;`, /storage binding 3 is declared 2 times in WGSL \(w: read, again: read\)/],
  ];
  for (const [code, message] of drift) {
    try {
      checkStorageBindings(code, declared, 'kernel k');
      assert.unreachable(`no error for ${message}`);
    } catch (e) {
      assert.match(String(e), message);
    }
  }
  const atUniform = storageBindings(0, { out: 'read_write', x: 'read', w: 'read' });
  assert.throws(() => checkStorageBindings(wgsl, atUniform, 'k'), /storage binding 0 is '\(none\)' in WGSL but 'out: read_write'/);
});

test('every shader file\'s storages match its kernel family\'s declaration, from binding 1 (0 is its Params)', () => {
  assert.equal(Object.keys(KERNELS).sort(), Object.keys(SHADERS).sort(), 'a contract for every shader file');
  for (const [shader, code] of Object.entries(SHADERS)) {
    const { bindings } = KERNELS[shader as keyof typeof KERNELS];
    checkStorageBindings(code, bindings, `shaders/${shader}.wgsl`);
    assert.is(bindings.first, 1, `shaders/${shader}.wgsl: storages from binding 1`);
    assert.ok(wgslStorageBindings(code).length > 0, `shaders/${shader}.wgsl: the check saw its storages`);
  }
});

test('the fused program\'s storages match ddpm/fused/mlp-diffusion.wgsl, from binding 2 (0, 1: Consts, Step)', () => {
  checkStorageBindings(FUSED_CONTRACT.code, FUSED_CONTRACT.bindings, 'mlp-diffusion');
  assert.equal(bindingSlots(FUSED_CONTRACT.bindings).map((s) => `${s.binding}:${s.name}`), ['2:P', '3:X', '4:W', '5:S', '6:G', '7:M', '8:V', '9:A']);
});

test.run();
