// Device errors surface as exceptions that say what failed, and stop the work: a backend that
// hit an error refuses further work instead of returning stale numbers. A tensor larger than
// the adapter can bind is refused up front, saying its size and the limit.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { requestWebGpu } from '../../engine/webgpu/device.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';

const available = await gpuForTests();
const it = gpuTest(available);

it('a validation error is thrown at the next read, naming the batch, and the device stops', async () => {
  const gpu = await requestWebGpu(); // a device of its own: this test breaks it on purpose
  const x = E.tensor([1, 2, 3], [3], { device: gpu });
  await x.toArray();
  const storage = x.storage as unknown as { buffer: GPUBuffer };
  storage.buffer.destroy(); // the next kernel reads a destroyed buffer: invalid on submit
  const y = E.neg(x);
  let message = '';
  try {
    await y.toArray();
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /^WebGPU error in a batch of \d+ recorded kernels: /);
  assert.match(message, /destroyed/i);
  assert.throws(() => E.neg(y), /WebGPU error/, 'no further work after an error');
});

it('a tensor past the adapter\'s largest storage binding is refused before anything is made, with both sizes', async () => {
  const gpu = available!;
  const limit = Math.min(gpu.device.limits.maxStorageBufferBindingSize, gpu.device.limits.maxBufferSize);
  const n = Math.floor(limit / 4) + 1;
  let message = '';
  try {
    E.zeros([n], { device: gpu });
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, new RegExp(`a tensor of ${n} float32 values \\(\\d+ MiB\\) exceeds this adapter's largest storage binding \\(${(limit / 2 ** 20).toFixed(0)} MiB\\): use a smaller batch`));
  assert.equal(await E.tensor([1, 2], [2], { device: gpu }).toArray(), Float32Array.from([1, 2]), 'the device still works');
});

test.run();
