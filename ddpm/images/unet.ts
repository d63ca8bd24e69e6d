// UNetDiffusion: the DDPM paper's kind of noise predictor (Ho et al.'s `diffusion` code), small,
// for 28×28 images: residual blocks of 3×3 convolutions with group normalization and SiLU, the
// timestep's sinusoidal embedding added in every block, self-attention at the lowest
// resolution, stride-2 convolutions down and nearest upsampling up, with skip connections.
// With channels [32, 64, 64] on 28×28 (levels at 28, 14 and 7):
//   temb = time_mlp(sinusoids[t])                          [B, 4·C₀]
//   h = conv_in(x)                                          [B, 32, 28, 28]
//   down[0] → skip₀, downsample[0] → 14; down[1] → skip₁, downsample[1] → 7; down[2] → skip₂
//   mid_attn, mid_block                                     [B, 64, 7, 7]
//   up[0](h ⧺ skip₂) → 7, ×2 → 14; up[1](h ⧺ skip₁), ×2 → 28; up[2](h ⧺ skip₀) [B, 32, 28, 28]
//   ε_θ = out_conv(silu(out_norm(h)))                       [B, 1, 28, 28] → [B, 784]
// ResBlock(x, temb): h = conv1(silu(norm1(x))) + time_proj(silu(temb)) per channel;
//   h = conv2(silu(norm2(h))); out = skip(x) + h (skip a 1×1 convolution when the width changes).
// AttentionBlock(x): q, k, v = 1×1 convolutions of norm(x), attention over the H·W positions,
//   out = x + proj(·). The network predicts ε itself (no preconditioning), as Ho et al.'s.
// Each silu(norm(·)) is one fused group-norm kernel (engine/ops/norm.ts), and the block's
// time_proj(tact) enters norm2 as its per-channel shift, the sum h + temb never stored (norm2 is
// its only reader): the same numbers as the composition above.
// Names are the PyTorch twin's state_dict keys (test/fixtures/make_fixtures.py): time_mlp.0.weight,
// down.1.conv1.weight, down.1.skip.weight, mid_attn.q.weight, up.0.norm1.weight, out_conv.bias, …

import {
  add, attention, concat, Conv2d, defaultDevice, embedding, GroupNorm, keep, linear, Linear, Module, permute, reshape, silu, SiLU, tensor, upsample2x,
  type Backend, type Rng, type Tensor,
} from '../../engine/index.js';
import type { NoisePredictor } from '../noise-predictor.js';
import { timestepEmbedding } from './model.js';

/**
 * A UNetDiffusion's sizes: image height and width, channels per level, the groups of its group
 * norms, the time embedding's width, and T.
 */
export interface UNetShape {
  /** Pixels per column and per row; both divisible by 2^(levels − 1). */
  height: number;
  width: number;
  /** Channels per level, highest resolution first (one level per entry). */
  channels: readonly number[];
  /** Groups of every group normalization; divides every level's channels. */
  groups: number;
  /** Width of the sinusoidal timestep embedding (even). */
  timeDim: number;
  /** T. */
  timesteps: number;
}

interface Layer { device: Backend; rng: Rng }

/** Parameter keys and shapes, as a state_dict lists them. */
type Shapes = [string, number[]][];
const convShapes = (name: string, inputs: number, outputs: number, kernel: number): Shapes =>
  [[`${name}.weight`, [outputs, inputs, kernel, kernel]], [`${name}.bias`, [outputs]]];
const normShapes = (name: string, channels: number): Shapes => [[`${name}.weight`, [channels]], [`${name}.bias`, [channels]]];
const linearShapes = (name: string, inputs: number, outputs: number): Shapes => [[`${name}.weight`, [outputs, inputs]], [`${name}.bias`, [outputs]]];

class ResBlock extends Module {
  readonly norm1: GroupNorm;
  readonly conv1: Conv2d;
  readonly time_proj: Linear;
  readonly norm2: GroupNorm;
  readonly conv2: Conv2d;
  readonly skip: Conv2d | null;

