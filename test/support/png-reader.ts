// A small PNG reader for tests, written from the spec and independent of ddpm/plot/png.ts: it
// checks every chunk's CRC, inflates the image data and undoes the five filter types. 8-bit RGB
// or RGBA, not interlaced (what our encoder and Chromium's screenshots write). `strict` also
// asserts the exact layout our encoder promises: IHDR, IDAT…, IEND and nothing else, RGBA.

import * as assert from 'uvu/assert';
import { inflateSync } from 'node:zlib';

interface Chunk {
  type: string;
  data: Uint8Array;
  crc: number;
}

/** Bitwise CRC-32 (no table), to check png.ts's table-driven one. */
function referenceCrc(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

function readChunks(file: Uint8Array): Chunk[] {
  assert.equal([...file.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const chunks: Chunk[] = [];
  let at = 8;
  while (at < file.length) {
    assert.ok(at + 12 <= file.length, 'chunk header and CRC fit in the file');
    const length = view.getUint32(at);
    const type = String.fromCharCode(...file.subarray(at + 4, at + 8));
    assert.ok(at + 12 + length <= file.length, `${type} chunk fits in the file`);
    const crc = view.getUint32(at + 8 + length);
    assert.is(crc, referenceCrc(file.subarray(at + 4, at + 8 + length)), `${type} CRC`);
    chunks.push({ type, data: file.subarray(at + 8, at + 8 + length), crc });
    at += 12 + length;
  }
  assert.is(at, file.length, 'no bytes after the last chunk');
  return chunks;
}

/** Decodes a PNG into RGBA pixels (RGB gets alpha 255), undoing any of the five filters. */
export function decodePng(file: Uint8Array, options: { strict?: boolean } = {}): { width: number; height: number; rgba: Uint8Array; idatCount: number } {
  const chunks = readChunks(file);
  if (options.strict) assert.equal(chunks.map((c) => c.type).filter((t) => t !== 'IDAT'), ['IHDR', 'IEND']);
  assert.is(chunks[0].type, 'IHDR', 'IHDR first');
  assert.is(chunks[chunks.length - 1].type, 'IEND', 'IEND last');
  assert.is(chunks[chunks.length - 1].data.length, 0, 'IEND empty');
  const ihdr = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset, 13);
  assert.is(chunks[0].data.length, 13, 'IHDR length');
  const [width, height] = [ihdr.getUint32(0), ihdr.getUint32(4)];
  const [depth, colourType, compression, filterMethod, interlace] = chunks[0].data.subarray(8);
  if (options.strict) assert.is(colourType, 6, 'RGBA');
  assert.equal([depth, compression, filterMethod, interlace], [8, 0, 0, 0], 'bit depth 8, deflate, no interlace');
  assert.ok(colourType === 6 || colourType === 2, `colour type RGBA (6) or RGB (2), got ${colourType}`);
  const channels = colourType === 6 ? 4 : 3;

  const idats = chunks.filter((c) => c.type === 'IDAT');
  const types = chunks.map((c) => c.type);
  const firstIdat = types.indexOf('IDAT');
  assert.ok(firstIdat > 0 && types.slice(firstIdat, firstIdat + idats.length).every((t) => t === 'IDAT'), 'IDAT chunks consecutive');
  const zlib = new Uint8Array(idats.reduce((s, c) => s + c.data.length, 0));
  let at = 0;
  for (const c of idats) {
    zlib.set(c.data, at);
    at += c.data.length;
  }
  const raw = inflateSync(zlib);
  const stride = channels * width;
  assert.is(raw.length, height * (1 + stride), 'one filter byte plus one row of pixels per row');

  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (1 + stride)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (1 + stride) + 1 + i];
      const a = i >= channels ? pixels[y * stride + i - channels] : 0;                  // left
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;                               // up
      const c = i >= channels && y > 0 ? pixels[(y - 1) * stride + i - channels] : 0;    // up-left
      let predictor: number;
      if (filter === 0) predictor = 0;
      else if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else throw new Error(`unknown filter type ${filter} on row ${y}`);
      pixels[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: pixels, idatCount: idats.length };
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    rgba.set(pixels.subarray(3 * p, 3 * p + 3), 4 * p);
    rgba[4 * p + 3] = 255;
  }
  return { width, height, rgba, idatCount: idats.length };
}
