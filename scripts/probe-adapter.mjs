// Prints the WebGPU adapter Dawn finds and exits 0, or says none was found and exits 1.
// Used by scripts/setup.sh to decide whether a Vulkan driver must be installed.
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) {
  console.log('setup: no WebGPU adapter found');
  process.exit(1);
}
const info = adapter.info;
console.log(`setup: WebGPU adapter: ${info.vendor} ${info.architecture} ${info.description}`.trim() +
  (adapter.isFallbackAdapter || info.isFallbackAdapter ? ' (fallback)' : ''));
process.exit(0);
