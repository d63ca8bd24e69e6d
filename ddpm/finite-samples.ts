// Samples that are NaN or infinite are not samples: the model does not sample numbers at all (its
// run diverged, or is about to). A check on each batch as it is drawn (generateBatches' handler)
// turns them into an error naming the model, so that nothing is written or judged as if they were.

import type { BatchHandler } from './generate.js';

/**
 * Samples that are NaN or infinite: the model does not sample numbers at all (its run diverged,
 * or is about to). An error, so that nothing is written or judged as if they were samples.
 */
export class NonFiniteSamples extends Error {
  constructor(source: string, readonly count: number, rows: number, first: number) {
    super(`${source} draws samples that are not finite: ${count} of the ${rows} in the batch from sample ${first} are NaN or ` +
      'infinite (did its run diverge? a checkpoint from earlier, or a lower --lr, may sample); no samples are written');
    this.name = 'NonFiniteSamples';
  }
}

/** `onBatch`, after each batch is checked to be finite (else NonFiniteSamples naming `source`, the model sampled). */
export function finiteBatches(source: string, width: number, onBatch: BatchHandler): BatchHandler {
  return (points, first) => {
    const bad = countRows(points, width);
    if (bad > 0) throw new NonFiniteSamples(source, bad, points.length / width, first);
    return onBatch(points, first);
  };
}

/** Rows of `points` [rows, width] holding a value that is not finite. */
function countRows(points: Float32Array, width: number): number {
  let rows = 0;
  for (let r = 0; r < points.length; r += width) {
    for (let j = r; j < r + width; j++) {
      if (!Number.isFinite(points[j])) {
        rows++;
        break;
      }
    }
  }
  return rows;
}
