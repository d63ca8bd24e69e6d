// Generated from matmul-subgroup.wgsl by scripts/wgsl-modules.mjs (npm run wgsl): edit the .wgsl file.
const source: string = `// C[m,n] = epilogue(op(A)[m,k] · op(B)[k,n]) for CPU drivers whose subgroups are 8 lanes wide
// (lavapipe on AVX2): the same product, transposes, epilogue and stack (bmm: z the product's
// index, no epilogue) as matmul.wgsl.
//   A plain [m,k] or transposed (stored [k,m]); B plain [k,n] or transposed (stored [n,k]).
//   Any m, n, k ≥ 1.
// Why another kernel: a CPU driver runs the 8 lanes of a subgroup as one SIMD vector, and every
// load from a storage buffer is a gather, one per vector, whether the lanes' addresses differ or
// not. matmul.wgsl's threads each load 8 values of A and 8 of B per step of k for 64
// multiply-adds (16 gathers); here a workgroup is one subgroup that owns a 16 × 64 tile of C,
// lane l its 16 rows × the 8 columns col0 + l + 8q. Per step of k each lane loads its 8 values of
// B and two values of A (rows row0 + l and row0 + 8 + l), and the subgroup hands each row's value
// to every lane (subgroupBroadcast, a register shuffle): 10 gathers for 128 multiply-adds. On
// lavapipe (Mesa 25.0.7, 2 cores) that measured 14–24 GFLOP/s at 512³ and at [10000,128]·[128,128]ᵀ
// against 7–10 for matmul.wgsl's kernel in the same runs.
// Every element is summed over p = 0, 1, …, k−1 in order, one multiply-add at a time, as
// matmul.wgsl does, so the two give the same bits (test/engine/matmul-kernels.test.ts). Rows and
// columns past the edge are clamped for the loads and their results discarded.
// The host picks this kernel only where the adapter's subgroups are exactly 8 lanes
// (engine/webgpu/matmul-kernels.ts): the workgroup of 8 is then one subgroup.

enable subgroups;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override HAS_ROW_ADD: bool = false;
override RELU: bool = false;

const LANES: u32 = 8u;   // the subgroup, and the workgroup
const ROWS: u32 = 16u;   // rows of C per tile: two loads of A per step of k
const COLS: u32 = 8u;    // columns of C per lane; the tile is LANES·COLS = 64 wide

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

fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
// relu(NaN) = NaN, as in PyTorch (WGSL's max may drop it)
fn relu(x: f32) -> f32 { return select(max(x, 0.0), x, is_nan(x)); }

// op(A)[i, p] of product z
fn loadA(z: u32, i: u32, p: u32) -> f32 {
  let base = z * u.m * u.k;
  if (TRANS_A) { return a[base + p * u.m + i]; }
  return a[base + i * u.k + p];
}

// op(B)[p, j] of product z
fn loadB(z: u32, p: u32, j: u32) -> f32 {
  let base = z * u.k * u.n;
  if (TRANS_B) { return b[base + j * u.k + p]; }
  return b[base + p * u.n + j];
}

// acc[r][q] += s · bv[q]: one row of the lane's block, s that row's value of A
fn accumulate(acc: ptr<function, array<array<f32, COLS>, ROWS>>, r: u32, s: f32, bv: array<f32, COLS>) {
  for (var q = 0u; q < COLS; q++) { (*acc)[r][q] += s * bv[q]; }
}

@compute @workgroup_size(LANES)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let z = wid.z;
  let row0 = wid.y * ROWS;
  let col0 = wid.x * (LANES * COLS) + lane;  // this lane's columns: col0 + LANES·q
  // The rows this lane loads for the subgroup, and its columns, clamped to the edge.
  let rowLo = min(row0 + lane, u.m - 1u);
  let rowHi = min(row0 + LANES + lane, u.m - 1u);
  var cols: array<u32, COLS>;
  for (var q = 0u; q < COLS; q++) { cols[q] = min(col0 + LANES * q, u.n - 1u); }

  var acc: array<array<f32, COLS>, ROWS>;
  for (var p = 0u; p < u.k; p++) {
    var bv: array<f32, COLS>;
    for (var q = 0u; q < COLS; q++) { bv[q] = loadB(z, p, cols[q]); }
    let lo = loadA(z, rowLo, p);
    let hi = loadA(z, rowHi, p);
    // Row r's value of A is lane (r mod 8)'s lo or hi: broadcast lane ids must be constants.
    accumulate(&acc, 0u, subgroupBroadcast(lo, 0u), bv);
    accumulate(&acc, 1u, subgroupBroadcast(lo, 1u), bv);
    accumulate(&acc, 2u, subgroupBroadcast(lo, 2u), bv);
    accumulate(&acc, 3u, subgroupBroadcast(lo, 3u), bv);
    accumulate(&acc, 4u, subgroupBroadcast(lo, 4u), bv);
    accumulate(&acc, 5u, subgroupBroadcast(lo, 5u), bv);
    accumulate(&acc, 6u, subgroupBroadcast(lo, 6u), bv);
    accumulate(&acc, 7u, subgroupBroadcast(lo, 7u), bv);
    accumulate(&acc, 8u, subgroupBroadcast(hi, 0u), bv);
    accumulate(&acc, 9u, subgroupBroadcast(hi, 1u), bv);
    accumulate(&acc, 10u, subgroupBroadcast(hi, 2u), bv);
    accumulate(&acc, 11u, subgroupBroadcast(hi, 3u), bv);
    accumulate(&acc, 12u, subgroupBroadcast(hi, 4u), bv);
    accumulate(&acc, 13u, subgroupBroadcast(hi, 5u), bv);
    accumulate(&acc, 14u, subgroupBroadcast(hi, 6u), bv);
    accumulate(&acc, 15u, subgroupBroadcast(hi, 7u), bv);
  }

  for (var r = 0u; r < ROWS; r++) {
    let row = row0 + r;
    if (row >= u.m) { break; }
    for (var q = 0u; q < COLS; q++) {
      let col = col0 + LANES * q;
      if (col >= u.n) { break; }
      var v = acc[r][q];
      if (HAS_BIAS) { v += bias[col]; }
      if (HAS_ROW_ADD) { v += table[u32(idx[row]) * u.n + col]; }
      if (RELU) { v = relu(v); }
      c[z * u.m * u.n + row * u.n + col] = v;
    }
  }
}
`;
export default source;
