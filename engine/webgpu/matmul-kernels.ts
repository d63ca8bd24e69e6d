// The matmul kernels the WebGPU backend can run, and the tuner that picks one per adapter and
// shape class. Every kernel sums each element over k in the same order with one multiply-add
// at a time (see the WGSL headers), so they give the same bits and the choice changes only
// the speed; test/engine/matmul-kernels.test.ts checks both halves of that on every kernel.
//   register-64   shaders/matmul.wgsl: 8×8 threads, each an 8×8 block read straight from memory
//   tiled-32      shaders/matmul-tiled.wgsl, 8×8 threads × 4×4 elements, k in slabs of 16
//   tiled-64      16×16 threads × 4×4, k slabs of 16
//   tiled-128     16×16 threads × 8×8, k slabs of 8
//   subgroup-16x64  shaders/matmul-subgroup.wgsl: one subgroup of 8 lanes a 16×64 tile, A's
//                 values shared by subgroupBroadcast; only where subgroups are exactly 8 wide
// Workgroup memory per tiled kernel: BK·(BM + BN)·4 bytes, 4 KB / 8 KB / 8 KB (the limit is at
// least 16 KB); 256 threads at most (the limit is at least 256).
//
// Every kernel also runs a stack of products (bmm, MatmulPlan.batch): the dispatch's z is the
// product's index.
//
// Choosing: on a CPU driver (lavapipe, SwiftShader: a workgroup is a coroutine on a core, and
// workgroup memory is ordinary memory) the subgroup kernel where its subgroups are 8 lanes, else
// the register kernel, each measured faster there (see cpuDriverKernel). Elsewhere the tuner: the first matmul of a shape class (the transposes,
// each of m, n, k rounded up to a power of two, and a stack's batch likewise) starts timing every
// kernel at that shape on the GPU's own clock, in the background, and the fastest serves the
// class from then on; until it is known, DEFAULT_GPU_KERNEL does. A result never depends on
// which kernel ran.
// The batch is part of the class because it changes what is fast: a lone 49×49 product (the
// U-Net's attention) is one or two workgroups, where a small tile only adds steps, but a stack of
// 64 of them fills the GPU either way and is timed on throughput, where smaller tiles can win.

import type { MatmulPlan } from '../backend.js';

export interface MatmulKernel {
  readonly name: string;
  readonly shader: 'matmul' | 'matmul-tiled' | 'matmul-subgroup';
  /** Runs only where the device has subgroups of exactly 8 lanes (shaders/matmul-subgroup.wgsl). */
  readonly needsSubgroupsOf8?: boolean;
  /** The tile of C one workgroup computes: rows, columns. */
  readonly tile: readonly [number, number];
  /** The WGSL's override constants for the tile shape. */
  readonly constants: Readonly<Record<string, number>>;
}

const tiled = (name: string, wg: number, t: number, bk: number): MatmulKernel =>
  ({ name, shader: 'matmul-tiled', tile: [wg * t, wg * t], constants: { WG_X: wg, WG_Y: wg, TM: t, TN: t, BK: bk } });

export const MATMUL_KERNELS: readonly MatmulKernel[] = [
  { name: 'register-64', shader: 'matmul', tile: [64, 64], constants: {} },
  tiled('tiled-32', 8, 4, 16),
  tiled('tiled-64', 16, 4, 16),
  tiled('tiled-128', 16, 8, 8),
  { name: 'subgroup-16x64', shader: 'matmul-subgroup', tile: [16, 64], constants: {}, needsSubgroupsOf8: true },
];

/** The kernels a device can run: all of them where its subgroups are exactly 8 lanes, else all but those that need it. */
export function matmulKernelsFor(subgroupsOf8: boolean): readonly MatmulKernel[] {
  return MATMUL_KERNELS.filter((k) => subgroupsOf8 || !k.needsSubgroupsOf8);
}

export function matmulKernel(name: string): MatmulKernel {
  const k = MATMUL_KERNELS.find((c) => c.name === name);
  if (k === undefined) throw new Error(`matmul: no kernel '${name}' (expected ${MATMUL_KERNELS.map((c) => c.name).join(', ')})`);
  return k;
}

