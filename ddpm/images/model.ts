// MLPImageDiffusion: the noise predictor of the image workload, an MLP over flattened images
// that is told the timestep (unlike the seed's MNIST example, whose MLP never sees t):
//   e    = sinusoids[t]                          [B, E]  DDPM's timestep embedding, a fixed table
//   temb = time_mlp(e) = W₂·relu(W₁·e + b₁) + b₂   [B, H]
//   h₀   = x                                     [B, D]
//   hₗ   = relu(layers[l](hₗ₋₁) + time_proj[l](temb))   l = 0 … depth−1, [B, H]
//   ε_θ  = out(h_depth)                           [B, D]
// Each hidden layer gets its own projection of the time embedding. Parameter names follow
// PyTorch's conventions for the same class (time_mlp.0.weight, layers.0.weight, …, out.bias).
//
// With `preconditioning` (the data's mean image μ and its variance σ² about it — one number, or
// one per pixel — and the schedule's ᾱ), the MLP's output F is not ε̂ itself but the correction
// to the best linear guess of x_0 (a Wiener filter, as in Karras et al.'s preconditioning):
//   x̂_0 = μ + c_skip·(x_t − √ᾱ_t μ) + c_out·F,  c_skip = √ᾱ σ² / (ᾱ σ² + 1 − ᾱ),
//   c_out = √(σ² (1 − ᾱ) / (ᾱ σ² + 1 − ᾱ)),     ε̂ = (x_t − √ᾱ_t x̂_0) / √(1 − ᾱ_t)
// — so ε̂ = A_t·x_t + B_t·μ + C_t·F, and the loss stays the ε-MSE. Without it an MLP narrower
// than the image must carry ε ≈ x_t (a 784-wide identity) through its hidden layers and stalls:
// on MNIST with 256 hidden units the loss stayed at 0.88 for 13 epochs; with it, 0.14 after 17.
// With a variance per pixel (a diagonal Wiener filter), a pixel the data never varies (σᵢ² = 0:
// MNIST's border) gets c_skip = c_out = 0, so x̂_0 = μ there whatever F says: no stray ink.

import {
  add, embedding, keep, Linear, Module, mul, relu, ReLU, tensor, type Backend, type Rng, type Tensor,
} from '../../engine/index.js';
import type { NoisePredictor } from '../noise-predictor.js';

/**
 * An MLPImageDiffusion's sizes: pixels per image, hidden width and depth, the time embedding's
 * width, and T.
 */
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
  timesteps: number;
}

/**
 * DDPM's timestep embedding (get_timestep_embedding): for t in [0, T) and i < E/2,
 * [sin(t·ωᵢ), cos(t·ωᵢ)] with ωᵢ = 10000^(−i/(E/2 − 1)). [T, E], computed in float64.
 */
export function timestepEmbedding(timesteps: number, dim: number): Float32Array {
  if (!Number.isInteger(dim) || dim < 4 || dim % 2 !== 0) throw new Error(`timestepEmbedding: the width must be an even number ≥ 4, got ${dim}`);
  const half = dim / 2;
  const out = new Float32Array(timesteps * dim);
  for (let t = 0; t < timesteps; t++) {
    for (let i = 0; i < half; i++) {
      const angle = t * Math.exp((-Math.log(10000) * i) / (half - 1));
      out[t * dim + i] = Math.sin(angle);
      out[t * dim + half + i] = Math.cos(angle);
    }
  }
  return out;
}

/** What the Wiener preconditioning needs: ᾱ_t for t in [0, T), the mean image [D], σ² about it. */
export interface Preconditioning {
  alphasBar: ArrayLike<number>;
  mean: Float32Array;
  /** σ² of all pixels about the mean (one number), or of each pixel ([D]). */
  variance: number | Float32Array;
}

/**
 * A_t, B_t, C_t of ε̂ = A_t·x_t + B_t·μ + C_t·F for every t, in float64 (then float32): [T] for
 * one variance, [T, D] (row t, pixel i) for a variance per pixel (σᵢ² = 0 allowed there).
 */
export function wienerCoefficients(alphasBar: ArrayLike<number>, variance: number | Float32Array): { a: Float32Array; b: Float32Array; c: Float32Array } {
  const variances = typeof variance === 'number' ? [variance] : variance;
  const perPixel = typeof variance !== 'number';
  for (let i = 0; i < variances.length; i++) {
    const v = variances[i];
    if (!(perPixel ? v >= 0 : v > 0) || !Number.isFinite(v)) {
      throw new Error(`wienerCoefficients: the data variance${perPixel ? ` of pixel ${i}` : ''} must be ${perPixel ? '≥ 0' : '> 0'}, got ${v}`);
    }
  }
  const T = alphasBar.length, D = variances.length;
  const [a, b, c] = [new Float32Array(T * D), new Float32Array(T * D), new Float32Array(T * D)];
  for (let t = 0; t < T; t++) {
    const ab = alphasBar[t], sa = Math.sqrt(ab), s1 = Math.sqrt(1 - ab);
    for (let i = 0; i < D; i++) {
      const v = variances[i];
      const denominator = ab * v + 1 - ab;
      const cSkip = (sa * v) / denominator;
      const cOut = Math.sqrt((v * (1 - ab)) / denominator);
      a[t * D + i] = (1 - sa * cSkip) / s1;
      b[t * D + i] = (ab * cSkip - sa) / s1;
      c[t * D + i] = (-sa * cOut) / s1;
    }
  }
  return { a, b, c };
}

/**
 * The image workload's MLP noise predictor (see the header): ε_θ(x_t, t) for flattened images [B,
 * dataDim] and timesteps [B], optionally with the Wiener preconditioning built from the training
 * images' statistics.
 */
