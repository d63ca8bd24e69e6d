// Seeded 2-D toy data sets, generated on the host from the engine's counter-based RNG, so the
// same seed gives the same points everywhere. Each returns n points as a Float32Array [n, 2].
//   s-curve       scikit-learn's make_s_curve(n, noise = 0.1), columns x and z, divided by 10
//                 (exactly the tutorial's data; roughly [−0.1, 0.1] × [−0.2, 0.2])
//   swiss-roll    make_swiss_roll's 2-D spiral (x, z), noise 0.5, divided by 60
//   moons         two interleaving half circles, noise 0.05, centred, divided by 10
//   8-gaussians   eight Gaussians (std 0.1) on a circle of radius 2, divided by 10
//   checkerboard  uniform points on the dark squares of a 4×4 board of side 8, divided by 40
// The toys beside the S-curve are scaled to about the same extent, so one schedule suits all.

import { Rng } from '../../engine/index.js';

/** The 2-D toy data sets (see the header). */
export type DatasetName = 's-curve' | 'swiss-roll' | 'moons' | '8-gaussians' | 'checkerboard';
/** Every 2-D data set's name, the tutorial's S-curve first. */
export const DATASETS: readonly DatasetName[] = ['s-curve', 'swiss-roll', 'moons', '8-gaussians', 'checkerboard'];

/**
 * n points of data set `name` drawn from `seed`, as [n, 2]: the same seed gives the same points
 * everywhere. Throws when n is not a positive integer.
 */
export function makeDataset(name: DatasetName, n: number, seed: number): Float32Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`data: n must be a positive integer, got ${n}`);
  const rng = new Rng(seed, 0x5eed);
  const out = new Float32Array(2 * n);
  switch (name) {
    case 's-curve': {
      const u = rng.uniform(n);
      rng.uniform(n); // scikit-learn's y = 2·U(0, 1): drawn (keeping the draw order) and dropped
      const noise = rng.normal(3 * n); // rows x, y, z of scikit-learn's (3, n) noise
      for (let i = 0; i < n; i++) {
        const t = 3 * Math.PI * (u[i] - 0.5);
        const x = Math.sin(t) + 0.1 * noise[i];
        const z = Math.sign(t) * (Math.cos(t) - 1) + 0.1 * noise[2 * n + i];
        out[2 * i] = x / 10;
        out[2 * i + 1] = z / 10;
      }
      return out;
    }
    case 'swiss-roll': {
      const u = rng.uniform(n);
      const noise = rng.normal(2 * n);
      for (let i = 0; i < n; i++) {
        const t = 1.5 * Math.PI * (1 + 2 * u[i]);
        out[2 * i] = (t * Math.cos(t) + 0.5 * noise[2 * i]) / 60;
        out[2 * i + 1] = (t * Math.sin(t) + 0.5 * noise[2 * i + 1]) / 60;
      }
      return out;
    }
    case 'moons': {
      const u = rng.uniform(n);
      const noise = rng.normal(2 * n);
      for (let i = 0; i < n; i++) {
        const a = Math.PI * u[i];
        const upper = i % 2 === 0;
        const x = upper ? Math.cos(a) : 1 - Math.cos(a);
        const y = upper ? Math.sin(a) : 0.5 - Math.sin(a);
        out[2 * i] = (x - 0.5 + 0.05 * noise[2 * i]) / 10;
        out[2 * i + 1] = (y - 0.25 + 0.05 * noise[2 * i + 1]) / 10;
      }
      return out;
    }
    case '8-gaussians': {
      const which = rng.randint(n, 0, 8);
      const noise = rng.normal(2 * n);
      for (let i = 0; i < n; i++) {
        const a = (which[i] * Math.PI) / 4;
        out[2 * i] = (2 * Math.cos(a) + 0.1 * noise[2 * i]) / 10;
        out[2 * i + 1] = (2 * Math.sin(a) + 0.1 * noise[2 * i + 1]) / 10;
      }
      return out;
    }
    case 'checkerboard': {
      const u = rng.uniform(2 * n);
      const square = rng.randint(n, 0, 8); // one of the 8 dark squares
      for (let i = 0; i < n; i++) {
        const row = Math.floor(square[i] / 2);
        const col = 2 * (square[i] % 2) + (row % 2);
        out[2 * i] = (col * 2 - 4 + 2 * u[2 * i]) / 40;
        out[2 * i + 1] = (row * 2 - 4 + 2 * u[2 * i + 1]) / 40;
      }
      return out;
    }
    default:
      throw new Error(`data: unknown dataset '${name as string}' (expected ${DATASETS.join(', ')})`);
  }
}
