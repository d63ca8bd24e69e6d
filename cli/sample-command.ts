// `ddpm sample`: loads a checkpoint (ours, or a state_dict saved from PyTorch as safetensors)
// and draws points with the tutorial's sampler, DDPM's or DDIM's; writes them as .npy or .csv,
// optionally with a PNG of the samples beside the data and of the reverse process. Many points
// are drawn in batches, with progress from the first, and written as each batch is drawn
// (points-file.ts: memory stays that of a batch, unless --png keeps them all to judge and draw);
// Ctrl-C or SIGTERM stops within a step and writes nothing.
// A checkpoint of an image model goes to image/sample-command.ts.

import { selectDevice } from '../engine/webgpu/index.js';
import { decodeModel } from '../ddpm/checkpoint.js';
import type { Generated } from '../ddpm/generate.js';
import { formatQuality, judgeSamples } from '../ddpm/quality.js';
import { flags, helpText, parseFlags, peekFlag, SEED_FLAG, UsageError, type FlagValues } from '../app-support/args.js';
import { imageSampleCommand, isImageCheckpoint } from './image/sample-command.js';
import { describeCheckpoint, modelFileOf } from './run-folder.js';
import { refuseRenamedSamplerFlags, SAMPLER_FLAGS, samplerFromFlags } from './sampler-flags.js';
import { withStopSignals, type StopRequest } from '../app-support/stop.js';
import { prepareOutputFile, readSafetensorsOrFail } from '../app-support/files.js';
import { chooseEngine, ENGINE_FLAG } from './engine.js';
import { generateBatchesWithProgress, reversePicture, samplesPicture, writePicture } from './pictures.js';
import { PointsFile } from './points-file.js';
import { chooseWeights, WEIGHTS_FLAG } from './weights-flag.js';

const FLAGS = flags([
  { name: 'checkpoint', kind: 'string', value: 'DIR|FILE', help: 'a run folder of ddpm train, or its model.safetensors (or a PyTorch state_dict as safetensors)' },
  ...SAMPLER_FLAGS,
  { name: 'n', kind: 'int', min: 1, default: '10000', help: 'number of points' },
  { ...SEED_FLAG, help: 'seeds x_T and the noise of every step' },
  { name: 'device', kind: 'string', choices: ['auto', 'cpu', 'webgpu'], default: 'auto', help: 'where to sample' },
  ENGINE_FLAG,
  WEIGHTS_FLAG,
  { name: 'out', kind: 'string', value: 'FILE', help: 'where the points go: .npy (numpy.load) or .csv (x,y)' },
  { name: 'png', kind: 'string', value: 'FILE', help: 'also draw the samples beside the data (and FILE with -reverse before .png: the reverse process); an image model: its grid' },
]);

const DESCRIPTION = 'Draws points from a trained model and writes them as .npy or .csv.\n' +
  'An image model\'s checkpoint draws images: its flags are listed by ddpm sample --checkpoint FILE --help.';

export async function sampleCommand(argv: readonly string[]): Promise<void> {
  refuseRenamedSamplerFlags('ddpm sample', argv);
  if (isImageCheckpoint(peekFlag(argv, 'checkpoint'))) return imageSampleCommand(argv);
  const f = parseFlags('ddpm sample', argv, FLAGS);
  if (f === null) {
    process.stdout.write(helpText('ddpm sample', DESCRIPTION, FLAGS));
    return;
  }
  await withStopSignals('stopping (nothing is written)', (stop) => samplePoints(f, stop));
}

async function samplePoints(f: FlagValues<typeof FLAGS>, stop: StopRequest): Promise<void> {
  const checkpoint = f.checkpoint !== undefined ? modelFileOf(f.checkpoint) : undefined;
  const { out, png } = f;
  if (checkpoint === undefined) throw new UsageError('ddpm sample: --checkpoint DIR|FILE is required (a run folder of ddpm train, or its model.safetensors)');
  if (out === undefined) throw new UsageError('ddpm sample: --out FILE is required (.npy or .csv)');
  if (!/\.(npy|csv)$/i.test(out)) throw new UsageError(`ddpm sample: --out must end in .npy or .csv, got '${out}'`);
  if (png !== undefined && !/\.png$/i.test(png)) throw new UsageError(`ddpm sample: --png must end in .png, got '${png}'`);
  prepareOutputFile('ddpm sample', '--out', out);
  if (png !== undefined) prepareOutputFile('ddpm sample', '--png', png);
  const bytes = readSafetensorsOrFail(checkpoint, 'checkpoint');

  const { device, note } = await selectDevice(f.device ?? 'auto');
  const engine = chooseEngine('ddpm sample', f, device);
  const { model, config, weights, epoch, runId, note: configNote } = decodeModel(bytes, device, checkpoint);
  if (configNote) console.log(`note: ${configNote}`);
  const weightsLine = chooseWeights(f, model, checkpoint, weights, { epoch, runId });
  const T = config.numSteps;
  const choice = samplerFromFlags('ddpm sample', f, T, { sampler: config.sampler });
  const { sampler } = choice;
  console.log(note);
  console.log(`model: ${checkpoint} (MLPDiffusion, T = ${T}, ${config.hidden} hidden units, ${config.schedule} schedule, ` +
    `${config.dataset}, preset ${config.preset}); ${weightsLine}`);

  const n = f.n ?? 10_000;
  // The points go to --out batch by batch; only --png, which judges and draws them all, keeps them.
  const kept = png !== undefined ? new Float32Array(n * 2) : null;
  const file = new PointsFile(out, n);
  let generated: Omit<Generated, 'points'>;
  try {
    generated = await generateBatchesWithProgress(model, config, device, { ...choice, n, seed: f.seed ?? 0, engine, signal: stop.signal },
      describeCheckpoint(checkpoint, epoch), (points, first) => {
        file.append(points);
        kept?.set(points, first * 2);
      });
    file.commit();
  } catch (e) {
    file.abort();
    throw e;
  }
  for (const p of model.parameters()) p.dispose();
  console.log(`sampled ${n} points in ${generated.seconds.toFixed(2)} s`);
  console.log(`wrote ${out}`);
  if (png !== undefined && kept !== null) {
    const quality = judgeSamples(kept, config.dataset);
    console.log(`quality: ${formatQuality(quality)}`);
    const reversePng = png.replace(/\.png$/i, '-reverse.png');
    writePicture(png, samplesPicture(kept, config, sampler, quality));
    writePicture(reversePng, reversePicture(generated.frames, config, sampler));
    console.log(`wrote ${png}, ${reversePng}`);
  }
}
