// Generated from sgd.wgsl by scripts/wgsl-modules.mjs (npm run wgsl): edit the .wgsl file.
const source: string = `// One SGD step per element, in the order of PyTorch's single-tensor SGD (torch/optim/sgd.py):
//   d   ← g + wd·p                              (when weight decay ≠ 0: L2, added to the gradient)
//   buf ← d                                     (SGD_MOMENTUM, with SGD_FIRST_STEP: the buffer's first step)
//   buf ← μ·buf + (1 − dampening)·d             (SGD_MOMENTUM, later steps)
//   d   ← d + μ·buf  (SGD_NESTEROV)  or  buf     (SGD_MOMENTUM)
//   p   ← p − lr·d
// p, buf: [n] updated in place; g: [n]. Without momentum buf is a dummy binding, never touched.
// CPU reference: engine/cpu/sgd.ts.

// Bits of u.op.
const SGD_MOMENTUM: u32 = 1u;
const SGD_FIRST_STEP: u32 = 2u;
const SGD_NESTEROV: u32 = 4u;

struct Params {
  n: u32,
  op: u32,
  lr: f32,
  weightDecay: f32,
  momentum: f32,
  oneMinusDampening: f32, // 1 − dampening rounded once from float64, as on the CPU
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> p: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> buf: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= u.n) { return; }
  var d = g[i];
  if (u.weightDecay != 0.0) { d = d + u.weightDecay * p[i]; }
  if ((u.op & SGD_MOMENTUM) != 0u) {
    if ((u.op & SGD_FIRST_STEP) != 0u) {
      buf[i] = d;
    } else {
      buf[i] = buf[i] * u.momentum + d * u.oneMinusDampening;
    }
    if ((u.op & SGD_NESTEROV) != 0u) {
      d = d + u.momentum * buf[i];
    } else {
      d = buf[i];
    }
  }
  p[i] = p[i] + (-u.lr) * d;
}
`;
export default source;
