// Stochastic gradient descent with momentum, as torch.optim.SGD, run on the parameters' device
// without reading anything back to the host. Each step, for every parameter with a gradient g:
//   d   ← g + wd·p                              (weight decay: L2, added to the gradient)
//   buf ← d                                     (momentum μ > 0, the first step: the buffer is made)
//   buf ← μ·buf + (1 − dampening)·d             (momentum μ > 0, later steps)
//   d   ← d + μ·buf  (Nesterov)  or  buf         (momentum μ > 0)
//   p   ← p − lr·d
// One kernel a parameter (engine/cpu/sgd.ts, shaders/sgd.wgsl); given packed parameters
// (engine/packing.ts), one kernel a step for all of them, with the momentum buffer packed alike.

import { tensor, zeros } from './creation.js';
import { describe, EngineError, expectKnownOptions } from './errors.js';
import { checkLrSchedule, CONSTANT_LR, lrFactor, type LrSchedule } from './lr-schedule.js';
import { PackedParameters } from './packing.js';
import { keep } from './scope.js';
import type { Tensor } from './tensor.js';

/** SGD's settings, as torch.optim.SGD's (lr required) plus a learning-rate schedule. */
export interface SgdOptions {
  /** Required, as in torch. */
  lr: number;
  /** μ (default 0: plain SGD, no buffer). */
  momentum?: number;
  /** How much of each gradient the momentum buffer leaves out (default 0). */
  dampening?: number;
  /** L2 added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false); needs momentum > 0 and dampening 0, as in torch. */
  nesterov?: boolean;
  /** The learning rate of step t is lr · lrFactor(schedule, t) (engine/lr-schedule.ts); default constant. */
  schedule?: LrSchedule;
}

interface SgdState {
  /** Steps taken (the schedule's t). */
  step: number;
  /** The momentum buffer, like p; null without momentum. */
  buf: Tensor | null;
}

/** One parameter's SGD state as host data (for checkpoints); null: not stepped yet. */
export interface SgdSlot {
  readonly step: number;
  /** null: the optimizer keeps no momentum. */
  readonly momentumBuffer: Float32Array | null;
}

const OPTIONS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'schedule'];

/**
 * Stochastic gradient descent with momentum, as torch.optim.SGD (the rule is in the header), over a
 * list of parameters or packed parameters; step() runs on their device without reading back. Throws
 * an EngineError for an unknown or invalid option.
 */
export class SGD {
  /** The base learning rate (the schedule scales it each step). */
  readonly lr: number;
  /** μ; 0 for plain SGD. */
  readonly momentum: number;
  /** How much of each gradient the momentum buffer leaves out. */
  readonly dampening: number;
  /** L2 added to the gradient. */
  readonly weightDecay: number;
  /** Whether the step uses Nesterov momentum. */
  readonly nesterov: boolean;
  /** How the learning rate changes with the step. */
  readonly schedule: LrSchedule;
  /** The parameters it updates. */
  readonly params: readonly Tensor[];
  /** The packed parameters it was given, or null for a list. */
  readonly packed: PackedParameters | null;
  private readonly state = new Map<Tensor, SgdState>();
  /** Packed: the step count every parameter shares, and the flat momentum buffer. */
  private flat: SgdState | null = null;
  private disposed = false;

  /**
   * An optimizer for a list of parameters or packed parameters; options.lr is required, the rest
   * default as in torch. Throws an EngineError for an unknown or invalid option.
   */
  constructor(params: readonly Tensor[] | PackedParameters, options: SgdOptions) {
    expectKnownOptions('SGD', options, OPTIONS);
    this.packed = params instanceof PackedParameters ? params : null;
    this.params = params instanceof PackedParameters ? params.params : params;
    const bad = (option: string, expected: string, got: unknown): never => {
      throw new EngineError(`SGD: ${option} must be ${expected}, got ${String(got)}`);
    };
    if (typeof options.lr !== 'number' || !(options.lr >= 0)) bad('lr', 'a number ≥ 0 (torch requires it too)', options.lr);
    this.lr = options.lr;
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.schedule = options.schedule ?? CONSTANT_LR;
    if (!(this.momentum >= 0)) bad('momentum', '≥ 0', this.momentum);
    if (!Number.isFinite(this.dampening)) bad('dampening', 'a finite number', this.dampening);
    if (!(this.weightDecay >= 0)) bad('weightDecay', '≥ 0', this.weightDecay);
    if (typeof this.nesterov !== 'boolean') bad('nesterov', 'true or false', this.nesterov);
    if (this.nesterov && !(this.momentum > 0 && this.dampening === 0)) {
      throw new EngineError(`SGD: nesterov needs momentum > 0 and dampening 0 (as torch), got momentum ${this.momentum}, dampening ${this.dampening}`);
    }
    checkLrSchedule(this.schedule, 'SGD');
    for (const p of this.params) {
      if (!p.requiresGrad) throw new EngineError(`SGD: ${describe(p, 'parameter')} does not require grad`);
    }
  }

