// Log-softmax and scaled softmax over the rows of a [rows, cols] matrix, and their gradients
// (CPU twin: engine/cpu/softmax.ts). One thread per row, walking its columns in order (rows are
// short: class scores, attention's tokens), so no barriers.
//   log_softmax_main           out[r, c] = x[r, c] − (m + log Σ_k exp(x[r, k] − m)), m = max_k x[r, k]
//   log_softmax_backward_main  out[r, c] = dy[r, c] − exp(y[r, c]) · Σ_k dy[r, k]   (y = log-softmax)
//   softmax_main               out[r, c] = exp(z[r, c] − m) / Σ_k exp(z[r, k] − m),
//                              z = scale·x (rounded to float32 first), m = max_k z[r, k]
//   softmax_backward_main      out[r, c] = scale · y[r, c] · (dy[r, c] − Σ_k dy[r, k]·y[r, k])   (y = softmax)
// The softmax backward, derived: ∂y_c/∂z_j = y_c·(δ_cj − y_j), so ∂L/∂z_j = Σ_c dy_c·y_c·(δ_cj − y_j)
// = y_j·(dy_j − Σ_c dy_c·y_c) (PyTorch's softmax_backward), and z = scale·x gives the factor scale.
// The log-softmax entry points ignore `scale`.
// Accumulation is float32 (the CPU reference accumulates in float64).
// Non-finite rows as PyTorch's log_softmax and softmax: a row holding a NaN or +Inf, or only −Inf,
// is NaN throughout (its max is not finite); otherwise a −Inf entry gives −Inf (0 for softmax). The NaN rows are
// written by hand rather than left to exp(x − max): compilers may fold `x − x` to 0 even for NaN
// and Inf (lavapipe does), and WGSL's max may drop a NaN.

struct Params {
  rows: u32,
  cols: u32,
  scale: f32,  // softmax's z = scale·x (the softmax entry points only)
  _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;   // x (forward) or dy (backward)
@group(0) @binding(3) var<storage, read> b: array<f32>;   // y, the forward's output (backward only)

// NaN and Inf are tested on the bits (compilers may fold `x != x`); WGSL's max may drop a NaN.
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u; }
fn max_nan(a: f32, b: f32) -> f32 { return select(select(max(a, b), b, is_nan(b)), a, is_nan(a)); }
// A quiet NaN made at run time (a NaN constant expression is a shader-creation error).
fn nan_f32() -> f32 { let bits = 0x7fc00000u; return bitcast<f32>(bits); }

fn row_of(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * 64u + lid;
}

@compute @workgroup_size(64)
fn log_softmax_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
  let r = row_of(wid, nwg, lid);
  if (r >= u.rows) { return; }
  let first = r * u.cols;
  var m = a[first];
  for (var c = 1u; c < u.cols; c++) { m = max_nan(m, a[first + c]); }
  if (!is_finite(m)) {
    for (var c = 0u; c < u.cols; c++) { out[first + c] = nan_f32(); }
    return;
  }
  var s = 0.0;
  for (var c = 0u; c < u.cols; c++) { s += exp(a[first + c] - m); }
  let log_sum = m + log(s);
  for (var c = 0u; c < u.cols; c++) { out[first + c] = a[first + c] - log_sum; }
}

@compute @workgroup_size(64)
fn log_softmax_backward_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                             @builtin(local_invocation_index) lid: u32) {
  let r = row_of(wid, nwg, lid);
  if (r >= u.rows) { return; }
  let first = r * u.cols;
  var total = 0.0;
  for (var c = 0u; c < u.cols; c++) { total += a[first + c]; }
  for (var c = 0u; c < u.cols; c++) { out[first + c] = a[first + c] - exp(b[first + c]) * total; }
}

@compute @workgroup_size(64)
fn softmax_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let r = row_of(wid, nwg, lid);
  if (r >= u.rows) { return; }
  let first = r * u.cols;
  var m = u.scale * a[first];
  for (var c = 1u; c < u.cols; c++) { m = max_nan(m, u.scale * a[first + c]); }
  if (!is_finite(m)) {
    for (var c = 0u; c < u.cols; c++) { out[first + c] = nan_f32(); }
    return;
  }
  // m is finite, so each exp is at most 1 and the largest is exactly 1: s ∈ [1, cols]
  var s = 0.0;
  for (var c = 0u; c < u.cols; c++) { s += exp(u.scale * a[first + c] - m); }
  for (var c = 0u; c < u.cols; c++) { out[first + c] = exp(u.scale * a[first + c] - m) / s; }
}

@compute @workgroup_size(64)
fn softmax_backward_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                         @builtin(local_invocation_index) lid: u32) {
  let r = row_of(wid, nwg, lid);
  if (r >= u.rows) { return; }
  let first = r * u.cols;
  var dot = 0.0;  // Σ_k dy[r, k]·y[r, k]
  for (var c = 0u; c < u.cols; c++) { dot += a[first + c] * b[first + c]; }
  for (var c = 0u; c < u.cols; c++) { out[first + c] = u.scale * (b[first + c] * (a[first + c] - dot)); }
}
