// The page's pictures (README, docs/page.md), made as a visitor would: 1 280 px wide, the page's
// default run (Train, then Sample, every field as the page opens), with the samples' sliced W1
// and its floor printed; 400 px wide, an image model written by `ddpm train --dataset mnist`
// loaded and 64 digits sampled (only with --mnist).
//   node scripts/page-screenshots.mjs [--mnist runs/mnist/model.safetensors] [--out docs] [--port 8094]
// (after `node scripts/build.mjs`; minutes on a CPU adapter). Writes OUT/web-page.png (and OUT/web-page-400.png).

import { resolve } from 'node:path';
import { portFlag, run, withPageSession } from './page-session.mjs';

const flag = (name, fallback) => {
  const at = process.argv.indexOf(name);
  if (at < 0 && fallback === undefined) throw new Error(`${name} is required`);
  return at >= 0 ? process.argv[at + 1] : fallback;
};
const mnistFlag = flag('--mnist', null), out = flag('--out', 'docs');

await withPageSession(portFlag(8094), async (open) => {
  const wide = await open();
  await run(wide, '#train', 'training');
  await run(wide, '#sample', 'sampling');
  await wide.evaluate(() => scrollTo(0, 0));
  await wide.screenshot({ path: `${out}/web-page.png`, fullPage: true });
  const s = await wide.evaluate(() => ({ device: ddpmPage.device, epoch: ddpmPage.model?.epoch, rate: ddpmPage.stepsPerSecond, quality: ddpmPage.lastSample?.quality }));
  console.log(`wrote ${out}/web-page.png: ${s.device.description} (${s.device.engine} engine), ${s.epoch} epochs at ${s.rate.toFixed(1)} steps/s; ` +
    `${s.quality.n} samples: sliced W1 ${s.quality.slicedW1.toFixed(5)} (floor ${s.quality.floor.toFixed(5)}, ${(s.quality.slicedW1 / s.quality.floor).toFixed(2)}×)`);
  if (mnistFlag === null) return;

  const narrow = await open('', { width: 400, height: 860 });
  await narrow.setInputFiles('#load-file', resolve(mnistFlag));
  await narrow.waitForFunction(() => ddpmPage.model?.config.model === 'MLPImageDiffusion', null, { timeout: 60_000 });
  await run(narrow, '#sample', 'sampling');
  await narrow.evaluate(() => scrollTo(0, 0));
  await narrow.screenshot({ path: `${out}/web-page-400.png`, fullPage: true });
  console.log(`wrote ${out}/web-page-400.png`);
});
