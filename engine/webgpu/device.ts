// Acquiring a WebGPU adapter and device: `navigator.gpu` in a browser, Dawn's Node bindings
// (the `webgpu` package) in Node. The adapter's limits are requested explicitly: the defaults
// are far below what adapters offer (e.g. 8 vs 16 storage buffers per stage).

import { EngineError } from '../errors.js';
import { WebGpuBackend, type AdapterDescription } from './backend.js';

const NO_ADAPTER_HELP =
  'WebGPU: no adapter found. Dawn needs a Vulkan driver: install your GPU vendor\'s driver, or on ' +
  'a machine without a GPU the software driver Mesa lavapipe (Debian bookworm: enable ' +
  'bookworm-backports and `apt-get install -t bookworm-backports mesa-vulkan-drivers`; ' +
  'bookworm\'s own 22.3 is too old). `bash scripts/setup.sh` does this.';

const NO_BROWSER_WEBGPU_HELP =
  'WebGPU: this browser offers no navigator.gpu (WebGPU is off, unsupported, or the page is not a secure ' +
  'context: use https or http://localhost).';

const NO_BROWSER_ADAPTER_HELP =
  'WebGPU: navigator.gpu found no adapter (the GPU or its driver may be blocklisted: see chrome://gpu; ' +
  'Chromium on Linux may need --enable-unsafe-webgpu).';

/**
 * Dawn's options for Node: GPU timestamps at full resolution (a browser rounds them, here to
 * 65 536 ns on lavapipe, against timing attacks; a kernel on a real GPU takes tens of µs).
 */
export const DAWN_OPTIONS: readonly string[] = ['disable-dawn-features=timestamp_quantization'];

/** The `GPU` entry point and whatever must stay referenced for the device's whole life. */
async function gpuEntryPoint(): Promise<{ gpu: GPU; keepAlive: unknown; noAdapterHelp: string }> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, keepAlive: null, noAdapterHelp: NO_BROWSER_ADAPTER_HELP };
  const proc = (globalThis as { process?: { versions?: { node?: string }; env: Record<string, string | undefined> } }).process;
  if (!proc?.versions?.node) throw new EngineError(NO_BROWSER_WEBGPU_HELP); // a browser: Dawn's bindings are Node's
  if (!proc.env.XDG_RUNTIME_DIR) proc.env.XDG_RUNTIME_DIR = '/tmp';
  let dawn: { create(options: string[]): GPU; globals: object };
  try {
    dawn = await import('webgpu');
  } catch (e) {
    throw new EngineError(`WebGPU: no navigator.gpu and the 'webgpu' package could not be loaded (${(e as Error).message}); ` +
      'in Node, npm install webgpu (Dawn\'s bindings, an optional dependency) adds it');
  }
  Object.assign(globalThis, dawn.globals); // GPUBufferUsage, GPUMapMode, … as in a browser
  const gpu = dawn.create([...DAWN_OPTIONS]);
  // If the object returned by create() is garbage-collected, Dawn aborts: keep it.
  return { gpu, keepAlive: gpu, noAdapterHelp: NO_ADAPTER_HELP };
}

const WANTED_LIMITS = [
  'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupStorageSize', 'maxBufferSize',
  'maxStorageBufferBindingSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupsPerDimension', 'maxUniformBufferBindingSize',
] as const;

/** Finds an adapter and opens a device on it; throws a helpful error when there is none. */
export async function requestWebGpu(): Promise<WebGpuBackend> {
  const { gpu, keepAlive, noAdapterHelp } = await gpuEntryPoint();
  // The first request rarely returns null on some stacks; ask once more before giving up.
  // On Vulkan drivers that report huge dynamic-buffer limits (lavapipe: 1 000 000) Dawn prints
  // "Warning: maxDynamic…PerPipelineLayout artificially reduced … to 16" here: its adapter
  // discovery (NormalizeLimits) fprintf's it to stderr from native code, with no toggle, flag of
  // create() or callback to route it, so it cannot be silenced from JS. Harmless: we use one.
  const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) ??
    (await gpu.requestAdapter({ powerPreference: 'high-performance' }));
  if (!adapter) throw new EngineError(noAdapterHelp);
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  // Where offered: timestamp-query, GPU time per kernel (engine/webgpu/profiler.ts); subgroups,
  // for the matmul kernel that shares values across a subgroup (matmul-kernels.ts).
  const requiredFeatures = (['timestamp-query', 'subgroups'] as const).filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const info = adapter.info;
  const description: AdapterDescription = {
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    isFallback: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter),
  };
  const sizes = info as { subgroupMinSize?: number; subgroupMaxSize?: number };
  if (sizes.subgroupMinSize !== undefined && sizes.subgroupMaxSize !== undefined) description.subgroupSizes = [sizes.subgroupMinSize, sizes.subgroupMaxSize];
  return new WebGpuBackend(device, description, keepAlive);
}

/** The WebGPU backend if an adapter exists, otherwise null (with the reason). */
export async function tryWebGpu(): Promise<{ backend: WebGpuBackend | null; reason: string }> {
  try {
    return { backend: await requestWebGpu(), reason: '' };
  } catch (e) {
    return { backend: null, reason: (e as Error).message };
  }
}
