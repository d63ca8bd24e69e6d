// `ddpm train`'s settings from its flags (cli/train-settings.ts over cli/workloads/), without
// training: no flags is README's quick start (--preset improved, 45 epochs), each preset brings
// its own epochs, the old spellings make the same settings as the new, and the command line picks
// its workload (--dataset).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { newRunSettings } from '../../cli/train-settings.js';
import type { TrainFlags } from '../../cli/workload.js';
import { trainWorkload } from '../../cli/workloads/index.js';

/** A new run's settings for `ddpm train argv`, and its workload's name. */
function settings(...argv: string[]): { workload: string; run: unknown } {
  const w = trainWorkload(argv);
  const f: TrainFlags | null = w.train.parse(argv);
  if (f === null) throw new Error('--help was not given');
  return { workload: w.core.name, run: newRunSettings(w, f).run };
}

test('ddpm train with no flags is README\'s quick start: --preset improved --epochs 45', () => {
  const quickStart = settings('--preset', 'improved', '--epochs', '45');
  assert.equal(settings(), quickStart);
  const run = quickStart.run as { epochs: number; lr: number; config: { preset: string; dataset: string; timesteps: number } };
  assert.equal([run.epochs, run.lr, run.config.preset, run.config.dataset, run.config.timesteps], [45, 5e-3, 'improved', 's-curve', 100]);
});

test('each preset brings its own epochs; --epochs overrides them', () => {
  const epochs = (...argv: string[]): number => (settings(...argv).run as { epochs: number }).epochs;
  assert.is(epochs('--preset', 'seed'), 4000);
  assert.is(epochs('--preset', 'improved'), 45);
  assert.is(epochs('--preset', 'seed', '--epochs', '3'), 3);
});

test('the old spellings make the settings the new ones do', () => {
  const notes: string[] = [];
  const error = console.error;
  console.error = (line: string) => notes.push(line);
  try {
    assert.equal(settings('--points', '300', '--steps', '20', '--eval-points', '50'), settings('--data-size', '300', '--timesteps', '20', '--samples', '50'));
    assert.equal(settings('--dataset', 'mnist', '--images', '64', '--steps', '50'), settings('--dataset', 'mnist', '--data-size', '64', '--timesteps', '50'));
  } finally {
    console.error = error;
  }
  assert.equal(notes, ['note: --points is now --data-size', 'note: --steps is now --timesteps', 'note: --eval-points is now --samples',
    'note: --images is now --data-size', 'note: --steps is now --timesteps']);
});

test('--dataset picks the workload: 2-D sets are points (the default), mnist and fashion-mnist images', () => {
  assert.is(trainWorkload([]).core.name, 'points');
  assert.is(trainWorkload(['--dataset', 'moons']).core.name, 'points');
  assert.is(trainWorkload(['--dataset', 'mnist']).core.name, 'images');
  assert.is(trainWorkload(['--dataset=fashion-mnist']).core.name, 'images');
  assert.is(settings('--dataset', 'mnist').workload, 'images');
});

test.run();
