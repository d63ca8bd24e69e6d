// Loss functions, built from differentiable ops so their gradients come for free.

import { describe, fail } from '../errors.js';
import { sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { square, sub } from './elementwise.js';
import { mean } from './reduce.js';

/** mean((input − target)²) over all elements; shapes must match exactly. */
export function mseLoss(input: Tensor, target: Tensor): Tensor {
  if (!sameShape(input.shape, target.shape)) {
    fail('mseLoss', `input and target must have the same shape, got ${describe(input, 'input')} and ${describe(target, 'target')}`);
  }
  return mean(square(sub(input, target)));
}
