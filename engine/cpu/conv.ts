// CPU reference for the convolution's data movement (engine/ops/conv.ts): im2col copies each
// window of the input into a row; col2im is its adjoint, written here as the scatter it is —
// every column entry added back onto the pixel it came from, in float64 — where the WGSL twin
// gathers per pixel instead. Both walk the same pairs (column entry, input pixel).

import type { Conv2dPlan } from '../backend.js';

/**
 * Calls visit(col, pixel) for every entry of cols [B·OH·OW, C·KH·KW] that copies an input pixel
 * of x [B, C, H, W] (entries in the padding are skipped: they are 0).
 */
function forEachWindowEntry(p: Conv2dPlan, visit: (col: number, pixel: number) => void): void {
  const { batch, channels, height, width, kernelH, kernelW, stride, padding, outH, outW } = p;
  const patch = channels * kernelH * kernelW;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const row = ((b * outH + oh) * outW + ow) * patch;
        for (let c = 0; c < channels; c++) {
          for (let i = 0; i < kernelH; i++) {
            const h = oh * stride - padding + i;
            if (h < 0 || h >= height) continue;
            for (let j = 0; j < kernelW; j++) {
              const w = ow * stride - padding + j;
              if (w >= 0 && w < width) visit(row + (c * kernelH + i) * kernelW + j, ((b * channels + c) * height + h) * width + w);
            }
          }
        }
      }
    }
  }
}

// x: [B, C, H, W] → cols: [B·OH·OW, C·KH·KW]
export function im2col(x: Float32Array, p: Conv2dPlan): Float32Array {
  const cols = new Float32Array(p.batch * p.outH * p.outW * p.channels * p.kernelH * p.kernelW); // zeros: the padding
  forEachWindowEntry(p, (col, pixel) => { cols[col] = x[pixel]; });
  return cols;
}

// cols: [B·OH·OW, C·KH·KW] → dx: [B, C, H, W]
export function col2im(cols: Float32Array, p: Conv2dPlan): Float32Array {
  const acc = new Float64Array(p.batch * p.channels * p.height * p.width);
  forEachWindowEntry(p, (col, pixel) => { acc[pixel] += cols[col]; });
  return Float32Array.from(acc);
}