  /** Updates every parameter that has a gradient (packed: every parameter, one kernel). */
  step(): void {
    this.assertAlive('step');
    if (this.packed) {
      this.packed.checkGrads('SGD.step');
      const { weights, grads } = this.packed;
      this.flat ??= { step: 0, buf: this.momentumBuffer(weights) };
      this.update(weights, grads, this.flat);
      return;
    }
    for (const p of this.params) {
      if (p.grad === null) continue;
      let s = this.state.get(p);
      if (s === undefined) {
        s = { step: 0, buf: this.momentumBuffer(p) };
        this.state.set(p, s);
      }
      this.update(p, p.grad, s);
    }
  }

  /** A new buffer like p, or null without momentum; the first step writes it whole. */
  private momentumBuffer(p: Tensor): Tensor | null {
    return this.momentum === 0 ? null : keep(zeros(p.shape, { device: p.device }));
  }

  private update(p: Tensor, g: Tensor, s: SgdState): void {
    s.step++;
    p.device.sgdStep(p.storage, g.storage, s.buf?.storage ?? null, {
      lr: this.lr * lrFactor(this.schedule, s.step), momentum: this.momentum, dampening: this.dampening,
      weightDecay: this.weightDecay, nesterov: this.nesterov, firstStep: s.step === 1,
    });
  }

  /** Fills every parameter's gradient with zeros (in place). */
  zeroGrad(): void {
    this.assertAlive('zeroGrad');
    if (this.packed) this.packed.grads.device.fill(this.packed.grads.storage, 0);
    else for (const p of this.params) if (p.grad) p.device.fill(p.grad.storage, 0);
  }

  /** The state of every parameter, in `params` order, copied to the host (to save and resume). */
  async exportState(): Promise<(SgdSlot | null)[]> {
    this.assertAlive('exportState');
    if (this.packed) {
      const flat = this.flat;
      if (flat === null) return this.params.map(() => null);
      const buf = flat.buf && ((await flat.buf.toArray()) as Float32Array);
      const { offsets } = this.packed;
      return this.params.map((p, i) => ({ step: flat.step, momentumBuffer: buf && buf.slice(offsets[i], offsets[i] + p.size) }));
    }
    return Promise.all(this.params.map(async (p) => {
      const s = this.state.get(p);
      if (s === undefined) return null;
      return { step: s.step, momentumBuffer: s.buf && ((await s.buf.toArray()) as Float32Array) };
    }));
  }

  /**
   * Restores what exportState returned (one slot per parameter, same order and sizes, saved by an
   * SGD with momentum if and only if this one has it). Every slot is checked before anything
   * changes: a mismatch throws and leaves the optimizer as it was.
   */
  importState(slots: readonly (SgdSlot | null)[]): void {
    this.assertAlive('importState');
    if (slots.length !== this.params.length) throw new EngineError(`SGD.importState: ${slots.length} slots for ${this.params.length} parameters`);
    slots.forEach((slot, i) => {
      if (slot === null) return;
      const p = this.params[i];
      const fits = this.momentum === 0 ? slot.momentumBuffer === null : slot.momentumBuffer?.length === p.size;
      if (!fits || !(Number.isInteger(slot.step) && slot.step >= 1)) {
        const has = slot.momentumBuffer === null ? 'no momentum buffer' : `a momentum buffer of ${slot.momentumBuffer.length} values`;
        throw new EngineError(`SGD.importState: slot ${i} (${has}, step ${slot.step}) does not fit ${describe(p, 'parameter')} ` +
          `with momentum ${this.momentum}`);
      }
    });
    if (this.packed) {
      const steps = new Set(slots.map((slot) => slot?.step ?? 0));
      if (steps.size > 1) {
        throw new EngineError(`SGD.importState: packed parameters step together, but the slots have step counts ${[...steps].join(', ')}`);
      }
      this.releaseState();
      const step = [...steps][0];
      if (step === 0) return;
      const { weights, offsets, total } = this.packed;
      let buf: Tensor | null = null;
      if (this.momentum !== 0) {
        const flat = new Float32Array(total);
        slots.forEach((slot, i) => flat.set(slot!.momentumBuffer!, offsets[i]));
        buf = keep(tensor(flat, weights.shape, { device: weights.device }));
      }
      this.flat = { step, buf };
      return;
    }
    this.releaseState();
    slots.forEach((slot, i) => {
      if (slot === null) return;
      const p = this.params[i];
      const buf = slot.momentumBuffer && keep(tensor(slot.momentumBuffer, p.shape, { device: p.device }));
      this.state.set(p, { step: slot.step, buf });
    });
  }

  /** Frees the momentum buffers (the parameters are the model's: Module.dispose frees them). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.releaseState();
  }

  private releaseState(): void {
    for (const s of this.state.values()) s.buf?.dispose();
    this.state.clear();
    this.flat?.buf?.dispose();
    this.flat = null;
  }

  private assertAlive(method: string): void {
    if (this.disposed) throw new EngineError(`SGD.${method}: the optimizer was disposed (its momentum buffers are freed)`);
  }
}
