// The contract between the op layer (engine/ops) and a device (engine/cpu, engine/webgpu).
//
// The op layer validates shapes, builds the autograd graph and decides *what* to compute;
// a Backend only runs kernels on opaque Storage handles. Every kernel returns a new Storage
// (or writes one in place) and none reads data back to the host, so a GPU backend can record
// a whole training step into one command stream and only pay a round-trip in `read`.

/** The element types the engine has: 32-bit floats and 32-bit integers (indices, labels). */
export type DType = 'float32' | 'int32';
/** Host data of a storage: Float32Array for float32, Int32Array for int32. */
export type HostArray = Float32Array | Int32Array;

/** A backend's handle to a block of device memory. The op layer never looks inside. */
export interface Storage {
  readonly backend: Backend;
  readonly dtype: DType;
  /** Number of elements. */
  readonly length: number;
  /** How many tensors share this storage (views, detached copies); freed when it reaches 0. */
  refs: number;
}

/**
 * silu(x) = x·σ(x) = x / (1 + e^(−x)); sigmoid(x) = σ(x); sign(x) is −1, 0 or 1 (0 for NaN, as
 * PyTorch 1.13: the gradient of abs).
 */
export type UnaryOp = 'neg' | 'square' | 'sqrt' | 'relu' | 'exp' | 'silu' | 'log' | 'abs' | 'sigmoid' | 'tanh' | 'sin' | 'cos' | 'sign';
/** A comparison, 1 where it holds and 0 where not; a NaN operand makes all but `ne` false (IEEE). */
export type CompareOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
/** `x op c` for a host number c; `rsub` is c − x, `rdiv` is c / x and `pow` is x^c. */
export type ScalarOp = 'add' | 'rsub' | 'mul' | 'div' | 'rdiv' | 'min' | 'max' | 'pow' | CompareOp;
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | CompareOp;
/** Which extreme argReduce finds. */
export type ArgOp = 'max' | 'min';

/**
 * Indexing along one axis: x viewed as [outer, len, inner], the index as [outer, count, inner]
 * (one index per output element, torch.gather) or, when `shared`, as [count] (one list for
 * every (outer, inner) column, torch.index_select). Indices lie in [0, len), checked by the caller.
 */
export interface AxisIndexPlan {
  readonly outer: number;
  readonly len: number;
  readonly inner: number;
  readonly count: number;
  readonly shared: boolean;
}

/** How two operands map onto an output of rank R: strides in elements, 0 on broadcast axes. */
export interface BroadcastPlan {
  readonly outShape: readonly number[];
  readonly aStrides: readonly number[];
  readonly bStrides: readonly number[];
}

/** How cond, a and b map onto where's output of rank R: strides in elements, 0 on broadcast axes. */
export interface WherePlan {
  readonly outShape: readonly number[];
  readonly condStrides: readonly number[];
  readonly aStrides: readonly number[];
  readonly bStrides: readonly number[];
}

/**
 * C[m,n] = epilogue(Σ_k A[m,k]·B[k,n]), the epilogue adding bias[n], then table[idx[m], n]
 * (a per-row embedding), then applying ReLU — each optional.
 * transA: A is stored [k,m]; transB: B is stored [n,k] (a Linear weight, as PyTorch keeps it).
 */
export interface MatmulPlan {
  /** Independent products in a stack (bmm): A [batch, …], B [batch, …], C [batch, m, n]; no epilogue then. Default 1. */
  readonly batch?: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly bias?: Storage;
  /** table [rows, n] and idx [m] (int32, validated by the caller). */
  readonly rowAdd?: { readonly table: Storage; readonly idx: Storage };
  readonly relu?: boolean;
}

/**
 * A 2-D convolution's geometry: input [batch, channels, height, width] (NCHW), weight
 * [outChannels, channels, kernelH, kernelW] moved by `stride`, `padding` zeros on every side;
 * outH = ⌊(height + 2·padding − kernelH) / stride⌋ + 1 (outW likewise). The op layer checks it
 * (engine/ops/conv.ts).
 */
export interface Conv2dPlan {
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly outChannels: number;
  readonly kernelH: number;
  readonly kernelW: number;
  readonly stride: number;
  readonly padding: number;
  readonly outH: number;
  readonly outW: number;
}

/**
 * A fused group normalization's geometry: x [batch, channels, spatial] (NCHW, spatial = H·W),
 * the channels split into `groups` groups of channels / groups (checked by the op layer,
 * engine/ops/norm.ts); `eps` is added to each group's biased variance; `silu` applies a SiLU
 * after the scale and bias.
 */
