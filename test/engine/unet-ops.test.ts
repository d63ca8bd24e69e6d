// The U-Net's ops: conv2d and im2col (engine/ops/conv.ts), permute and concat (shape.ts), silu
// and exp (elementwise.ts), groupNorm (norm.ts), upsample2x (resample.ts), bmm (matmul.ts) and
// attention (attention.ts), and the Conv2d and GroupNorm layers. Against PyTorch (test/fixtures/torch_unet_ops.json: forward and every input
// gradient for an upstream gradient — conv2d on batch 1, odd and prime channel counts, 1×1,
// 3×3 and 5×5 windows, stride 2 and 3, padding, non-square images; silu beyond exp's float32
// range; group_norm with 1 group, a group per channel and a near-constant group; bmm with every
// transpose; attention over 49 tokens, one token, unequal lengths and sharp scores) within
// 1e-5 + 1e-5·|torch|; conv2d against its float64 definition; central differences; GPU vs CPU
// on every case within 2e-6·K + 1e-6 + 1e-5·|cpu| (K: the longest sum), with NaN and ±Inf inputs
// reaching exactly the outputs that depend on them; and every bad input refused by name.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { assertClose, assertThrowsWith, fromFixture, gradcheck, loadFixture, values, type FixtureTensor } from '../support/helpers.js';

interface UnaryCase { x: FixtureTensor; y: FixtureTensor; grad_out: FixtureTensor; grad_x: FixtureTensor }
interface GroupNormCase {
  x: FixtureTensor; groups: number; weight: FixtureTensor; bias: FixtureTensor; y: FixtureTensor;
  grad_out: FixtureTensor; grad_x: FixtureTensor; grad_weight: FixtureTensor; grad_bias: FixtureTensor;
}
interface BmmCase { a: FixtureTensor; b: FixtureTensor; trans_a: boolean; trans_b: boolean; y: FixtureTensor; grad_out: FixtureTensor; grad_a: FixtureTensor; grad_b: FixtureTensor }
interface AttentionCase {
  q: FixtureTensor; k: FixtureTensor; v: FixtureTensor; y: FixtureTensor; grad_out: FixtureTensor;
  grad_q: FixtureTensor; grad_k: FixtureTensor; grad_v: FixtureTensor;
}
interface ConcatCase { a: FixtureTensor; b: FixtureTensor; y: FixtureTensor; grad_out: FixtureTensor; grad_a: FixtureTensor; grad_b: FixtureTensor }

interface ConvCase {
  x: FixtureTensor;
  weight: FixtureTensor;
  bias: FixtureTensor | null;
  stride: number;
  padding: number;
  y: FixtureTensor;
  grad_out: FixtureTensor;
  grad_x: FixtureTensor;
  grad_weight: FixtureTensor;
  grad_bias: FixtureTensor | null;
}

const fx = loadFixture<{ conv2d: ConvCase[]; silu: UnaryCase[]; groupNorm: GroupNormCase[]; upsample2x: UnaryCase[]; concat: ConcatCase[];
  bmm: BmmCase[]; attention: AttentionCase[] }>('torch_unet_ops.json');
const gpu = await gpuForTests();
const TORCH = { atol: 1e-5, rtol: 1e-5 };

const geometry = (c: ConvCase): string =>
  `x [${c.x.shape}] * w [${c.weight.shape}], stride ${c.stride}, padding ${c.padding}${c.bias ? '' : ', no bias'}`;

/** conv2d's output and gradients for a fixture case, on `device`. */
async function convCase(c: ConvCase, device: E.Backend): Promise<{ y: number[]; dx: number[]; dw: number[]; db: number[] | null }> {
  const x = fromFixture(c.x, { device, requiresGrad: true });
  const w = fromFixture(c.weight, { device, requiresGrad: true });
  const b = c.bias ? fromFixture(c.bias, { device, requiresGrad: true }) : undefined;
  const y = E.conv2d(x, w, b, { stride: c.stride, padding: c.padding });
  y.backward(fromFixture(c.grad_out, { device }));
  return { y: await values(y), dx: await values(x.grad!), dw: await values(w.grad!), db: b ? await values(b.grad!) : null };
}

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

