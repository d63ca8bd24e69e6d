// The fused engine on WebGPU: MLPDiffusion's training step and reverse process as the compiled
// programs of mlp-diffusion.wgsl (see its header), run through the engine's Program.
//   engine-choice.ts  which engine a device gets (fused on WebGPU, eager elsewhere)
//   program.ts        the TypeScript side of the WGSL contract: uniforms, storages, the
//                     sampling table's row and kinds, the work split per adapter, buffer layouts
//   training.ts       FusedTraining: a step in 3 dispatches (4 on CPU drivers), no host round trip
//   sampling.ts       FusedSampler: a run of reverse steps in 1 dispatch
//   runner.ts         FUSED, the engine (../runner.ts) over them: chunks of about a quarter
//                     second, paced so the GPU never waits, a cut epoch undone on a stop

export { defaultEngine, ENGINE_NAMES, fusedBackend, type EngineName } from './engine-choice.js';
export { FUSED_CONTRACT, fusedSplit, type FusedSplit } from './program.js';
export { epochDraws, FusedTraining, type FusedTrainingSetup, type StepDraws } from './training.js';
export { FusedSampler } from './sampling.js';
export { FUSED } from './runner.js';