export interface GroupNormPlan {
  readonly batch: number;
  readonly channels: number;
  readonly groups: number;
  readonly spatial: number;
  readonly eps: number;
  readonly silu: boolean;
}

/** The operands of a fused group normalization beside x (each optional; null where absent). */
export interface GroupNormOperands {
  /** [batch, channels], added to every pixel of its (image, channel) before the statistics. */
  readonly shift: Storage | null;
  /** γ [channels]. */
  readonly weight: Storage | null;
  /** β [channels]. */
  readonly bias: Storage | null;
}

/** The gradients of a fused group normalization: of x, and of each operand it was given (else null). */
export interface GroupNormGrads {
  readonly dx: Storage;
  readonly dshift: Storage | null;
  readonly dweight: Storage | null;
  readonly dbias: Storage | null;
}

/** Where a counter-based random draw starts: see engine/random.ts. */
export interface RandomKey {
  readonly seed: number;
  readonly stream: number;
  readonly offset: number;
}

export type RandomDraw =
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'normal'; mean: number; std: number }
  | { kind: 'randint'; low: number; high: number };

/** One Adam update, PyTorch semantics; `step` is the 1-based step count after increment. */
export interface AdamHyper {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Adam's L2 penalty, added to the gradient: g ← g + wd·p. */
  readonly weightDecay: number;
  /**
   * AdamW's decoupled weight decay (Loshchilov & Hutter): p ← p·(1 − lr·wd) before the update,
   * the gradient untouched. Absent or 0: none (Adam).
   */
  readonly decoupledWeightDecay?: number;
  readonly step: number;
}

/**
 * The two numbers Adam's update needs from the step count, in float64:
 * stepSize = lr / (1 − β1^t), bc2Sqrt = √(1 − β2^t); p −= stepSize · m / (√v / bc2Sqrt + ε).
 */
export function adamBiasCorrection(h: AdamHyper): { stepSize: number; bc2Sqrt: number } {
  return { stepSize: h.lr / (1 - h.beta1 ** h.step), bc2Sqrt: Math.sqrt(1 - h.beta2 ** h.step) };
}

/**
 * One SGD update, PyTorch semantics (torch.optim.SGD): d ← g + wd·p; with momentum μ, buf ← d at
 * the buffer's first step, else μ·buf + (1 − dampening)·d, and d ← d + μ·buf (Nesterov) or buf;
 * p ← p − lr·d.
 */
export interface SgdHyper {
  readonly lr: number;
  /** μ; 0: no momentum buffer. */
  readonly momentum: number;
  readonly dampening: number;
  /** L2, added to the gradient. */
  readonly weightDecay: number;
  readonly nesterov: boolean;
  /** The momentum buffer's first step: it takes d itself (torch clones the gradient). */
  readonly firstStep: boolean;
}

/** A backend's memory at one moment: live storages, their bytes, its pool and the peak. */
export interface MemoryInfo {
  /** Storages allocated and not yet released. */
  readonly live: number;
  readonly bytes: number;
  /** Released memory the backend keeps for reuse (a GPU backend's buffer pool). */
  readonly pooledBytes: number;
  /** The most live bytes at once since the backend was made or since resetPeakBytes(): what a run's tensors needed. */
  readonly peakBytes: number;
}

/**
 * What runs the ops: memory, data movement and one method per kernel, on Storage handles, for the
 * CPU reference (CpuBackend) and WebGPU (WebGpuBackend). No method reads data back but `read`, so a
 * GPU backend can record a whole step into one command stream. Tensors and ops call it; users pick
 * one (cpu, requestWebGpu, selectDevice) and pass it as a device.
 */
export interface Backend {
  /** Short name: 'cpu' or 'webgpu'. */
  readonly name: string;
  /** A line for reports: what hardware/adapter runs the kernels. */
  describe(): string;