test('conv2d: forward and the gradients of x, weight and bias match PyTorch', async () => {
  for (const c of fx.conv2d) {
    const { y, dx, dw, db } = await convCase(c, E.cpu);
    assert.equal([...c.y.shape], [c.x.shape[0], c.weight.shape[0], c.y.shape[2], c.y.shape[3]]);
    assertClose(y, c.y.data, TORCH, `conv2d ${geometry(c)}`);
    assertClose(dx, c.grad_x.data, TORCH, `∂/∂x conv2d ${geometry(c)}`);
    assertClose(dw, c.grad_weight.data, TORCH, `∂/∂w conv2d ${geometry(c)}`);
    if (c.grad_bias) assertClose(db!, c.grad_bias.data, TORCH, `∂/∂b conv2d ${geometry(c)}`);
  }
});

test('conv2d equals the convolution written out by its definition (float64)', async () => {
  for (const c of fx.conv2d) {
    const y = await values(E.conv2d(fromFixture(c.x), fromFixture(c.weight), c.bias ? fromFixture(c.bias) : undefined, { stride: c.stride, padding: c.padding }));
    assertClose(y, directConv(c.x, c.weight, c.bias, c.stride, c.padding), { atol: 1e-6, rtol: 1e-6 }, `conv2d ${geometry(c)} vs the definition`);
  }
});

test('gradcheck: im2col, permute and conv2d against central differences', async () => {
  const rng = new E.Rng(5);
  await gradcheck((x) => E.im2col(x, 3, 2, { stride: 2, padding: 1 }), [E.randn([2, 3, 5, 4], rng)], { what: 'im2col' });
  await gradcheck((x) => E.permute(x, [2, 0, 3, 1]), [E.randn([2, 3, 4, 5], rng)], { what: 'permute' });
  await gradcheck((x, w, b) => E.conv2d(x, w, b, { stride: 2, padding: 1 }), [E.randn([2, 3, 5, 5], rng), E.randn([4, 3, 3, 3], rng), E.randn([4], rng)],
    { what: 'conv2d' });
});

