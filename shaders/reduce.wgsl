// Reductions: x viewed as [outer, len, inner] → Σ over len → [outer, inner], and Σ x² over all
// elements (SQUARE = true). One workgroup of 256 threads per output element: each thread sums a
// strided slice of the axis, then the workgroup adds its 256 partial sums as a tree in shared
// memory. Accumulation is float32 (the CPU reference accumulates in float64).

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