  constructor(readonly inChannels: number, readonly outChannels: number, timeWidth: number, groups: number, { device, rng }: Layer) {
    super();
    this.norm1 = new GroupNorm(groups, inChannels, { device });
    this.conv1 = new Conv2d(inChannels, outChannels, 3, rng, { device, padding: 1 });
    this.time_proj = new Linear(timeWidth, outChannels, rng, { device });
    this.norm2 = new GroupNorm(groups, outChannels, { device });
    this.conv2 = new Conv2d(outChannels, outChannels, 3, rng, { device, padding: 1 });
    this.skip = inChannels === outChannels ? null : new Conv2d(inChannels, outChannels, 1, rng, { device });
  }

  /** The parameters' keys (under `name`) and shapes, as the constructor makes them. */
  static shapes(name: string, inChannels: number, outChannels: number, timeWidth: number): Shapes {
    return [
      ...normShapes(`${name}.norm1`, inChannels), ...convShapes(`${name}.conv1`, inChannels, outChannels, 3),
      ...linearShapes(`${name}.time_proj`, timeWidth, outChannels), ...normShapes(`${name}.norm2`, outChannels),
      ...convShapes(`${name}.conv2`, outChannels, outChannels, 3),
      ...(inChannels === outChannels ? [] : convShapes(`${name}.skip`, inChannels, outChannels, 1)),
    ];
  }

  // x: [B, C_in, H, W], tact = silu(temb): [B, T] → [B, C_out, H, W]
  // h + temb is read only by norm2 (the residual adds conv2's output to x), so the embedding
  // enters as norm2's shift: silu(norm2(h + temb)) in one kernel, the sum never stored.
  forward(x: Tensor, tact: Tensor): Tensor {
    const h = this.conv1.forward(this.norm1.forward(x, { silu: true }));
    const temb = this.time_proj.forward(tact); // [B, C_out]
    const out = this.conv2.forward(this.norm2.forward(h, { shift: temb, silu: true }));
    return add(this.skip ? this.skip.forward(x) : x, out);
  }
}

class AttentionBlock extends Module {
  readonly norm: GroupNorm;
  readonly q: Conv2d;
  readonly k: Conv2d;
  readonly v: Conv2d;
  readonly proj: Conv2d;

  constructor(readonly channels: number, groups: number, { device, rng }: Layer) {
    super();
    this.norm = new GroupNorm(groups, channels, { device });
    [this.q, this.k, this.v, this.proj] = Array.from({ length: 4 }, () => new Conv2d(channels, channels, 1, rng, { device }));
  }

  /** The parameters' keys (under `name`) and shapes, as the constructor makes them. */
  static shapes(name: string, channels: number): Shapes {
    return [...normShapes(`${name}.norm`, channels), ...['q', 'k', 'v', 'proj'].flatMap((p) => convShapes(`${name}.${p}`, channels, channels, 1))];
  }

  // x: [B, C, H, W] → [B, C, H, W]
  forward(x: Tensor): Tensor {
    const [b, c, h, w] = x.shape;
    // The positions as tokens once, [B·H·W, C]: a 1×1 convolution of the image is the linear map
    // of each token by its weight viewed [C, C], so q, k, v and proj run there, with no moves between.
    const tokens = reshape(permute(reshape(this.norm.forward(x), [b, c, h * w]), [0, 2, 1]), [b * h * w, c]);
    const project = (conv: Conv2d, t: Tensor): Tensor => linear(t, reshape(conv.weight, [c, c]), conv.bias ?? undefined);
    const stack = (conv: Conv2d): Tensor => reshape(project(conv, tokens), [b, h * w, c]);
    const attended = reshape(attention(stack(this.q), stack(this.k), stack(this.v)), [b * h * w, c]);
    const out = permute(reshape(project(this.proj, attended), [b, h * w, c]), [0, 2, 1]); // [B, C, H·W]
    return add(x, reshape(out, [b, c, h, w]));
  }
}

/**
 * The image workload's U-Net noise predictor (see the header): ε_θ(x_t, t) for flattened images [B,
 * height·width] and timesteps [B].
 */
