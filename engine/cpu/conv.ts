// CPU reference for the 2-D convolution (engine/ops/conv.ts): the three sums written straight
// from their definitions, one output element at a time, each summed in float64 — where the WGSL
// twins (shaders/conv*.wgsl) walk them as blocked implicit GEMMs. All three visit the same
// (output position, tap) pairs: the window of output (oh, ow) at tap (i, j) reads input pixel
// (oh·S − P + i, ow·S − P + j), and a pixel in the padding contributes nothing.
//   forward       y[b, o, oh, ow] = bias[o] + Σ_{c,i,j} x[b, c, h, w] · weight[o, c, i, j]
//   input grad    dx[b, c, h, w]  = Σ over the (o, oh, ow, i, j) whose window reads (h, w) of dy[b, o, oh, ow] · weight[o, c, i, j]
//   weight grad   dW[o, c, i, j]  = Σ_{b,oh,ow} dy[b, o, oh, ow] · x[b, c, h, w]

import type { Conv2dPlan } from '../backend.js';

/** Calls visit(h, w) with the input pixel output (oh, ow) reads at tap (i, j), unless it lies in the padding. */
function tapPixel(p: Conv2dPlan, oh: number, ow: number, i: number, j: number, visit: (h: number, w: number) => void): void {
  const h = oh * p.stride - p.padding + i, w = ow * p.stride - p.padding + j;
  if (h >= 0 && h < p.height && w >= 0 && w < p.width) visit(h, w);
}

// x: [B, C, H, W], weight: [O, C, KH, KW], bias: [O] or null → y: [B, O, OH, OW]
export function conv2d(x: Float32Array, weight: Float32Array, bias: Float32Array | null, p: Conv2dPlan): Float32Array {
  const { batch, channels, height, width, outChannels, kernelH, kernelW, outH, outW } = p;
  const y = new Float32Array(batch * outChannels * outH * outW);
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outChannels; o++) {
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          let total = bias ? bias[o] : 0;
          for (let c = 0; c < channels; c++) {
            for (let i = 0; i < kernelH; i++) {
              for (let j = 0; j < kernelW; j++) {
                tapPixel(p, oh, ow, i, j, (h, w) => {
                  total += x[((b * channels + c) * height + h) * width + w] * weight[((o * channels + c) * kernelH + i) * kernelW + j];
                });
              }
            }
          }
          y[((b * outChannels + o) * outH + oh) * outW + ow] = total;
        }
      }
    }
  }
  return y;
}

// dy: [B, O, OH, OW], weight: [O, C, KH, KW] → dx: [B, C, H, W]
export function conv2dInputGrad(dy: Float32Array, weight: Float32Array, p: Conv2dPlan): Float32Array {
  const { batch, channels, height, width, outChannels, kernelH, kernelW, outH, outW } = p;
  // Scattered from each (output, tap) pair onto the pixel it read: the same pairs the gather visits.
  const dx = new Float64Array(batch * channels * height * width);
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outChannels; o++) {
      for (let oh = 0; oh < outH; oh++) {
        for (let ow = 0; ow < outW; ow++) {
          const g = dy[((b * outChannels + o) * outH + oh) * outW + ow];
          for (let c = 0; c < channels; c++) {
            for (let i = 0; i < kernelH; i++) {
              for (let j = 0; j < kernelW; j++) {
                tapPixel(p, oh, ow, i, j, (h, w) => {
                  dx[((b * channels + c) * height + h) * width + w] += g * weight[((o * channels + c) * kernelH + i) * kernelW + j];
                });
              }
            }
          }
        }
      }
    }
  }
  return Float32Array.from(dx);
}

// dy: [B, O, OH, OW], x: [B, C, H, W] → dW: [O, C, KH, KW]
export function conv2dWeightGrad(dy: Float32Array, x: Float32Array, p: Conv2dPlan): Float32Array {
  const { batch, channels, height, width, outChannels, kernelH, kernelW, outH, outW } = p;
  const dw = new Float32Array(outChannels * channels * kernelH * kernelW);
  for (let o = 0; o < outChannels; o++) {
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < kernelH; i++) {
        for (let j = 0; j < kernelW; j++) {
          let total = 0;
          for (let b = 0; b < batch; b++) {
            for (let oh = 0; oh < outH; oh++) {
              for (let ow = 0; ow < outW; ow++) {
                tapPixel(p, oh, ow, i, j, (h, w) => {
                  total += dy[((b * outChannels + o) * outH + oh) * outW + ow] * x[((b * channels + c) * height + h) * width + w];
                });
              }
            }
          }
          dw[((o * channels + c) * kernelH + i) * kernelW + j] = total;
        }
      }
    }
  }
  return dw;
}
