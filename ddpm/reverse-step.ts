// One reverse step of the samplers (ddpm/sample.ts): x_t, the model's ε and fresh noise z →
// x_{t−1}, as one of three forms with named per-step coefficients (host numbers, float64 from
// the schedule). The eager path applies them with tensor ops (sample.ts, applyReverseStep); the
// fused kernel (fused/program.ts packs them into a row; mlp-diffusion.wgsl, reverseStep) with
// the same operations in the same order. A file of its own so both import it, neither the other.

/** One reverse step: its timestep t, its form and that form's coefficients. */
export type ReverseStep =
  /** x ← (x − epsScale·ε) / divisor + noiseScale·z */
  | { t: number; kind: 'tutorial'; epsScale: number; divisor: number; noiseScale: number }
  /** x̂0 = x0FromX·x − x0FromEps·ε (clamped to ±clipX0 if given); x ← meanFromX0·x̂0 + meanFromX·x + noiseScale·z */
  | { t: number; kind: 'ddpm'; x0FromX: number; x0FromEps: number; meanFromX0: number; meanFromX: number; noiseScale: number; clipX0?: number }
  /** x̂0 = (x − epsScale·ε) / divisor; x ← x0Scale·x̂0 + epsNext·ε + noiseScale·z */
  | { t: number; kind: 'ddim'; epsScale: number; divisor: number; x0Scale: number; epsNext: number; noiseScale: number };
