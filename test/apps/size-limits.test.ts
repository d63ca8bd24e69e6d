// Sizes checked before allocation (app-support/size-limits.ts), on their own: a tensor past what the
// device holds, a run past half the machine's memory, a CPU training step past CPU_STEP_FLOP,
// each refused naming its flags; the FLOP a network's forward pass takes a sample
// (NoisePredictor.flopPerSample) counted from its weights; and the CPU's sampling batch capped
// so that a reverse step stays within seconds, the defaults left as they were. (The commands
// that use them are tested end to end in cli.test and image-cli.test.)

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { sampleBatch } from '../../ddpm/generate.js';
import { MLPDiffusion } from '../../ddpm/points/model.js';
import { UNetDiffusion } from '../../ddpm/images/unet.js';
import { CPU_STEP_FLOP, checkSizes, MEMORY_SHARE, samplingBatch } from '../../app-support/size-limits.js';

const GB = 1e9;
const fakeGpu = { ...E.cpu, name: 'webgpu', maxTensorValues: 2 ** 25 } as unknown as E.Backend;

test('checkSizes: a tensor past the device, memory past the share, a CPU step past the limit — each named by its flags', () => {
  const ok = { tensors: [{ what: 'the data', flags: '--data-size', values: 1000 }], host: [{ flags: '--data-size', bytes: 8000 }], step: { flop: 1e6, flags: '--hidden 16' } };
  checkSizes('ddpm train', E.cpu, ok, 16 * GB);
  assert.throws(() => checkSizes('ddpm train', fakeGpu, { ...ok, tensors: [{ what: 'a weight', flags: '--hidden', values: 2 ** 25 + 1 }] }, 16 * GB),
    /ddpm train: --hidden makes a weight of 3\.36e\+7 values, more than one tensor holds on webgpu \(3\.36e\+7\): make it smaller/);
  assert.throws(() => checkSizes('ddpm train', E.cpu, { ...ok, host: [{ flags: '--data-size', bytes: 9 * GB }] }, 16 * GB),
    new RegExp(`needs about 9\\.0 GB of memory \\(--data-size: 9\\.0 GB\\), more than ${MEMORY_SHARE * 100} % of this machine's 16\\.0 GB`));
  const step = { ...ok, step: { flop: CPU_STEP_FLOP + 1, flags: '--hidden 2000' } };
  assert.throws(() => checkSizes('ddpm train', E.cpu, step, 16 * GB), /one training step at --hidden 2000 is about 4 GFLOP: minutes on the CPU/);
  checkSizes('ddpm train', fakeGpu, step, 16 * GB); // a GPU step does not hold up the host's signals
});

test('flopPerSample: the S-curve MLP counts its Linear weights twice; the U-Net is dominated by its convolutions (×4 channels → ~×16)', () => {
  const rng = new E.Rng(0);
  const mlp = new MLPDiffusion(100, rng, { hidden: 128, device: E.cpu });
  assert.is(mlp.flopPerSample, 2 * (2 * 128 + 128 * 128 + 128 * 128 + 128 * 2));
  const unet = (c: number): UNetDiffusion => new UNetDiffusion({ height: 28, width: 28, channels: [c, c, c], groups: 2, timeDim: 8, timesteps: 10 }, rng, { device: E.cpu });
  const [small, big] = [unet(4), unet(16)];
  // conv_in alone: a 3×3 kernel into 4 channels at 784 positions.
  assert.ok(small.flopPerSample > 2 * 9 * 4 * 784);
  const ratio = big.flopPerSample / small.flopPerSample;
  assert.ok(ratio > 12 && ratio < 16.5, `×4 channels: ×${ratio.toFixed(2)} FLOP`);
  for (const m of [mlp, small, big]) for (const p of m.parameters()) p.dispose();
});

test('samplingBatch: generate\'s default on a GPU and for the default MLP; on the CPU a wide model samples fewer at a step', () => {
  const rng = new E.Rng(1);
  const mlp = new MLPDiffusion(10, rng, { hidden: 128, device: E.cpu });
  assert.is(samplingBatch(mlp, E.cpu), sampleBatch(2), 'the default S-curve model: as before');
  const wide = new MLPDiffusion(10, rng, { hidden: 2048, device: E.cpu });
  assert.is(samplingBatch(wide, E.cpu), Math.floor((2 * CPU_STEP_FLOP) / wide.flopPerSample));
  assert.ok(samplingBatch(wide, E.cpu) * wide.flopPerSample <= 2 * CPU_STEP_FLOP);
  assert.is(samplingBatch(wide, fakeGpu), sampleBatch(2));
  for (const m of [mlp, wide]) for (const p of m.parameters()) p.dispose();
});

test.run();
