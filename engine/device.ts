// The default device for new tensors. Starts as the CPU reference backend; a program that
// has acquired a GPU backend may make it the default.

import type { Backend } from './backend.js';
import { cpu } from './cpu/backend.js';

let current: Backend = cpu;

export function defaultDevice(): Backend {
  return current;
}

export function setDefaultDevice(device: Backend): void {
  current = device;
}
