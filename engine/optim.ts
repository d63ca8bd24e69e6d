// Optimisation: Adam, AdamW and gradient-norm clipping, with PyTorch's semantics, run on the
// parameters' device without reading anything back to the host. (SGD: engine/sgd.ts.)
//   Adam   g ← g + wd·p (L2, in the gradient), then the Adam update
//   AdamW  p ← p·(1 − lr·λ) (decoupled weight decay), then the Adam update on the raw gradient
//   the Adam update: m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
//                    p ← p − lr/(1−β1^t) · m / (√v/√(1−β2^t) + ε)

import type { AdamHyper } from './backend.js';
import { tensor, zeros } from './creation.js';
import { describe, EngineError } from './errors.js';
import { add, clamp, div, sqrt } from './ops/elementwise.js';
import { noGrad } from './autograd.js';
import { checkLrSchedule, CONSTANT_LR, lrFactor, type LrSchedule } from './lr-schedule.js';
import { PackedParameters } from './packing.js';
import { keep, tidy } from './scope.js';
import { Tensor } from './tensor.js';

/**
 * Adam's and AdamW's settings, as torch.optim's (default lr 1e-3, betas [0.9, 0.999], eps 1e-8),
 * plus a learning-rate schedule.
 */
export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  /** Adam: L2 added to the gradient (default 0). AdamW: the decoupled decay λ (default 0.01). */
  weightDecay?: number;
  /** The learning rate of step t is lr · lrFactor(schedule, t) (engine/lr-schedule.ts); default constant. */
  schedule?: LrSchedule;
}

interface AdamState {
  step: number;
  m: Tensor; // first moment, like p
  v: Tensor; // second moment, like p
}

/** One parameter's Adam state as host data (for checkpoints); null: not stepped yet. */
export interface AdamSlot {
  readonly step: number;
  readonly m: Float32Array;
  readonly v: Float32Array;
}

/**
 * Adam (Kingma & Ba) as torch.optim.Adam: bias correction by each parameter's step count.
 * Given packed parameters (engine/packing.ts) it keeps its moments packed the same way and
 * updates every parameter with one kernel.
 */
export class Adam {
  /** The name errors give ('AdamW' in the subclass): a prototype getter, so the constructor sees it. */
  protected get kind(): string {
    return 'Adam';
  }

  /** The base learning rate (the schedule scales it each step). */
  readonly lr: number;
  /** β₁, the first moment's decay. */
  readonly beta1: number;
  /** β₂, the second moment's decay. */
  readonly beta2: number;
  /** ε, added to √v̂. */
  readonly eps: number;
  /** Adam: L2 added to the gradient; AdamW: the decoupled decay λ. */
  readonly weightDecay: number;
  /** How the learning rate changes with the step. */
  readonly schedule: LrSchedule;
  /** The parameters it updates. */
  readonly params: readonly Tensor[];
  /** The packed parameters it was given, or null for a list. */
  readonly packed: PackedParameters | null;
  private readonly state = new Map<Tensor, AdamState>();
  /** Packed: the moments, flat like the weights, and the step count every parameter shares. */
  private flat: AdamState | null = null;
  private disposed = false;

  /**
   * An optimizer for a list of parameters or packed parameters, with torch's defaults for what
   * options leave out. Throws an EngineError for an invalid setting or a parameter that does not
   * require grad.
   */
  constructor(params: readonly Tensor[] | PackedParameters, options: AdamOptions = {}) {
    this.packed = params instanceof PackedParameters ? params : null;
    this.params = params instanceof PackedParameters ? params.params : params;
    this.lr = options.lr ?? 1e-3;
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.schedule = options.schedule ?? CONSTANT_LR;
    checkLrSchedule(this.schedule, this.kind);
    const bad = (what: string, v: number): never => { throw new EngineError(`${this.kind}: invalid ${what} ${v}`); };
    if (!(this.lr >= 0)) bad('learning rate (must be ≥ 0)', this.lr);
    if (!(this.beta1 >= 0 && this.beta1 < 1)) bad('beta1 (must be in [0, 1))', this.beta1);
    if (!(this.beta2 >= 0 && this.beta2 < 1)) bad('beta2 (must be in [0, 1))', this.beta2);
    if (!(this.eps >= 0)) bad('eps (must be ≥ 0)', this.eps);
    if (!(this.weightDecay >= 0)) bad('weight decay (must be ≥ 0)', this.weightDecay);
    for (const p of this.params) {
      if (!p.requiresGrad) throw new EngineError(`${this.kind}: ${describe(p, 'parameter')} does not require grad`);
    }
  }

