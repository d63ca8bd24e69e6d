// Elementwise kernels: unary maps, ops with a scalar, broadcasting binary ops (arithmetic and
// comparisons), where's select, strided expand, the ReLU/clamp gradient masks, and the in-place
// updates used for persistent buffers.
// One thread per output element; 256 threads per workgroup; the grid may be 2-D when there
// are more than 65 535 workgroups, so the flat index is rebuilt from workgroup_id.
// Shapes are uniforms (one pipeline per entry point serves every shape); the op is a uniform
// code, identical for every thread, so the switch does not diverge. The codes are named below
// and in engine/webgpu/kernel-contracts.ts, whose tables are checked against these constants.
// NaN follows PyTorch (see the helpers below): relu, min, max and clamp keep a NaN, and the
// ReLU/clamp masks treat a NaN input as PyTorch's backward does; log, sin, cos, tanh and pow
// give IEEE's answers at 0, ±Inf and outside their domain, where WGSL leaves them undefined;
// comparisons with a NaN are false (ne: true).

struct Params {
  n: u32,            // output elements
  op: u32,           // op code (see each entry point)
  c0: f32,           // scalar operand / clamp low / fill value
  c1: f32,           // clamp high / the share a weight average takes
  shape: vec4<u32>,  // output shape, rank ≤ 4, left-padded with 1
  aStrides: vec4<u32>,
  bStrides: vec4<u32>,
}

// Op codes (u.op) of unary_main, scalar_main and binary_main; clamp_backward_main's bound bits.
const UNARY_NEG: u32 = 0u;
const UNARY_SQUARE: u32 = 1u;
const UNARY_SQRT: u32 = 2u;
const UNARY_RELU: u32 = 3u;
const UNARY_EXP: u32 = 4u;
const UNARY_SILU: u32 = 5u;
const UNARY_LOG: u32 = 6u;
const UNARY_ABS: u32 = 7u;
const UNARY_SIGMOID: u32 = 8u;
const UNARY_TANH: u32 = 9u;
const UNARY_SIN: u32 = 10u;
const UNARY_COS: u32 = 11u;
const UNARY_SIGN: u32 = 12u;
const SCALAR_ADD: u32 = 0u;
const SCALAR_RSUB: u32 = 1u;
const SCALAR_MUL: u32 = 2u;
const SCALAR_DIV: u32 = 3u;
const SCALAR_RDIV: u32 = 4u;
const SCALAR_MIN: u32 = 5u;
const SCALAR_MAX: u32 = 6u;
const SCALAR_POW: u32 = 7u;
const SCALAR_EQ: u32 = 8u;
const SCALAR_NE: u32 = 9u;
const SCALAR_LT: u32 = 10u;
const SCALAR_LE: u32 = 11u;
const SCALAR_GT: u32 = 12u;
const SCALAR_GE: u32 = 13u;
const BINARY_ADD: u32 = 0u;
const BINARY_SUB: u32 = 1u;
const BINARY_MUL: u32 = 2u;
const BINARY_DIV: u32 = 3u;
const BINARY_EQ: u32 = 4u;
const BINARY_NE: u32 = 5u;
const BINARY_LT: u32 = 6u;
const BINARY_LE: u32 = 7u;
const BINARY_GT: u32 = 8u;
const BINARY_GE: u32 = 9u;
const CLAMP_LO: u32 = 1u;
const CLAMP_HI: u32 = 2u;

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;

