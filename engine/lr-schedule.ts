// Learning-rate schedules: the factor the base learning rate is multiplied by at each optimizer
// step (steps count from 1, as Adam's bias correction does). A schedule is data, not a closure,
// so it can be saved with a run and checked when the run resumes.
//   constant  1 at every step (warm-up 0, PyTorch's plain optimizer)
//   warm-up   linear from 1/W at step 1 to 1 at step W (W = warmupSteps), then the decay's
//   cosine    after the warm-up, ½(1 + cos(π·s)) from 1 down to `floor` at step totalSteps, s the
//             share of the decay steps taken (SGDR without restarts, Loshchilov & Hutter 2017;
//             PyTorch's CosineAnnealingLR with eta_min = floor·lr), then `floor`.

import { EngineError } from './errors.js';

/**
 * A learning-rate schedule as data (see the header): warm-up steps, then constant or cosine decay
 * down to a floor.
 */
export interface LrSchedule {
  /** Steps of linear warm-up (0: none). */
  readonly warmupSteps: number;
  readonly decay: 'constant' | 'cosine';
  /** Cosine: the step at which the factor reaches `floor` (the run's last step). */
  readonly totalSteps: number;
  /** Cosine: the factor it ends at, in [0, 1]. */
  readonly floor: number;
}

/** The factor 1 at every step: no warm-up, no decay (an optimizer's default). */
export const CONSTANT_LR: LrSchedule = { warmupSteps: 0, decay: 'constant', totalSteps: 0, floor: 1 };

/** Throws unless `s` is a usable schedule, saying which field is wrong. */
export function checkLrSchedule(s: LrSchedule, what = 'learning-rate schedule'): void {
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new EngineError(`${what}: ${field} must be ${expected}, got ${JSON.stringify(got)}`);
  };
  if (!Number.isInteger(s.warmupSteps) || s.warmupSteps < 0) bad('warmupSteps', 'a non-negative integer', s.warmupSteps);
  if (s.decay !== 'constant' && s.decay !== 'cosine') bad('decay', "'constant' or 'cosine'", s.decay);
  if (s.decay === 'cosine') {
    if (!Number.isInteger(s.totalSteps) || s.totalSteps <= s.warmupSteps) bad('totalSteps', `an integer above warmupSteps (${s.warmupSteps})`, s.totalSteps);
    if (!(s.floor >= 0 && s.floor <= 1)) bad('floor', 'in [0, 1]', s.floor);
  }
}

/** The factor on the base learning rate at optimizer step `step` (1, 2, …), in float64. */
export function lrFactor(s: LrSchedule, step: number): number {
  if (step <= s.warmupSteps) return step / s.warmupSteps;
  if (s.decay === 'constant') return 1;
  const progress = Math.min(1, (step - s.warmupSteps) / (s.totalSteps - s.warmupSteps));
  return s.floor + (1 - s.floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
