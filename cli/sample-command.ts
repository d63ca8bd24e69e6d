// `ddpm sample`: loads a checkpoint (ours, or a state_dict saved from PyTorch as safetensors),
// draws samples with the tutorial's sampler, DDPM's or DDIM's, and writes them: points as .npy
// or .csv (with --png, a picture of them beside the data and of the reverse process), images as
// .npy or as a grid .png (judged by the run's classifier when there is one). Its flags are the
// checkpoint's workload's (cli/workloads/). Many samples are drawn in batches, with progress
// from the first, and an .npy or .csv is written as each batch is drawn (app-support/points-file.ts: memory
// stays that of a batch unless the workload keeps them all to judge and draw); Ctrl-C or SIGTERM
// stops within a step and writes nothing.

import { selectDevice } from '../engine/webgpu/index.js';
import type { Generated } from '../ddpm/generate.js';
import { helpText, UsageError } from '../app-support/args.js';
import { prepareOutputFile, readSafetensorsOrFail } from '../app-support/files.js';
import { withStopSignals, type StopRequest } from '../app-support/stop.js';
import { generateBatchesWithProgress } from './pictures.js';
import { PointsFile } from '../app-support/points-file.js';
import { describeCheckpoint, modelFileOf } from '../app-support/run-folder.js';
import { refuseRenamedSamplerFlags, samplerFromFlags } from './sampler-flags.js';
import { chooseWeights } from './weights-flag.js';
import type { AnyWorkload, SampleFlags } from './workload.js';
import { sampleWorkload } from './workloads/index.js';

export async function sampleCommand(argv: readonly string[]): Promise<void> {
  refuseRenamedSamplerFlags('ddpm sample', argv);
  const w = sampleWorkload(argv);
  const f: SampleFlags | null = w.sample.parse(argv);
  if (f === null) {
    process.stdout.write(helpText(w.sample.usage, w.sample.description, w.sample.flags, w.sample.renamed));
    return;
  }
  await withStopSignals('stopping (nothing is written)', (stop) => sample(w, f, stop));
}

async function sample(w: AnyWorkload, f: SampleFlags, stop: StopRequest): Promise<void> {
  const checkpoint = f.checkpoint !== undefined ? modelFileOf(f.checkpoint) : undefined;
  const { out, png } = f;
  if (checkpoint === undefined) throw new UsageError('ddpm sample: --checkpoint DIR|FILE is required (a run folder of ddpm train, or its model.safetensors)');
  w.sample.checkFiles(out, png);
  prepareOutputFile('ddpm sample', '--out', out);
  if (png !== undefined) prepareOutputFile('ddpm sample', '--png', png);
  const bytes = readSafetensorsOrFail(checkpoint, 'checkpoint');

  const { device, note } = await selectDevice(f.device ?? 'auto');
  const engine = w.sample.engine(f, device);
  const { model, config, weights, epoch, runId, note: configNote } = w.core.decodeModel(bytes, device, checkpoint);
  if (configNote) console.log(`note: ${configNote}`);
  const weightsLine = chooseWeights(f, model, checkpoint, weights, { epoch, runId });
  const choice = samplerFromFlags('ddpm sample', f, config.timesteps, w.core.samplerDefaults(config));
  const after = await w.sample.before(checkpoint, config, f, device);
  console.log(note);
  console.log(`model: ${checkpoint} (${w.sample.describe(config, epoch)}); ${weightsLine}`);

  const n = f.samples ?? w.sample.defaultSamples;
  const width: number = model.dataDim;
  // An .npy or .csv --out gets the samples batch by batch; only a workload that judges or draws them all keeps them.
  const kept = w.sample.keeps(out, png) ? new Float32Array(n * width) : null;
  const file = /\.(npy|csv)$/i.test(out) ? new PointsFile(out, n, w.sample.rowShape(config)) : null;
  let generated: Omit<Generated, 'points'>;
  try {
    generated = await generateBatchesWithProgress(model, w.core.samplingConfig(config), device, { ...choice, n, seed: f.seed ?? 0, engine, signal: stop.signal },
      describeCheckpoint(checkpoint, epoch), (points, first) => {
        file?.append(points);
        kept?.set(points, first * width);
      });
    file?.commit();
  } catch (e) {
    file?.abort();
    throw e;
  }
  w.core.dispose(model);
  console.log(w.sample.sampledLine(n, generated.seconds, choice, config));
  if (file) console.log(`wrote ${out}`);
  if (kept) await after({ ...generated, points: kept }, choice, epoch);
}