export class UNetDiffusion extends Module implements NoisePredictor {
  /** The time embedding's MLP: sinusoids [B, timeDim] → [B, 4·channels[0]]. */
  readonly time_mlp: [Linear, SiLU, Linear];
  /** The first convolution: 1 channel → channels[0]. */
  readonly conv_in: Conv2d;
  /** One residual block per level on the way down, highest resolution first. */
  readonly down: ResBlock[];
  /** The stride-2 convolutions between levels. */
  readonly downsample: Conv2d[];
  /** Self-attention at the lowest resolution. */
  readonly mid_attn: AttentionBlock;
  /** The residual block after it. */
  readonly mid_block: ResBlock;
  /**
   * One residual block per level on the way up, lowest resolution first, each taking the path so
   * far beside its level's skip.
   */
  readonly up: ResBlock[];
  /** The group norm before the last convolution. */
  readonly out_norm: GroupNorm;
  /** The last convolution: channels[0] → 1 channel. */
  readonly out_conv: Conv2d;
  /** [T, timeDim], fixed: not a parameter. */
  private readonly sinusoids: Tensor;

  /**
   * The network of `shape` on options.device (default the default device), its weights drawn from
   * `rng`. Throws when the groups do not divide every level's channels or the levels do not divide
   * the image's sides.
   */
  constructor(readonly shape: UNetShape, rng: Rng, options: { device?: Backend } = {}) {
    super();
    const { height, width, channels, groups, timeDim, timesteps } = shape;
    const levels = channels.length;
    const scale = 2 ** (levels - 1);
    if (levels < 1 || !channels.every((c) => Number.isInteger(c) && c > 0 && c % groups === 0)) {
      throw new Error(`UNetDiffusion: every level's channels must be a positive multiple of the ${groups} groups, got [${channels.join(', ')}]`);
    }
    if (height % scale !== 0 || width % scale !== 0) {
      throw new Error(`UNetDiffusion: ${levels} levels halve the image ${levels - 1} times: ${height}×${width} must be divisible by ${scale}`);
    }
    const device = options.device ?? defaultDevice();
    const layer = { device, rng };
    const c0 = channels[0], timeWidth = 4 * c0;
    this.time_mlp = [new Linear(timeDim, timeWidth, rng, { device }), new SiLU(), new Linear(timeWidth, timeWidth, rng, { device })];
    this.conv_in = new Conv2d(1, c0, 3, rng, { device, padding: 1 });
    this.down = channels.map((c, l) => new ResBlock(l === 0 ? c0 : channels[l - 1], c, timeWidth, groups, layer));
    this.downsample = channels.slice(0, -1).map((c) => new Conv2d(c, c, 3, rng, { device, stride: 2, padding: 1 }));
    const lowest = channels[levels - 1];
    this.mid_attn = new AttentionBlock(lowest, groups, layer);
    this.mid_block = new ResBlock(lowest, lowest, timeWidth, groups, layer);
    // up[i] serves level l = levels − 1 − i: the path so far (the level below's width) ⧺ that level's skip.
    this.up = channels.map((_, i) => {
      const l = levels - 1 - i;
      return new ResBlock((i === 0 ? lowest : channels[l + 1]) + channels[l], channels[l], timeWidth, groups, layer);
    });
    this.out_norm = new GroupNorm(groups, c0, { device });
    this.out_conv = new Conv2d(c0, 1, 3, rng, { device, padding: 1 });
    this.sinusoids = keep(tensor(timestepEmbedding(timesteps, timeDim), [timesteps, timeDim], { device }));
  }

  /** The state_dict's keys and shapes for `shape`, known without building the network (the constructor's order). */
  static parameterShapes(shape: UNetShape): Map<string, number[]> {
    const { channels, timeDim } = shape;
    const levels = channels.length;
    const c0 = channels[0], timeWidth = 4 * c0, lowest = channels[levels - 1];
    return new Map([
      ...linearShapes('time_mlp.0', timeDim, timeWidth), ...linearShapes('time_mlp.2', timeWidth, timeWidth),
      ...convShapes('conv_in', 1, c0, 3),
      ...channels.flatMap((c, l) => ResBlock.shapes(`down.${l}`, l === 0 ? c0 : channels[l - 1], c, timeWidth)),
      ...channels.slice(0, -1).flatMap((c, l) => convShapes(`downsample.${l}`, c, c, 3)),
      ...AttentionBlock.shapes('mid_attn', lowest),
      ...ResBlock.shapes('mid_block', lowest, lowest, timeWidth),
      ...channels.flatMap((_, i) => {
        const l = levels - 1 - i;
        return ResBlock.shapes(`up.${i}`, (i === 0 ? lowest : channels[l + 1]) + channels[l], channels[l], timeWidth);
      }),
      ...normShapes('out_norm', c0), ...convShapes('out_conv', c0, 1, 3),
    ]);
  }

