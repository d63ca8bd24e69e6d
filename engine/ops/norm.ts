// Group normalization (Wu & He 2018; torch.nn.functional.group_norm), NCHW: the channels split
// into G groups, each group of each image normalized by its own mean and variance (biased, as
// PyTorch), then scaled and shifted per channel:
//   y[b, c, h, w] = (x − μ[b, g]) / √(σ²[b, g] + ε) · γ[c] + β[c],   g = ⌊c / (C/G)⌋
// γ and β are optional, as in PyTorch (weight=None, bias=None): without γ no scale, without β no shift.
// Made of the engine's reductions and broadcasting ops, so its gradient is theirs (autograd
// composes it) and both backends run it as they are; x is viewed [B, G, (C/G)·H·W] for the
// statistics. A fused kernel would save passes over x; the composition is the reference.

import { describe, expectFloat, expectSameDevice, fail } from '../errors.js';
import { Tensor } from '../tensor.js';
import { add, div, mul, sqrt, square, sub } from './elementwise.js';
import { mean } from './mean.js';
import { reshape } from './shape.js';

export interface GroupNormOptions {
  /** Added to the variance (PyTorch's default 1e-5). */
  eps?: number;
}

// x: [B, C, H, W], weight (γ), bias (β): [C] or null/undefined → [B, C, H, W]
export function groupNorm(x: Tensor, groups: number, weight?: Tensor | null, bias?: Tensor | null, options: GroupNormOptions = {}): Tensor {
  expectFloat('groupNorm', x, 'x');
  if (x.rank !== 4) fail('groupNorm', `expected an input [B, C, H, W], got ${describe(x, 'x')}`);
  const [b, c, h, w] = x.shape;
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0) {
    fail('groupNorm', `${groups} groups do not divide the ${c} channels of ${describe(x, 'x')}`);
  }
  const affine: Record<string, Tensor> = {};
  for (const [role, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t === undefined || t === null) continue;
    if (!(t instanceof Tensor)) {
      fail('groupNorm', `expected ${role} to be a tensor [${c}], null or undefined, got ${typeof t === 'object' ? `{ ${Object.keys(t).join(', ')} }` : String(t)} ` +
        `(options such as eps come fifth: groupNorm(x, groups, weight, bias, { eps }))`);
    }
    expectFloat('groupNorm', t, role);
    if (t.rank !== 1 || t.shape[0] !== c) fail('groupNorm', `expected ${role} [${c}] for ${describe(x, 'x')}, got ${describe(t, role)}`);
    affine[role] = t;
  }
  expectSameDevice('groupNorm', { x, ...affine });
  const eps = options.eps ?? 1e-5;
  const grouped = reshape(x, [b, groups, (c / groups) * h * w]);
  const centred = sub(grouped, mean(grouped, 2, true)); // [B, G, n]
  const variance = mean(square(centred), 2, true); // [B, G, 1], biased
  const normalized = reshape(div(centred, sqrt(add(variance, eps))), [b, c, h, w]);
  const scaled = weight ? mul(normalized, reshape(weight, [1, c, 1, 1])) : normalized;
  return bias ? add(scaled, reshape(bias, [1, c, 1, 1])) : scaled;
}
