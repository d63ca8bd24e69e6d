// The page's default run, measured as a visitor makes it: `npm run web`'s page in Debian's
// Chromium (headless, WebGPU on its adapter), Train pressed with every field as the page opens,
// then Sample with 10 000 points (the CLI's closing sample) — and the page's own report of
// steps/s and sliced W1 printed, to set beside `ddpm train --preset improved --epochs 45`.
//   node scripts/page-default-run.mjs [--port 8093]     (after `node scripts/build.mjs`)
// It runs for minutes on a CPU adapter.

import { portFlag, run, withPageSession } from './page-session.mjs';

await withPageSession(portFlag(8093), async (open) => {
  const page = await open();
  const start = performance.now();
  await run(page, '#train', 'training');
  const trained = (performance.now() - start) / 1000;
  await page.fill('#sample-n', '10000');
  await run(page, '#sample', 'sampling');
  const s = await page.evaluate(() => ({
    device: ddpmPage.device, epoch: ddpmPage.model?.epoch, stepsPerSecond: ddpmPage.stepsPerSecond,
    quality: ddpmPage.lastSample?.quality, seconds: ddpmPage.lastSample?.seconds,
  }));
  console.log(`${s.device.description} (${s.device.engine} engine): ${s.epoch} epochs in ${trained.toFixed(0)} s (${s.stepsPerSecond.toFixed(1)} steps/s); ` +
    `10 000 points sampled in ${s.seconds.toFixed(1)} s: sliced W1 ${s.quality.slicedW1.toFixed(5)} (floor ${s.quality.floor.toFixed(5)}, ` +
    `${(s.quality.slicedW1 / s.quality.floor).toFixed(2)}×)`);
});