/**
 * What a CPU driver runs, without tuning: the subgroup kernel where subgroups are 8 lanes wide,
 * else the register kernel. The tiled kernels never beat the register kernel there beyond the
 * noise: on lavapipe (Mesa 25.0.7, 2 cores), GFLOP/s for register-64 / tiled-32 / tiled-64 /
 * tiled-128, each forced in turn, two runs (`ddpm bench --matmul-kernels`; the second not
 * --quick): [128,128]·[128,128]ᵀ 3.3 / 1.2 / 1.8 / 2.0 and 2.8 / 1.3 / 1.1 / 3.0;
 * [10000,128]·[128,128]ᵀ 5.1 / 1.8 / 2.0 / 3.5 and 3.5 / 1.4 / 1.7 / 3.8; 512³ 4.0 / 1.7 / 1.7 /
 * 3.1 and 4.2 / 1.6 / 1.9 / 2.7; 1024³ 6.2 / 1.8 / 2.2 / 4.0 and 5.2 / — / — / 3.5 (runs on this
 * machine vary by ±30 %). The subgroup kernel's figures against register-64 are in bench/RESULTS.md.
 */
export function cpuDriverKernel(kernels: readonly MatmulKernel[]): MatmulKernel {
  return kernels.find((k) => k.needsSubgroupsOf8) ?? MATMUL_KERNELS[0];
}
/** A GPU's kernel for a shape class until the tuner has timed the candidates. */
export const DEFAULT_GPU_KERNEL = MATMUL_KERNELS[2];

/** The shape a kernel is timed at: one product, or a stack of `batch` (default 1), without an epilogue. */
export type MatmulShape = Pick<MatmulPlan, 'batch' | 'm' | 'n' | 'k' | 'transA' | 'transB'>;

/**
 * The shape class a plan's timing stands for: the transposes and m, n, k rounded up to powers of
 * two, and for a stack (batch > 1) its batch likewise ('NT 64×64×8 ×4').
 */
export function shapeClass(plan: MatmulShape): string {
  const up = (x: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, x)));
  const batch = plan.batch ?? 1;
  return `${plan.transA ? 'T' : 'N'}${plan.transB ? 'T' : 'N'} ${up(plan.m)}×${up(plan.n)}×${up(plan.k)}${batch > 1 ? ` ×${up(batch)}` : ''}`;
}

/** How the tuner times kernels: seconds per run of each, at one shape, on the device. */
export type TimeKernels = (kernels: readonly MatmulKernel[], shape: MatmulShape) => Promise<number[]>;

export class MatmulTuner {
  private readonly winners = new Map<string, MatmulKernel>();
  private readonly timing = new Map<string, Promise<void>>();
  /** Shape classes whose timing failed, and why (they keep DEFAULT_GPU_KERNEL). */
  readonly failures = new Map<string, string>();
  /** A kernel every matmul uses (tests, benchmarks); null: choose. */
  forced: MatmulKernel | null = null;

  /** `kernels`: those the device can run (matmulKernelsFor); a CPU driver's is fixed (cpuDriverKernel). */
  constructor(private readonly cpuDriver: boolean, readonly kernels: readonly MatmulKernel[], private readonly time: TimeKernels) {}

  /** The kernel for a plan now; on a GPU, a class seen for the first time starts its timing. */
  choose(plan: MatmulPlan): MatmulKernel {
    if (this.forced) return this.forced;
    if (this.cpuDriver) return cpuDriverKernel(this.kernels);
    const key = shapeClass(plan);
    const winner = this.winners.get(key);
    if (winner) return winner;
    if (!this.timing.has(key)) {
      // A timing that fails (a lost device, say) leaves the default in place and says why.
      this.timing.set(key, this.tune(key, plan).catch((e: unknown) => {
        this.winners.set(key, DEFAULT_GPU_KERNEL);
        this.failures.set(key, e instanceof Error ? e.message : String(e));
      }));
    }
    return DEFAULT_GPU_KERNEL;
  }

  /** Times every kernel at `plan`'s shape now (whatever the driver) and keeps the fastest for its class. */
  async tune(key: string, plan: MatmulShape): Promise<void> {
    const seconds = await this.time(this.kernels, plan);
    const best = seconds.reduce((bi, s, i) => (s < seconds[bi] ? i : bi), 0);
    this.winners.set(key, this.kernels[best]);
  }

  /** Waits for the timings started so far (tests, and a benchmark that wants settled choices). */
  async settled(): Promise<void> {
    await Promise.all(this.timing.values());
  }

  /** The kernel chosen for each shape class timed so far. */
  choices(): Map<string, string> {
    return new Map([...this.winners].map(([k, v]) => [k, v.name]));
  }
}
