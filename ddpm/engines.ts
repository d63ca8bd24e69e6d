// The engines by name, and which one a run gets: the one asked for, or fused where it runs the
// network and the device suits it (fused/engine-choice.ts), else eager.

import type * as E from '../engine/index.js';
import { EAGER } from './eager.js';
import { defaultEngine } from './fused/engine-choice.js';
import { FUSED } from './fused/runner.js';
import type { NoisePredictor } from './noise-predictor.js';
import { ENGINE_NAMES, type DiffusionEngine, type EngineName } from './runner.js';

export const ENGINES: Readonly<Record<EngineName, DiffusionEngine>> = { eager: EAGER, fused: FUSED };

/** The engine `asked` for (refused with `what: why` if it cannot run the model), or the model's and device's default. */
export function engineFor(asked: EngineName | undefined, model: NoisePredictor, device: E.Backend, what: string): DiffusionEngine {
  const engine = ENGINES[asked ?? (FUSED.refuses(model) === null ? defaultEngine(device) : 'eager')] as DiffusionEngine | undefined;
  if (engine === undefined) throw new Error(`${what}: unknown engine '${asked}' (expected ${ENGINE_NAMES.join(' or ')})`);
  const refused = engine.refuses(model);
  if (refused !== null) throw new Error(`${what}: ${refused}`);
  return engine;
}