  get timesteps(): number { return this.shape.timesteps; }
  get dataDim(): number { return this.shape.height * this.shape.width; }

  /**
   * The widest intermediate per image: the widest block's activation, its level's positions × its
   * channels — an up block's input (the path ⧺ the skip): 784·96 at 32/64/64. (The convolutions
   * read their inputs in place, so no wider copy is made; the attention's weights, p² at the
   * lowest level's p positions, are narrower.)
   */
  get widestPerSample(): number {
    const { height, width, channels } = this.shape;
    const levels = channels.length;
    const activation = (block: ResBlock, level: number): number => ((height * width) / 4 ** level) * Math.max(block.inChannels, block.outChannels);
    const lowest = (height * width) / 4 ** (levels - 1);
    return Math.max(...this.down.map((b, l) => activation(b, l)), ...this.up.map((b, i) => activation(b, levels - 1 - i)),
      activation(this.mid_block, levels - 1), lowest * lowest);
  }

  /**
   * A convolution does one multiply-add per weight per output position (positions at level l:
   * H·W/4^l; a stride-2 one outputs at the next level); the attention adds its two products over
   * the lowest level's p positions, 2·p²·C each; the time MLP and projections one per weight.
   */
  get flopPerSample(): number {
    const { height, width, channels } = this.shape;
    const lowest = channels.length - 1;
    const positions = (level: number): number => (height * width) / 4 ** level;
    const conv = (c: Conv2d, level: number): number => 2 * c.weight.size * positions(level);
    const block = (b: ResBlock, level: number): number =>
      conv(b.conv1, level) + conv(b.conv2, level) + (b.skip ? conv(b.skip, level) : 0) + 2 * b.time_proj.weight.size;
    const p = positions(lowest);
    const attention = 4 * conv(this.mid_attn.q, lowest) + 2 * (2 * p * p * channels[lowest]);
    return 2 * (this.time_mlp[0].weight.size + this.time_mlp[2].weight.size) + conv(this.conv_in, 0) + conv(this.out_conv, 0)
      + this.down.reduce((s, b, l) => s + block(b, l), 0)
      + this.downsample.reduce((s, d, l) => s + conv(d, l + 1), 0)
      + attention + block(this.mid_block, lowest)
      + this.up.reduce((s, b, i) => s + block(b, lowest - i), 0);
  }

  /**
   * The predicted noise (see the header).
   * x: [B, H·W], t: [B] int32 in [0, T) → ε_θ: [B, H·W]
   */
  forward(x: Tensor, t: Tensor): Tensor {
    const { height, width } = this.shape;
    const batch = x.shape[0];
    const temb = this.time_mlp[2].forward(silu(this.time_mlp[0].forward(embedding(t, this.sinusoids))));
    const tact = silu(temb);
    let h = this.conv_in.forward(reshape(x, [batch, 1, height, width]));
    const skips: Tensor[] = [];
    this.down.forEach((block, l) => {
      h = block.forward(h, tact);
      skips.push(h);
      if (l < this.downsample.length) h = this.downsample[l].forward(h);
    });
    h = this.mid_block.forward(this.mid_attn.forward(h), tact);
    this.up.forEach((block, i) => {
      const l = this.up.length - 1 - i;
      h = block.forward(concat(h, skips[l], 1), tact);
      if (l > 0) h = upsample2x(h);
    });
    const out = this.out_conv.forward(this.out_norm.forward(h, { silu: true }));
    return reshape(out, [batch, height * width]);
  }

  /** Frees the parameters (Module.dispose) and the fixed table. */
  override dispose(): void {
    super.dispose();
    this.sinusoids.dispose();
  }
}
