// Loading the TensorFlow.js peer in Node, for `ddpm bench`: from wherever Node finds it (a user's
// own install), else from bench/peers/node_modules (npm run bench:peers). The workload itself
// is bench/tfjs.ts, which the browser's bench page (bench/page/) shares; jax-js's peer
// (bench/jaxjs.ts) is found the same way.

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Tf } from './tfjs.js';

/** How to add the TensorFlow.js peer, for the line that says it was skipped. */
export const TFJS_INSTALL_HINT = 'TensorFlow.js is not in the default install: add it with `npm run bench:peers` in a checkout ' +
  '(installs bench/peers/), or `npm install @tensorflow/tfjs @tensorflow/tfjs-backend-webgpu` beside this package';

/**
 * Imports a peer package: from wherever Node finds it (a user's own install), else from
 * bench/peers/node_modules under `root` (npm run bench:peers).
 */
export async function importPeer(name: string, root: string, installHint = TFJS_INSTALL_HINT): Promise<unknown> {
  try {
    return await import(name);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    let resolved: string;
    try {
      resolved = createRequire(join(root, 'bench', 'peers', 'package.json')).resolve(name);
    } catch {
      throw new Error(`${name} is not installed. ${installHint}`);
    }
    return import(pathToFileURL(resolved).href);
  }
}

/**
 * Loads tfjs with the backend chosen; for 'webgpu', over `gpu` (Dawn's, shared with our engine).
 * `root`: the folder holding bench/peers/ (the repository, or the installed package).
 */
export async function loadTfjs(backend: 'cpu' | 'webgpu', root: string, gpu?: GPU): Promise<{ tf: Tf; version: string }> {
  // The one unchecked step: the module is loaded by name at run time, so its type is declared in tfjs.ts.
  const tf = await importPeer('@tensorflow/tfjs', root) as Tf;
  if (backend === 'webgpu') {
    if (!gpu) throw new Error('tfjs-webgpu needs a WebGPU adapter');
    const g = globalThis as { navigator?: { gpu?: GPU } };
    g.navigator ??= {};
    g.navigator.gpu ??= gpu;
    await importPeer('@tensorflow/tfjs-backend-webgpu', root);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not start its ${backend} backend`);
  await tf.ready();
  return { tf, version: tf.version.tfjs };
}
