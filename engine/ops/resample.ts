// Resampling images (NCHW) by 2, as a U-Net moves between levels:
//   upsample2x  nearest neighbour, as F.interpolate(x, scale_factor=2, mode='nearest'): each
//               pixel becomes a 2 × 2 block. A broadcast: x viewed [B·C·H, 1, W, 1] expanded to
//               [B·C·H, 2, W, 2] is, element for element, the [B, C, 2H, 2W] result; so its
//               gradient is expand's (each block's sum), with no kernel of its own.
// Downsampling is a stride-2 convolution (engine/ops/conv.ts), as in Ho et al.'s U-Net.

import { describe, expectFloat, fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { expand } from './reduce.js';
import { reshape } from './shape.js';

/**
 * Nearest-neighbour upsampling by 2 in height and width (each pixel becomes a 2 × 2 block), with
 * its gradient. Throws an EngineError unless x is a 4-D float32 tensor.
 * x: [B, C, H, W] → [B, C, 2H, 2W]
 */
export function upsample2x(x: Tensor): Tensor {
  expectFloat('upsample2x', x, 'x');
  if (x.rank !== 4) fail('upsample2x', `expected an input [B, C, H, W], got ${describe(x, 'x')}`);
  const [b, c, h, w] = x.shape;
  const blocks = expand(reshape(x, [b * c * h, 1, w, 1]), [b * c * h, 2, w, 2]);
  return reshape(blocks, [b, c, 2 * h, 2 * w]);
}