  // ---- memory -------------------------------------------------------------------------
  /**
   * The most values one tensor can hold here (a host typed array's limit on the CPU, the largest
   * storage binding on a GPU): callers that size tensors from user input check against it first.
   */
  readonly maxTensorValues: number;
  /** A new storage holding a copy of host data (its dtype from the array's type). */
  upload(data: HostArray): Storage;
  /** Overwrites a storage with host data of the same length and dtype. */
  write(dst: Storage, data: HostArray): void;
  /** The only way data comes back to the host; a GPU backend flushes recorded work here. */
  read(src: Storage): Promise<HostArray>;
  /**
   * Resolves when the work recorded so far has run (a GPU backend submits it first). A loop that
   * awaits it between steps lets the event loop run (timers, signals) and keeps the device at
   * most a step ahead of the host, so it can stop between steps.
   */
  sync(): Promise<void>;
  /** Frees a storage (a GPU backend pools its buffer for reuse); a tensor's dispose() calls it. */
  release(s: Storage): void;
  /** Its live storages and bytes, its pool and its peak, now. */
  memory(): MemoryInfo;
  /** Starts memory().peakBytes again from the live bytes now (to measure one run's peak). */
  resetPeakBytes(): void;
  /** The element alignment a view's offset needs (the device's storage-binding alignment). */
  readonly viewAlignment: number;
  /**
   * A storage aliasing `length` elements of `base` from element `offset` on (no copy), for
   * packing many tensors into one buffer. The view holds a reference on base: base is freed
   * when it and every view of it are released.
   */
  view(base: Storage, offset: number, length: number): Storage;
  /** dst = src (same length and dtype). */
  copy(dst: Storage, src: Storage): void;

