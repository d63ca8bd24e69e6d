// A tiny cousin of the S-curve tutorial's MLPDiffusion: two hidden
// layers, each followed by a per-class embedding added before the ReLU, then a linear output.
// Parameter names match the PyTorch module in test/fixtures/make_fixtures.py.

import { add, Embedding, Linear, Module, ReLU, relu, type Backend, type Rng, type Tensor } from '../engine/index.js';

export class TinyMLP extends Module {
  readonly linears: [Linear, ReLU, Linear, ReLU, Linear];
  readonly embeds: [Embedding, Embedding];

  constructor(readonly hidden: number, readonly classes: number, rng: Rng, options: { device?: Backend } = {}) {
    super();
    this.linears = [
      new Linear(2, hidden, rng, options), new ReLU(),
      new Linear(hidden, hidden, rng, options), new ReLU(),
      new Linear(hidden, 2, rng, options),
    ];
    this.embeds = [new Embedding(classes, hidden, rng, options), new Embedding(classes, hidden, rng, options)];
  }

  // x: [B, 2], t: [B] int32 in [0, classes) → [B, 2]
  forward(x: Tensor, t: Tensor): Tensor {
    const [l0, , l2, , l4] = this.linears;
    let h = relu(add(l0.forward(x), this.embeds[0].forward(t)));
    h = relu(add(l2.forward(h), this.embeds[1].forward(t)));
    return l4.forward(h);
  }
}
