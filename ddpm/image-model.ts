// MLPImageDiffusion: the noise predictor of the image workload, an MLP over flattened images
// that is told the timestep (unlike the seed's MNIST example, whose MLP never sees t):
//   e    = sinusoids[t]                          [B, E]  DDPM's timestep embedding, a fixed table
//   temb = time_mlp(e) = W₂·relu(W₁·e + b₁) + b₂   [B, H]
//   h₀   = x                                     [B, D]
//   hₗ   = relu(layers[l](hₗ₋₁) + time_proj[l](temb))   l = 0 … depth−1, [B, H]
//   ε_θ  = out(h_depth)                           [B, D]
// Each hidden layer gets its own projection of the time embedding. Parameter names follow
// PyTorch's conventions for the same class (time_mlp.0.weight, layers.0.weight, …, out.bias).

import {
  add, embedding, keep, Linear, Module, relu, ReLU, tensor, type Backend, type Rng, type Tensor,
} from '../engine/index.js';
import type { NoisePredictor } from './model.js';

export interface ImageModelShape {
  /** Values per image (784 for 28×28). */
  dataDim: number;
  /** Width of the hidden layers. */
  hidden: number;
  /** Number of hidden layers (≥ 1). */
  depth: number;
  /** Width of the sinusoidal timestep embedding (even). */
  timeDim: number;
  /** T. */
  numSteps: number;
}

/**
 * DDPM's timestep embedding (get_timestep_embedding): for t in [0, T) and i < E/2,
 * [sin(t·ωᵢ), cos(t·ωᵢ)] with ωᵢ = 10000^(−i/(E/2 − 1)). [T, E], computed in float64.
 */
export function timestepEmbedding(numSteps: number, dim: number): Float32Array {
  if (!Number.isInteger(dim) || dim < 4 || dim % 2 !== 0) throw new Error(`timestepEmbedding: the width must be an even number ≥ 4, got ${dim}`);
  const half = dim / 2;
  const out = new Float32Array(numSteps * dim);
  for (let t = 0; t < numSteps; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * Math.exp((-Math.log(10000) * i) / (half - 1));
      out[t * dim + i] = Math.sin(angle);
      out[t * dim + half + i] = Math.cos(angle);
    }
  }
  return out;
}

export class MLPImageDiffusion extends Module implements NoisePredictor {
  readonly time_mlp: [Linear, ReLU, Linear];
  readonly layers: Linear[];
  readonly time_proj: Linear[];
  readonly out: Linear;
  /** [T, timeDim], fixed: not a parameter. */
  private readonly sinusoids: Tensor;

  constructor(readonly shape: ImageModelShape, rng: Rng, options: { device?: Backend } = {}) {
    super();
    const { dataDim, hidden, depth, timeDim, numSteps } = shape;
    for (const [key, v] of Object.entries(shape)) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`MLPImageDiffusion: ${key} must be a positive integer, got ${v}`);
    }
    const o = { device: options.device };
    this.time_mlp = [new Linear(timeDim, hidden, rng, o), new ReLU(), new Linear(hidden, hidden, rng, o)];
    this.layers = Array.from({ length: depth }, (_, l) => new Linear(l === 0 ? dataDim : hidden, hidden, rng, o));
    this.time_proj = Array.from({ length: depth }, () => new Linear(hidden, hidden, rng, { ...o, bias: false }));
    this.out = new Linear(hidden, dataDim, rng, o);
    this.sinusoids = keep(tensor(timestepEmbedding(numSteps, timeDim), [numSteps, timeDim], o));
  }

  get numSteps(): number { return this.shape.numSteps; }
  get dataDim(): number { return this.shape.dataDim; }

  // x: [B, D], t: [B] int32 in [0, T) → ε_θ: [B, D]
  forward(x: Tensor, t: Tensor): Tensor {
    const temb = this.time_mlp[2].forward(relu(this.time_mlp[0].forward(embedding(t, this.sinusoids)))); // [B, H]
    let h = x;
    this.layers.forEach((layer, l) => {
      h = relu(add(layer.forward(h), this.time_proj[l].forward(temb)));
    });
    return this.out.forward(h);
  }

  /** Frees the parameters and the embedding table. */
  dispose(): void {
    for (const p of this.parameters()) p.dispose();
    this.sinusoids.dispose();
  }
}
