// Checkpoints: a model survives the safetensors round trip with its config; a run saved after
// epoch 2 and resumed continues exactly (bit for bit on the CPU) as an uninterrupted run; a
// state_dict saved by PyTorch (test/fixtures/torch_mlp_diffusion.safetensors, written by
// make_fixtures.py with safetensors.torch.save_file) loads and predicts PyTorch's numbers;
// every corrupt or mismatched file — a NaN or infinite value among them — is refused with a
// message naming the file, the tensor and the problem, and leaves nothing half-loaded; a model
// with a non-finite weight is never written.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { decodeTrainState, encodeTrainState } from '../../ddpm/checkpoint.js';
import { decodeModel, encodeModel } from '../../ddpm/points/checkpoint.js';
import { modelConfigJson, parseModelConfig, PRESETS, type ModelConfig } from '../../ddpm/points/config.js';
import { makeDataset } from '../../ddpm/points/data.js';
import { MLPDiffusion } from '../../ddpm/points/model.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../../ddpm/safetensors.js';
import { makeSchedule } from '../../ddpm/schedules.js';
import { Trainer, TUTORIAL_TRAIN_SETTINGS } from '../../ddpm/train.js';
import { assertClose, fromFixture, loadFixture, loadFixtureBytes, values, type FixtureTensor } from '../support/helpers.js';

const config: ModelConfig = {
  model: 'MLPDiffusion', timesteps: 100, hidden: 16, schedule: 'sigmoid', dataset: 's-curve',
  dataScale: 1, sampler: 'tutorial', preset: 'seed',
};
const schedule = makeSchedule('sigmoid', 100);
const data = makeDataset('s-curve', 600, 0);
const settings = { ...TUTORIAL_TRAIN_SETTINGS, batch: 128, lr: 1e-3, clip: 1, seed: 3 };

async function parameters(model: MLPDiffusion): Promise<number[][]> {
  return Promise.all(model.parameters().map((p) => values(p)));
}

test('a model round-trips through model.safetensors with its config', async () => {
  const model = new MLPDiffusion(100, new E.Rng(1), { hidden: 16, device: E.cpu });
  const bytes = await encodeModel(model, config);
  const back = decodeModel(bytes, E.cpu);
  assert.equal(back.config, config);
  assert.is(back.note, undefined);
  assert.equal(await parameters(back.model), await parameters(model));
  const file = decodeSafetensors(bytes);
  assert.is(file.metadata.format, 'pt');
  assert.equal(JSON.parse(file.metadata.config), {
    model: 'MLPDiffusion', n_steps: 100, num_units: 16, schedule: 'sigmoid', dataset: 's-curve', data_scale: 1, sampler: 'tutorial', preset: 'seed',
  });
});

test('resuming after epoch 2 continues the uninterrupted trajectory exactly', async () => {
  const straight = new Trainer(new MLPDiffusion(100, new E.Rng(1), { hidden: 16, device: E.cpu }), schedule, data, settings, E.cpu);
  for (let i = 0; i < 4; i++) await straight.runEpoch();

  const first = new Trainer(new MLPDiffusion(100, new E.Rng(1), { hidden: 16, device: E.cpu }), schedule, data, settings, E.cpu);
  for (let i = 0; i < 2; i++) await first.runEpoch();
  const modelBytes = await encodeModel(first.model, config);
  const stateBytes = await encodeTrainState(first.model, { ...(await first.exportState()), settings, config }, modelConfigJson);

  const { model } = decodeModel(modelBytes, E.cpu);
  const state = decodeTrainState(stateBytes, model, 'train-state.safetensors', parseModelConfig);
  assert.equal(state.settings, settings);
  const resumed = new Trainer(model, schedule, data, state.settings, E.cpu);
  resumed.importState(state);
  assert.is(resumed.epoch, 2);
  for (let i = 0; i < 2; i++) await resumed.runEpoch();
  assert.equal(resumed.losses, straight.losses, 'the same four epoch losses');
  assert.equal(await parameters(resumed.model), await parameters(straight.model), 'the same weights, bit for bit');
});

interface TorchModelFixture {
  n_steps: number;
  num_units: number;
  x: FixtureTensor;
  t: FixtureTensor;
  eps: FixtureTensor;
}

test('a state_dict saved by PyTorch as safetensors loads and predicts what PyTorch predicts', async () => {
  const fx = loadFixture<TorchModelFixture>('torch_mlp_diffusion.json');
  const { model, config: inferred, note } = decodeModel(loadFixtureBytes('torch_mlp_diffusion.safetensors'), E.cpu);
  assert.is(inferred.timesteps, fx.n_steps);
  assert.is(inferred.hidden, fx.num_units);
  assert.match(note ?? '', /no config in the file/);
  const eps = model.forward(fromFixture(fx.x), E.tensor(fx.t.data, fx.t.shape, { dtype: 'int32' }));
  assertClose(await values(eps), fx.eps.data, { atol: 1e-6, rtol: 1e-5 }, 'ε_θ(x, t) vs PyTorch');
});

