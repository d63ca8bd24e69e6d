// One Adam or AdamW step per element, in the order of PyTorch's single-tensor Adam and AdamW:
//   p ← weightScale·p   (AdamW's decoupled decay: weightScale = 1 − lr·λ; 1 for Adam, skipped)
//   g ← g + wd·p;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;   (wd: Adam's L2; 0 for AdamW)
//   p ← p − stepSize · m / (√v / √(1−β2^t) + ε),   stepSize = lr / (1−β1^t)
// The bias corrections depend only on the step count and are computed on the host (the step
// count is a uniform, not data). p, m, v: [n] updated in place; g: [n].
// CPU reference: engine/cpu/adam.ts.

struct Params {
  n: u32,
  stepSize: f32,
  bc2Sqrt: f32,
  beta1: f32,
  beta2: f32,
  oneMinusBeta1: f32, // 1 − β1 rounded once from float64, as on the CPU
  oneMinusBeta2: f32,
  eps: f32,
  weightDecay: f32,   // Adam's L2 penalty, added to the gradient
  weightScale: f32,   // AdamW: 1 − lr·λ rounded once from float64; 1 for Adam
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> p: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= u.n) { return; }
  if (u.weightScale != 1.0) { p[i] = p[i] * u.weightScale; }
  var grad = g[i];
  if (u.weightDecay != 0.0) { grad = grad + u.weightDecay * p[i]; }
  m[i] = m[i] * u.beta1 + u.oneMinusBeta1 * grad;
  v[i] = v[i] * u.beta2 + (u.oneMinusBeta2 * grad) * grad;
  let denom = sqrt(v[i]) / u.bc2Sqrt + u.eps;
  p[i] = p[i] + (-u.stepSize * m[i]) / denom;
}
