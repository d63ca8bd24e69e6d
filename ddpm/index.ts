// The diffusion workload's public API (the package's 'wgpu-diffusion/ddpm'): the S-curve
// tutorial's DDPM (docs/workload.md) and its samplers, the image workload, checkpoints PyTorch
// loads, the quality measures and the pictures. Built on the engine's public exports (the fused
// programs, ddpm/fused/, also on its internal entries: they are internal to the package too); free
// of Node imports (the PNG encoder, which needs node:zlib, is 'wgpu-diffusion/ddpm/png').

// the workloads (points: the 2-D sets; images: MNIST, Fashion-MNIST) behind one interface
export type { DecodedModel, Workload, WorkloadConfig } from './workload.js';
export type { SamplingFields } from './config.js';
export { POINTS } from './points/workload.js';
export { IMAGES } from './images/workload.js';

// the points workload's data and model, schedules, the loss
export { DATASETS, makeDataset, type DatasetName } from './points/data.js';
export { makeSchedule, SCHEDULES, type Schedule, type ScheduleName } from './schedules.js';
export { MLPDiffusion } from './points/model.js';
export type { NoisePredictor } from './noise-predictor.js';
export { antitheticTimesteps, diffusionLoss, diffusionLossWith, qSample, type DiffusionTables } from './loss.js';
export { configFromShapes, modelConfigJson, parseModelConfig, PRESET_NAMES, PRESETS, type ModelConfig, type Preset, type PresetName } from './points/config.js';

// training and sampling
export { train, Trainer, TrainingDiverged, TUTORIAL_TRAIN_SETTINGS, type RunOptions, type TrainerOptions, type TrainSettings,
  type TrainState } from './train.js';
export { applyReverseStep, ddimCoefficients, ddimTimesteps, ddpmCoefficients, sample, SAMPLERS, tutorialCoefficients,
  type SampleOptions, type SamplerName } from './sample.js';
export type { ReverseStep } from './reverse-step.js';
export { generate, generateBatches, sampleBatch, type BatchHandler, type Frame, type Generated, type GenerateOptions } from './generate.js';
// which engine runs a step: eager (one kernel per op) or fused (compiled programs, ddpm/fused/,
// whose parts are internal to the package)
export { ENGINE_NAMES, type EngineName } from './runner.js';
export { defaultEngine } from './fused/engine-choice.js';

// files and quality
export { CheckpointError, checkpointModel, decodeTrainState, encodeTrainState, type SavedTrainState } from './checkpoint.js';
export { decodeModel, encodeModel } from './points/checkpoint.js';
export { decodeSafetensors, encodeSafetensors, SafetensorsError, type NamedTensor, type SafetensorsFile } from './safetensors.js';
export { CSV_HEADER, csvRows, encodeCsv, encodeNpy, npyHeader, npyRows } from './points-format.js';
export { formatQuality, judgeSamples, slicedWasserstein, type QualityReport } from './points/quality.js';

// the image workload (MNIST, Fashion-MNIST)
export { DIGIT_CLASSES, FASHION_CLASSES, IMAGE_DATASETS, imageSetFromDigitArrays, imageSetFromIdx, imageStatistics, parseIdx,
  selectImages, type ImageDatasetName, type ImageSet } from './images/data.js';
export { MLPImageDiffusion, timestepEmbedding, wienerCoefficients, type ImageModelShape, type Preconditioning } from './images/model.js';
export { UNetDiffusion, type UNetShape } from './images/unet.js';
export { IMAGE_DEFAULTS, imageConfigJson, parseImageConfig, samplingConfig, type ImageModelConfig } from './images/config.js';
export { buildImageModel, decodeClassifier, decodeImageModel, encodeClassifier, encodeImageModel, type ClassifierInfo } from './images/checkpoint.js';
export { accuracy, classify, nearestDistances, trainClassifier, type ClassifierTraining, type ImageClassifier } from './images/classifier.js';
export { CONFIDENT, formatImageQuality, imageQualityJson, judgeImages, type ImageQuality } from './images/quality.js';

// pictures (rasters; encodePng in 'wgpu-diffusion/ddpm/png' makes files of them)
export { BLACK, Raster, WHITE, type Color } from './plot/raster.js';
export { lossFigure, reverseFigure, samplesFigure, type LossOptions, type ReverseOptions, type SamplesOptions } from './plot/figures.js';
export { imageGrid, type ImageGridOptions } from './plot/image-grid.js';
