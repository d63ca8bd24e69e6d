// Demo: the engine trains a tiny MLP with per-class embeddings (the shape of the diffusion
// model's noise predictor, in miniature) on a fixed regression task, with Adam and gradient
// clipping, and prints the loss as it falls.
//
//   npm run demo                                   # 600 steps, seed 0, WebGPU if available
//   npm run demo -- --steps 2000 --seed 3 --device cpu

import * as E from '../engine/index.js';
import { selectDevice, type DeviceChoice } from '../engine/webgpu/index.js';
import { TinyMLP } from './tiny-mlp-model.js';

const USAGE = 'usage: npm run demo -- [--steps N] [--seed S] [--device auto|cpu|webgpu]';

function parseArgs(argv: string[]): { steps: number; seed: number; device: DeviceChoice } {
  const options = { steps: 600, seed: 0, device: 'auto' as DeviceChoice };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, raw] = [argv[i], argv[i + 1]];
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (flag === '--device') {
      if (raw !== 'auto' && raw !== 'cpu' && raw !== 'webgpu') throw new Error(`--device takes auto, cpu or webgpu, got ${raw}\n${USAGE}`);
      options.device = raw;
      continue;
    }
    if (flag !== '--steps' && flag !== '--seed') throw new Error(`unknown flag ${flag}\n${USAGE}`);
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`${flag} needs a non-negative integer, got ${raw}`);
    options[flag === '--steps' ? 'steps' : 'seed'] = value;
  }
  return options;
}

/** x ~ U(−1, 1)², class t ∈ [0, classes); the target mixes both: y = 3·(sin(3x₀ + φ), x₀x₁ + cos φ). */
function makeTask(n: number, classes: number, rng: E.Rng): { x: E.Tensor; t: E.Tensor; y: E.Tensor } {
  const x = rng.uniform(2 * n, -1, 1);
  const t = rng.randint(n, 0, classes);
  const y = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const phase = (t[i] / classes) * 2 * Math.PI;
    y[2 * i] = 3 * Math.sin(3 * x[2 * i] + phase);
    y[2 * i + 1] = 3 * (x[2 * i] * x[2 * i + 1] + Math.cos(phase));
  }
  return { x: E.tensor(x, [n, 2]), t: E.tensor(t, [n]), y: E.tensor(y, [n, 2]) };
}

async function main(): Promise<void> {
  const { steps, seed, device: choice } = parseArgs(process.argv.slice(2));
  const { device, note } = await selectDevice(choice);
  E.setDefaultDevice(device);
  const rng = new E.Rng(seed);
  const classes = 10, hidden = 32, batch = 128;
  const model = new TinyMLP(hidden, classes, rng);
  const opt = new E.Adam(model.parameters(), { lr: 1e-2 });
  const { x, t, y } = makeTask(batch, classes, rng);
  const nParams = model.parameters().reduce((s, p) => s + p.size, 0);
  console.log(note);
  console.log(`model: TinyMLP (${nParams} parameters: ${model.namedParameters().map(([k]) => k).join(', ')})`);
  console.log(`task: ${batch} points, ${classes} classes; Adam lr 1e-2, clip 1.0, ${steps} steps\n`);

  const start = performance.now();
  let first = NaN;
  for (let step = 1; step <= steps; step++) {
    const [loss, norm] = E.tidy(() => {
      const loss = E.mseLoss(model.forward(x, t), y);
      opt.zeroGrad();
      loss.backward();
      const norm = E.clipGradNorm(model.parameters(), 1.0);
      opt.step();
      return [loss, norm];
    });
    if (step === 1 || step % 50 === 0 || step === steps) {
      const [l, n] = [await loss.item(), await norm.item()];
      if (step === 1) first = l;
      const rate = step / ((performance.now() - start) / 1000);
      console.log(`step ${String(step).padStart(5)}  loss ${l.toFixed(5)}  grad norm ${n.toFixed(3)}  ${rate.toFixed(0)} steps/s`);
      if (step === steps) console.log(`\nloss ${first.toFixed(4)} → ${l.toFixed(4)} in ${((performance.now() - start) / 1000).toFixed(2)} s`);
    }
    loss.dispose();
    norm.dispose();
  }
  process.exit(0); // a WebGPU device would keep Node's event loop alive
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