// ---- NaN helpers ------------------------------------------------------------------------
// WGSL's min/max/clamp may return the non-NaN operand, and compilers fold `x != x` to false
// (lavapipe does), so NaN is tested on the bits and kept by hand. A NaN constant expression is a
// shader-creation error, so nan_f32 builds one from a `let`.
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn nan_f32() -> f32 { let bits = 0x7fc00000u; return bitcast<f32>(bits); }
fn relu(x: f32) -> f32 { return select(max(x, 0.0), x, is_nan(x)); }
fn min_nan(a: f32, b: f32) -> f32 { return select(select(min(a, b), b, is_nan(b)), a, is_nan(a)); }
fn max_nan(a: f32, b: f32) -> f32 { return select(select(max(a, b), b, is_nan(b)), a, is_nan(a)); }
// sqrt outside [0, ∞] is indeterminate in WGSL: NaN there, as IEEE (and the CPU) give.
fn sqrt_nan(x: f32) -> f32 { return select(sqrt(x), nan_f32(), x < 0.0 || is_nan(x)); }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn inf_f32() -> f32 { let bits = 0x7f800000u; return bitcast<f32>(bits); }
fn is_negative(x: f32) -> bool { return (bitcast<u32>(x) & 0x80000000u) != 0u; } // −0 too
// log is indeterminate outside (0, ∞) in WGSL: NaN below 0, −Inf at ±0, +Inf at +Inf, as IEEE.
fn log_ieee(x: f32) -> f32 {
  if (is_nan(x) || x < 0.0) { return nan_f32(); }
  if (x == 0.0) { return -inf_f32(); }
  if (is_inf(x)) { return x; }
  return log(x);
}
// sin and cos of ±Inf are NaN (IEEE); WGSL leaves them undefined.
fn sin_ieee(x: f32) -> f32 { return select(sin(x), nan_f32(), is_inf(x) || is_nan(x)); }
fn cos_ieee(x: f32) -> f32 { return select(cos(x), nan_f32(), is_inf(x) || is_nan(x)); }
// tanh(x) rounds to ±1 in float32 once |x| > 9.1; WGSL's tanh may overflow to Inf/Inf there.
fn tanh_ieee(x: f32) -> f32 {
  if (is_nan(x)) { return x; }
  return select(tanh(x), sign(x), abs(x) > 9.5);
}
// −1, 0 or 1; 0 for NaN, as PyTorch 1.13's sign.
fn sign_torch(x: f32) -> f32 { return select(select(select(0.0, 1.0, x > 0.0), -1.0, x < 0.0), 0.0, is_nan(x)); }
// x^p as C's pow (and PyTorch): x^0 = 1 (NaN too); a finite negative x has a real power only
// for an integer p, its sign from p's parity (−0 and −Inf likewise), else NaN; |x| = 0 or Inf
// give 0 or Inf by p's sign; p = ±0.5 are √x and 1/√x, as PyTorch computes them. WGSL's
// pow(a, p) = exp2(p·log2(a)) is defined only for a > 0, the rest is by hand.
fn pow_ieee(x: f32, p: f32) -> f32 {
  if (p == 0.0) { return 1.0; }
  if (p == 0.5) { return sqrt_nan(x); }
  if (p == -0.5) { return 1.0 / sqrt_nan(x); }
  if (is_nan(x)) { return x; }
  let integer = trunc(p) == p;
  if (x < 0.0 && !is_inf(x) && !integer) { return nan_f32(); }
  let odd = integer && trunc(p * 0.5) * 2.0 != p;
  let a = abs(x);
  var magnitude: f32;
  if (a == 0.0) { magnitude = select(0.0, inf_f32(), p < 0.0); }
  else if (is_inf(a)) { magnitude = select(inf_f32(), 0.0, p < 0.0); }
  else { magnitude = pow(a, p); }
  return select(magnitude, -magnitude, is_negative(x) && odd);
}
// Comparisons as 1.0 / 0.0; `ordered` is false when either side is NaN (then all but ne are 0).
fn ordered(x: f32, y: f32) -> bool { return !is_nan(x) && !is_nan(y); }
fn as_f32(holds: bool) -> f32 { return select(0.0, 1.0, holds); }

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

// op: UNARY_* (silu: x / (1 + e^(−x)); e^(−x) overflowing to +Inf gives −0, and −Inf gives NaN,
// as PyTorch; sigmoid: 1 / (1 + e^(−x)), 0 and 1 at ∓Inf).   a: [n] → out: [n]
@compute @workgroup_size(256)
fn unary_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  let x = a[i];
  switch u.op {
    case UNARY_NEG: { out[i] = -x; }
    case UNARY_SQUARE: { out[i] = x * x; }
    case UNARY_SQRT: { out[i] = sqrt_nan(x); }
    case UNARY_RELU: { out[i] = relu(x); }
    case UNARY_EXP: { out[i] = exp(x); }
    case UNARY_LOG: { out[i] = log_ieee(x); }
    case UNARY_ABS: { out[i] = abs(x); }
    case UNARY_SIGMOID: { out[i] = 1.0 / (1.0 + exp(-x)); }
    case UNARY_TANH: { out[i] = tanh_ieee(x); }
    case UNARY_SIN: { out[i] = sin_ieee(x); }
    case UNARY_COS: { out[i] = cos_ieee(x); }
    case UNARY_SIGN: { out[i] = sign_torch(x); }
    case UNARY_SILU, default: { out[i] = x / (1.0 + exp(-x)); }
  }
}