test('permute: torch.permute(…).contiguous() on rank 2 to 4; the identity is the tensor itself', async () => {
  const x = E.tensor(Float32Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
  const y = E.permute(x, [2, 0, 1]);
  assert.equal(y.shape, [4, 2, 3]);
  // y[k, i, j] = x[i, j, k] = 12i + 4j + k
  const expected: number[] = [];
  for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expected.push(12 * i + 4 * j + k);
  assert.equal(await values(y), expected);
  assert.is(E.permute(x, [0, 1, 2]), x);
  assert.equal(await values(E.permute(E.tensor([1, 2, 3, 4, 5, 6], [2, 3]), [1, 0])), [1, 4, 2, 5, 3, 6]);
});

gpuTest(gpu)('GPU vs CPU: conv2d forward and backward on every geometry', async () => {
  for (const c of fx.conv2d) {
    const [g, cpu] = [await convCase(c, gpu!), await convCase(c, E.cpu)];
    const [B, C, , ] = c.x.shape, [, , K, K2] = c.weight.shape, [, , OH, OW] = c.y.shape;
    const tol = { atol: 2e-6 * Math.max(C * K * K2, B * OH * OW) + 1e-6, rtol: 1e-5 };
    assertClose(g.y, cpu.y, tol, `conv2d ${geometry(c)}, GPU vs CPU`);
    assertClose(g.dx, cpu.dx, tol, `∂/∂x conv2d ${geometry(c)}, GPU vs CPU`);
    assertClose(g.dw, cpu.dw, tol, `∂/∂w conv2d ${geometry(c)}, GPU vs CPU`);
    if (c.bias) assertClose(g.db!, cpu.db!, tol, `∂/∂b conv2d ${geometry(c)}, GPU vs CPU`);
  }
});

gpuTest(gpu)('GPU vs CPU: im2col bit for bit, and its adjoint, on larger and odd grids', async () => {
  const rng = new E.Rng(9);
  const cases = [[[2, 3, 40, 40], 3, { padding: 1 }], [[3, 2, 9, 11], 2, { stride: 2 }], [[1, 1, 1, 1], 1, {}], [[2, 5, 7, 3], 3, { stride: 2, padding: 2 }]] as const;
  for (const [shape, k, options] of cases) {
    const host = await E.randn([...shape], rng).toArray();
    const onGpu = E.tensor(host, [...shape], { device: gpu!, requiresGrad: true }), onCpu = E.tensor(host, [...shape], { requiresGrad: true });
    const cols = [E.im2col(onGpu, k, k, options), E.im2col(onCpu, k, k, options)];
    assert.equal(await values(cols[0]), await values(cols[1]), `im2col [${shape}], ${k}×${k}, GPU vs CPU`);
    const g = await E.randn([...cols[1].shape], rng).toArray();
    cols[0].backward(E.tensor(g, [...cols[1].shape], { device: gpu! }));
    cols[1].backward(E.tensor(g, [...cols[1].shape]));
    // Each pixel sums at most k·k column entries (float32 on the GPU, float64 on the CPU).
    assertClose(await values(onGpu.grad!), await values(onCpu.grad!), { atol: 1e-6 * k * k, rtol: 1e-6 }, `col2im [${shape}], ${k}×${k}, GPU vs CPU`);
  }
});

test('NaN and ±Inf reach exactly the outputs whose windows hold them, on both devices', async () => {
  // One channel 5×5, a NaN at (1, 1) and +Inf at (3, 4); 3×3 window, padding 1: outputs within one pixel of each.
  const pixels = new Float32Array(25).fill(0.5);
  pixels[1 * 5 + 1] = NaN;
  pixels[3 * 5 + 4] = Infinity;
  const weight = E.tensor(Float32Array.from({ length: 18 }, (_, i) => (i % 3) - 0.9), [2, 1, 3, 3]);
  const devices: E.Backend[] = gpu ? [E.cpu, gpu] : [E.cpu];
  const results: number[][] = [];
  for (const device of devices) {
    const w = E.tensor(await weight.toArray(), weight.shape, { device });
    const y = await values(E.conv2d(E.tensor(pixels, [1, 1, 5, 5], { device }), w, undefined, { padding: 1 }));
    for (let o = 0; o < 2; o++) for (let h = 0; h < 5; h++) for (let w = 0; w < 5; w++) {
      const v = y[(o * 5 + h) * 5 + w];
      const nearNaN = Math.abs(h - 1) <= 1 && Math.abs(w - 1) <= 1, nearInf = Math.abs(h - 3) <= 1 && Math.abs(w - 4) <= 1;
      const where = `${device.name}: output ${o} at (${h}, ${w}) is ${v}`;
      if (nearNaN) assert.ok(Number.isNaN(v), where);
      else if (nearInf) assert.ok(v === Infinity || v === -Infinity, where);
      else assert.ok(Number.isFinite(v), where);
    }
    results.push(y);
  }
  if (results.length === 2) assertClose(results[1], results[0], { atol: 1e-6, rtol: 1e-6 }, 'conv2d with NaN and Inf, GPU vs CPU');
});

test('Conv2d: PyTorch\'s init bound 1/√(C·k·k), the weight [O, C, k, k] and the state_dict names', async () => {
  const layer = new E.Conv2d(3, 5, 3, new E.Rng(1), { padding: 1 });
  assert.equal(layer.weight.shape, [5, 3, 3, 3]);
  assert.equal(layer.bias!.shape, [5]);
  const bound = 1 / Math.sqrt(27);
  for (const p of [layer.weight, layer.bias!]) assert.ok((await values(p)).every((v) => Math.abs(v) <= bound), 'within the bound');
  assert.equal([...layer.stateDict().keys()], ['weight', 'bias']);
  const y = layer.forward(E.randn([2, 3, 6, 4], new E.Rng(2)));
  assert.equal(y.shape, [2, 5, 6, 4], 'padding 1 keeps the size');
  assert.is(new E.Conv2d(2, 4, 1, new E.Rng(1), { bias: false }).bias, null);
});

/** A one-input op's output and input gradient for a fixture case, on `device`. */
async function unaryCase(fn: (x: E.Tensor) => E.Tensor, c: UnaryCase, device: E.Backend): Promise<{ y: number[]; dx: number[] }> {
  const x = fromFixture(c.x, { device, requiresGrad: true });
  const y = fn(x);
  y.backward(fromFixture(c.grad_out, { device }));
  return { y: await values(y), dx: await values(x.grad!) };
}

async function groupNormCase(c: GroupNormCase, device: E.Backend): Promise<number[][]> {
  const [x, w, b] = [c.x, c.weight, c.bias].map((t) => fromFixture(t, { device, requiresGrad: true }));
  const y = E.groupNorm(x, c.groups, w, b);
  y.backward(fromFixture(c.grad_out, { device }));
  return [await values(y), await values(x.grad!), await values(w.grad!), await values(b.grad!)];
}

async function concatCase(c: ConcatCase, device: E.Backend): Promise<number[][]> {
  const [a, b] = [c.a, c.b].map((t) => fromFixture(t, { device, requiresGrad: true }));
  const y = E.concat(a, b, 1);
  y.backward(fromFixture(c.grad_out, { device }));
  return [await values(y), await values(a.grad!), await values(b.grad!)];
}

const UNARY = { silu: E.silu, upsample2x: E.upsample2x } as const;

async function bmmCase(c: BmmCase, device: E.Backend): Promise<number[][]> {
  const [a, b] = [c.a, c.b].map((t) => fromFixture(t, { device, requiresGrad: true }));
  const y = E.bmm(a, b, { transA: c.trans_a, transB: c.trans_b });
  y.backward(fromFixture(c.grad_out, { device }));
  return [await values(y), await values(a.grad!), await values(b.grad!)];
}

async function attentionCase(c: AttentionCase, device: E.Backend): Promise<number[][]> {
  const [q, k, v] = [c.q, c.k, c.v].map((t) => fromFixture(t, { device, requiresGrad: true }));
  const y = E.attention(q, k, v);
  y.backward(fromFixture(c.grad_out, { device }));
  return [await values(y), await values(q.grad!), await values(k.grad!), await values(v.grad!)];
}

test('bmm (every transpose) and attention: forward and every input gradient match PyTorch', async () => {
  for (const c of fx.bmm) {
    const got = await bmmCase(c, E.cpu);
    const what = `bmm [${c.a.shape}]${c.trans_a ? 'ᵀ' : ''}·[${c.b.shape}]${c.trans_b ? 'ᵀ' : ''}`;
    [c.y, c.grad_a, c.grad_b].forEach((want, i) => assertClose(got[i], want.data, TORCH, `${what}, output ${i}`));
  }
  for (const c of fx.attention) {
    const got = await attentionCase(c, E.cpu);
    ['y', '∂/∂q', '∂/∂k', '∂/∂v'].forEach((what, i) =>
      assertClose(got[i], [c.y, c.grad_q, c.grad_k, c.grad_v][i].data, TORCH, `attention ${what}, q [${c.q.shape}], k [${c.k.shape}], v [${c.v.shape}]`));
  }
});

gpuTest(gpu)('GPU vs CPU: bmm and attention, forward and backward (a stack per dispatch)', async () => {
  for (const c of fx.bmm) {
    const [g, cpu] = [await bmmCase(c, gpu!), await bmmCase(c, E.cpu)];
    const tol = { atol: 2e-6 * Math.max(...c.a.shape, ...c.b.shape) + 1e-6, rtol: 1e-5 };
    g.forEach((v, i) => assertClose(v, cpu[i], tol, `bmm [${c.a.shape}]·[${c.b.shape}] output ${i}, GPU vs CPU`));
  }
  for (const c of fx.attention) {
    const [g, cpu] = [await attentionCase(c, gpu!), await attentionCase(c, E.cpu)];
    // Sharp scores (q ×12) make the gradients sums of terms far larger than their results
    // (∂/∂k = scale·Σ_t ∂S·q), so the absolute part also scales with each output's largest value.
    const K = Math.max(...c.q.shape, ...c.k.shape);
    g.forEach((v, i) => {
      const tol = { atol: 2e-6 * K + 1e-6 + 1e-5 * Math.max(...cpu[i].map(Math.abs)), rtol: 1e-5 };
      assertClose(v, cpu[i], tol, `attention q [${c.q.shape}] output ${i}, GPU vs CPU`);
    });
  }
});

test('silu, upsample2x, groupNorm and concat: forward and every input gradient match PyTorch', async () => {
  for (const name of ['silu', 'upsample2x'] as const) {
    for (const c of fx[name]) {
      const { y, dx } = await unaryCase(UNARY[name], c, E.cpu);
      assertClose(y, c.y.data, TORCH, `${name} [${c.x.shape}]`);
      assertClose(dx, c.grad_x.data, TORCH, `∂/∂x ${name} [${c.x.shape}]`);
    }
  }
  for (const c of fx.groupNorm) {
    const got = await groupNormCase(c, E.cpu);
    const want = [c.y, c.grad_x, c.grad_weight, c.grad_bias];
    // The near-constant group divides x − μ, rounded to float32 op by op here, by √(σ² + ε) ≈ 3e-3:
    // its ∂/∂x differs from PyTorch's by 5e-5 relative there, hence rtol 1e-4.
    const tol = { atol: 1e-5, rtol: 1e-4 };
    ['y', '∂/∂x', '∂/∂γ', '∂/∂β'].forEach((what, i) => assertClose(got[i], want[i].data, tol, `group_norm ${what} [${c.x.shape}], ${c.groups} groups`));
  }
  for (const c of fx.concat) {
    const got = await concatCase(c, E.cpu);
    [c.y, c.grad_a, c.grad_b].forEach((want, i) => assert.equal(got[i], want.data, `cat [${c.a.shape}] + [${c.b.shape}], output ${i}: exact`));
  }
});

test('gradcheck: silu, exp, groupNorm, upsample2x and concat against central differences', async () => {
  const rng = new E.Rng(7);
  await gradcheck((x) => E.silu(x), [E.randn([3, 5], rng)], { what: 'silu' });
  await gradcheck((x) => E.exp(x), [E.randn([3, 5], rng)], { what: 'exp' });
  await gradcheck((x, w, b) => E.groupNorm(x, 2, w, b), [E.randn([2, 4, 3, 3], rng), E.randn([4], rng), E.randn([4], rng)], { what: 'groupNorm' });
  await gradcheck((x) => E.upsample2x(x), [E.randn([1, 2, 3, 2], rng)], { what: 'upsample2x' });
  await gradcheck((a, b) => E.concat(a, b, 2), [E.randn([2, 3, 2], rng), E.randn([2, 3, 4], rng)], { what: 'concat' });
  await gradcheck((a, b) => E.bmm(a, b, { transA: true }), [E.randn([2, 4, 3], rng), E.randn([2, 4, 5], rng)], { what: 'bmm' });
  await gradcheck((q, k, v) => E.attention(q, k, v), [E.randn([2, 4, 3], rng), E.randn([2, 5, 3], rng), E.randn([2, 5, 2], rng)], { what: 'attention' });
});

gpuTest(gpu)('GPU vs CPU: silu, upsample2x, groupNorm and concat, forward and backward', async () => {
  for (const name of ['silu', 'upsample2x'] as const) {
    for (const c of fx[name]) {
      const [g, cpu] = [await unaryCase(UNARY[name], c, gpu!), await unaryCase(UNARY[name], c, E.cpu)];
      // WGSL's exp is within 3 + 2·|x| ULP: SiLU's relative error grows with |x|.
      const tol = { atol: 1e-6, rtol: 2e-5 };
      assertClose(g.y, cpu.y, tol, `${name} [${c.x.shape}], GPU vs CPU`);
      assertClose(g.dx, cpu.dx, tol, `∂/∂x ${name} [${c.x.shape}], GPU vs CPU`);
    }
  }
  for (const c of fx.groupNorm) {
    const [g, cpu] = [await groupNormCase(c, gpu!), await groupNormCase(c, E.cpu)];
    const n = c.x.data.length / (c.x.shape[0] * c.groups);
    const tol = { atol: 2e-6 * n + 1e-5, rtol: 1e-4 }; // rtol as against PyTorch (the near-constant group)
    ['y', '∂/∂x', '∂/∂γ', '∂/∂β'].forEach((what, i) => assertClose(g[i], cpu[i], tol, `group_norm ${what} [${c.x.shape}], GPU vs CPU`));
  }
  for (const c of fx.concat) {
    const [g, cpu] = [await concatCase(c, gpu!), await concatCase(c, E.cpu)];
    g.forEach((v, i) => assert.equal(v, cpu[i], `cat output ${i}, GPU vs CPU: exact`));
  }
});

test('NaN and ±Inf: silu and exp as PyTorch (silu(−Inf) is NaN), groupNorm spreads a NaN over its group only', async () => {
  const devices: E.Backend[] = gpu ? [E.cpu, gpu] : [E.cpu];
  for (const device of devices) {
    const x = E.tensor([NaN, Infinity, -Infinity, 0, -100], [5], { device });
    const s = await values(E.silu(x));
    assert.ok(Number.isNaN(s[0]) && s[1] === Infinity && Number.isNaN(s[2]) && s[3] === 0 && Math.abs(s[4]) < 1e-30, `${device.name}: silu ${s}`);
    const e = await values(E.exp(x));
    assert.ok(Number.isNaN(e[0]) && e[1] === Infinity && e[2] === 0 && e[3] === 1, `${device.name}: exp ${e}`);
    const pixels = Float32Array.from({ length: 2 * 4 * 2 * 2 }, (_, i) => Math.sin(i));
    pixels[5] = NaN; // image 0, channel 1: group 0 of two
    const y = await values(E.groupNorm(E.tensor(pixels, [2, 4, 2, 2], { device }), 2, E.full([4], 1, { device }), E.full([4], 0, { device })));
    y.forEach((v, i) => assert.is(Number.isNaN(v), i < 8, `${device.name}: groupNorm element ${i} is ${v}`));
  }
});

test('GroupNorm: γ = 1 and β = 0 at first, the state_dict names, eps', async () => {
  const layer = new E.GroupNorm(2, 6, { eps: 1e-3 });
  assert.equal(await values(layer.weight), [1, 1, 1, 1, 1, 1]);
  assert.equal(await values(layer.bias), [0, 0, 0, 0, 0, 0]);
  assert.equal([...layer.stateDict().keys()], ['weight', 'bias']);
  assert.is(layer.eps, 1e-3);
  const y = await values(layer.forward(E.randn([1, 6, 3, 3], new E.Rng(1))));
  const group = y.slice(0, 27);
  assert.ok(Math.abs(group.reduce((a, b) => a + b, 0) / 27) < 1e-5, 'each group centred');
});

test('bad inputs are refused by name: channels, ranks, a window that does not fit, stride, padding, bias, permute dims', () => {
  const x = E.tensor(new Float32Array(2 * 3 * 4 * 4), [2, 3, 4, 4], { name: 'images' });
  const w = E.tensor(new Float32Array(5 * 2 * 3 * 3), [5, 2, 3, 3], { name: 'kernel' });
  assertThrowsWith(() => E.conv2d(x, w), ['conv2d', "'images' [2,3,4,4] float32 has 3 channels", "'kernel' [5,2,3,3] float32 takes 2"]);
  assertThrowsWith(() => E.conv2d(E.tensor(new Float32Array(12), [3, 4]), w), ['conv2d', 'expected an input [B, C, H, W]', '[3,4]']);
  assertThrowsWith(() => E.conv2d(x, E.tensor(new Float32Array(9), [3, 3])), ['conv2d', 'expected a weight [O, C, KH, KW]']);
  const big = E.tensor(new Float32Array(5 * 3 * 7 * 7), [5, 3, 7, 7]);
  assertThrowsWith(() => E.conv2d(x, big), ['conv2d', 'a 7×7 window does not fit', "'images' [2,3,4,4]", 'padding 0']);
  const w3 = E.tensor(new Float32Array(5 * 3 * 3 * 3), [5, 3, 3, 3]);
  assertThrowsWith(() => E.conv2d(x, w3, undefined, { stride: 0 }), ['conv2d', 'stride must be a positive integer, got 0']);
  assertThrowsWith(() => E.conv2d(x, w3, undefined, { padding: -1 }), ['conv2d', 'padding must be a non-negative integer, got -1']);
  assertThrowsWith(() => E.conv2d(x, w3, E.tensor([1, 2, 3], [3], { name: 'b' })), ['conv2d', 'expected a bias [5]', "'b' [3]"]);
  assertThrowsWith(() => E.im2col(x, 0, 3), ['im2col', 'kernelH must be a positive integer, got 0']);
  assertThrowsWith(() => E.permute(x, [0, 1, 1, 2]), ['permute', 'dims [0, 1, 1, 2] are not an order of the 4 axes', "'images'"]);
  assertThrowsWith(() => E.permute(x, [1, 0]), ['permute', 'not an order of the 4 axes']);
  const gamma = E.tensor([1, 1, 1], [3]), beta = E.tensor([0, 0, 0], [3]);
  assertThrowsWith(() => E.groupNorm(x, 2, gamma, beta), ['groupNorm', '2 groups do not divide the 3 channels', "'images' [2,3,4,4]"]);
  assertThrowsWith(() => E.groupNorm(x, 3, E.tensor([1, 1], [2], { name: 'g' }), beta), ['groupNorm', 'expected weight [3]', "'g' [2]"]);
  assertThrowsWith(() => E.upsample2x(E.tensor([1, 2], [2], { name: 'v' })), ['upsample2x', 'expected an input [B, C, H, W]', "'v' [2]"]);
  assertThrowsWith(() => E.concat(x, E.tensor(new Float32Array(2 * 3 * 4 * 5), [2, 3, 4, 5], { name: 'wide' }), 1),
    ['concat', "'images' [2,3,4,4]", "'wide' [2,3,4,5]", 'differ outside axis 1']);
  const stack = (shape: number[], name: string): E.Tensor => E.tensor(new Float32Array(shape.reduce((p, d) => p * d, 1)), shape, { name });
  assertThrowsWith(() => E.bmm(stack([2, 3, 4], 'a'), stack([3, 4, 5], 'b')), ['bmm', 'stacks [N, ·, ·] of the same N', "'a' [2,3,4]", "'b' [3,4,5]"]);
  assertThrowsWith(() => E.bmm(stack([2, 3, 4], 'a'), stack([2, 5, 5], 'b')), ['bmm', 'inner dimensions differ', 'op(a) is [2,3,4]', 'op(b) is [2,5,5]']);
  assertThrowsWith(() => E.attention(stack([2, 3, 4], 'q'), stack([2, 5, 3], 'k'), stack([2, 5, 2], 'v')),
    ['attention', 'expected q [N, T, d], k [N, S, d] and v [N, S, dv]', "'q' [2,3,4]", "'k' [2,5,3]"]);
});

test.run();