export class MLPImageDiffusion extends Module implements NoisePredictor {
  /** The time embedding's MLP: sinusoids [B, timeDim] → [B, hidden]. */
  readonly time_mlp: [Linear, ReLU, Linear];
  /** The hidden layers, `depth` of them. */
  readonly layers: Linear[];
  /** Each hidden layer's projection of the time embedding (no bias). */
  readonly time_proj: Linear[];
  /** The output layer: [B, hidden] → [B, dataDim]. */
  readonly out: Linear;
  /** [T, timeDim], fixed: not a parameter. */
  private readonly sinusoids: Tensor;
  /** What the Wiener preconditioning was built from (null without it); a checkpoint stores it. */
  readonly preconditioning: Preconditioning | null;
  /** With preconditioning: A, B, C as [T, 1] tables (or [T, D] with a variance per pixel) and μ as [1, D]; fixed. */
  private readonly wiener: { a: Tensor; b: Tensor; c: Tensor; mean: Tensor } | null = null;

  /**
   * The network of `shape`, its weights drawn from `rng`, with the Wiener preconditioning when
   * options give its statistics. Throws when a size is not a positive integer or the statistics do
   * not fit the shape.
   */
  constructor(readonly shape: ImageModelShape, rng: Rng, options: { device?: Backend; preconditioning?: Preconditioning } = {}) {
    super();
    const { dataDim, hidden, depth, timeDim, timesteps } = shape;
    for (const [key, v] of Object.entries(shape)) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`MLPImageDiffusion: ${key} must be a positive integer, got ${v}`);
    }
    const o = { device: options.device };
    this.time_mlp = [new Linear(timeDim, hidden, rng, o), new ReLU(), new Linear(hidden, hidden, rng, o)];
    this.layers = Array.from({ length: depth }, (_, l) => new Linear(l === 0 ? dataDim : hidden, hidden, rng, o));
    this.time_proj = Array.from({ length: depth }, () => new Linear(hidden, hidden, rng, { ...o, bias: false }));
    this.out = new Linear(hidden, dataDim, rng, o);
    this.sinusoids = keep(tensor(timestepEmbedding(timesteps, timeDim), [timesteps, timeDim], o));
    const pre = options.preconditioning ?? null;
    this.preconditioning = pre;
    if (pre) {
      const variances = typeof pre.variance === 'number' ? 1 : pre.variance.length;
      if (pre.alphasBar.length !== timesteps || pre.mean.length !== dataDim || (variances !== 1 && variances !== dataDim)) {
        throw new Error(`MLPImageDiffusion: preconditioning needs ᾱ for ${timesteps} steps, a mean of ${dataDim} values and 1 or ${dataDim} ` +
          `variances, got ${pre.alphasBar.length}, ${pre.mean.length} and ${variances}`);
      }
      const { a, b, c } = wienerCoefficients(pre.alphasBar, pre.variance);
      const table = (v: Float32Array): Tensor => keep(tensor(v, [timesteps, variances], o));
      this.wiener = { a: table(a), b: table(b), c: table(c), mean: keep(tensor(pre.mean, [1, dataDim], o)) };
    }
  }

  /** The state_dict's keys and shapes for `shape`, known without building the network. */
  static parameterShapes(shape: ImageModelShape): Map<string, number[]> {
    const { dataDim, hidden, depth, timeDim } = shape;
    const linear = (name: string, inputs: number, outputs: number, bias = true): [string, number[]][] =>
      [[`${name}.weight`, [outputs, inputs]], ...(bias ? [[`${name}.bias`, [outputs]] as [string, number[]]] : [])];
    return new Map([
      ...linear('time_mlp.0', timeDim, hidden), ...linear('time_mlp.2', hidden, hidden),
      ...Array.from({ length: depth }, (_, l) => linear(`layers.${l}`, l === 0 ? dataDim : hidden, hidden)).flat(),
      ...Array.from({ length: depth }, (_, l) => linear(`time_proj.${l}`, hidden, hidden, false)).flat(),
      ...linear('out', hidden, dataDim),
    ]);
  }

  get timesteps(): number { return this.shape.timesteps; }
  get dataDim(): number { return this.shape.dataDim; }
  /** Every Linear once a sample: the time MLP, the layers, their time projections and the output. */
  get flopPerSample(): number {
    return [this.time_mlp[0], this.time_mlp[2], ...this.layers, ...this.time_proj, this.out].reduce((s, layer) => s + 2 * layer.weight.size, 0);
  }

  /**
   * The predicted noise (see the header).
   * x: [B, D], t: [B] int32 in [0, T) → ε_θ: [B, D]
   */
  forward(x: Tensor, t: Tensor): Tensor {
    const temb = this.time_mlp[2].forward(relu(this.time_mlp[0].forward(embedding(t, this.sinusoids)))); // [B, H]
    let h = x;
    this.layers.forEach((layer, l) => {
      h = relu(add(layer.forward(h), this.time_proj[l].forward(temb)));
    });
    const f = this.out.forward(h);
    if (!this.wiener) return f;
    const { a, b, c, mean } = this.wiener;
    // ε̂ = A_t·x_t + B_t·μ + C_t·F: [B, D]·[B, V] + [1, D]·[B, V] + [B, D]·[B, V], V = 1 or D
    return add(add(mul(x, embedding(t, a)), mul(mean, embedding(t, b))), mul(f, embedding(t, c)));
  }

  /** Frees the parameters (Module.dispose) and the fixed tables. */
  override dispose(): void {
    super.dispose();
    this.sinusoids.dispose();
    for (const t of Object.values(this.wiener ?? {})) t.dispose();
  }
}
