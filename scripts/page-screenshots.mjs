// README's pictures of the page, made as a visitor would: 1 280 px wide, a short S-curve run
// (?epochs=200&points=2000) trained and sampled; 400 px wide, an image model written by
// `ddpm train --dataset mnist` loaded and 64 digits sampled.
//   node scripts/page-screenshots.mjs --mnist runs/mnist/model.safetensors [--out docs] [--port 8094]
// (after `node scripts/build.mjs`; minutes on a CPU adapter). Writes OUT/web-page.png and OUT/web-page-400.png.

import { resolve } from 'node:path';
import { portFlag, run, withPageSession } from './page-session.mjs';

const flag = (name, fallback) => {
  const at = process.argv.indexOf(name);
  if (at < 0 && fallback === undefined) throw new Error(`${name} is required`);
  return at >= 0 ? process.argv[at + 1] : fallback;
};
const mnist = resolve(flag('--mnist')), out = flag('--out', 'docs');

await withPageSession(portFlag(8094), async (open) => {
  const wide = await open('?epochs=200&points=2000');
  await run(wide, '#train', 'training');
  await run(wide, '#sample', 'sampling');
  await wide.screenshot({ path: `${out}/web-page.png`, fullPage: true });

  const narrow = await open('', { width: 400, height: 860 });
  await narrow.setInputFiles('#load-file', mnist);
  await narrow.waitForFunction(() => ddpmPage.model?.config.model === 'MLPImageDiffusion', null, { timeout: 60_000 });
  await run(narrow, '#sample', 'sampling');
  await narrow.evaluate(() => scrollTo(0, 0));
  await narrow.screenshot({ path: `${out}/web-page-400.png`, fullPage: true });
  console.log(`wrote ${out}/web-page.png and ${out}/web-page-400.png`);
});
