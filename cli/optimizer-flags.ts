// The flags of `ddpm train` (both workloads) that shape the optimisation over the run: the
// weight average (--ema) and the learning-rate schedule (--lr-schedule, --warmup, --lr-floor),
// and the settings they make. A schedule is fixed when a run starts: a cosine decays over the
// run's steps then (a resumed run that goes further stays at the floor).

import * as E from '../engine/index.js';
import { flag, UsageError, type SavedFlags } from '../app-support/args.js';

export type LrDecay = E.LrSchedule['decay'];

/** A workload's (or preset's) defaults for these flags. */
export interface OptimizerDefaults {
  ema: number;
  decay: LrDecay;
  warmupSteps: number;
  floor: number;
}

export const EMA_FLAG = flag({
  name: 'ema', kind: 'number', min: 0, value: 'DECAY', default: "the preset's",
  help: 'keep an average of the weights (decay in [0, 1), e.g. 0.999; 0: none): samples and model.safetensors use it',
});
export const LR_SCHEDULE_FLAG = flag({
  name: 'lr-schedule', kind: 'string', choices: ['constant', 'cosine'], default: "the preset's",
  help: 'the learning rate after the warm-up: constant, or a cosine down to --lr-floor × --lr at the last step',
});
export const WARMUP_FLAG = flag({ name: 'warmup', kind: 'int', min: 0, value: 'STEPS', default: "the preset's", help: 'steps of linear learning-rate warm-up' });
export const LR_FLOOR_FLAG = flag({ name: 'lr-floor', kind: 'number', min: 0, max: 1, default: "the preset's", help: 'cosine: where the learning rate ends, as a share of --lr' });

export type OptimizerFlags = {
  readonly ema?: number;
  readonly 'lr-schedule'?: LrDecay;
  readonly warmup?: number;
  readonly 'lr-floor'?: number;
};

/**
 * The weight average's decay and the schedule from the flags and `defaults`; `totalSteps` is the
 * run's (its epochs × steps per epoch).
 */
export function optimizerSettings(f: OptimizerFlags, defaults: OptimizerDefaults, totalSteps: number): { ema: number; lrSchedule: E.LrSchedule } {
  const ema = f.ema ?? defaults.ema;
  if (!(ema < 1)) throw new UsageError(`ddpm train: --ema must be below 1 (0: no average), got ${ema}`);
  const decay = f['lr-schedule'] ?? defaults.decay;
  // A default warm-up takes at most a tenth of a short run; one asked for is taken as asked.
  const warmupSteps = f.warmup ?? Math.min(defaults.warmupSteps, Math.floor(totalSteps / 10));
  const floor = f['lr-floor'] ?? defaults.floor;
  if (f['lr-floor'] !== undefined && decay !== 'cosine') throw new UsageError('ddpm train: --lr-floor applies to --lr-schedule cosine');
  if (decay === 'cosine' && totalSteps <= warmupSteps) {
    if (f['lr-schedule'] === 'cosine') {
      throw new UsageError(`ddpm train: --lr-schedule cosine needs more steps than the ${warmupSteps} of warm-up; the run has ${totalSteps}`);
    }
    return { ema, lrSchedule: { warmupSteps, decay: 'constant', totalSteps: 0, floor: 1 } }; // a default cosine on a run with no steps to decay over
  }
  return { ema, lrSchedule: decay === 'cosine' ? { warmupSteps, decay, totalSteps, floor } : { warmupSteps, decay, totalSteps: 0, floor: 1 } };
}

/** A run's settings as these flags, to compare with the flags of its resume. */
export function optimizerFlagsOfRun(run: { ema: number; lrSchedule: E.LrSchedule }): SavedFlags<OptimizerFlags> {
  const s = run.lrSchedule;
  return { ema: run.ema, 'lr-schedule': s.decay, warmup: s.warmupSteps, ...(s.decay === 'cosine' ? { 'lr-floor': s.floor } : {}) };
}

/** How the run's learning rate and weights move, for its start line. */
export function describeOptimizer(run: { lr: number; ema: number; lrSchedule: E.LrSchedule }): string {
  const s = run.lrSchedule;
  const warm = s.warmupSteps > 0 ? `, ${s.warmupSteps} steps of warm-up` : '';
  const lr = s.decay === 'cosine' ? `lr ${run.lr} cosine to ×${s.floor} over ${s.totalSteps} steps${warm}` : `lr ${run.lr}${warm}`;
  return `${lr}; ${run.ema > 0 ? `weight average ${run.ema}` : 'no weight average'}`;
}

/**
 * The learning rate a resumed run goes on with: its own — unless it diverged (metrics.json says
 * so), which, resumed as it was, would diverge again. Such a run is resumed only by asking for
 * a lower --lr; any other --lr is refused (by the caller's refuseChangedFlags).
 */
export function resumedLearningRate(command: string, dir: string, saved: number, given: number | undefined, diverged: boolean): number {
  if (!diverged) return saved;
  if (given === undefined || !(given < saved)) {
    throw new UsageError(`${command}: the run in ${dir} diverged (metrics.json: "diverged"): resumed at its learning rate ${saved} it ` +
      `would diverge again. Resume it with an --lr below ${saved}${given !== undefined ? ` (not ${given})` : ''}, ` +
      `or sample its last good checkpoint: ddpm sample --checkpoint ${dir}`);
  }
  console.log(`note: resuming the diverged run in ${dir} at --lr ${given} (it ran at ${saved})`);
  return given;
}
