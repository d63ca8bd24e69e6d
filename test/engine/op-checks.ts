// Checks of single ops beyond the shared runners, each named in its op's row (op-table.ts):
// exact answers worked out by hand, conv2d against its float64 definition and across its
// kernel's tile edges on both devices, and NaN/±Inf reaching exactly the outputs that depend on them. Rules are
// stated where they are not exact.

import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import type { WebGpuBackend } from '../../engine/webgpu/backend.js';
import { assertClose, fromFixture, values, type FixtureTensor } from '../support/helpers.js';
import { torchCases } from './op-fixtures.js';
import type { Check } from './op-row.js';

/** The CPU, and WebGPU when there is one. */
const devicesWith = (gpu: WebGpuBackend | null): E.Backend[] => (gpu ? [E.cpu, gpu] : [E.cpu]);

/**
 * Runs fn once per convolution kernel the GPU can run (shaders/conv*.wgsl), each forced in turn
 * (the forcing restored after), with the kernel's name for messages; once with '' and no forcing
 * where there is no GPU.
 */
async function eachConvKernel(gpu: WebGpuBackend | null, fn: (kernel: string) => Promise<void>): Promise<void> {
  if (!gpu) return fn('');
  const before = gpu.forcedConvKernel;
  // Where the device cannot run conv-subgroup.wgsl, forcing it is refused, and nothing is forced.
  if (!gpu.convKernels.includes('conv-subgroup')) {
    assert.throws(() => { gpu.forcedConvKernel = 'conv-subgroup'; }, /subgroups of exactly 8 lanes/);
    assert.is(gpu.forcedConvKernel, before);
  }
  try {
    for (const kernel of gpu.convKernels) {
      gpu.forcedConvKernel = kernel;
      await fn(kernel);
    }
  } finally {
    gpu.forcedConvKernel = before;
  }
}

export const embeddingSumsDuplicates: Check = {
  name: 'backward sums the rows of duplicate indices',
  run: async () => {
    const weight = E.tensor([[1, 2], [3, 4], [5, 6]], undefined, { requiresGrad: true });
    const idx = E.tensor([2, 0, 2, 2], [4], { dtype: 'int32' });
    const out = E.embedding(idx, weight);
    assert.equal(await values(out), [5, 6, 1, 2, 5, 6, 5, 6]);
    E.sum(out).backward();
    assert.equal(await values(weight.grad!), [1, 1, 0, 0, 3, 3]);
  },
};

export const fusedEpilogueEqualsOps: Check = {
  name: 'the fused epilogue relu(x·Wᵀ + b + table[t]) equals the ops it fuses (1e-6 + 1e-6·|separate|)',
  run: async () => {
    const rng = new E.Rng(4);
    const x = E.randn([33, 7], rng), w = E.randn([12, 7], rng), b = E.randn([12], rng), table = E.randn([5, 12], rng);
    const idx = E.randint([33], 0, 5, rng);
    const fused = await values(E.linear(x, w, b, { addRows: { table, indices: idx }, relu: true }));
    const separate = await values(E.relu(E.add(E.linear(x, w, b), E.embedding(idx, table))));
    assertClose(fused, separate, { atol: 1e-6, rtol: 1e-6 }, 'fused vs separate');
  },
};

