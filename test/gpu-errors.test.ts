// Device errors surface as exceptions that say what failed, and stop the work: a backend that
// hit an error refuses further work instead of returning stale numbers.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../engine/index.js';
import { requestWebGpu } from '../engine/webgpu/device.js';
import { gpuForTests, gpuTest } from './gpu.js';

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

test.run();
