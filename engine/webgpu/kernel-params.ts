// The uniform block (binding 0, `struct Params`) of each shader file the WebGPU backend runs,
// declared once by name and type (engine/webgpu/uniforms.ts): backend.ts writes them by name, and
// each is checked against its WGSL struct when the shader module is made (and in
// test/engine/uniforms.test.ts). Padding fields are the WGSL struct's own, kept so the two read alike.

import { uniformStruct } from './uniforms.js';

export const KERNEL_PARAMS = {
  adam: uniformStruct('Params', {
    n: 'u32', stepSize: 'f32', bc2Sqrt: 'f32', beta1: 'f32', beta2: 'f32', oneMinusBeta1: 'f32', oneMinusBeta2: 'f32',
    eps: 'f32', weightDecay: 'f32', _pad0: 'u32', _pad1: 'u32', _pad2: 'u32',
  }),
  concat: uniformStruct('Params', { n: 'u32', width: 'u32', start: 'u32', count: 'u32' }),
  conv: uniformStruct('Params', {
    batch: 'u32', channels: 'u32', height: 'u32', width: 'u32', kernelH: 'u32', kernelW: 'u32', stride: 'u32', padding: 'u32',
    outH: 'u32', outW: 'u32', n: 'u32', _pad: 'u32',
  }),
  elementwise: uniformStruct('Params', {
    n: 'u32', op: 'u32', c0: 'f32', c1: 'f32', shape: 'vec4<u32>', aStrides: 'vec4<u32>', bStrides: 'vec4<u32>',
  }),
  embedding: uniformStruct('Params', { n: 'u32', rows: 'u32', dim: 'u32', _pad: 'u32' }),
  'int-fill': uniformStruct('Params', { n: 'u32', value: 'i32' }),
  matmul: uniformStruct('Params', { m: 'u32', n: 'u32', k: 'u32', _pad: 'u32' }),
  'matmul-tiled': uniformStruct('Params', { m: 'u32', n: 'u32', k: 'u32', _pad: 'u32' }),
  random: uniformStruct('Params', {
    n: 'u32', seed: 'u32', stream: 'u32', offset: 'u32', p0: 'f32', p1: 'f32', ilow: 'i32', irange: 'u32',
  }),
  reduce: uniformStruct('Params', { outer: 'u32', len: 'u32', inner: 'u32', _pad: 'u32' }),
  softmax: uniformStruct('Params', { rows: 'u32', cols: 'u32', _pad0: 'u32', _pad1: 'u32' }),
} as const;
