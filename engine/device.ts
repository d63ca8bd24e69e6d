// The default device for new tensors. Starts as the CPU reference backend; a program that
// has acquired a GPU backend may make it the default.

import type { Backend } from './backend.js';
import { cpu } from './cpu/backend.js';

let current: Backend = cpu;

/**
 * The backend new tensors go to when no device is given: the CPU until setDefaultDevice changes it.
 */
export function defaultDevice(): Backend {
  return current;
}

/** Makes `device` the default for new tensors (e.g. a WebGPU backend once acquired). */
export function setDefaultDevice(device: Backend): void {
  current = device;
}
