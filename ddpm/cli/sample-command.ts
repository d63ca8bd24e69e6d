// `ddpm sample`: loads a checkpoint (ours, or a state_dict saved from PyTorch as safetensors)
// and draws points with the tutorial's sampler, DDPM's or DDIM's; writes them as .npy or .csv,
// optionally with a PNG of the samples beside the data and of the reverse process.
// A checkpoint of an image model goes to image-sample-command.ts.

import { selectDevice, type DeviceChoice } from '../../engine/webgpu/index.js';
import { decodeModel } from '../checkpoint.js';
import { encodeCsv, encodeNpy } from '../points-format.js';
import { formatQuality, judgeSamples } from '../quality.js';
import { helpText, parseFlags, peekFlag, UsageError, type FlagSpec } from './args.js';
import { imageSampleCommand, isImageCheckpoint } from './image-sample-command.js';
import { SAMPLER_FLAGS, samplerFromFlags } from './sampler-flags.js';
import { readFileOrFail, writeFileAtomic } from './files.js';
import { chooseEngine, ENGINE_FLAG } from './engine.js';
import { generateWithProgress, reversePicture, samplesPicture, writePicture } from './pictures.js';

const FLAGS: FlagSpec[] = [
  { name: 'checkpoint', kind: 'string', value: 'FILE', help: 'model.safetensors written by ddpm train (or a PyTorch state_dict as safetensors)' },
  ...SAMPLER_FLAGS,
  { name: 'n', kind: 'int', min: 1, default: '10000', help: 'number of points' },
  { name: 'seed', kind: 'int', min: 0, default: '0', help: 'seeds x_T and the noise of every step' },
  { name: 'device', kind: 'string', choices: ['auto', 'cpu', 'webgpu'], default: 'auto', help: 'where to sample' },
  ENGINE_FLAG,
  { name: 'out', kind: 'string', value: 'FILE', help: 'where the points go: .npy (numpy.load) or .csv (x,y)' },
  { name: 'png', kind: 'string', value: 'FILE', help: 'also draw the samples beside the data (and FILE with -reverse before .png: the reverse process)' },
];

const DESCRIPTION = 'Draws points from a trained model and writes them as .npy or .csv.';

export async function sampleCommand(argv: readonly string[]): Promise<void> {
  if (isImageCheckpoint(peekFlag(argv, 'checkpoint'))) return imageSampleCommand(argv);
  const f = parseFlags('ddpm sample', argv, FLAGS);
  if (f === null) {
    process.stdout.write(helpText('ddpm sample', DESCRIPTION, FLAGS));
    return;
  }
  const checkpoint = f.checkpoint as string | undefined;
  const out = f.out as string | undefined;
  if (checkpoint === undefined) throw new UsageError('ddpm sample: --checkpoint FILE is required (a model.safetensors from ddpm train)');
  if (out === undefined) throw new UsageError('ddpm sample: --out FILE is required (.npy or .csv)');
  if (!/\.(npy|csv)$/i.test(out)) throw new UsageError(`ddpm sample: --out must end in .npy or .csv, got '${out}'`);
  const png = f.png as string | undefined;
  if (png !== undefined && !/\.png$/i.test(png)) throw new UsageError(`ddpm sample: --png must end in .png, got '${png}'`);
  const bytes = readFileOrFail(checkpoint, 'checkpoint');

  const { device, note } = await selectDevice((f.device as DeviceChoice | undefined) ?? 'auto');
  const engine = chooseEngine('ddpm sample', f, device);
  const { model, config, note: configNote } = decodeModel(bytes, device, checkpoint);
  if (configNote) console.log(`note: ${configNote}`);
  const T = config.numSteps;
  const choice = samplerFromFlags('ddpm sample', f, T, { sampler: config.sampler });
  const { sampler } = choice;
  console.log(note);
  console.log(`model: ${checkpoint} (MLPDiffusion, T = ${T}, ${config.hidden} hidden units, ${config.schedule} schedule, ` +
    `${config.dataset}, preset ${config.preset})`);

  const n = (f.n as number | undefined) ?? 10_000;
  const generated = await generateWithProgress(model, config, device, {
    ...choice, n, seed: (f.seed as number | undefined) ?? 0, engine,
  });
  for (const p of model.parameters()) p.dispose();
  console.log(`sampled ${n} points in ${generated.seconds.toFixed(2)} s`);
  writeFileAtomic(out, /\.npy$/i.test(out) ? encodeNpy(generated.points, [n, 2]) : encodeCsv(generated.points));
  console.log(`wrote ${out}`);
  if (png !== undefined) {
    const quality = judgeSamples(generated.points, config.dataset);
    console.log(`quality: ${formatQuality(quality)}`);
    const reversePng = png.replace(/\.png$/i, '-reverse.png');
    writePicture(png, samplesPicture(generated.points, config, sampler, quality));
    writePicture(reversePng, reversePicture(generated.frames, config, sampler));
    console.log(`wrote ${png}, ${reversePng}`);
  }
}
