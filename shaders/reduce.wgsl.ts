// Generated from reduce.wgsl by scripts/wgsl-modules.mjs (npm run wgsl): edit the .wgsl file.
const source: string = `// Reductions: x viewed as [outer, len, inner] → Σ over len → [outer, inner], and Σ x² over all
// elements (SQUARE = true). Two strategies, chosen on the host by the shape:
//   sum_axis_main    a long axis and few outputs (Σ of 10 000 rows, a gradient's Σx²): one
//                    workgroup of 256 threads per output; each thread sums a strided slice of the
//                    axis, then the workgroup adds its 256 partial sums as a tree in shared memory.
//   sum_axis_serial  a short axis or many outputs (a bias gradient: Σ over 128 rows of 128
//                    columns): one thread per output, summing its axis in order. No barriers —
//                    which a software rasterizer such as lavapipe pays dearly for (measured 1.7 ms
//                    against the tree's for [128,128] → [128]).
// Accumulation is float32 (the CPU reference accumulates in float64).

override SQUARE: bool = false;

struct Params {
  outer: u32,
  len: u32,
  inner: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn sum_axis_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) lid: u32) {
  let o = wid.y * nwg.x + wid.x;           // output element (workgroup-uniform)
  let valid = o < u.outer * u.inner;
  let row = o / u.inner;
  let col = o % u.inner;
  var acc = 0.0;
  if (valid) {
    for (var l = lid; l < u.len; l += 256u) {
      let v = x[(row * u.len + l) * u.inner + col];
      acc += select(v, v * v, SQUARE);
    }
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { partial[lid] += partial[lid + stride]; }
    workgroupBarrier();
  }
  if (valid && lid == 0u) { out[o] = partial[0]; }
}

@compute @workgroup_size(64)
fn sum_axis_serial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
  let o = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (o >= u.outer * u.inner) { return; }
  let row = o / u.inner;
  let col = o % u.inner;
  var acc = 0.0;
  for (var l = 0u; l < u.len; l++) {
    let v = x[(row * u.len + l) * u.inner + col];
    acc += select(v, v * v, SQUARE);
  }
  out[o] = acc;
}
`;
export default source;