/** Makes variants of a safetensors file: `edit` changes a copy of its tensors and metadata. */
function edited(bytes: Uint8Array) {
  const file = decodeSafetensors(bytes);
  return (edit: (tensors: Map<string, NamedTensor>, metadata: Record<string, string>) => void): Uint8Array => {
    const tensors = new Map(file.tensors);
    const metadata = { ...file.metadata };
    edit(tensors, metadata);
    return encodeSafetensors(tensors, metadata);
  };
}

/** Replaces tensor `name` by a copy edited by `edit` (the other variants keep the original). */
function poison(tensors: Map<string, NamedTensor>, name: string, edit: (data: Float32Array) => void): void {
  const t = tensors.get(name)!;
  const data = Float32Array.from(t.data);
  edit(data);
  tensors.set(name, { shape: t.shape, data });
}

test('corrupt and mismatched checkpoints: each error names the file and the problem', async () => {
  const model = new MLPDiffusion(100, new E.Rng(1), { hidden: 16, device: E.cpu });
  const variant = edited(await encodeModel(model, config));
  const cases: [Uint8Array, RegExp][] = [
    [(await encodeModel(model, config)).subarray(0, 1000), /^m\.safetensors: safetensors: .*truncated file/],
    [new TextEncoder().encode('not a checkpoint at all'), /^m\.safetensors: safetensors: bad header/],
    [variant((t) => t.delete('linears.2.bias')), /^m\.safetensors: the tensors do not fit an MLPDiffusion of T = 100 \(n_steps\) and 16 hidden units \(num_units\): missing 'linears\.2\.bias' \[16\]/],
    [variant((t) => t.set('linears.2.bias', { shape: [17], data: new Float32Array(17) })), /'linears\.2\.bias' has shape \[17\], expected \[16\]/],
    [variant((t) => t.set('extra.weight', { shape: [1], data: new Float32Array(1) })), /unexpected 'extra\.weight'/],
    [variant((_, m) => { m.config = '{"model":"MLPDiffusion","n_steps":-1}'; }), /__metadata__\.config\.n_steps must be a positive integer ≤ 100000, got -1/],
    [variant((_, m) => { m.config = JSON.stringify({ ...JSON.parse(m.config), schedule: 'quadratic' }); }), /__metadata__\.config\.schedule must be one of sigmoid, linear, cosine, got "quadratic"/],
    [variant((t, m) => { delete m.config; t.delete('step_embeddings.0.weight'); }), /no __metadata__\.config and no 'step_embeddings\.0\.weight'/],
    [variant((t) => poison(t, 'linears.4.weight', (d) => { d[5] = NaN; })), /^m\.safetensors: tensor 'linears\.4\.weight' is not finite: element 5 is NaN \(1 of its 256 values are NaN or ±Inf\)/],
    [variant((t) => poison(t, 'linears.6.bias', (d) => d.fill(-Infinity))), /tensor 'linears\.6\.bias' is not finite: element 0 is -Infinity \(2 of its 2 values/],
  ];
  for (const [bytes, expected] of cases) assert.throws(() => decodeModel(bytes, E.cpu, 'm.safetensors'), expected);
  const live = E.cpu.memory().live;
  assert.throws(() => decodeModel(variant((t) => t.delete('linears.6.weight')), E.cpu), /missing 'linears\.6\.weight'/);
  assert.is(E.cpu.memory().live, live, 'a refused file leaves no half-built model behind');

  const trainer = new Trainer(model, schedule, data, settings, E.cpu);
  await trainer.runEpoch();
  const stateVariant = edited(await encodeTrainState(model, { ...(await trainer.exportState()), settings, config }, modelConfigJson));
  const stateCases: [Uint8Array, RegExp][] = [
    [await encodeModel(model, config), /^s\.safetensors: not a train state/],
    [stateVariant((t) => t.delete('adam.exp_avg_sq.linears.0.weight')), /missing tensor 'adam\.exp_avg_sq\.linears\.0\.weight'/],
    [stateVariant((t) => t.set('adam.exp_avg.linears.0.bias', { shape: [3], data: new Float32Array(3) })), /'adam\.exp_avg\.linears\.0\.bias' has shape \[3\], expected \[16\]/],
    [stateVariant((_, m) => { m.epoch = 'two'; }), /__metadata__\.epoch must be a non-negative integer, got "two"/],
    [stateVariant((_, m) => { m.losses = '[1, 2]'; }), /__metadata__\.losses has 2 entries for 1 epochs/],
    [stateVariant((t) => poison(t, 'adam.exp_avg_sq.linears.2.weight', (d) => { d[0] = Infinity; })), /tensor 'adam\.exp_avg_sq\.linears\.2\.weight' is not finite: element 0 is Infinity/],
  ];
  for (const [bytes, expected] of stateCases) assert.throws(() => decodeTrainState(bytes, model, 's.safetensors', parseModelConfig), expected);
  // Nor is a non-finite weight ever written: the good file on disk stays as it was.
  const w = model.linears[2].weight;
  w.device.write(w.storage, new Float32Array(w.size).fill(NaN));
  try {
    await encodeModel(model, config);
    assert.unreachable('a NaN model was encoded');
  } catch (e) {
    assert.match((e as Error).message, /parameter 'linears\.2\.weight' is not finite: element 0 is NaN \(256 of its 256/);
  }
  trainer.dispose();
});

/** A device that throws on any use: what a decode that must refuse before building a model gets. */
const untouchable = new Proxy(E.cpu, {
  get: (_, key) => {
    throw new Error(`the device was used (${String(key)}): a model was built before its file was checked`);
  },
});

test('a config whose sizes the tensors do not have is refused before the model is built, and its sizes are bounded', async () => {
  const model = new MLPDiffusion(100, new E.Rng(1), { hidden: 128, device: E.cpu });
  const variant = edited(await encodeModel(model, { ...config, hidden: 128 }));
  const withConfig = (over: Record<string, unknown>): Uint8Array => variant((_, m) => { m.config = JSON.stringify({ ...JSON.parse(m.config), ...over }); });
  // T = 3 000 000 against [100, 128] embeddings (4.5 GB of weights once built): refused by its limit.
  const started = performance.now();
  assert.throws(() => decodeModel(withConfig({ n_steps: 3_000_000 }), untouchable, 'm.safetensors'),
    (e: Error) => e.message === 'm.safetensors: __metadata__.config.n_steps must be a positive integer ≤ 100000, got 3000000');
  // Within the limit but not the file's: refused by the shapes, the device never touched.
  assert.throws(() => decodeModel(withConfig({ n_steps: 90_000 }), untouchable, 'm.safetensors'), (e: Error) => e.message ===
    "m.safetensors: the tensors do not fit an MLPDiffusion of T = 90000 (n_steps) and 128 hidden units (num_units): 'step_embeddings.0.weight' " +
    "has shape [100,128], expected [90000,128]; 'step_embeddings.1.weight' has shape [100,128], expected [90000,128]; " +
    "'step_embeddings.2.weight' has shape [100,128], expected [90000,128]");
  assert.throws(() => decodeModel(withConfig({ num_units: 1e6 }), untouchable, 'm.safetensors'), /num_units must be a positive integer ≤ 16384, got 1000000/);
  assert.throws(() => decodeModel(withConfig({ num_units: 64 }), untouchable, 'm.safetensors'), /'linears\.0\.weight' has shape \[128,2\], expected \[64,2\]/);
  // A PyTorch file (no config) whose embeddings say T beyond the limit.
  const huge = encodeSafetensors(new Map([['step_embeddings.0.weight', { shape: [200_000, 1], data: new Float32Array(200_000) }]]));
  assert.throws(() => decodeModel(huge, untouchable, 'm.safetensors'), /gives T = 200000 and num_units = 1: at most 100000 and 16384/);
  assert.ok(performance.now() - started < 2000, `refused at once (${(performance.now() - started).toFixed(0)} ms)`);
  for (const p of model.parameters()) p.dispose();
});

test('MLPDiffusion.parameterShapes is the built model\'s state_dict', () => {
  for (const [steps, hidden] of [[100, 128], [7, 3], [1, 1]]) {
    const built = new MLPDiffusion(steps, new E.Rng(0), { hidden, device: E.cpu });
    assert.equal([...MLPDiffusion.parameterShapes(steps, hidden)], [...built.stateDict()].map(([name, p]) => [name, [...p.shape]]));
    for (const p of built.parameters()) p.dispose();
  }
});

test('the presets: seed is the tutorial\'s settings; improved starts its reverse process near unit variance', () => {
  const seed = makeSchedule(PRESETS.seed.schedule, PRESETS.seed.timesteps);
  assert.ok(Math.abs(seed.alphasBar[99] - 0.778) < 0.002 && PRESETS.seed.sampler === 'tutorial' && PRESETS.seed.dataScale === 1);
  // Var(x_T) per coordinate = ᾱ_T·Var(scale·x_0) + 1 − ᾱ_T: within 40 % of N(0, I)'s 1 for improved.
  const data = makeDataset('s-curve', 10_000, 0);
  const variance = (scale: number, alphaBar: number): number[] => [0, 1].map((axis) => {
    let sum = 0, sq = 0;
    for (let i = axis; i < data.length; i += 2) { sum += scale * data[i]; sq += (scale * data[i]) ** 2; }
    return alphaBar * (sq / 10_000 - (sum / 10_000) ** 2) + 1 - alphaBar;
  });
  const improved = makeSchedule(PRESETS.improved.schedule, PRESETS.improved.timesteps);
  const vImproved = variance(PRESETS.improved.dataScale, improved.alphasBar[PRESETS.improved.timesteps - 1]);
  assert.ok(vImproved.every((v) => Math.abs(v - 1) < 0.4), `improved: Var(x_T) = ${vImproved}`);
  const vSeed = variance(1, seed.alphasBar[99]);
  assert.ok(vSeed.every((v) => v < 0.3), `seed: Var(x_T) = ${vSeed}, far below the 1 that sampling starts from`);
});

test.run();
