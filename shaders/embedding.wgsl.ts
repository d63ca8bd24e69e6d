// Generated from embedding.wgsl by scripts/wgsl-modules.mjs (npm run wgsl): edit the .wgsl file.
const source: string = `// Embedding lookup and its backward. Indices were checked on the host (engine/ops/embedding.ts).
//   gather:      table [rows, dim], idx [n] → out [n, dim]; one thread per output element
//   scatter_add: dy [n, dim], idx [n] → out [rows, dim]; one thread per column d, which zeroes
//                its column and then walks the n indices in order, adding dy[j, d] to
//                out[idx[j], d]. No two threads write the same element (WGSL has no float
//                atomics) and the order makes the sum deterministic; the work is (rows + n)·dim,
//                where one thread per output element scanning every index did rows·n·dim.

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

@compute @workgroup_size(64)
fn scatter_add_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
  let d = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (d >= u.dim) { return; }
  for (var r = 0u; r < u.rows; r++) { out[r * u.dim + d] = 0.0; }
  for (var j = 0u; j < u.n; j++) {
    let at = u32(idx[j]) * u.dim + d;
    out[at] += src[j * u.dim + d];
  }
}
`;
export default source;