  // ---- kernels: each returns a new Storage -----------------------------------------------
  /** `length` elements of dtype, each `value`. */
  full(length: number, value: number, dtype: DType): Storage;
  /** `length` seeded random draws (uniform, normal or integers) from the counter-based generator at `key`. */
  random(length: number, key: RandomKey, draw: RandomDraw): Storage;
  /** op(x) elementwise. */
  unary(op: UnaryOp, x: Storage): Storage;
  /** x op c elementwise, for a host number c. */
  scalar(op: ScalarOp, x: Storage, c: number): Storage;
  /** a op b elementwise, each read with its broadcast strides into plan.outShape. */
  binary(op: BinaryOp, a: Storage, b: Storage, plan: BroadcastPlan): Storage;
  /** a where cond ≠ 0 (NaN included), else b, each read with its strides: a select, so the other side's NaN/±Inf never leaks in. */
  where(cond: Storage, a: Storage, b: Storage, plan: WherePlan): Storage;
  /** Copies x (with strides, 0 on broadcast axes) into a contiguous tensor of outShape. */
  expand(x: Storage, outShape: readonly number[], xStrides: readonly number[]): Storage;
  /** x viewed as [outer, len, inner] → Σ over the middle axis → [outer, inner]. */
  sumAxis(x: Storage, outer: number, len: number, inner: number): Storage;
  /**
   * x viewed as [outer, len, inner] → the position along len of each column's max (min): an int32
   * [outer, inner]. Ties give the first position; a NaN is the extreme (the first NaN), as PyTorch.
   */
  argReduce(op: ArgOp, x: Storage, outer: number, len: number, inner: number): Storage;
  /** x [outer, len, inner] → out [outer, count, inner], out[o, j, i] = x[o, index(o, j, i), i] (see AxisIndexPlan). */
  gatherAxis(x: Storage, idx: Storage, plan: AxisIndexPlan): Storage;
  /** gatherAxis's adjoint: dy [outer, count, inner] → [outer, len, inner], positions picked several times summed. */
  scatterAddAxis(dy: Storage, idx: Storage, plan: AxisIndexPlan): Storage;
  /** Σ x² over all elements → one element. */
  sumSquares(x: Storage): Storage;
  /** The matrix product the plan describes (transposes, a stack, the linear epilogue). */
  matmul(a: Storage, b: Storage, plan: MatmulPlan): Storage;
  /** dy where y > 0 or y is NaN, else 0 (y is the ReLU's output; PyTorch's threshold_backward). */
  reluBackward(dy: Storage, y: Storage): Storage;
  /** x viewed as [rows, cols] → the log-softmax of each row. */
  logSoftmax(x: Storage, rows: number, cols: number): Storage;
  /** dy − exp(y) · (Σ of dy over the row), y the log-softmax's output: its gradient. */
  logSoftmaxBackward(dy: Storage, y: Storage, rows: number, cols: number): Storage;
  /**
   * x [B, C, HW] → y [B, C, HW] = act((x + shift[b, c] − μ[b, g])·rstd[b, g]·γ[c] + β[c]) with
   * act SiLU where plan.silu, else none; μ and rstd = 1/√(σ² + ε) (biased σ²) over each (image,
   * group) of x + shift. stats [B, G, 2] = (μ, rstd), kept for the backward. A group holding a
   * NaN or ±Inf is NaN throughout (stats too), as PyTorch's group_norm.
   */
  groupNorm(x: Storage, operands: GroupNormOperands, plan: GroupNormPlan): { y: Storage; stats: Storage };
  /**
   * groupNorm's gradient from dy [B, C, HW], its inputs and its stats [B, G, 2]: x̂ and the
   * pre-activation are recomputed. dx [B, C, HW]; dshift [B, C] = Σ_hw dx; dweight [C] = Σ_{b,hw} dz·x̂;
   * dbias [C] = Σ_{b,hw} dz (dz the gradient before the SiLU), each only for an operand given.
   */
  groupNormBackward(dy: Storage, x: Storage, operands: GroupNormOperands, stats: Storage, plan: GroupNormPlan): GroupNormGrads;
  /**
   * x viewed as [rows, cols] → y = softmax(scale·x) of each row.
   * A row holding a NaN or +Inf of scale·x, or only −Inf, is NaN throughout (PyTorch's softmax).
   */
  softmax(x: Storage, rows: number, cols: number, scale: number): Storage;
  /**
   * dy, y [rows, cols] (y the softmax's output) → scale · y·(dy − Σ_row dy·y): its gradient with
   * respect to x (PyTorch's softmax_backward, times the scale by the chain rule through scale·x).
   */
  softmaxBackward(dy: Storage, y: Storage, rows: number, cols: number, scale: number): Storage;
  /** dy · σ(x)·(1 + x·(1 − σ(x))), x the SiLU's input: its gradient (PyTorch's silu_backward). */
  siluBackward(dy: Storage, x: Storage): Storage;
  /** dy where lo ≤ x ≤ hi, else 0 (the gradient of clamp). */
  clampBackward(dy: Storage, x: Storage, lo: number, hi: number): Storage;
  /** out[i,:] = table[idx[i],:]; table is [rows, dim]. Indices are validated by the caller. */
  gather(table: Storage, idx: Storage, rows: number, dim: number): Storage;
  /** out[r,:] = Σ_{i: idx[i]=r} dy[i,:]; out is [rows, dim], duplicates summed. */
  scatterAdd(dy: Storage, idx: Storage, rows: number, dim: number): Storage;
  /** a [outer, aWidth] and b [outer, bWidth] side by side: [outer, aWidth + bWidth] (a concatenation, rows flattened). */
  concatRows(a: Storage, b: Storage, outer: number, aWidth: number, bWidth: number): Storage;
  /** x [outer, width] → x[:, start : start + count] ([outer, count]). */
  sliceRows(x: Storage, outer: number, width: number, start: number, count: number): Storage;
  /** x [B, C, H, W] ⋆ weight [O, C, KH, KW] + bias [O] (null: none) → y [B, O, OH, OW] (torch's conv2d, cross-correlation). */
  conv2d(x: Storage, weight: Storage, bias: Storage | null, plan: Conv2dPlan): Storage;
  /** The convolution's gradient for its input: dy [B, O, OH, OW], weight [O, C, KH, KW] → dx [B, C, H, W]. */
  conv2dInputGrad(dy: Storage, weight: Storage, plan: Conv2dPlan): Storage;
  /** The convolution's gradient for its weight: dy [B, O, OH, OW], x [B, C, H, W] → dweight [O, C, KH, KW]. */
  conv2dWeightGrad(dy: Storage, x: Storage, plan: Conv2dPlan): Storage;

  // ---- in place: optimizer state and gradient buffers that persist across steps -----------
  /** Sets every element of dst to `value`. */
  fill(dst: Storage, value: number): void;
  /** dst += src (same length). */
  addInPlace(dst: Storage, src: Storage): void;
  /** dst *= coef[0], coef a one-element storage on this backend (no host readback). */
  scaleInPlace(dst: Storage, coef: Storage): void;
  /** avg ← decay·avg + (1 − decay)·x (same length), 1 − decay rounded once from float64: a weight average's update. */
  averageInPlace(avg: Storage, x: Storage, decay: number): void;
  /** One Adam step on param p with gradient g and moments m, v. */
  adamStep(p: Storage, g: Storage, m: Storage, v: Storage, hyper: AdamHyper): void;
  /** One SGD step on param p with gradient g and momentum buffer buf (null: no momentum). */
  sgdStep(p: Storage, g: Storage, buf: Storage | null, hyper: SgdHyper): void;
}
