// The interface every diffusion network implements: ε_θ(x_t, t), the noise in x_t, from a batch
// of flattened samples and their timesteps, with what the loss, the samplers and the size checks
// need to know of it. The networks: MLPDiffusion (model.ts, the S-curve's), MLPImageDiffusion
// and UNetDiffusion (image/).

import type { Tensor } from '../engine/index.js';

/** What the loss and the samplers need of a noise-predicting network: ε_θ(x_t, t) for [B, dataDim] x. */
export interface NoisePredictor {
  /** T, the diffusion timesteps: t runs from 0 to T − 1. */
  readonly timesteps: number;
  /** The width of a data point (2 for the S-curve, 784 for a 28×28 image). */
  readonly dataDim: number;
  /** The most values one sample puts in a single intermediate tensor, when far more than dataDim (e.g. a U-Net's widest activation): it bounds a sampling batch. */
  readonly widestPerSample?: number;
  /**
   * FLOP of one forward pass per sample: 2 per multiply-add of its products (linear maps,
   * convolutions, attention); elementwise work left out. A training step does about 3× this a
   * sample (forward, and backward's two products).
   */
  readonly flopPerSample: number;
  /**
   * The predicted noise ε_θ(x_t, t), with the graph for backward.
   * x: [B, dataDim], t: [B] int32 → ε_θ: [B, dataDim]
   */
  forward(x: Tensor, t: Tensor): Tensor;
}
