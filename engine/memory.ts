// What is alive, engine-wide, like TensorFlow.js's tf.memory(): tensors made and not disposed,
// and each device's storages (buffers) and their bytes. A loop that frees what it makes leaves
// these where they were (test/engine/memory.test.ts; the training loop of docs/getting-started.md, in
// test/project/package.test.ts); one that keeps a tensor an iteration grows by one a turn.

import type { Backend } from './backend.js';
import { cpu } from './cpu/backend.js';
import { liveTensorCount } from './tensor.js';

/** One device's part of memory(): its name, live storages and their bytes, and its pool. */
export interface DeviceMemory {
  /** The backend's name and, for a GPU, its adapter ('cpu', 'webgpu: …'). */
  readonly device: string;
  /** Storages allocated and not yet released (several tensors may share one: views, detach()). */
  readonly buffers: number;
  readonly bytes: number;
  /** Released memory the backend keeps for reuse (a GPU backend's buffer pool). */
  readonly pooledBytes: number;
}

/** What memory() returns: live tensors, and every device's live storages and bytes. */
export interface Memory {
  /** Tensors made and not yet disposed. */
  readonly tensors: number;
  /** Storages alive on every device, and their bytes. */
  readonly buffers: number;
  readonly bytes: number;
  readonly devices: readonly DeviceMemory[];
}

/** The devices memory() reports: the CPU, and every GPU backend made since. */
const devices = new Set<Backend>([cpu]);

/** For a backend's constructor: include it in memory(). */
export function registerDevice(device: Backend): void {
  devices.add(device);
}

/** Live tensors, and every device's live storages and bytes. */
export function memory(): Memory {
  const each = [...devices].map((d): DeviceMemory => {
    const m = d.memory();
    return { device: d.describe(), buffers: m.live, bytes: m.bytes, pooledBytes: m.pooledBytes };
  });
  return {
    tensors: liveTensorCount(),
    buffers: each.reduce((s, d) => s + d.buffers, 0),
    bytes: each.reduce((s, d) => s + d.bytes, 0),
    devices: each,
  };
}
