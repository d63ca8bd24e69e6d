// PNG encoding for the `ddpm` CLI's pictures (ddpm/plot/): a Raster's RGBA bytes become a file.
//   [8-byte signature][IHDR][IDAT …][IEND]     each chunk: [u32 length][type][data][u32 CRC-32]
// 8-bit RGBA, no interlace. Every row is stored with filter 'sub' (each byte minus the byte one
// pixel to its left, mod 256), which turns flat backgrounds into runs of zeros; the rows are
// compressed with zlib by node:zlib and split into IDAT chunks of at most 64 KiB.
// This is the only file in ddpm/plot/ that uses Node modules; the rest also runs in a browser.

import { deflateSync } from 'node:zlib';

const SIGNATURE = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);
const IDAT_BYTES = 1 << 16;
const FILTER_SUB = 1;

/** Encodes width × height RGBA pixels (row-major, 4 bytes each, top row first) as a PNG file. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) throw new Error(`encodePng: ${name} must be a positive integer, got ${v}`);
  }
  if (!(rgba instanceof Uint8Array)) throw new Error('encodePng: rgba must be a Uint8Array');
  if (rgba.length !== 4 * width * height) {
    throw new Error(`encodePng: rgba must hold 4·${width}·${height} = ${4 * width * height} bytes, got ${rgba.length}`);
  }

  const stride = 4 * width;
  const rows = new Uint8Array(height * (1 + stride)); // [height, 1 + stride]: filter byte, then the row
  for (let y = 0; y < height; y++) {
    const src = y * stride, dst = y * (1 + stride);
    rows[dst] = FILTER_SUB;
    for (let i = 0; i < stride; i++) rows[dst + 1 + i] = rgba[src + i] - (i >= 4 ? rgba[src + i - 4] : 0); // wraps mod 256
  }
  const compressed = deflateSync(rows, { level: 9 });

  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, adaptive filtering, no interlace

  const chunks = [chunk('IHDR', ihdr)];
  for (let at = 0; at < compressed.length; at += IDAT_BYTES) {
    chunks.push(chunk('IDAT', compressed.subarray(at, Math.min(at + IDAT_BYTES, compressed.length))));
  }
  chunks.push(chunk('IEND', new Uint8Array(0)));

  const out = new Uint8Array(SIGNATURE.length + chunks.reduce((s, c) => s + c.length, 0));
  out.set(SIGNATURE, 0);
  let offset = SIGNATURE.length;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** One chunk: length, four-letter type, data, and the CRC-32 of type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309, the one PNG and zlib's crc32 use), with a 256-entry table built on first use. */
export function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
