// TensorFlow.js on its WebGPU backend in the browser, for the bench page: tfjs-core with its
// gradients and chained ops (what @tensorflow/tfjs adds to the core and the workload uses) and
// tfjs-backend-webgpu, bundled into the page's worker from bench/peers/node_modules by
// scripts/build.mjs — or, where the peer was not installed when the page was built, a module
// that throws saying so, which the tfjs row shows as its reason. Node's loading is
// bench/tfjs-load.ts.
/// <reference path="./tfjs-modules.d.ts" />

import type { Tf } from '../tfjs.js';

/** Loads tfjs and starts its WebGPU backend (on navigator.gpu); the version is tfjs-core's. */
export async function loadTfjsWebGpu(): Promise<{ tf: Tf; version: string }> {
  const core = await import('@tensorflow/tfjs-core') as { version_core: string };
  await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  await import('@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops');
  await import('@tensorflow/tfjs-backend-webgpu');
  // The one unchecked step: the module's type is declared in bench/tfjs.ts, not read from it.
  const tf = { ...core, version: { tfjs: core.version_core } } as unknown as Tf;
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not start its webgpu backend (see the console for why)');
  await tf.ready();
  return { tf, version: core.version_core };
}
