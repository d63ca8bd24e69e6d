// `ddpm sample --out FILE.npy|FILE.csv`, written as the samples are drawn: the header first (n is
// known, so an .npy header can be), then each batch's rows (ddpm/points-format.ts), into a
// temporary file beside FILE that takes FILE's place only once all n points are in (AtomicFile
// in app-support/files.ts). A failed or stopped run leaves no half file and whatever FILE held before;
// memory stays that of one batch however many points are drawn.

import { CSV_HEADER, csvRows, npyHeader, npyRows } from '../ddpm/points-format.js';
import { AtomicFile } from './files.js';

/** Whether `path` names an .npy file (else a .csv one). */
export const isNpyPath = (path: string): boolean => /\.npy$/i.test(path);

export class PointsFile {
  private readonly file: AtomicFile;
  private readonly npy: boolean;
  /** Points written so far. */
  private count = 0;

  /** Values per sample. */
  private readonly width: number;

  /** Starts FILE (`path`, .npy or .csv) for `n` samples of `shape` each ([2] for a point, [28, 28] for an image). */
  constructor(readonly path: string, readonly n: number, shape: readonly number[] = [2]) {
    this.npy = isNpyPath(path);
    this.width = shape.reduce((a, b) => a * b, 1);
    if (!this.npy && this.width !== 2) throw new Error(`${path}: a .csv file holds x,y points, not rows of ${this.width} values`);
    this.file = new AtomicFile(path);
    this.file.write(this.npy ? npyHeader([n, ...shape]) : CSV_HEADER);
  }

  /** Appends a batch of points ([rows, width], row-major) after those written so far. */
  append(points: Float32Array): void {
    const rows = points.length / this.width;
    if (!Number.isInteger(rows) || this.count + rows > this.n) {
      this.abort();
      throw new Error(`${this.path}: a batch of ${points.length} values after ${this.count} points does not fit ${this.n} points of ${this.width} values`);
    }
    this.file.write(this.npy ? npyRows(points) : csvRows(points));
    this.count += rows;
  }

  /** Puts the file in place of `path`: only once all n points are in. */
  commit(): void {
    if (this.count !== this.n) {
      this.abort();
      throw new Error(`${this.path}: ${this.count} of the ${this.n} points were drawn; nothing is written`);
    }
    this.file.commit();
  }

  /** Gives the file up: FILE stays as it was. */
  abort(): void {
    this.file.abort();
  }
}
