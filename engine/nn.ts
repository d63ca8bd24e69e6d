// Layers with parameters, named the way PyTorch names them.
//
// A Module finds its parameters by walking its own fields in declaration order: a field that is
// a Tensor requiring grad is a parameter, a Module field is a submodule, and an array field is a
// list of submodules named by index (PyTorch's ModuleList/Sequential). So a field
// `linears = [new Linear(2, 128), new ReLU(), …]` yields `linears.0.weight`, `linears.0.bias`, …,
// exactly the keys of the PyTorch state_dict.

import { full, rand, randn, type CreateOptions } from './creation.js';
import { defaultDevice } from './device.js';
import { EngineError, expectKnownOptions, expectRng, fail, formatShape, kindOf } from './errors.js';
import { conv2d } from './ops/conv.js';
import { embedding } from './ops/embedding.js';
import { groupNorm } from './ops/norm.js';
import { relu, silu } from './ops/elementwise.js';
import { linear } from './ops/matmul.js';
import type { Rng } from './random.js';
import { keep } from './scope.js';
import { sameShape } from './shape.js';
import { Tensor } from './tensor.js';

/** Host data for one state_dict entry. */
export interface TensorData {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * A layer or model, as torch.nn.Module: its parameters are the tensors that require grad among its
 * fields, found by walking them (modules, arrays, tensors) in PyTorch's state_dict order, with
 * state_dict names.
 */
export abstract class Module {
  /** [name, parameter] pairs in PyTorch's state_dict order; also sets each parameter's name. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const visit = (name: string, value: unknown): void => {
      if (value instanceof Tensor && value.requiresGrad) {
        value.name = name;
        out.push([name, value]);
      } else if (value instanceof Module) {
        out.push(...value.namedParameters(`${name}.`));
      } else if (Array.isArray(value)) {
        value.forEach((item, i) => visit(`${name}.${i}`, item));
      }
    };
    for (const [key, value] of Object.entries(this)) visit(prefix + key, value);
    return out;
  }

  /** Its parameters (the tensors that require grad), in state_dict order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Parameters by state_dict key. */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /**
   * Overwrites every parameter from host data keyed like the PyTorch state_dict. All keys and
   * shapes are checked first: a mismatch throws and leaves the module untouched.
   */
  loadStateDict(entries: ReadonlyMap<string, TensorData>): void {
    const own = this.stateDict();
    const problems: string[] = [];
    for (const [name, p] of own) {
      const e = entries.get(name);
      if (e === undefined) problems.push(`missing '${name}' ${formatShape(p.shape)}`);
      else if (!sameShape(e.shape, p.shape) || e.data.length !== p.size) {
        problems.push(`'${name}' has shape ${formatShape(e.shape)} (${e.data.length} values), expected ${formatShape(p.shape)}`);
      }
    }
    for (const name of entries.keys()) if (!own.has(name)) problems.push(`unexpected '${name}'`);
    if (problems.length > 0) throw new EngineError(`loadStateDict: ${problems.join('; ')}`);
    for (const [name, p] of own) p.device.write(p.storage, entries.get(name)!.data);
  }

  /** Fills every parameter's gradient with zeros (in place). */
  zeroGrad(): void {
    for (const p of this.parameters()) if (p.grad) p.device.fill(p.grad.storage, 0);
  }

  /**
   * Frees every parameter and its gradient now (an optimizer's state is the optimizer's to free:
   * its dispose()). Idempotent. Afterwards forward throws as any op given a disposed tensor does,
   * naming the parameter: "linear: weight 'weight' [4,3] float32 was disposed and cannot be used".
   */
  dispose(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.dispose();
    }
  }
}

export interface LayerOptions {
  device?: CreateOptions['device'];
}

function parameter(t: Tensor, name: string): Tensor {
  t.requiresGrad = true;
  t.name = name;
  return keep(t);
}

/** What a layer says when its Rng is missing (plain JavaScript): its weights' draw needs one. */
const FROM_RNG = 'the initial weights are drawn from an Rng, the argument after the sizes';

/** y = x·Wᵀ + b, weight [out, in]; PyTorch's init: W, b ~ U(−1/√in, 1/√in). */
export class Linear extends Module {
  /** [out, in], a parameter. */
  readonly weight: Tensor;
  /** [out], a parameter; null with options.bias false. */
  readonly bias: Tensor | null;

  /**
   * A layer of inFeatures inputs and outFeatures outputs, its weights drawn from `rng` on
   * options.device (default the default device). Throws an EngineError without an Rng or for an
   * unknown option.
   */
  constructor(readonly inFeatures: number, readonly outFeatures: number, rng: Rng, options: LayerOptions & { bias?: boolean } = {}) {
    super();
    expectRng('Linear', rng, `${FROM_RNG}: new E.Linear(${inFeatures}, ${outFeatures}, new E.Rng(seed))`);
    expectKnownOptions('Linear', options, ['device', 'bias']);
    const bound = 1 / Math.sqrt(inFeatures);
    const init = { device: options.device ?? defaultDevice(), low: -bound, high: bound };
    this.weight = parameter(rand([outFeatures, inFeatures], rng, init), 'weight');
    this.bias = options.bias === false ? null : parameter(rand([outFeatures], rng, init), 'bias');
  }

  /**
   * x·Wᵀ + b.
   * x: [B, in] → [B, out]
   */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias ?? undefined);
  }
}

/**
 * A 2-D convolution over NCHW images, as PyTorch's nn.Conv2d (groups 1, the same stride and
 * padding along both axes), with its init: weight and bias U(−1/√fan_in, 1/√fan_in), fan_in =
 * C·k·k (kaiming_uniform with a = √5 gives that bound).
 */
