// MLPDiffusion, the S-curve tutorial's noise predictor, exactly (layer order, an embedding of
// the timestep added after each hidden Linear, PyTorch's default init, PyTorch's names):
//   linears = [Linear(2,H), ReLU, Linear(H,H), ReLU, Linear(H,H), ReLU, Linear(H,2)]
//   embeds  = step_embeddings = [Embedding(T,H) × 3]
//   forward(x, t): for i in 0..2: x = relu(linears[2i](x) + step_embeddings[i](t)); return linears[6](x)
// Parameter names: linears.0.weight … linears.6.bias, step_embeddings.0.weight … (the state_dict keys).

import { Embedding, Linear, linear, Module, ReLU, type Backend, type Rng, type Tensor } from '../../engine/index.js';
import type { NoisePredictor } from '../noise-predictor.js';

/**
 * The S-curve tutorial's noise predictor, exactly (see the header): ε_θ(x_t, t) for points [B, 2]
 * and timesteps [B], with hidden width 128 unless options say otherwise.
 */
export class MLPDiffusion extends Module implements NoisePredictor {
  readonly dataDim = 2;
  /** The tutorial's layer list (state_dict keys linears.0 … linears.6). */
  readonly linears: [Linear, ReLU, Linear, ReLU, Linear, ReLU, Linear];
  /** The timestep's embedding added after each hidden Linear (step_embeddings.0 … 2). */
  readonly step_embeddings: [Embedding, Embedding, Embedding];

  /**
   * The network for T = timesteps, its weights drawn from `rng` with PyTorch's init, `hidden` units
   * wide (default 128).
   */
  constructor(readonly timesteps: number, rng: Rng, options: { hidden?: number; device?: Backend } = {}) {
    super();
    const h = options.hidden ?? 128;
    const o = { device: options.device };
    this.linears = [
      new Linear(2, h, rng, o), new ReLU(),
      new Linear(h, h, rng, o), new ReLU(),
      new Linear(h, h, rng, o), new ReLU(),
      new Linear(h, 2, rng, o),
    ];
    this.step_embeddings = [new Embedding(timesteps, h, rng, o), new Embedding(timesteps, h, rng, o), new Embedding(timesteps, h, rng, o)];
  }

  /** The state_dict's keys and shapes for T = timesteps and `hidden` units, known without building the model. */
  static parameterShapes(timesteps: number, hidden: number): Map<string, number[]> {
    const h = hidden;
    return new Map<string, number[]>([
      ['linears.0.weight', [h, 2]], ['linears.0.bias', [h]], ['linears.2.weight', [h, h]], ['linears.2.bias', [h]],
      ['linears.4.weight', [h, h]], ['linears.4.bias', [h]], ['linears.6.weight', [2, h]], ['linears.6.bias', [2]],
      ...[0, 1, 2].map((i): [string, number[]] => [`step_embeddings.${i}.weight`, [timesteps, h]]),
    ]);
  }

  get flopPerSample(): number {
    return this.linears.reduce((s, layer) => s + (layer instanceof Linear ? 2 * layer.weight.size : 0), 0);
  }

  /**
   * The predicted noise (see the header).
   * x: [B, 2], t: [B] int32 in [0, timesteps) → predicted noise ε_θ: [B, 2]
   */
  forward(x: Tensor, t: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < 3; i++) {
      // Linear, + embedding of t, ReLU — fused into one kernel (same numbers as the three ops).
      const layer = this.linears[2 * i] as Linear;
      h = linear(h, layer.weight, layer.bias ?? undefined, {
        addRows: { table: this.step_embeddings[i].weight, indices: t },
        relu: true,
      });
    }
    return this.linears[6].forward(h);
  }
}
