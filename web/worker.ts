// The page's worker: where the engine runs (WebGPU through navigator.gpu, or the CPU reference
// path), so that the page stays responsive whatever the training does. It holds the current
// model and answers the page's calls (web/protocol.ts) one at a time.

import * as E from '../engine/index.js';
import { selectDevice } from '../engine/webgpu/index.js';
import { decodeModel, encodeModel } from '../ddpm/checkpoint.js';
import type { ModelConfig } from '../ddpm/config.js';
import { defaultEngine } from '../ddpm/fused/index.js';
import { generate } from '../ddpm/generate.js';
import type { MLPDiffusion } from '../ddpm/model.js';
import { judgeSamples } from '../ddpm/quality.js';
import { kernelCheck } from './kernel-check.js';
import { preview, startRun, trainLive, type LiveRun } from './live-training.js';
import type { CallName, Calls, ModelInfo, Reply, Request, WorkerEvent } from './protocol.js';

interface WorkerScope {
  postMessage(message: Reply, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<Request>) => void) | null;
}
const scope = self as unknown as WorkerScope;

let device: E.Backend = E.cpu;
/** The model the page sees: trained here (with its trainer) or loaded from a file. */
let current: { model: MLPDiffusion; config: ModelConfig; epoch?: number; note?: string; live: LiveRun | null } | null = null;
let stopRequested = false;

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
  for (const p of current?.model.parameters() ?? []) p.dispose();
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
    if (fresh || !current?.live) {
      dropModel();
      const live = startRun(run, device);
      current = { model: live.model, config: live.config, live };
      emit(await preview(live, device)); // the untrained model, for comparison
    }
    stopRequested = false;
    const summary = await trainLive(current.live!, device, run.epochs, emit, () => stopRequested);
    return { model: modelInfo(), ...summary };
  },

  async stop() {
    return null; // handled on arrival (see onmessage)
  },

  async sample(settings, emit) {
    if (!current) throw new Error('no model yet: train one or load a checkpoint');
    const { model, config, live } = current;
    // A model in training samples with its weight average, if it keeps one (as it would be saved).
    const withWeights = <T>(fn: () => Promise<T>): Promise<T> => (live ? live.trainer.withSamplingWeights(fn) : fn());
    const generated = await withWeights(() => generate(model, config, device, {
      sampler: settings.sampler, n: settings.n, seed: settings.seed,
      steps: settings.sampler === 'ddim' ? settings.steps : undefined,
      eta: settings.sampler === 'ddim' ? settings.eta : undefined,
      frames: Infinity, // every step: the page animates x_T → x_0
      onFrame: (frame) => emit({ kind: 'frame', frame }),
    }));
    return { points: generated.points, quality: judgeSamples(generated.points, config.dataset), seconds: generated.seconds };
  },

  async save() {
    if (!current) throw new Error('no model to download yet: train one first');
    const { model, config, live } = current;
    const epoch = live?.trainer.epoch ?? current.epoch;
    const { dataset, preset } = config;
    const encode = (): Promise<Uint8Array> => encodeModel(model, config, epoch !== undefined ? { epoch } : undefined);
    return {
      bytes: await (live ? live.trainer.withSamplingWeights(encode) : encode()),
      name: `ddpm-${dataset}-${preset}${epoch !== undefined ? `-epoch${epoch}` : ''}.safetensors`,
    };
  },

  async load({ bytes, name }) {
    const loaded = decodeModel(bytes, device, name); // throws, naming the file, before anything changes
    dropModel();
    current = { model: loaded.model, config: loaded.config, epoch: loaded.epoch, note: loaded.note, live: null };
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
    stopRequested = true;
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