export const permuteIsTorchPermute: Check = {
  name: 'torch.permute(…).contiguous() on rank 2 to 4; the identity is the tensor itself',
  run: async () => {
    const x = E.tensor(Float32Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    const y = E.permute(x, [2, 0, 1]);
    assert.equal(y.shape, [4, 2, 3]);
    // y[k, i, j] = x[i, j, k] = 12i + 4j + k
    const expected: number[] = [];
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expected.push(12 * i + 4 * j + k);
    assert.equal(await values(y), expected);
    assert.is(E.permute(x, [0, 1, 2]), x);
    assert.equal(await values(E.permute(E.tensor([1, 2, 3, 4, 5, 6], [2, 3]), [1, 0])), [1, 4, 2, 5, 3, 6]);
  },
};

/** The convolution by its definition, in float64: y[b,o,oh,ow] = bias[o] + Σ_{c,i,j} w[o,c,i,j]·x[b,c,oh·S−P+i,ow·S−P+j]. */
function directConv(x: FixtureTensor, w: FixtureTensor, bias: FixtureTensor | null, stride: number, padding: number): number[] {
  const [B, C, H, W] = x.shape, [O, , K, K2] = w.shape;
  const OH = Math.floor((H + 2 * padding - K) / stride) + 1, OW = Math.floor((W + 2 * padding - K2) / stride) + 1;
  const out: number[] = [];
  for (let b = 0; b < B; b++) for (let o = 0; o < O; o++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
    let s = bias ? bias.data[o] : 0;
    for (let c = 0; c < C; c++) for (let i = 0; i < K; i++) for (let j = 0; j < K2; j++) {
      const h = oh * stride - padding + i, v = ow * stride - padding + j;
      if (h >= 0 && h < H && v >= 0 && v < W) s += w.data[((o * C + c) * K + i) * K2 + j] * x.data[((b * C + c) * H + h) * W + v];
    }
    out.push(s);
  }
  return out;
}

export const convMatchesDefinition: Check = {
  name: 'equals the convolution written out by its definition (float64) on every PyTorch case, within 1e-6 + 1e-6·|definition|',
  run: async () => {
    for (const c of torchCases({ file: 'torch_unet_ops.json', key: 'conv2d' })) {
      const host = (name: string): FixtureTensor | null =>
        c.inputs[name] ? { shape: c.inputs[name].shape, data: Array.from(c.inputs[name].data) } : null;
      const [x, w, b] = [host('x')!, host('weight')!, host('bias')];
      const { stride, padding } = c.params as { stride: number; padding: number };
      const y = await values(E.conv2d(fromFixture(x), fromFixture(w), b ? fromFixture(b) : undefined, { stride, padding }));
      assertClose(y, directConv(x, w, b, stride, padding), { atol: 1e-6, rtol: 1e-6 }, `conv2d ${c.name} vs the definition`);
    }
  },
};

export const convNonFiniteReachesItsWindows: Check = {
  name: 'NaN and ±Inf reach exactly the outputs whose windows hold them (GPU, each conv kernel, vs CPU within 1e-6 + 1e-6·|cpu|)',
  gpu: 'also',
  run: async (gpu) => eachConvKernel(gpu, async (kernel) => {
    // One channel 5×5, a NaN at (1, 1) and +Inf at (3, 4); 3×3 window, padding 1: outputs within one pixel of each.
    const pixels = new Float32Array(25).fill(0.5);
    pixels[1 * 5 + 1] = NaN;
    pixels[3 * 5 + 4] = Infinity;
    const weight = Float32Array.from({ length: 18 }, (_, i) => (i % 3) - 0.9);
    const results: number[][] = [];
    for (const device of devicesWith(gpu)) {
      const w = E.tensor(weight, [2, 1, 3, 3], { device });
      const y = await values(E.conv2d(E.tensor(pixels, [1, 1, 5, 5], { device }), w, undefined, { padding: 1 }));
      for (let o = 0; o < 2; o++) for (let h = 0; h < 5; h++) for (let w = 0; w < 5; w++) {
        const v = y[(o * 5 + h) * 5 + w];
        const nearNaN = Math.abs(h - 1) <= 1 && Math.abs(w - 1) <= 1, nearInf = Math.abs(h - 3) <= 1 && Math.abs(w - 4) <= 1;
        const where = `${device.name}${device === gpu ? ` (${kernel})` : ''}: output ${o} at (${h}, ${w}) is ${v}`;
        if (nearNaN) assert.ok(Number.isNaN(v), where);
        else if (nearInf) assert.ok(v === Infinity || v === -Infinity, where);
        else assert.ok(Number.isFinite(v), where);
      }
      results.push(y);
    }
    if (results.length === 2) assertClose(results[1], results[0], { atol: 1e-6, rtol: 1e-6 }, `conv2d with NaN and Inf, GPU (${kernel}) vs CPU`);
  }),
};

export const convGpuMatchesCpuAcrossTiles: Check = {
  name: 'forward and both gradients, GPU (each conv kernel the device runs, forced in turn) vs CPU within 1e-6·K + 1e-5·|cpu| (K: the terms of a sum), ' +
    'on grids and channel counts past the kernels\' 64 × 64 tiles, and the weight gradient\'s sum cut into slices',
  gpu: 'needs',
  run: async (gpu) => eachConvKernel(gpu, async (kernel) => {
    const rng = new E.Rng(9);
    // [x shape], [weight shape], options: 3200 positions (the weight gradient in slices), 70 outputs and 67 inputs
    // (two tiles of columns, one partial), stride 2 with and without padding, a 1×1 image, a 2×1 window.
    const cases = [
      [[2, 3, 40, 40], [5, 3, 3, 3], { padding: 1 }], [[1, 67, 9, 9], [70, 67, 3, 3], { padding: 1 }], [[3, 2, 9, 11], [4, 2, 2, 1], { stride: 2 }],
      [[1, 1, 1, 1], [1, 1, 1, 1], {}], [[2, 5, 7, 3], [3, 5, 3, 3], { stride: 2, padding: 2 }],
    ] as const;
    for (const [xShape, wShape, options] of cases) {
      const [hx, hw, hb] = [await E.randn([...xShape], rng).toArray(), await E.randn([...wShape], rng).toArray(), await E.randn([wShape[0]], rng).toArray()];
      const grads: number[][][] = [];
      let outShape: readonly number[] = [];
      let gy: E.HostArray | null = null;
      for (const device of [gpu!, E.cpu]) {
        const [x, w, b] = [E.tensor(hx, [...xShape], { device, requiresGrad: true }), E.tensor(hw, [...wShape], { device, requiresGrad: true }),
          E.tensor(hb, [wShape[0]], { device, requiresGrad: true })];
        const y = E.conv2d(x, w, b, options);
        outShape = y.shape;
        gy ??= await E.randn([...y.shape], rng).toArray();
        y.backward(E.tensor(gy, [...y.shape], { device }));
        grads.push([await values(y), await values(x.grad!), await values(w.grad!), await values(b.grad!)]);
      }
      const [, C, , ] = xShape, [O, , KH, KW] = wShape;
      const positions = xShape[0] * outShape[2] * outShape[3];
      const terms = [C * KH * KW, O * KH * KW, positions, positions];
      ['y', 'dx', 'dweight', 'dbias'].forEach((what, t) => assertClose(grads[0][t], grads[1][t], { atol: 1e-6 * terms[t], rtol: 1e-5 },
        `conv2d x [${xShape}], weight [${wShape}] ${JSON.stringify(options)}: ${what}, GPU (${kernel}) vs CPU`));
    }
  }),
};

const SPECIAL_INPUTS = [NaN, Infinity, -Infinity, 0, -100];

export const siluNonFiniteAsTorch: Check = {
  name: 'NaN and ±Inf as PyTorch: silu(NaN) NaN, silu(+Inf) +Inf, silu(−Inf) NaN, silu(−100) ≈ 0',
  gpu: 'also',
  run: async (gpu) => {
    for (const device of devicesWith(gpu)) {
      const s = await values(E.silu(E.tensor(SPECIAL_INPUTS, [5], { device })));
      assert.ok(Number.isNaN(s[0]) && s[1] === Infinity && Number.isNaN(s[2]) && s[3] === 0 && Math.abs(s[4]) < 1e-30, `${device.name}: silu ${s}`);
    }
  },
};

export const expNonFiniteAsTorch: Check = {
  name: 'NaN and ±Inf as PyTorch: exp(NaN) NaN, exp(+Inf) +Inf, exp(−Inf) 0',
  gpu: 'also',
  run: async (gpu) => {
    for (const device of devicesWith(gpu)) {
      const e = await values(E.exp(E.tensor(SPECIAL_INPUTS, [5], { device })));
      assert.ok(Number.isNaN(e[0]) && e[1] === Infinity && e[2] === 0 && e[3] === 1, `${device.name}: exp ${e}`);
    }
  },
};

export const groupNormWithoutWeightOrBias: Check = {
  name: 'weight and bias are optional, as in PyTorch: none is γ = 1, β = 0 (bit for bit, forward and ∂/∂x)',
  gpu: 'also',
  run: async (gpu) => {
    for (const device of devicesWith(gpu)) {
      const rng = new E.Rng(11);
      const x = E.randn([2, 6, 3, 3], rng, { device, requiresGrad: true });
      const seed = E.randn([2, 6, 3, 3], rng, { device });
      const gamma = E.randn([6], rng, { device }), beta = E.randn([6], rng, { device });
      const ones = E.full([6], 1, { device }), zeros = E.full([6], 0, { device });
      /** groupNorm's output and ∂(Σ seed·y)/∂x. */
      const run = async (weight?: E.Tensor | null, bias?: E.Tensor | null): Promise<number[][]> => {
        x.grad?.dispose();
        x.grad = null;
        const y = E.groupNorm(x, 3, weight, bias);
        E.sum(E.mul(y, seed)).backward();
        return [await values(y), await values(x.grad!)];
      };
      assert.equal(await run(), await run(ones, zeros), `${device.name}: groupNorm(x, 3)`);
      assert.equal(await run(null, null), await run(ones, zeros), `${device.name}: groupNorm(x, 3, null, null)`);
      assert.equal(await run(gamma), await run(gamma, zeros), `${device.name}: groupNorm(x, 3, weight)`);
      assert.equal(await run(undefined, beta), await run(ones, beta), `${device.name}: groupNorm(x, 3, undefined, bias)`);
    }
  },
};

export const groupNormNaNStaysInItsGroup: Check = {
  name: 'a NaN spreads over its group only (in x, or in the shift of one image and channel; with the SiLU too)',
  gpu: 'also',
  run: async (gpu) => {
    for (const device of devicesWith(gpu)) {
      const pixels = Float32Array.from({ length: 2 * 4 * 2 * 2 }, (_, i) => Math.sin(i));
      pixels[5] = NaN; // image 0, channel 1: group 0 of two
      const y = await values(E.groupNorm(E.tensor(pixels, [2, 4, 2, 2], { device }), 2, E.full([4], 1, { device }), E.full([4], 0, { device })));
      y.forEach((v, i) => assert.is(Number.isNaN(v), i < 8, `${device.name}: groupNorm element ${i} is ${v}`));
      const shift = E.tensor([0, 1, 2, 3, 4, 5, 6, NaN], [2, 4], { device }); // image 1, channel 3: group 1 of image 1
      const finite = E.tensor(Float32Array.from({ length: 32 }, (_, i) => Math.cos(i)), [2, 4, 2, 2], { device });
      const shifted = await values(E.groupNorm(finite, 2, null, null, { shift, silu: true }));
      shifted.forEach((v, i) => assert.is(Number.isNaN(v), i >= 24, `${device.name}: groupNorm with a NaN shift, element ${i} is ${v}`));
    }
  },
};

/**
 * The fused options are the ops they fuse: groupNorm(x, G, γ, β, { shift, silu }) against
 * silu(groupNorm(x + shift[:, :, None, None], G, γ, β)) composed of the engine's other ops,
 * forward and every gradient, on each device. The two differ in rounding only (x + shift stored
 * in float32, the SiLU's own kernel): 1e-5 + 1e-5·|composed|.
 */
export const groupNormFusedEqualsComposition: Check = {
  name: 'the shift and the SiLU equal silu(groupNorm(x + shift)) composed, forward and gradients (1e-5 + 1e-5·|composed|)',
  gpu: 'also',
  run: async (gpu) => {
    for (const device of devicesWith(gpu)) {
      const rng = new E.Rng(12);
      const leaves = (): E.Tensor[] => [[2, 6, 3, 4], [2, 6], [6], [6]].map((shape, i) => E.randn(shape, new E.Rng(12, 100 + i), { device, requiresGrad: true }));
      const seed = E.randn([2, 6, 3, 4], rng, { device });
      const gradients = async (fn: (x: E.Tensor, shift: E.Tensor, w: E.Tensor, b: E.Tensor) => E.Tensor): Promise<number[][]> => {
        const inputs = leaves();
        const y = fn(inputs[0], inputs[1], inputs[2], inputs[3]);
        E.sum(E.mul(y, seed)).backward();
        return [await values(y), ...(await Promise.all(inputs.map((t) => values(t.grad!))))];
      };
      const fused = await gradients((x, shift, w, b) => E.groupNorm(x, 3, w, b, { shift, silu: true }));
      const composed = await gradients((x, shift, w, b) => E.silu(E.groupNorm(E.add(x, E.reshape(shift, [2, 6, 1, 1])), 3, w, b)));
      ['forward', '∂/∂x', '∂/∂shift', '∂/∂weight', '∂/∂bias'].forEach((what, i) =>
        assertClose(fused[i], composed[i], { atol: 1e-5, rtol: 1e-5 }, `${device.name}: ${what}, fused vs composed`));
    }
  },
};

export const groupNormWorkgroupsAgree: Check = {
  name: 'group-norm.wgsl at a GPU\'s 256 threads and a CPU driver\'s 32 against the CPU, forward and gradients, with NaN in one group (1e-5 + 1e-5·|cpu|)',
  gpu: 'needs',
  run: async (gpu) => {
    // Groups of 3·40 = 120 and 6·100 = 600 values: fewer and more than a workgroup's threads.
    for (const [shape, groups] of [[[2, 9, 5, 8], 3], [[3, 12, 10, 10], 2]] as const) {
      const host = await E.randn([...shape], new E.Rng(13)).toArray();
      host[7] = NaN;
      const run = async (device: E.Backend): Promise<number[][]> => {
        const [c, b] = [shape[1], shape[0]];
        const x = E.tensor(host, [...shape], { device, requiresGrad: true });
        const [shift, w, bias] = [[b, c], [c], [c]].map((s, i) => E.randn(s, new E.Rng(14, i), { device, requiresGrad: true }));
        const y = E.groupNorm(x, groups, w, bias, { shift, silu: true });
        E.sum(E.mul(y, E.randn([...shape], new E.Rng(15), { device }))).backward();
        return [await values(y), ...(await Promise.all([x, shift, w, bias].map((t) => values(t.grad!))))];
      };
      const cpu = await run(E.cpu);
      for (const threads of [256, 32] as const) {
        gpu!.forcedGroupNormThreads = threads;
        try {
          const got = await run(gpu!);
          ['y', 'dx', 'dshift', 'dweight', 'dbias'].forEach((what, i) =>
            assertClose(got[i], cpu[i], { atol: 1e-5, rtol: 1e-5 }, `[${shape}], ${groups} groups, ${threads} threads: ${what}, GPU vs CPU`));
        } finally {
          gpu!.forcedGroupNormThreads = null;
        }
      }
    }
  },
};

/**
 * The positions `positions(x, dim, keepdim)` picks equal PyTorch's torch.max/min(x, dim).indices
 * on every case of torch_ops_dims.json's `key` (ties: the first; a NaN: the first NaN), exactly.
 */
export const positionsMatchTorch = (key: 'max' | 'min', positions: (x: E.Tensor, dim: number, keepdim: boolean) => E.Tensor): Check => ({
  name: `positions equal torch.${key}(x, dim).indices, ties and NaN included, on every device`,
  gpu: 'also',
  run: async (gpu) => {
    for (const device of devicesWith(gpu)) {
      for (const c of torchCases({ file: 'torch_ops_dims.json', key })) {
        const { x, indices } = c.inputs;
        const got = positions(E.tensor(x.data, x.shape, { device }), c.params.dim as number, c.params.keepdim as boolean);
        assert.equal(got.dtype, 'int32', `${c.name}: int32 positions`);
        assert.equal([...got.shape], [...indices.shape], `${c.name}: shape`);
        assert.equal(await values(got), Array.from(indices.data), `${c.name} on ${device.name}`);
      }
    }
  },
});

/** max's gradient reaches only the returned position of a tie, and a NaN's position (PyTorch's rule). */
export const maxGradientGoesToTheReturnedPosition: Check = {
  name: 'the gradient reaches only the position returned, of ties and of NaN',
  gpu: 'also',
  run: async (gpu) => {
    for (const device of devicesWith(gpu)) {
      const x = E.tensor([[2, 5, 5, 1], [NaN, 3, NaN, 9]], undefined, { device, requiresGrad: true });
      const { values: top, indices } = E.max(x, 1);
      assert.equal(await values(indices), [1, 0]);
      E.sum(E.mul(top, E.tensor([10, 100], undefined, { device }))).backward();
      assert.equal(await values(x.grad!), [0, 10, 0, 0, 100, 0, 0, 0], `on ${device.name}`);
    }
  },
};
