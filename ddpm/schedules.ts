// Noise schedules and the tables derived from them, computed in float64 and stored as float32.
//   sigmoid (the S-curve tutorial's): β = sigmoid(linspace(−6, 6, T))·(0.5e-2 − 1e-5) + 1e-5
//   linear  (Ho et al. 2020):         β = linspace(1e-4, 0.02, T)
//   cosine  (Nichol & Dhariwal 2021): ᾱ(t) = cos²(((t/T) + s)/(1 + s)·π/2), s = 0.008,
//                                     β_t = min(1 − ᾱ(t+1)/ᾱ(t), 0.999)
// Derived: α = 1 − β, ᾱ = cumprod(α), ᾱ_prev = [1, ᾱ[:-1]], √ᾱ, √(1−ᾱ), posterior variance
// β̃_t = β_t(1 − ᾱ_{t−1})/(1 − ᾱ_t).

/**
 * The noise schedules (see the header): the S-curve tutorial's sigmoid, Ho et al.'s linear, Nichol
 * & Dhariwal's cosine.
 */
export type ScheduleName = 'sigmoid' | 'linear' | 'cosine';
/** Every schedule's name. */
export const SCHEDULES: readonly ScheduleName[] = ['sigmoid', 'linear', 'cosine'];

/**
 * A noise schedule's β over T steps and the tables derived from it (see the header), as float32,
 * each [T]; and the ones samplers need in float64.
 */
export interface Schedule {
  readonly name: ScheduleName;
  readonly timesteps: number;
  readonly betas: Float32Array;
  readonly alphas: Float32Array;
  readonly alphasBar: Float32Array;
  readonly alphasBarPrev: Float32Array;
  readonly sqrtAlphasBar: Float32Array;
  readonly sqrtOneMinusAlphasBar: Float32Array;
  readonly posteriorVariance: Float32Array;
  /** The same tables in float64, for host-side coefficients (samplers). */
  readonly f64: {
    readonly betas: Float64Array;
    readonly alphasBar: Float64Array;
    readonly alphasBarPrev: Float64Array;
  };
}

function linspace(start: number, end: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = n === 1 ? start : start + ((end - start) * i) / (n - 1);
  return out;
}

function betasFor(name: ScheduleName, timesteps: number): Float64Array {
  switch (name) {
    case 'sigmoid':
      return linspace(-6, 6, timesteps).map((x) => (1 / (1 + Math.exp(-x))) * (0.5e-2 - 1e-5) + 1e-5);
    case 'linear':
      return linspace(1e-4, 0.02, timesteps);
    case 'cosine': {
      const s = 0.008;
      const alphaBar = (t: number): number => Math.cos(((t / timesteps + s) / (1 + s)) * (Math.PI / 2)) ** 2;
      return Float64Array.from({ length: timesteps }, (_, t) => Math.min(1 - alphaBar(t + 1) / alphaBar(t), 0.999));
    }
  }
}

/**
 * The schedule `name` over `timesteps` steps, with its derived tables. Throws for an unknown name
 * or a timesteps that is not a positive integer.
 */
export function makeSchedule(name: ScheduleName, timesteps: number): Schedule {
  if (!SCHEDULES.includes(name)) throw new Error(`schedule: unknown schedule '${name}' (expected ${SCHEDULES.join(', ')})`);
  if (!Number.isInteger(timesteps) || timesteps < 1) throw new Error(`schedule: timesteps must be a positive integer, got ${timesteps}`);
  const betas = betasFor(name, timesteps);
  const alphas = betas.map((b) => 1 - b);
  const alphasBar = new Float64Array(timesteps);
  let prod = 1;
  for (let t = 0; t < timesteps; t++) alphasBar[t] = prod *= alphas[t];
  const alphasBarPrev = Float64Array.from({ length: timesteps }, (_, t) => (t === 0 ? 1 : alphasBar[t - 1]));
  const posterior = betas.map((b, t) => (b * (1 - alphasBarPrev[t])) / (1 - alphasBar[t]));
  const f32 = (a: Float64Array): Float32Array => Float32Array.from(a);
  return {
    name,
    timesteps,
    betas: f32(betas),
    alphas: f32(alphas),
    alphasBar: f32(alphasBar),
    alphasBarPrev: f32(alphasBarPrev),
    sqrtAlphasBar: f32(alphasBar.map(Math.sqrt)),
    sqrtOneMinusAlphasBar: f32(alphasBar.map((a) => Math.sqrt(1 - a))),
    posteriorVariance: f32(posterior),
    f64: { betas, alphasBar, alphasBarPrev },
  };
}
