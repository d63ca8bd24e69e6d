// The safetensors format (what PyTorch users load with one call), encoded and decoded in memory:
//   [8 bytes: header length N, little-endian u64][N bytes: JSON header][tensor bytes]
//   header = { name: { dtype: "F32", shape: [...], data_offsets: [begin, end] }, …,
//              "__metadata__": { key: string } }
// Offsets are relative to the end of the header; the header is padded with spaces to a multiple
// of 8 bytes. Only float32 tensors (what our models hold) are written or read. Decoding checks
// everything and names what is wrong, so a bad file never yields a half-loaded model; the
// header's length and its tensors are checked against the file's size before any tensor is read,
// and the tensors must end where the file does (as the safetensors library itself requires).
// No file I/O here (the browser uses this too): app-support/files.ts reads a file header first with
// safetensorsHeaderLength and parseSafetensorsHeader; checkpoint.ts turns the bytes into models.

/** A float32 tensor as a file holds it: its shape and its values, row-major. */
export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A safetensors file's content: its tensors by name, and its metadata strings. */
export interface SafetensorsFile {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

/**
 * What encodeSafetensors and decodeSafetensors throw: the message, prefixed 'safetensors: ', says
 * what is wrong.
 */
export class SafetensorsError extends Error {
  /** An error whose message is `safetensors: <message>`. */
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

/**
 * The safetensors bytes of float32 tensors (in the map's order) and metadata strings. Throws a
 * SafetensorsError when a tensor's shape does not match its number of values.
 */
export function encodeSafetensors(tensors: ReadonlyMap<string, NamedTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((p, d) => p * d, 1);
    if (count !== t.data.length) {
      throw new SafetensorsError(`tensor '${name}' has shape [${t.shape.join(',')}] but ${t.data.length} values`);
    }
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    // Float32Array bytes are little-endian on every platform we run on (x86, ARM).
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** The most JSON a header may hold: a longer one is refused before it is read. */
export const MAX_HEADER_BYTES = 100 * 2 ** 20;

/**
 * The header's length, from a file's first 8 bytes (`start`) and the file's size: checked to fit
 * in the file and to be at most MAX_HEADER_BYTES, so that a reader can refuse a file before
 * reading more than its first 8 bytes.
 */
export function safetensorsHeaderLength(start: Uint8Array, fileSize: number): number {
  if (start.length < 8 || fileSize < 8) throw new SafetensorsError(`file is ${fileSize} bytes, too short for the 8-byte header length`);
  // Compared and printed as a BigInt: a u64 above 2^53 would be rounded as a Number.
  const claimed = new DataView(start.buffer, start.byteOffset, 8).getBigUint64(0, true);
  if (claimed > BigInt(fileSize - 8)) {
    throw new SafetensorsError(`bad header: it claims ${claimed} bytes but the file has ${fileSize - 8} after the length (truncated file?)`);
  }
  if (claimed > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(`bad header: it claims ${claimed} bytes of JSON, more than the ${MAX_HEADER_BYTES} (100 MiB) allowed`);
  }
  return Number(claimed); // exact: at most MAX_HEADER_BYTES
}

/** One tensor as the header places it: its bytes are data[begin, end) after the header. */
export interface TensorPlace {
  readonly name: string;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/**
 * The header's tensors and metadata, every entry checked against `dataLength`, the bytes the file
 * holds after the header: each tensor's offsets fit its shape and lie inside the data, no two
 * overlap, and together they end exactly where the file does (no trailing bytes). A reader calls
 * this before reading the tensors.
 */
export function parseSafetensorsHeader(json: Uint8Array, dataLength: number): { tensors: TensorPlace[]; metadata: Record<string, string> } {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    throw new SafetensorsError(`bad header: not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsError('bad header: not a JSON object');
  const tensors: TensorPlace[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (e.dtype !== 'F32') throw new SafetensorsError(`tensor '${name}' has dtype ${JSON.stringify(e.dtype)}; only F32 is supported`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new SafetensorsError(`tensor '${name}' has an invalid shape ${JSON.stringify(e.shape)}`);
    }
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(Number.isInteger)) {
      throw new SafetensorsError(`tensor '${name}' has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const count = (e.shape as number[]).reduce((p, d) => p * d, 1);
    if (begin < 0 || end < begin || end > dataLength) {
      throw new SafetensorsError(`tensor '${name}' spans bytes ${begin}…${end} but the data section has ${dataLength} (truncated file?)`);
    }
    if (end - begin !== 4 * count) {
      throw new SafetensorsError(`tensor '${name}' of shape [${(e.shape as number[]).join(',')}] needs ${4 * count} bytes, its offsets give ${end - begin}`);
    }
    tensors.push({ name, shape: e.shape as number[], begin, end });
  }
  const spans = [...tensors].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].begin < spans[i - 1].end) throw new SafetensorsError(`tensors '${spans[i - 1].name}' and '${spans[i].name}' overlap`);
  }
  const declared = spans.reduce((last, t) => Math.max(last, t.end), 0);
  if (declared !== dataLength) {
    throw new SafetensorsError(`the header's tensors take ${declared} bytes but the file has ${dataLength} after the header ` +
      `(${dataLength - declared} bytes that no tensor claims)`);
  }
  return { tensors, metadata };
}

/**
 * The tensors and metadata of a safetensors file's bytes, every part checked first. Throws a
 * SafetensorsError naming what is wrong (a bad header, a dtype other than F32, offsets that do not
 * fit the file).
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  const headerLength = safetensorsHeaderLength(bytes, bytes.length);
  const dataStart = 8 + headerLength;
  const { tensors: places, metadata } = parseSafetensorsHeader(bytes.subarray(8, dataStart), bytes.length - dataStart);
  const tensors = new Map<string, NamedTensor>();
  for (const { name, shape, begin, end } of places) {
    // An aligned copy (Uint8Array.prototype.slice copies even for a Node Buffer, whose own slice is a view).
    const copy = Uint8Array.prototype.slice.call(bytes, dataStart + begin, dataStart + end);
    tensors.set(name, { shape, data: new Float32Array(copy.buffer, 0, (end - begin) / 4) });
  }
  return { tensors, metadata };
}