export class Conv2d extends Module {
  /** [out, in, k, k], a parameter. */
  readonly weight: Tensor;
  /** [out], a parameter; null with options.bias false. */
  readonly bias: Tensor | null;

  /**
   * A convolution of inChannels to outChannels with a kernelSize × kernelSize window (options:
   * stride, padding, bias, device), its weights drawn from `rng`. Throws an EngineError without an
   * Rng or for an unknown option.
   */
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, rng: Rng,
    readonly options: LayerOptions & { stride?: number; padding?: number; bias?: boolean } = {}) {
    super();
    expectRng('Conv2d', rng, `${FROM_RNG}: new E.Conv2d(${inChannels}, ${outChannels}, ${kernelSize}, new E.Rng(seed))`);
    expectKnownOptions('Conv2d', options, ['device', 'stride', 'padding', 'bias']);
    const bound = 1 / Math.sqrt(inChannels * kernelSize * kernelSize);
    const init = { device: options.device ?? defaultDevice(), low: -bound, high: bound };
    this.weight = parameter(rand([outChannels, inChannels, kernelSize, kernelSize], rng, init), 'weight');
    this.bias = options.bias === false ? null : parameter(rand([outChannels], rng, init), 'bias');
  }

  /**
   * conv2d(x, weight, bias) with the layer's stride and padding.
   * x: [B, in, H, W] → [B, out, OH, OW]
   */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias ?? undefined, { stride: this.options.stride, padding: this.options.padding });
  }
}

/** Group normalization with a scale and shift per channel, as PyTorch's nn.GroupNorm (γ = 1, β = 0 at first). */
export class GroupNorm extends Module {
  /** γ [channels], a parameter (1 at first). */
  readonly weight: Tensor;
  /** β [channels], a parameter (0 at first). */
  readonly bias: Tensor;
  /** Added to each group's variance. */
  readonly eps: number;

  /**
   * Normalises `channels` channels in `groups` groups (options: eps, default 1e-5, and device).
   * Throws an EngineError for an unknown option.
   */
  constructor(readonly groups: number, readonly channels: number, options: LayerOptions & { eps?: number } = {}) {
    super();
    expectKnownOptions('GroupNorm', options, ['device', 'eps']);
    const device = options.device ?? defaultDevice();
    this.weight = parameter(full([channels], 1, { device }), 'weight');
    this.bias = parameter(full([channels], 0, { device }), 'bias');
    this.eps = options.eps ?? 1e-5;
  }

  /**
   * x: [B, C, H, W] → [B, C, H, W]; `shift` [B, C] is added to x before the statistics and
   * `silu` applies a SiLU after: silu(norm(x + shift)) as one kernel (see groupNorm).
   */
  forward(x: Tensor, options: { shift?: Tensor | null; silu?: boolean } = {}): Tensor {
    expectKnownOptions('GroupNorm.forward', options, ['shift', 'silu']);
    return groupNorm(x, this.groups, this.weight, this.bias, { eps: this.eps, shift: options.shift, silu: options.silu });
  }
}

/** A table of `num` vectors of size `dim`; PyTorch's init: N(0, 1). */
export class Embedding extends Module {
  /** [num, dim], a parameter. */
  readonly weight: Tensor;

  /**
   * A table of `num` vectors of size `dim`, drawn from `rng` on options.device (default the default
   * device). Throws an EngineError without an Rng or for an unknown option.
   */
  constructor(readonly num: number, readonly dim: number, rng: Rng, options: LayerOptions = {}) {
    super();
    expectRng('Embedding', rng, `${FROM_RNG}: new E.Embedding(${num}, ${dim}, new E.Rng(seed))`);
    expectKnownOptions('Embedding', options, ['device']);
    this.weight = parameter(randn([num, dim], rng, { device: options.device ?? defaultDevice() }), 'weight');
  }

  /**
   * The rows of the table at int32 indices.
   * indices: I (int32) → [...I, dim]
   */
  forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight);
  }
}

/** max(x, 0); no parameters (it holds a slot in a layer list, as in PyTorch). */
export class ReLU extends Module {
  /** max(x, 0). */
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** x·σ(x); no parameters (it holds a slot in a layer list, as in PyTorch). */
export class SiLU extends Module {
  /** x·σ(x). */
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** A module with a forward of one tensor: what Sequential chains. */
export type Layer = Module & { forward(x: Tensor): Tensor };

/**
 * Modules applied in order, as torch.nn.Sequential: `new Sequential(new Linear(2, 64, rng),
 * new ReLU(), new Linear(64, 1, rng))`. Its children are named 0, 1, …, so the state_dict keys
 * are PyTorch's ('0.weight', '0.bias', '2.weight', …).
 */
export class Sequential extends Module {
  /** Its layers, by position. */
  [index: number]: Layer;
  /** How many layers it has. */
  readonly length: number;

  /**
   * The layers, in the order they apply. Throws an EngineError for one that is not a Module with a
   * forward(x).
   */
  constructor(...layers: Layer[]) {
    super();
    layers.forEach((layer, i) => {
      if (!(layer instanceof Module) || typeof (layer as Partial<Layer>).forward !== 'function') {
        fail('Sequential', `layer ${i} must be a Module with a forward(x), got ${kindOf(layer)}`);
      }
      this[i] = layer;
    });
    this.length = layers.length;
  }

  /**
   * Each layer's forward applied in turn, first to x.
   * x → layer 0 → layer 1 → … → out
   */
  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.length; i++) h = this[i].forward(h);
    return h;
  }
}
