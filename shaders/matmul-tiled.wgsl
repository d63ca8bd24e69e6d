// C[m,n] = epilogue(op(A)[m,k] · op(B)[k,n]) tiled in workgroup memory: the same product,
// transposes and epilogue as matmul.wgsl (+ bias[n], + table[idx[m], n], ReLU), for GPUs, where
// reading each element of A and B from memory once per tile instead of once per thread pays.
//   A plain [m,k] or transposed (stored [k,m]); B plain [k,n] or transposed (stored [n,k]).
//   Any m, n, k ≥ 1.
// A workgroup of WG_X × WG_Y threads computes a BM × BN tile of C (BM = WG_Y·TM, BN = WG_X·TN),
// each thread TM × TN elements of it in registers, strided: rows lid.y + r·WG_Y, columns
// lid.x + q·WG_X, so that neighbouring threads read neighbouring words of workgroup memory and
// write neighbouring words of C. K is walked BK at a time: the workgroup copies the
// BM × BK slab of op(A) and the BK × BN slab of op(B) into workgroup memory (zeros past the
// edges), then every thread accumulates its block from there.
// Every element is summed over p = 0, 1, …, k−1 in order, one multiply-add at a time, exactly as
// matmul.wgsl does, and the tile's zero padding is never added (the inner loop stops at k): the
// kernels give the same bits, so the matmul tuner (engine/webgpu/matmul-kernels.ts) may pick
// either without changing a result.
// The tile shape, transposes and epilogue are override constants: one pipeline per
// combination, every shape served by the same pipeline through the uniforms.
// Batched (engine/ops/matmul.ts bmm), as matmul.wgsl: the dispatch's z (workgroup_id.z) is the
// product's index z, and A, B and C are [batch, …] stacks of contiguous matrices, so z only
// offsets them (z·m·k, z·k·n, z·m·n); the host allows no epilogue then.

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override HAS_ROW_ADD: bool = false;
override RELU: bool = false;
override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TM: u32 = 4u;  // rows of C per thread (at most MAX_T)
override TN: u32 = 4u;  // columns of C per thread (at most MAX_T)
override BK: u32 = 16u;

const MAX_T: u32 = 8u;
// Derived (overrides, since WGSL's const cannot depend on an override; never set by the host):
override BM: u32 = WG_Y * TM;
override BN: u32 = WG_X * TN;
override THREADS: u32 = WG_X * WG_Y;

struct Params {
  m: u32,
  n: u32,
  k: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> c: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;   // [n]; a dummy when !HAS_BIAS
@group(0) @binding(5) var<storage, read> table: array<f32>;  // [rows, n]; a dummy when !HAS_ROW_ADD
@group(0) @binding(6) var<storage, read> idx: array<i32>;    // [m], checked on the host

// op(A)'s slab [BK, BM] and op(B)'s [BK, BN], k-major.
var<workgroup> tileA: array<f32, BK * BM>;
var<workgroup> tileB: array<f32, BK * BN>;

fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
// relu(NaN) = NaN, as in PyTorch (WGSL's max may drop it)
fn relu(x: f32) -> f32 { return select(max(x, 0.0), x, is_nan(x)); }

// op(A)[i, p] of product z (0 unbatched), 0 outside [m, k]
fn loadA(z: u32, i: u32, p: u32) -> f32 {
  if (i >= u.m || p >= u.k) { return 0.0; }
  let base = z * u.m * u.k;
  if (TRANS_A) { return a[base + p * u.m + i]; }
  return a[base + i * u.k + p];
}

// op(B)[p, j] of product z, 0 outside [k, n]
fn loadB(z: u32, p: u32, j: u32) -> f32 {
  if (p >= u.k || j >= u.n) { return 0.0; }
  let base = z * u.k * u.n;
  if (TRANS_B) { return b[base + j * u.k + p]; }
  return b[base + p * u.n + j];
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let z = wid.z;
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let t = lid.y * WG_X + lid.x;
  var acc: array<array<f32, MAX_T>, MAX_T>;
  for (var r = 0u; r < TM; r++) {
    for (var q = 0u; q < TN; q++) { acc[r][q] = 0.0; }
  }
  var av: array<f32, MAX_T>;
  var bv: array<f32, MAX_T>;

  for (var k0 = 0u; k0 < u.k; k0 += BK) {
    // The slabs, THREADS elements at a time; for A the index runs fastest along op(A)'s stored
    // row (p when A is plain, i when transposed) so that neighbouring threads read neighbours.
    for (var e = t; e < BK * BM; e += THREADS) {
      var i: u32;
      var p: u32;
      if (TRANS_A) { i = e % BM; p = e / BM; } else { p = e % BK; i = e / BK; }
      tileA[p * BM + i] = loadA(z, row0 + i, k0 + p);
    }
    for (var e = t; e < BK * BN; e += THREADS) {
      var j: u32;
      var p: u32;
      if (TRANS_B) { p = e % BK; j = e / BK; } else { j = e % BN; p = e / BN; }
      tileB[p * BN + j] = loadB(z, k0 + p, col0 + j);
    }
    workgroupBarrier();
    let kEnd = min(BK, u.k - k0);  // the padding past k is never added
    for (var p = 0u; p < kEnd; p++) {
      for (var r = 0u; r < TM; r++) { av[r] = tileA[p * BM + r * WG_Y + lid.y]; }
      for (var q = 0u; q < TN; q++) { bv[q] = tileB[p * BN + q * WG_X + lid.x]; }
      for (var r = 0u; r < TM; r++) {
        for (var q = 0u; q < TN; q++) { acc[r][q] += av[r] * bv[q]; }
      }
    }
    workgroupBarrier();
  }

  let cBase = z * u.m * u.n;
  for (var r = 0u; r < TM; r++) {
    let row = row0 + r * WG_Y + lid.y;
    if (row >= u.m) { break; }
    for (var q = 0u; q < TN; q++) {
      let col = col0 + q * WG_X + lid.x;
      if (col >= u.n) { break; }
      var v = acc[r][q];
      if (HAS_BIAS) { v += bias[col]; }
      if (HAS_ROW_ADD) { v += table[u32(idx[row]) * u.n + col]; }
      if (RELU) { v = relu(v); }
      c[cBase + row * u.n + col] = v;
    }
  }
}
