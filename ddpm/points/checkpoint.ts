// The S-curve workload's model file: MLPDiffusion's state_dict as safetensors bytes, PyTorch's
// keys and layouts (`MLPDiffusion.load_state_dict(load_file(path))` works unchanged), with the
// config (config.ts) as JSON in __metadata__.config. A state_dict saved from PyTorch without one
// gets a config inferred from its shapes. The train state beside it is ddpm/checkpoint.ts's,
// shared by every workload.

import { Rng, type Backend } from '../../engine/index.js';
import { about, assertAllFinite, checkTensorShapes, hostStateDict, readStamp, stampMetadata, type CheckpointStamp } from '../checkpoint.js';
import { decodeSafetensors, encodeSafetensors } from '../safetensors.js';
import { configFromShapes, modelConfigJson, parseModelConfig, type ModelConfig } from './config.js';
import { MLPDiffusion } from './model.js';

/** `stamp`, when given, is recorded so a resumed run can check that its two files belong together. */
export async function encodeModel(model: MLPDiffusion, config: ModelConfig, stamp?: CheckpointStamp): Promise<Uint8Array> {
  const metadata: Record<string, string> = { format: 'pt', config: modelConfigJson(config), ...stampMetadata(stamp) };
  return encodeSafetensors(await hostStateDict(model), metadata);
}

/**
 * A model on `device` from model.safetensors bytes. A file without our config (one saved from
 * PyTorch) gets one inferred from its shapes, with `note` saying what was assumed.
 */
export function decodeModel(bytes: Uint8Array, device: Backend, file = 'model.safetensors'):
  { model: MLPDiffusion; config: ModelConfig; epoch?: number; runId?: string; weights?: string; note?: string } {
  return about(file, () => {
    const { tensors, metadata } = decodeSafetensors(bytes);
    assertAllFinite(tensors);
    let config: ModelConfig;
    let note: string | undefined;
    if (metadata.config !== undefined) {
      config = parseModelConfig(metadata.config);
    } else {
      ({ config, note } = configFromShapes(tensors));
    }
    checkTensorShapes(tensors, MLPDiffusion.parameterShapes(config.timesteps, config.hidden),
      `an MLPDiffusion of T = ${config.timesteps} (n_steps) and ${config.hidden} hidden units (num_units)`);
    // The initial weights are overwritten; a fixed seed just fills them.
    const model = new MLPDiffusion(config.timesteps, new Rng(0), { hidden: config.hidden, device });
    try {
      model.loadStateDict(tensors);
    } catch (e) {
      for (const p of model.parameters()) p.dispose();
      throw e;
    }
    return { model, config, ...readStamp(metadata), note };
  });
}
