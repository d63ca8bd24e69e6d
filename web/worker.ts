// The page's worker: where the engine runs (WebGPU through navigator.gpu, or the CPU reference
// path), so that the page stays responsive whatever the training does. It holds the current
// model — of points, trained here or loaded, or of images, loaded from `ddpm train --dataset …` —
// and answers the page's calls (web/protocol.ts) one at a time.

import * as E from '../engine/index.js';
import { selectDevice } from '../engine/webgpu/index.js';
import { checkpointModel } from '../ddpm/checkpoint.js';
import { defaultEngine } from '../ddpm/fused/index.js';
import { generate } from '../ddpm/generate.js';
import { decodeImageModel, encodeImageModel } from '../ddpm/images/checkpoint.js';
import { isImageModelName, samplingConfig as imageSamplingConfig } from '../ddpm/images/config.js';
import { samplingConfig as pointsSamplingConfig } from '../ddpm/points/config.js';
import { decodeModel, encodeModel } from '../ddpm/points/checkpoint.js';
import type { ImageModel } from '../ddpm/images/checkpoint.js';
import type { MLPDiffusion } from '../ddpm/points/model.js';
import { judgeSamples } from '../ddpm/points/quality.js';
import { kernelCheck } from './kernel-check.js';
import { preview, startRun, trainLive, type LiveRun } from './live-training.js';
import { isImageConfig, type CallName, type Calls, type ModelInfo, type PageModelConfig, type Reply, type Request, type WorkerEvent } from './protocol.js';

