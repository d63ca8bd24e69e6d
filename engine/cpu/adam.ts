// CPU reference Adam step, in the order of PyTorch's single-tensor Adam and AdamW
// (torch/optim/adam.py, adamw.py):
//   p  ← p·(1 − lr·λ)                   (AdamW only: decoupled weight decay λ)
//   g  ← g + wd·p                       (Adam only, when weight decay ≠ 0: L2)
//   m  ← β1·m + (1−β1)·g
//   v  ← β2·v + (1−β2)·g²
//   p  ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)
// Bias corrections are host numbers (float64), as in PyTorch; the rest is float32 per element.

import type { AdamHyper } from '../backend.js';

// p, g, m, v: [n], updated in place (g is read only)
export function adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: AdamHyper): void {
  const f = Math.fround;
  const stepSize = f(h.lr / (1 - h.beta1 ** h.step));
  const bc2Sqrt = f(Math.sqrt(1 - h.beta2 ** h.step));
  const b1 = f(h.beta1), b2 = f(h.beta2), eps = f(h.eps), wd = f(h.weightDecay);
  const oneMinusB1 = f(1 - h.beta1), oneMinusB2 = f(1 - h.beta2);
  const decoupled = h.decoupledWeightDecay ?? 0;
  const weightScale = f(1 - h.lr * decoupled); // AdamW: 1 − lr·λ, rounded once from float64 as torch's mul_
  for (let i = 0; i < p.length; i++) {
    if (decoupled !== 0) p[i] = f(p[i] * weightScale);
    const grad = wd !== 0 ? f(g[i] + f(wd * p[i])) : g[i];
    m[i] = f(m[i] * b1) + f(grad * oneMinusB1);
    v[i] = f(v[i] * b2) + f(f(oneMinusB2 * grad) * grad);
    const denom = f(f(Math.sqrt(v[i]) / bc2Sqrt) + eps);
    p[i] = p[i] + f(f(-stepSize * m[i]) / denom);
  }
}
