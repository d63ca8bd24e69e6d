// The engine in a web app, as a user's project has it: `npm install wgpu-diffusion`, this file
// bundled by esbuild (`npx esbuild main.ts --bundle --format=esm --outfile=bundle.js`), and
// index.html beside the bundle. It takes the browser's GPU (navigator.gpu) when there is one,
// fits a sine with a small Sequential network and AdamW, and shows the loss as it falls. The
// package test bundles it from the packed tarball and runs it in Chromium
// (test/project/package.test.ts), which reads what it did from window.example.

import * as E from 'wgpu-diffusion';
import { selectDevice } from 'wgpu-diffusion/webgpu';

interface ExampleState {
  device: string | null;
  losses: number[];
  done: boolean;
  error: string | null;
}
const state: ExampleState = { device: null, losses: [], done: false, error: null };
(globalThis as { example?: ExampleState }).example = state;

const show = (id: string, text: string): void => {
  document.getElementById(id)!.textContent = text;
};

async function main(): Promise<void> {
  const { device, note } = await selectDevice('auto');
  state.device = note;
  show('device', note);
  const rng = new E.Rng(0);
  const model = new E.Sequential(new E.Linear(1, 32, rng, { device }), new E.ReLU(), new E.Linear(32, 1, rng, { device }));
  const opt = new E.AdamW(model.parameters(), { lr: 1e-2 });
  const xs = Float32Array.from({ length: 64 }, (_, i) => -3 + (6 * i) / 63);
  const x = E.tensor(xs, [64, 1], { device });
  const y = E.tensor(xs.map(Math.sin), [64, 1], { device });
  for (let step = 1; step <= 200; step++) {
    const loss = E.tidy(() => {
      const loss = model.forward(x).sub(y).square().mean();
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss;
    });
    if (step === 1 || step % 20 === 0) {
      state.losses.push(await loss.item()); // the GPU works until here; the page stays responsive
      show('loss', `step ${step}: loss ${state.losses.at(-1)!.toFixed(4)}`);
    }
    loss.dispose();
  }
  for (const t of [x, y]) t.dispose();
  opt.dispose();
  model.dispose();
  state.done = true;
}

main().catch((e: unknown) => {
  state.error = e instanceof Error ? e.message : String(e);
  show('loss', `error: ${state.error}`);
});
