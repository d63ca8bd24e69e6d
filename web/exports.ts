// What the page exports as files: the last samples as CSV (points "x,y"; images one row of
// pixels each) and the training history (loss and sliced W1 per epoch). Pure (no DOM): web/main.ts
// saves them. Numbers are written as JavaScript prints them (shortest round-trip), so a float32
// read back from the CSV is the same float32.

/** [n, width] rows under a header of `columns` names. */
export function samplesCsv(values: Float32Array, columns: readonly string[]): string {
  const width = columns.length;
  if (width === 0 || values.length % width !== 0) throw new Error(`samplesCsv: ${values.length} values are not rows of ${width}`);
  const lines = [columns.join(',')];
  for (let i = 0; i < values.length; i += width) lines.push(Array.from(values.subarray(i, i + width), String).join(','));
  return `${lines.join('\n')}\n`;
}

/** The column names of samples: x,y for points, pixel_0 … for images. */
export const sampleColumns = (dataDim: number): string[] =>
  dataDim === 2 ? ['x', 'y'] : Array.from({ length: dataDim }, (_, i) => `pixel_${i}`);

export interface HistoryPoint {
  epoch: number;
  slicedW1: number;
  floor: number;
}

/**
 * epoch,loss,sliced_w1,floor: a row per epoch trained (epoch 1 … losses.length), and one for
 * epoch 0 when the untrained model was judged; sliced W1 where a preview measured it, else empty.
 */
export function historyCsv(losses: readonly number[], previews: readonly HistoryPoint[]): string {
  const judged = new Map(previews.map((p) => [p.epoch, p]));
  const lines = ['epoch,loss,sliced_w1,floor'];
  const last = Math.max(losses.length, ...previews.map((p) => p.epoch));
  for (let epoch = judged.has(0) ? 0 : 1; epoch <= last; epoch++) {
    const q = judged.get(epoch);
    const loss = epoch >= 1 && epoch <= losses.length ? String(losses[epoch - 1]) : '';
    lines.push([epoch, loss, q ? q.slicedW1 : '', q ? q.floor : ''].join(','));
  }
  return `${lines.join('\n')}\n`;
}
