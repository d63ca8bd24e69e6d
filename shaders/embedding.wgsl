// Embedding lookup and its backward. Indices were checked on the host (engine/ops/embedding.ts).
//   gather:      table [rows, dim], idx [n] → out [n, dim]; one thread per output element
//   scatter_add: dy [n, dim], idx [n] → out [rows, dim]; one thread per output element, which
//                scans all n indices and sums the matching rows of dy in index order. WGSL has
//                no float atomics, and this order makes the sum deterministic.

struct Params {
  n: u32,     // number of indices
  rows: u32,
  dim: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;   // gather: table; scatter_add: dy
@group(0) @binding(3) var<storage, read> idx: array<i32>;

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid;
}

@compute @workgroup_size(256)
fn gather_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n * u.dim) { return; }
  let row = u32(idx[i / u.dim]);
  out[i] = src[row * u.dim + i % u.dim];
}

@compute @workgroup_size(256)
fn scatter_add_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.rows * u.dim) { return; }
  let row = i32(i / u.dim);
  let d = i % u.dim;
  var acc = 0.0;
  for (var j = 0u; j < u.n; j++) {
    if (idx[j] == row) { acc += src[j * u.dim + d]; }
  }
  out[i] = acc;
}
