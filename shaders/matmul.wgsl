// C[m,n] = epilogue(op(A)[m,k] · op(B)[k,n]), op transposing when TRANS_A / TRANS_B, the
// epilogue fusing a linear layer's tail into the output step: + bias[n] (HAS_BIAS), then
// + table[idx[m], n] (HAS_ROW_ADD: the per-row timestep embedding), then max(·, 0) (RELU).
//   A plain [m,k] or transposed (stored [k,m]); B plain [k,n] or transposed (stored [n,k],
//   a Linear weight as PyTorch keeps it). Any m, n, k ≥ 1.
// Register blocking: each thread computes a 4×4 block of C in registers, reading its 4 rows
// of A and 4 columns of B once per step of k; an 8×8 workgroup covers a 32×32 tile. Reads past
// the edge are clamped to the last row/column (and the results discarded), so every m, n works.
// The transposes and the epilogue are override constants: one pipeline per combination, every
// shape served by the same pipeline through the uniforms.

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override HAS_ROW_ADD: bool = false;
override RELU: bool = false;

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

fn loadA(i: u32, p: u32) -> f32 {
  if (TRANS_A) { return a[p * u.m + i]; }
  return a[i * u.k + p];
}

fn loadB(p: u32, j: u32) -> f32 {
  if (TRANS_B) { return b[j * u.k + p]; }
  return b[p * u.n + j];
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row0 = gid.y * 4u;
  let col0 = gid.x * 4u;
  if (row0 >= u.m || col0 >= u.n) { return; }
  let rows = min(vec4<u32>(row0, row0 + 1u, row0 + 2u, row0 + 3u), vec4<u32>(u.m - 1u));
  let cols = min(vec4<u32>(col0, col0 + 1u, col0 + 2u, col0 + 3u), vec4<u32>(u.n - 1u));

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var p = 0u; p < u.k; p++) {
    let bRow = vec4<f32>(loadB(p, cols.x), loadB(p, cols.y), loadB(p, cols.z), loadB(p, cols.w));
    acc0 += loadA(rows.x, p) * bRow;
    acc1 += loadA(rows.y, p) * bRow;
    acc2 += loadA(rows.z, p) * bRow;
    acc3 += loadA(rows.w, p) * bRow;
  }

  var biasRow = vec4<f32>(0.0);
  if (HAS_BIAS) { biasRow = vec4<f32>(bias[cols.x], bias[cols.y], bias[cols.z], bias[cols.w]); }
  let acc = array<vec4<f32>, 4>(acc0 + biasRow, acc1 + biasRow, acc2 + biasRow, acc3 + biasRow);
  for (var r = 0u; r < 4u; r++) {
    let row = row0 + r;
    if (row >= u.m) { break; }
    var v = acc[r];
    if (HAS_ROW_ADD) {
      let base = u32(idx[row]) * u.n;
      v += vec4<f32>(table[base + cols.x], table[base + cols.y], table[base + cols.z], table[base + cols.w]);
    }
    if (RELU) { v = max(v, vec4<f32>(0.0)); }
    for (var q = 0u; q < 4u; q++) {
      let col = col0 + q;
      if (col < u.n) { c[row * u.n + col] = v[q]; }
    }
  }
}