  /**
   * Packed parameters only: for code that performs this optimizer's update in its own kernel
   * (a fused training step). Returns the flat moments (made on first use) and the hyperparameters
   * of each of the next `steps` steps, and counts those steps as taken.
   */
  takePackedSteps(steps: number): { m: Tensor; v: Tensor; hypers: AdamHyper[] } {
    this.assertAlive('takePackedSteps');
    if (this.packed === null) throw new EngineError(`${this.kind}.takePackedSteps: the optimizer was not given packed parameters`);
    if (!Number.isInteger(steps) || steps < 0) throw new EngineError(`${this.kind}.takePackedSteps: steps must be a non-negative integer, got ${steps}`);
    const flat = this.flatState(this.packed);
    const first = flat.step;
    flat.step += steps;
    return { m: flat.m, v: flat.v, hypers: Array.from({ length: steps }, (_, i) => this.hyper(first + i + 1)) };
  }

  /** Packed: the flat moments, zero until the first step. */
  private flatState(packed: PackedParameters): AdamState {
    const { weights } = packed;
    this.flat ??= { step: 0, m: keep(zeros(weights.shape, { device: weights.device })), v: keep(zeros(weights.shape, { device: weights.device })) };
    return this.flat;
  }

  /** The update of step `step` (1, 2, …) as the kernels take it. */
  protected hyper(step: number): AdamHyper {
    return { lr: this.lr * lrFactor(this.schedule, step), beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, step };
  }

  /** Throws if dispose() was called: the moments are gone. */
  private assertAlive(method: string): void {
    if (this.disposed) throw new EngineError(`${this.kind}.${method}: the optimizer was disposed (its moments are freed)`);
  }

  /** Updates every parameter that has a gradient (packed: every parameter, one kernel). */
  step(): void {
    this.assertAlive('step');
    if (this.packed) {
      this.packed.checkGrads(`${this.kind}.step`);
      const { weights, grads } = this.packed;
      const flat = this.flatState(this.packed);
      flat.step++;
      weights.device.adamStep(weights.storage, grads.storage, flat.m.storage, flat.v.storage, this.hyper(flat.step));
      return;
    }
    for (const p of this.params) {
      if (p.grad === null) continue;
      let s = this.state.get(p);
      if (s === undefined) {
        s = { step: 0, m: keep(zeros(p.shape, { device: p.device })), v: keep(zeros(p.shape, { device: p.device })) };
        this.state.set(p, s);
      }
      s.step++;
      p.device.adamStep(p.storage, p.grad.storage, s.m.storage, s.v.storage, this.hyper(s.step));
    }
  }

  /** Fills every parameter's gradient with zeros (in place). */
  zeroGrad(): void {
    if (this.packed) this.packed.grads.device.fill(this.packed.grads.storage, 0);
    else for (const p of this.params) if (p.grad) p.device.fill(p.grad.storage, 0);
  }

  /** The state of every parameter, in `params` order, copied to the host (to save and resume). */
  async exportState(): Promise<(AdamSlot | null)[]> {
    this.assertAlive('exportState');
    if (this.packed) {
      const flat = this.flat;
      if (flat === null) return this.params.map(() => null);
      const [m, v] = (await Promise.all([flat.m.toArray(), flat.v.toArray()])) as Float32Array[];
      const { offsets } = this.packed;
      return this.params.map((p, i) => ({
        step: flat.step, m: m.slice(offsets[i], offsets[i] + p.size), v: v.slice(offsets[i], offsets[i] + p.size),
      }));
    }
    return Promise.all(this.params.map(async (p) => {
      const s = this.state.get(p);
      if (s === undefined) return null;
      return { step: s.step, m: (await s.m.toArray()) as Float32Array, v: (await s.v.toArray()) as Float32Array };
    }));
  }