// op: SCALAR_* (add x+c, rsub c−x, mul x·c, div x/c, rdiv c/x, min, max, pow x^c, and the
// comparisons x ⋚ c as 1/0).   a: [n] → out: [n]
@compute @workgroup_size(256)
fn scalar_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  let x = a[i];
  let c = u.c0;
  switch u.op {
    case SCALAR_ADD: { out[i] = x + c; }
    case SCALAR_RSUB: { out[i] = c - x; }
    case SCALAR_MUL: { out[i] = x * c; }
    case SCALAR_DIV: { out[i] = x / c; }
    case SCALAR_RDIV: { out[i] = c / x; }
    case SCALAR_MIN: { out[i] = min_nan(x, c); }
    case SCALAR_POW: { out[i] = pow_ieee(x, c); }
    case SCALAR_EQ: { out[i] = as_f32(ordered(x, c) && x == c); }
    case SCALAR_NE: { out[i] = as_f32(!(ordered(x, c) && x == c)); }
    case SCALAR_LT: { out[i] = as_f32(ordered(x, c) && x < c); }
    case SCALAR_LE: { out[i] = as_f32(ordered(x, c) && x <= c); }
    case SCALAR_GT: { out[i] = as_f32(ordered(x, c) && x > c); }
    case SCALAR_GE: { out[i] = as_f32(ordered(x, c) && x >= c); }
    case SCALAR_MAX, default: { out[i] = max_nan(x, c); }
  }
}

// op: BINARY_* (add, sub, mul, div, and the comparisons a ⋚ b as 1/0).   a, b broadcast (strides 0 on broadcast axes) → out: shape
@compute @workgroup_size(256)
fn binary_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  let x = a[stridedOffset(i, u.aStrides)];
  let y = b[stridedOffset(i, u.bStrides)];
  switch u.op {
    case BINARY_ADD: { out[i] = x + y; }
    case BINARY_SUB: { out[i] = x - y; }
    case BINARY_MUL: { out[i] = x * y; }
    case BINARY_EQ: { out[i] = as_f32(ordered(x, y) && x == y); }
    case BINARY_NE: { out[i] = as_f32(!(ordered(x, y) && x == y)); }
    case BINARY_LT: { out[i] = as_f32(ordered(x, y) && x < y); }
    case BINARY_LE: { out[i] = as_f32(ordered(x, y) && x <= y); }
    case BINARY_GT: { out[i] = as_f32(ordered(x, y) && x > y); }
    case BINARY_GE: { out[i] = as_f32(ordered(x, y) && x >= y); }
    case BINARY_DIV, default: { out[i] = x / y; }
  }
}

// where's select, in place over out = b broadcast to the shape (the backend writes it first):
// a = the values taken where the condition holds (aStrides), b = cond (bStrides), nonzero or
// NaN holding, as PyTorch's bool(). A select, not a blend: the unselected side's NaN/±Inf stay out.
//   out: shape, a → shape, cond → shape
@compute @workgroup_size(256)
fn where_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  let cond = b[stridedOffset(i, u.bStrides)];
  out[i] = select(out[i], a[stridedOffset(i, u.aStrides)], cond != 0.0 || is_nan(cond));
}

// a read with aStrides → out: shape (contiguous)
@compute @workgroup_size(256)
fn expand_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  out[i] = a[stridedOffset(i, u.aStrides)];
}

// a = dy, b = y (the ReLU's output): out = dy unless y ≤ 0 (PyTorch's threshold_backward: a
// NaN y passes dy)
@compute @workgroup_size(256)
fn relu_backward_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  out[i] = select(0.0, a[i], b[i] > 0.0 || is_nan(b[i]));
}

// a = dy, b = x (the SiLU's input): out = dy · s·(1 + x·(1 − s)), s = σ(x) = 1 / (1 + e^(−x))
@compute @workgroup_size(256)
fn silu_backward_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  let x = b[i];
  let s = 1.0 / (1.0 + exp(-x));
  out[i] = a[i] * s * (1.0 + x * (1.0 - s));
}

// a = dy, b = x: out = dy where c0 ≤ x ≤ c1, each bound only if op has its bit (CLAMP_LO: c0,
// CLAMP_HI: c1; a missing bound passes ±Inf); 0 where x is NaN, as PyTorch's clamp backward
@compute @workgroup_size(256)
fn clamp_backward_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                       @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  let x = b[i];
  let aboveLo = (u.op & CLAMP_LO) == 0u || x >= u.c0;
  let belowHi = (u.op & CLAMP_HI) == 0u || x <= u.c1;
  out[i] = select(0.0, a[i], aboveLo && belowHi && !is_nan(x));
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

// out ← c0·out + c1·a (a weight average: c0 = decay, c1 = 1 − decay)
@compute @workgroup_size(256)
fn average_inplace_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                        @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  out[i] = out[i] * u.c0 + a[i] * u.c1;
}

// out *= a[0] (gradient clipping: the coefficient never leaves the GPU)
@compute @workgroup_size(256)
fn scale_inplace_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                      @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= u.n) { return; }
  out[i] = out[i] * a[0];
}
