// Generated points as files other tools read: NumPy's .npy (format 1.0, little-endian float32,
// C order: `numpy.load(path)` gives an (n, 2) array) and CSV with an `x,y` header line.
// Bytes and text only; the CLI writes them. Both formats are made of a header and then rows in
// order, so a writer can put the header first (npyHeader, CSV_HEADER) and each batch's rows
// (npyRows, csvRows) as it is drawn: the pieces joined are encodeNpy's and encodeCsv's bytes.

/** The .npy header for a float32 array of `shape`: magic, version, length and the padded dict. */
export function npyHeader(shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  return out;
}

/** Rows of float32 values as .npy data (the platform's little-endian bytes, not copied). */
export function npyRows(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Float32 values of the given shape as a .npy file's bytes: header, then the rows. Throws when the
 * shape does not match the number of values.
 * data: [n, cols] row-major → .npy bytes
 */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((p, d) => p * d, 1);
  if (count !== data.length) throw new Error(`npy: shape [${shape.join(',')}] needs ${count} values, got ${data.length}`);
  const header = npyHeader(shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(npyRows(data), header.length);
  return out;
}

/** The CSV files' first line: `x,y`. */
export const CSV_HEADER = 'x,y\n';

/**
 * CSV rows of 2-D points, without the header. Throws when the number of values is odd.
 * points: [n, 2] → one "<x>,<y>\n" line per point; float32 values printed in full (shortest round-trip form)
 */
export function csvRows(points: Float32Array): string {
  if (points.length % 2 !== 0) throw new Error(`csv: expected [n, 2] points, got ${points.length} values`);
  const lines: string[] = [];
  for (let i = 0; i < points.length; i += 2) lines.push(`${points[i]},${points[i + 1]}\n`);
  return lines.join('');
}

/**
 * 2-D points as a CSV file's text: CSV_HEADER, then one line a point.
 * points: [n, 2] → "x,y\n…"
 */
export function encodeCsv(points: Float32Array): string {
  return CSV_HEADER + csvRows(points);
}
