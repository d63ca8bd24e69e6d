// GPU time per kernel from timestamp queries (WebGPU's 'timestamp-query' feature). A Program
// run with a profiler records each dispatch in a compute pass of its own whose start and end
// the GPU stamps; after each submit the stamps are resolved, copied to a mappable buffer and
// read in the background. What comes out, per kernel name: dispatches and total nanoseconds
// between the pass's two stamps; per pair of consecutive dispatches (a → b): the idle gap from
// a's end to b's start, which is what a dependent dispatch costs beyond its own work. A pass per
// dispatch is what the timestamps need; the driver places a barrier between dependent
// dispatches either way, so the kernels' times are those of an unprofiled run, within noise.

/** What the profiler needs of a WebGPU backend (WebGPUBackend is one): its device and a name. */
export interface ProfiledDevice {
  /** @internal (WebGPU's own type: not in the package's declarations.) */
  readonly device: GPUDevice;
  describe(): string;
}

/** Stamps per query set: 2 per dispatch (WebGPU allows 4 096 queries per set). */
export const PROFILE_QUERIES = 4096;

/**
 * GPU time of one kernel (or one gap between two): how many dispatches, and their nanoseconds in
 * all.
 */
export interface KernelTime {
  dispatches: number;
  nanoseconds: number;
}

/**
 * What a KernelProfiler has timed: per kernel, per gap between consecutive dispatches, and the
 * submits' spans.
 */
export interface ProfileReport {
  /** Per kernel name, in the order first seen. */
  kernels: Map<string, KernelTime>;
  /** Idle time between consecutive dispatches of one submit, by 'a → b'. */
  gaps: Map<string, KernelTime>;
  /** Sum over submits of the GPU's span from the first stamp to the last. */
  spanNanoseconds: number;
  submits: number;
}

/** Why timestamps cannot be read on this device, or null when they can. */
export function profilingUnavailable(backend: ProfiledDevice): string | null {
  return backend.device.features.has('timestamp-query')
    ? null
    : `the adapter (${backend.describe()}) does not offer WebGPU's 'timestamp-query' feature`;
}

/**
 * Times every dispatch of a WebGPU backend by timestamp queries, while it is set as the backend's
 * recorder's profiler (as the benchmark does: recorder.setProfiler); `read` gives the report.
 * Throws when the adapter lacks 'timestamp-query' (profilingUnavailable says why).
 */
export class KernelProfiler {
  private readonly querySet: GPUQuerySet;
  private readonly resolved: GPUBuffer;
  private labels: string[] = [];
  private readonly pending = new Set<Promise<void>>();
  private failure: Error | null = null;
  private readonly report: ProfileReport = { kernels: new Map(), gaps: new Map(), spanNanoseconds: 0, submits: 0 };

  /**
   * A profiler on the backend's device. Throws when the adapter lacks 'timestamp-query'
   * (profilingUnavailable says why).
   */
  constructor(private readonly backend: ProfiledDevice) {
    const reason = profilingUnavailable(backend);
    if (reason !== null) throw new Error(`GPU profiling: ${reason}`);
    const { device } = backend;
    this.querySet = device.createQuerySet({ label: 'kernel profiler', type: 'timestamp', count: PROFILE_QUERIES });
    this.resolved = device.createBuffer({ label: 'kernel profiler stamps', size: PROFILE_QUERIES * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  }

  /** Dispatches one command buffer may profile. */
  get capacity(): number {
    return PROFILE_QUERIES / 2;
  }

  /** @internal The timestamp writes for the next dispatch of the command buffer being recorded. */
  passTimestamps(kernel: string): GPUComputePassTimestampWrites {
    if (this.labels.length >= this.capacity) throw new Error(`GPU profiling: more than ${this.capacity} dispatches in one command buffer`);
    const i = this.labels.length;
    this.labels.push(kernel);
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** @internal Records the resolve of this command buffer's stamps into `encoder` (call before finish); `afterSubmit` then reads them. */
  resolve(encoder: GPUCommandEncoder): () => void {
    const labels = this.labels;
    this.labels = [];
    if (labels.length === 0) return () => {};
    const bytes = labels.length * 16;
    const readback = this.backend.device.createBuffer({ label: 'kernel profiler readback', size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.resolveQuerySet(this.querySet, 0, 2 * labels.length, this.resolved, 0);
    encoder.copyBufferToBuffer(this.resolved, 0, readback, 0, bytes);
    return () => {
      const done = readback.mapAsync(GPUMapMode.READ).then(() => {
        this.add(labels, new BigUint64Array(readback.getMappedRange().slice(0)));
      }).catch((e: unknown) => {
        this.failure ??= e instanceof Error ? e : new Error(String(e));
      }).finally(() => {
        readback.destroy();
        this.pending.delete(done);
      });
      this.pending.add(done);
    };
  }

  private add(labels: readonly string[], stamps: BigUint64Array): void {
    const at = (i: number): number => Number(stamps[i] - stamps[0]);
    const bump = (map: Map<string, KernelTime>, key: string, ns: number): void => {
      const entry = map.get(key) ?? { dispatches: 0, nanoseconds: 0 };
      entry.dispatches++;
      entry.nanoseconds += Math.max(0, ns);
      map.set(key, entry);
    };
    labels.forEach((name, i) => {
      bump(this.report.kernels, name, at(2 * i + 1) - at(2 * i));
      if (i > 0) bump(this.report.gaps, `${labels[i - 1]} → ${name}`, at(2 * i) - at(2 * i - 1));
    });
    this.report.spanNanoseconds += Math.max(0, at(2 * labels.length - 1));
    this.report.submits++;
  }

  /** Everything timed so far (waits for the stamps in flight). */
  async read(): Promise<ProfileReport> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    if (this.failure) throw new Error(`GPU profiling: reading the timestamps failed: ${this.failure.message}`);
    return this.report;
  }

  /** Frees its query set and buffer. */
  destroy(): void {
    this.querySet.destroy();
    this.resolved.destroy();
  }
}
