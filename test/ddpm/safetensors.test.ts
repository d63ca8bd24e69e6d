// safetensors: a round trip keeps names, shapes, values and metadata; every kind of corrupt file
// is refused with a message that says what is wrong, a header that does not describe the file's
// size (too long, or tensors that stop short of its end) before any tensor is read.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, parseSafetensorsHeader, safetensorsHeaderLength, type NamedTensor } from '../../ddpm/safetensors.js';

const tensors = new Map<string, NamedTensor>([
  ['linears.0.weight', { shape: [3, 2], data: Float32Array.from([1, -2, 3.5, 4, 5, 1e-30]) }],
  ['linears.0.bias', { shape: [3], data: Float32Array.from([0.1, 0.2, 0.3]) }],
  ['scalar', { shape: [], data: Float32Array.from([7]) }],
]);
const file = encodeSafetensors(tensors, { format: 'pt', config: '{"steps":100}' });

test('round trip', () => {
  const back = decodeSafetensors(file);
  assert.equal([...back.tensors.keys()], [...tensors.keys()]);
  for (const [name, t] of tensors) {
    assert.equal(back.tensors.get(name)!.shape, t.shape);
    assert.equal(back.tensors.get(name)!.data, t.data);
  }
  assert.equal(back.metadata, { format: 'pt', config: '{"steps":100}' });
  const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true));
  assert.is(headerLength % 8, 0, 'header padded to 8 bytes');
});

function withHeader(header: unknown, dataBytes = 24): Uint8Array {
  return withRawHeader(JSON.stringify(header), dataBytes);
}

function withRawHeader(text: string, dataBytes = 24): Uint8Array {
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

test('corrupt files: each error names the problem', () => {
  const cases: [Uint8Array, RegExp][] = [
    [file.subarray(0, 5), /too short for the 8-byte header length/],
    [file.subarray(0, 40), /bad header: it claims \d+ bytes but the file has 32/],
    [file.subarray(0, file.length - 4), /tensor 'scalar' spans bytes 36…40 but the data section has 36 \(truncated file\?\)/],
    [withRawHeader('{"w": {"dtype": '), /bad header: not valid UTF-8 JSON/],
    [withHeader([1, 2]), /bad header: not a JSON object/],
    [withHeader({ w: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }), /tensor 'w' has dtype "F16"; only F32 is supported/],
    [withHeader({ w: { dtype: 'F32', shape: [2, -1], data_offsets: [0, 8] } }), /tensor 'w' has an invalid shape/],
    [withHeader({ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }), /tensor 'w' has invalid data_offsets/],
    [withHeader({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }), /tensor 'w' of shape \[3\] needs 12 bytes, its offsets give 8/],
    [withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }), /tensors 'a' and 'b' overlap/],
  ];
  for (const [bytes, expected] of cases) assert.throws(() => decodeSafetensors(bytes), expected);
});

test('a huge header length is refused and printed exactly, not rounded to a float', () => {
  for (const claimed of [2n ** 60n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, claimed, true);
    assert.throws(() => decodeSafetensors(bytes), (e: Error) =>
      e.message === `safetensors: bad header: it claims ${claimed} bytes but the file has 8 after the length (truncated file?)`);
  }
  assert.throws(() => decodeSafetensors(withRawHeader('{}', 0).subarray(0, 9)), /it claims 2 bytes but the file has 1 after/);
});

test('the header is checked against the file\'s size before any tensor: its length bounded, its tensors ending where the file does', () => {
  const trailing = new Uint8Array(file.length + 4);
  trailing.set(file);
  assert.throws(() => decodeSafetensors(trailing), (e: Error) =>
    e.message === "safetensors: the header's tensors take 40 bytes but the file has 44 after the header (4 bytes that no tensor claims)");
  // What a reader sees of a large file before reading it: 8 bytes, then the header, and the size.
  const start = new Uint8Array(8);
  new DataView(start.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 8), true);
  assert.throws(() => safetensorsHeaderLength(start, 2 ** 31), (e: Error) =>
    e.message === `safetensors: bad header: it claims ${MAX_HEADER_BYTES + 8} bytes of JSON, more than the 104857600 (100 MiB) allowed`);
  const headerLength = safetensorsHeaderLength(file, 8e9);
  assert.throws(() => parseSafetensorsHeader(file.subarray(8, 8 + headerLength), 8e9 - 8 - headerLength),
    /the header's tensors take 40 bytes but the file has 7999999\d+ after the header/);
});

test('a tensor whose data does not fit its shape is refused when writing', () => {
  assert.throws(() => encodeSafetensors(new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]])), /tensor 'w' has shape \[2,2\] but 3 values/);
});

test.run();
