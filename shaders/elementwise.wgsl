// Elementwise kernels: unary maps, ops with a scalar, broadcasting binary ops, strided expand,
// the ReLU/clamp gradient masks, and the in-place updates used for persistent buffers.
// One thread per output element; 256 threads per workgroup; the grid may be 2-D when there
// are more than 65 535 workgroups, so the flat index is rebuilt from workgroup_id.
// Shapes are uniforms (one pipeline per entry point serves every shape); the op is a uniform
// code, identical for every thread, so the switch does not diverge.

struct Params {
  n: u32,            // output elements
  op: u32,           // op code (see each entry point)
  c0: f32,           // scalar operand / clamp low / fill value
  c1: f32,           // clamp high
  shape: vec4<u32>,  // output shape, rank ≤ 4, left-padded with 1
  aStrides: vec4<u32>,
  bStrides: vec4<u32>,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid;
}

// Offset into a tensor read with `strides` for output element i of shape u.shape.
fn stridedOffset(i: u32, strides: vec4<u32>) -> u32 {
  var rest = i;
  var offset = 0u;
  for (var d = 3; d >= 0; d--) {
    let extent = u.shape[d];
    offset += (rest % extent) * strides[d];
    rest /= extent;
  }
  return offset;
}

// op: 0 neg, 1 square, 2 sqrt, 3 relu.   a: [n] → out: [n]
@compute @workgroup_size(256)
fn unary_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  let x = a[i];
  switch u.op {
    case 0u: { out[i] = -x; }
    case 1u: { out[i] = x * x; }
    case 2u: { out[i] = sqrt(x); }
    default: { out[i] = max(x, 0.0); }
  }
}

// op: 0 x+c, 1 c−x, 2 x·c, 3 x/c, 4 c/x, 5 min(x,c), 6 max(x,c).   a: [n] → out: [n]
@compute @workgroup_size(256)
fn scalar_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  let x = a[i];
  let c = u.c0;
  switch u.op {
    case 0u: { out[i] = x + c; }
    case 1u: { out[i] = c - x; }
    case 2u: { out[i] = x * c; }
    case 3u: { out[i] = x / c; }
    case 4u: { out[i] = c / x; }
    case 5u: { out[i] = min(x, c); }
    default: { out[i] = max(x, c); }
  }
}

// op: 0 add, 1 sub, 2 mul, 3 div.   a, b broadcast (strides 0 on broadcast axes) → out: shape
@compute @workgroup_size(256)
fn binary_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  let x = a[stridedOffset(i, u.aStrides)];
  let y = b[stridedOffset(i, u.bStrides)];
  switch u.op {
    case 0u: { out[i] = x + y; }
    case 1u: { out[i] = x - y; }
    case 2u: { out[i] = x * y; }
    default: { out[i] = x / y; }
  }
}

// a read with aStrides → out: shape (contiguous)
@compute @workgroup_size(256)
fn expand_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  out[i] = a[stridedOffset(i, u.aStrides)];
}

// a = dy, b = y (the ReLU's output): out = dy where y > 0
@compute @workgroup_size(256)
fn relu_backward_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  out[i] = select(0.0, a[i], b[i] > 0.0);
}

// a = dy, b = x: out = dy where c0 ≤ x ≤ c1
@compute @workgroup_size(256)
fn clamp_backward_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                       @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  out[i] = select(0.0, a[i], b[i] >= u.c0 && b[i] <= u.c1);
}

// out[i] = c0
@compute @workgroup_size(256)
fn fill_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
             @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  out[i] = u.c0;
}

// out += a (gradient accumulation into a persistent buffer)
@compute @workgroup_size(256)
fn add_inplace_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  out[i] = out[i] + a[i];
}

// out *= a[0] (gradient clipping: the coefficient never leaves the GPU)
@compute @workgroup_size(256)
fn scale_inplace_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  out[i] = out[i] * a[0];
}
