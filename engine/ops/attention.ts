// Scaled dot-product attention (Vaswani et al. 2017), as the U-Net's self-attention over an
// image's H·W positions uses it: for each of N independent sequences of T tokens,
//   out = softmax(q·kᵀ · scale) · v,   scale = 1/√d by default
// Made of bmm and one scaled softmax kernel (softmax(scale·S) in one pass, its backward
// scale · W·(g − Σ g·W) in one more: engine/ops/softmax.ts), so its backward is theirs.
// The T × T weights are kept for the backward: fine at 7×7 = 49 tokens; a fused kernel that
// never stores them (flash attention) would pay only at many more.

import { describe, expectFloat, fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { bmm } from './matmul.js';
import { scaledSoftmax } from './softmax.js';

/**
 * Scaled dot-product attention, softmax(q·kᵀ·scale)·v per batch entry (scale 1/√d unless given),
 * with its gradients; k and v may have another length S than q's T. Throws an EngineError when the
 * shapes do not fit.
 * q, k: [N, T, d], v: [N, T, dv] → [N, T, dv]
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, options: { scale?: number } = {}): Tensor {
  for (const [role, t] of [['q', q], ['k', k], ['v', v]] as const) expectFloat('attention', t, role);
  if (q.rank !== 3 || k.rank !== 3 || v.rank !== 3 || k.shape[0] !== q.shape[0] || v.shape[0] !== q.shape[0] ||
    k.shape[2] !== q.shape[2] || v.shape[1] !== k.shape[1]) {
    fail('attention', `expected q [N, T, d], k [N, S, d] and v [N, S, dv], got ${describe(q, 'q')}, ${describe(k, 'k')} and ${describe(v, 'v')}`);
  }
  const scale = options.scale ?? 1 / Math.sqrt(q.shape[2]);
  const weights = scaledSoftmax('attention', bmm(q, k, { transB: true }), scale); // [N, T, S], rows sum to 1
  return bmm(weights, v);
}
