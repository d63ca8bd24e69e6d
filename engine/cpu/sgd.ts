// CPU reference SGD step, in the order of PyTorch's single-tensor SGD (torch/optim/sgd.py):
//   d   ← g + wd·p                              (when weight decay ≠ 0: L2, added to the gradient)
//   buf ← d                                     (momentum μ ≠ 0, the buffer's first step)
//   buf ← μ·buf + (1 − dampening)·d             (momentum μ ≠ 0, later steps)
//   d   ← d + μ·buf  (Nesterov)  or  buf         (momentum μ ≠ 0)
//   p   ← p − lr·d
// Float32 per element; 1 − dampening is rounded once from float64, as PyTorch's alpha is.
// The WebGPU kernel is shaders/sgd.wgsl.

import type { SgdHyper } from '../backend.js';

// p, buf: [n], updated in place; g: [n], read only; buf null without momentum
export function sgdStep(p: Float32Array, g: Float32Array, buf: Float32Array | null, h: SgdHyper): void {
  const f = Math.fround;
  const lr = f(h.lr), wd = f(h.weightDecay), mu = f(h.momentum), oneMinusDampening = f(1 - h.dampening);
  for (let i = 0; i < p.length; i++) {
    let d = wd !== 0 ? f(g[i] + f(wd * p[i])) : g[i];
    if (buf !== null) {
      buf[i] = h.firstStep ? d : f(buf[i] * mu) + f(d * oneMinusDampening);
      d = h.nesterov ? f(d + f(mu * buf[i])) : buf[i];
    }
    p[i] = p[i] + f(-lr * d);
  }
}