interface WorkerScope {
  postMessage(message: Reply, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<Request>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/**
 * Frames of an image model's reverse process: x_T and nine more, evenly spaced (as `ddpm sample`
 * draws its -reverse.png).
 */
const IMAGE_FRAMES = 10;
/** Of an image model's frames, the page shows the first 64 images (its grid; the strip takes 8). */
const FRAME_IMAGES = 64;
/**
 * A point model's frames: every step, as long as they fit in 64 MB (the page keeps them all to
 * replay): 2 000 points × 1 000 steps do (16 MB); 100 000 points keep 80 evenly spaced frames.
 */
const FRAME_BYTES = 64 * 2 ** 20;

let device: E.Backend = E.cpu;
/** The model the page sees: trained here (with its trainer) or loaded from a file. */
let current: { model: MLPDiffusion | ImageModel; config: PageModelConfig; epoch?: number; note?: string; live: LiveRun | null } | null = null;
/** The training or sampling under way, which a Stop aborts (between chunks of steps). */
let running: AbortController | null = null;

function modelInfo(): ModelInfo {
  if (!current) throw new Error('no model yet: train one or load a checkpoint');
  return {
    config: current.config,
    epoch: current.live?.trainer.epoch ?? current.epoch,
    parameters: current.model.parameters().reduce((s, p) => s + p.size, 0),
    note: current.note,
    trainable: current.live !== null,
  };
}

function dropModel(): void {
  current?.live?.trainer.dispose();
  const model = current?.model;
  // An image model's dispose also frees its fixed tables (its timestep embedding, the preconditioning's).
  model?.dispose();
  current = null;
}

type Handler<K extends CallName> = (args: Calls[K]['args'], emit: (event: WorkerEvent) => void) => Promise<Calls[K]['result']>;

const handlers: { [K in CallName]: Handler<K> } = {
  async init({ device: choice }) {
    dropModel();
    const chosen = await selectDevice(choice);
    device = chosen.device;
    return {
      backend: device.name === 'webgpu' ? 'webgpu' : 'cpu',
      description: device.describe(),
      engine: defaultEngine(device),
      fallbackReason: chosen.fallbackReason,
    };
  },

  async train({ run, fresh }, emit) {
    const controller = new AbortController();
    running = controller;
    try {
      if (fresh || !current?.live) {
        dropModel();
        const live = startRun(run, device);
        current = { model: live.model, config: live.config, live };
        // The untrained model, for comparison.
        const untrained = await preview(live, device, controller.signal, (i, n) => emit({ kind: 'phase', text: `sampling the untrained model: step ${i} / ${n}` }));
        if (untrained) emit(untrained);
      }
      const summary = await trainLive(current.live!, device, run.epochs, emit, controller.signal);
      return { model: modelInfo(), ...summary };
    } finally {
      running = null;
    }
  },

  async stop() {
    return null; // handled on arrival (see onmessage)
  },

  async sample(settings, emit) {
    if (!current) throw new Error('no model yet: train one or load a checkpoint');
    const { model, config, live } = current;
    const images = isImageConfig(config);
    // A model in training samples with its weight average, if it keeps one (as it would be saved).
    const withWeights = <T>(fn: () => Promise<T>): Promise<T> => (live ? live.trainer.withSamplingWeights(fn) : fn());
    const controller = new AbortController();
    running = controller;
    const start = performance.now();
    try {
      const generated = await withWeights(() => generate(model, images ? imageSamplingConfig(config) : pointsSamplingConfig(config), device, {
        sampler: settings.sampler, n: settings.n, seed: settings.seed,
        sampleSteps: settings.sampler === 'ddim' ? settings.steps : undefined,
        eta: settings.sampler === 'ddim' ? settings.eta : undefined,
        // points: every step that fits, the page animates x_T → x_0; images: a strip, as `ddpm sample` draws it
        frames: images ? IMAGE_FRAMES : Math.max(2, Math.floor(FRAME_BYTES / (4 * settings.n * model.dataDim))),
        onFrame: (frame) => emit({ kind: 'frame', frame: images ? { ...frame, points: frame.points.slice(0, FRAME_IMAGES * model.dataDim) } : frame }),
        signal: controller.signal,
      }));
      const quality = images ? null : judgeSamples(generated.points, config.dataset);
      return { points: generated.points, quality, seconds: generated.seconds, stopped: false };
    } catch (e) {
      if (!controller.signal.aborted) throw e;
      return { points: null, quality: null, seconds: (performance.now() - start) / 1000, stopped: true };
    } finally {
      running = null;
    }
  },

  async save() {
    if (!current) throw new Error('no model to download yet: train one first');
    const { model, config, live } = current;
    const epoch = live?.trainer.epoch ?? current.epoch;
    const stamp = epoch !== undefined ? { epoch } : undefined;
    const encode = (): Promise<Uint8Array> => (isImageConfig(config)
      ? encodeImageModel(model as ImageModel, config, stamp)
      : encodeModel(model as MLPDiffusion, config, stamp));
    const what = isImageConfig(config) ? `${config.dataset}-images` : `${config.dataset}-${config.preset}`;
    return {
      bytes: await (live ? live.trainer.withSamplingWeights(encode) : encode()),
      name: `ddpm-${what}${epoch !== undefined ? `-epoch${epoch}` : ''}.safetensors`,
    };
  },

  async load({ bytes, name }) {
    // Either decoder throws, naming the file, before anything changes.
    const loaded = isImageModelName(checkpointModel(bytes)) ? decodeImageModel(bytes, device, name) : decodeModel(bytes, device, name);
    dropModel();
    current = { model: loaded.model, config: loaded.config, epoch: loaded.epoch, note: 'note' in loaded ? loaded.note : undefined, live: null };
    return modelInfo();
  },

  async check() {
    if (device.name !== 'webgpu') throw new Error('the GPU check needs WebGPU; this page is running on the CPU path');
    return kernelCheck(device);
  },
};

/** Typed arrays in a result or event travel without a copy. */
function transferables(value: unknown): Transferable[] {
  const out: Transferable[] = [];
  const visit = (v: unknown, depth: number): void => {
    if (ArrayBuffer.isView(v)) out.push(v.buffer as ArrayBuffer);
    else if (v !== null && typeof v === 'object' && depth < 2) for (const x of Object.values(v)) visit(x, depth + 1);
  };
  visit(value, 0);
  return [...new Set(out)];
}

let queue: Promise<void> = Promise.resolve();

scope.onmessage = (e) => {
  const request = e.data;
  if (request.call === 'stop') {
    running?.abort();
    scope.postMessage({ id: request.id, result: null });
    return;
  }
  queue = queue.then(async () => {
    const handler = handlers[request.call] as Handler<CallName>;
    try {
      // Frames are kept by the sampler too: copy those rather than transfer them.
      const emit = (event: WorkerEvent): void => scope.postMessage({ id: request.id, event }, event.kind === 'preview' ? transferables(event) : []);
      const result = await handler(request.args, emit);
      scope.postMessage({ id: request.id, result }, transferables(result));
    } catch (err) {
      scope.postMessage({ id: request.id, error: (err as Error).message ?? String(err) });
    }
  });
};