  /**
   * Restores what exportState returned (one slot per parameter, same order and sizes). Every
   * slot is checked before anything changes: a mismatch throws and leaves the optimizer as it was.
   */
  importState(slots: readonly (AdamSlot | null)[]): void {
    this.assertAlive('importState');
    if (slots.length !== this.params.length) {
      throw new EngineError(`${this.kind}.importState: ${slots.length} slots for ${this.params.length} parameters`);
    }
    slots.forEach((slot, i) => {
      const p = this.params[i];
      if (slot === null) return;
      if (slot.m.length !== p.size || slot.v.length !== p.size || !(Number.isInteger(slot.step) && slot.step >= 1)) {
        throw new EngineError(`${this.kind}.importState: slot ${i} (m ${slot.m.length}, v ${slot.v.length} values, step ${slot.step}) ` +
          `does not fit ${describe(p, 'parameter')}`);
      }
    });
    if (this.packed) {
      this.importPacked(slots, this.packed);
      return;
    }
    for (const s of this.state.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.state.clear();
    slots.forEach((slot, i) => {
      if (slot === null) return;
      const p = this.params[i];
      const moment = (data: Float32Array): Tensor => keep(tensor(data, p.shape, { device: p.device }));
      this.state.set(p, { step: slot.step, m: moment(slot.m), v: moment(slot.v) });
    });
  }

  /**
   * Packed: the moments are written into the buffers the optimizer already has, if any, so code
   * that bound them (a fused training step) keeps seeing the optimizer's state.
   */
  private importPacked(slots: readonly (AdamSlot | null)[], packed: PackedParameters): void {
    const steps = new Set(slots.map((slot) => slot?.step ?? 0));
    if (steps.size > 1) {
      throw new EngineError(`${this.kind}.importState: packed parameters step together, but the slots have step counts ${[...steps].join(', ')}`);
    }
    const step = [...steps][0];
    if (step === 0 && this.flat === null) return;
    const m = new Float32Array(packed.total), v = new Float32Array(packed.total);
    slots.forEach((slot, i) => {
      if (slot === null) return;
      m.set(slot.m, packed.offsets[i]);
      v.set(slot.v, packed.offsets[i]);
    });
    const flat = this.flatState(packed);
    flat.m.device.write(flat.m.storage, m);
    flat.v.device.write(flat.v.storage, v);
    flat.step = step;
  }

  /**
   * The parameters and the optimizer's state as they are now, copied on their device (no
   * readback): `restore()` puts both back, undoing every step taken since — for a run that stops
   * part-way through an epoch and must save the epoch before.
   */
  snapshot(): AdamSnapshot {
    this.assertAlive('snapshot');
    const copies: Tensor[] = [];
    const copyOf = (t: Tensor): Tensor => {
      const out = keep(zeros(t.shape, { device: t.device }));
      out.device.copy(out.storage, t.storage);
      copies.push(out);
      return out;
    };
    const into = (dst: Tensor, src: Tensor): void => dst.device.copy(dst.storage, src.storage);
    if (this.packed) {
      const packed = this.packed;
      const weights = copyOf(packed.weights);
      const was = this.flat && { step: this.flat.step, m: copyOf(this.flat.m), v: copyOf(this.flat.v) };
      return new AdamSnapshot(copies, () => {
        into(packed.weights, weights);
        if (was === null && this.flat === null) return;
        // In place: a fused step may have bound the moments' buffers.
        const flat = this.flatState(packed);
        if (was) {
          into(flat.m, was.m);
          into(flat.v, was.v);
        } else {
          flat.m.device.fill(flat.m.storage, 0);
          flat.v.device.fill(flat.v.storage, 0);
        }
        flat.step = was?.step ?? 0;
      });
    }
    const saved = this.params.map((p) => {
      const s = this.state.get(p);
      return { p, weights: copyOf(p), state: s && { step: s.step, m: copyOf(s.m), v: copyOf(s.v) } };
    });
    return new AdamSnapshot(copies, () => {
      for (const { p, weights, state } of saved) {
        into(p, weights);
        const now = this.state.get(p);
        if (state === undefined) {
          now?.m.dispose();
          now?.v.dispose();
          this.state.delete(p);
          continue;
        }
        const s = now ?? { step: 0, m: keep(zeros(p.shape, { device: p.device })), v: keep(zeros(p.shape, { device: p.device })) };
        into(s.m, state.m);
        into(s.v, state.v);
        s.step = state.step;
        this.state.set(p, s);
      }
    });
  }

  /**
   * Frees the moments. The parameters are not the optimizer's (Module.dispose frees them).
   * Idempotent; a disposed optimizer throws when used.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.state.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.state.clear();
    this.flat?.m.dispose();
    this.flat?.v.dispose();
    this.flat = null;
  }
}

/**
 * AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization") as torch.optim.AdamW:
 * each step first shrinks the weights, p ← p·(1 − lr·λ) with the step's learning rate, then
 * takes Adam's step on the raw gradient — where Adam's weight decay adds λ·p to the gradient,
 * and so is scaled down by √v̂ with it. Defaults as torch: lr 1e-3, betas (0.9, 0.999), eps 1e-8,
 * weight decay 0.01. Same state as Adam (exportState, importState, snapshot), and the same
 * kernel: the decay is its first line (shaders/adam.wgsl, engine/cpu/adam.ts).
 */
export class AdamW extends Adam {
  protected override get kind(): string {
    return 'AdamW';
  }

  /** As Adam's, with weight decay 0.01 by default. */
  constructor(params: readonly Tensor[] | PackedParameters, options: AdamOptions = {}) {
    super(params, { ...options, weightDecay: options.weightDecay ?? 0.01 });
  }

  protected override hyper(step: number): AdamHyper {
    return { ...super.hyper(step), weightDecay: 0, decoupledWeightDecay: this.weightDecay };
  }
}

/** What Adam.snapshot returns: device copies of the weights and the optimizer's state. */
export class AdamSnapshot {
  private disposed = false;

  /** Made by Adam.snapshot: the copies it holds, and what puts them back. */
  constructor(private readonly copies: readonly Tensor[], private readonly putBack: () => void) {}

  /** Puts the weights and the optimizer's state back as they were when the snapshot was taken. */
  restore(): void {
    if (this.disposed) throw new EngineError('AdamSnapshot.restore: the snapshot was disposed');
    this.putBack();
  }

  /** Frees the copies; restore() throws afterwards. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.copies) t.dispose();
  }
}

/**
 * torch.nn.utils.clip_grad_norm_: the global L2 norm over all gradients; every gradient is
 * multiplied by min(1, maxNorm / (norm + 1e-6)). Returns the norm (before clipping) as a
 * one-element tensor on the device, so no readback is needed to clip.
 */
export function clipGradNorm(params: readonly Tensor[] | PackedParameters, maxNorm: number): Tensor {
  if (!(maxNorm > 0)) throw new EngineError(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  // Packed: all gradients are one buffer (its padding is zero), so one reduction and one scale.
  if (params instanceof PackedParameters) params.checkGrads('clipGradNorm');
  const grads = params instanceof PackedParameters ? [params.grads] : params.flatMap((p) => (p.grad ? [p.grad] : []));
  if (grads.length === 0) return zeros([], { device: (params as readonly Tensor[])[0]?.device });
  const device = grads[0].device;
  for (const g of grads) {
    if (g.device !== device) {
      throw new EngineError(`clipGradNorm: gradients live on '${device.name}' and '${g.device.name}'; move the parameters to one device`);
    }
  }
  return noGrad(() => tidy(() => {
    let total = new Tensor(device.sumSquares(grads[0].storage), []);
    for (const g of grads.slice(1)) total = add(total, new Tensor(device.sumSquares(g.storage), []));
    const norm = sqrt(total);
    const coef = clamp(div(maxNorm, add(norm, 1e-6)), { max: 1 });
    for (const g of grads) device.scaleInPlace(g.storage, coef.storage);
    return norm;
  }));
}
