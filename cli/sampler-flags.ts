// The flags every workload's `ddpm sample` shares: the checkpoint, the seed, the device, the old
// spellings, and the sampler's: which sampler, DDIM's steps, η and spacing, DDPM's variance and
// x̂0 clipping — each checked against the sampler it belongs to and the model's T.

import { SAMPLERS, type SampleOptions, type SamplerName } from '../ddpm/sample.js';
import { flag, flags, SEED_FLAG, UsageError, type FlagValues, type RenamedFlags } from '../app-support/args.js';

export const CHECKPOINT_FLAG = flag({ name: 'checkpoint', kind: 'string', value: 'DIR|FILE', help: 'a run folder of ddpm train, or its model.safetensors' });
export const SAMPLE_SEED_FLAG = flag({ ...SEED_FLAG, help: 'seeds x_T and the noise of every step' });
export const SAMPLE_DEVICE_FLAG = flag({ name: 'device', kind: 'string', choices: ['auto', 'cpu', 'webgpu'], default: 'auto', help: 'where to sample' });
/** `ddpm sample`'s old spellings. */
export const SAMPLE_RENAMED: RenamedFlags = { n: { to: 'samples' } };

export const SAMPLER_FLAGS = flags([
  { name: 'sampler', kind: 'string', choices: SAMPLERS, default: "the checkpoint's", help: 'tutorial: p_sample_loop; ddpm: Ho et al.; ddim: Song et al.' },
  { name: 'sample-steps', kind: 'int', min: 1, default: "the checkpoint's (T for the S-curve)", help: 'ddim: number of sampling steps K ≤ T (the other samplers take all T)' },
  { name: 'eta', kind: 'number', min: 0, max: 1, default: '0', help: 'ddim: η (0 deterministic, 1 like DDPM)' },
  { name: 'skip', kind: 'string', choices: ['uniform', 'quad'], default: 'uniform', help: 'ddim: spacing of the K steps' },
  { name: 'variance', kind: 'string', choices: ['fixedlarge', 'fixedsmall'], default: 'fixedlarge', help: 'ddpm: posterior variance β_t or β̃_t' },
  { name: 'clip-x0', kind: 'number', min: 0, help: 'ddpm: clip the predicted x̂0 to [−X, X] (in the network\'s units)' },
]);

/** The sampler flags' values, as part of a command's. */
export type SamplerFlags = FlagValues<typeof SAMPLER_FLAGS>;

/**
 * `ddpm sample --steps` was the number of DDIM steps; T is --timesteps in `ddpm train`, sampling
 * steps are --sample-steps in both commands, and "steps" alone are optimizer steps.
 */
export function refuseRenamedSamplerFlags(command: string, argv: readonly string[]): void {
  if (argv.some((a) => a === '--steps' || a.startsWith('--steps='))) {
    throw new UsageError(`${command}: the number of sampling steps is --sample-steps (as in ddpm train, where --timesteps is T)`);
  }
}

export type SamplerChoice = Pick<SampleOptions, 'sampler' | 'sampleSteps' | 'eta' | 'skip' | 'variance' | 'clipX0'>;

/**
 * The sampler and its options from the flags, for a model with T steps; `defaults` are the
 * checkpoint's sampler and (for DDIM) its number of steps.
 */
export function samplerFromFlags(command: string, f: SamplerFlags, T: number, defaults: { sampler: SamplerName; sampleSteps?: number }): SamplerChoice {
  const sampler = f.sampler ?? defaults.sampler;
  const given = f['sample-steps'];
  if (given !== undefined && given > T) throw new UsageError(`${command}: --sample-steps ${given} exceeds the model's T = ${T}`);
  if (given !== undefined && sampler !== 'ddim' && given !== T) {
    throw new UsageError(`${command}: the ${sampler} sampler walks all T = ${T} steps; --sample-steps K < T needs --sampler ddim`);
  }
  for (const flag of ['eta', 'skip'] as const) {
    if (f[flag] !== undefined && sampler !== 'ddim') throw new UsageError(`${command}: --${flag} applies to --sampler ddim, not ${sampler}`);
  }
  for (const flag of ['variance', 'clip-x0'] as const) {
    if (f[flag] !== undefined && sampler !== 'ddpm') throw new UsageError(`${command}: --${flag} applies to --sampler ddpm, not ${sampler}`);
  }
  return {
    sampler,
    sampleSteps: given ?? (sampler === 'ddim' ? Math.min(defaults.sampleSteps ?? T, T) : undefined),
    eta: f.eta, skip: f.skip, variance: f.variance, clipX0: f['clip-x0'],
  };
}
