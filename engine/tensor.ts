// The Tensor: a shape, a Storage on some backend, and — when it was computed by an op that
// needs gradients — the graph node that made it. Data moves to the host only through the async
// `toArray()`/`item()`/`to()`, so a GPU backend can keep work queued until a result is read.
// tensor.ts ⇄ autograd.ts is the engine's one import loop, and inherent: backward() here runs
// the graph there, which makes gradient tensors.

import { backward } from './autograd.js';
import type { Backend, DType, HostArray, Storage } from './backend.js';
import { describe, EngineError, formatShape } from './errors.js';
import { track } from './scope.js';
import { sizeOf } from './shape.js';

/** How a tensor was computed: the op, its inputs, and the rule that maps ∂L/∂out to ∂L/∂inputs. */
export interface GraphNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Returns ∂L/∂input for each input, in order (null where no gradient flows). */
  readonly backward: (gradOut: Tensor) => readonly (Tensor | null)[];
}

/** Known bounds of an int32 tensor's values, so indices can be checked without a readback. */
export interface IntRange {
  readonly min: number;
  readonly max: number;
}

/** What a disposed tensor was, for errors about it: the op that made it (null for a leaf) and who freed it. */
export interface Disposal {
  readonly op: string | null;
  readonly by: 'tidy' | 'dispose()';
}

/** Tensors made and not yet disposed (E.memory(): a loop that leaks shows here). */
let liveTensors = 0;

/** How many tensors are alive: made and not disposed (whether or not still referenced). */
export function liveTensorCount(): number {
  return liveTensors;
}

export interface TensorOptions {
  requiresGrad?: boolean;
  name?: string;
  intRange?: IntRange;
}

/**
 * An n-dimensional array of float32 or int32 on a backend, with the autograd graph that made it.
 * Made by the creation functions (tensor, zeros, randn, …) and the ops, which are also its methods
 * (x.add(y).relu()); read back with the async toArray(), item() or to(); freed with dispose() or
 * inside tidy().
 */
export class Tensor {
  /** ∂L/∂this after `backward()`, for leaves that require grad; accumulates across calls. */
  grad: Tensor | null = null;
  /** The op that produced this tensor; null for leaves (data, parameters). */
  node: GraphNode | null = null;
  /** Optional name used in error messages (modules set it to the state_dict key). */
  name: string | undefined;
  /**
   * int32 tensors: known bounds of the values (set by the creation functions), so that indices can
   * be checked without a readback; undefined when unknown.
   */
  readonly intRange: IntRange | undefined;
  private _requiresGrad = false;
  private disposal: Disposal | null = null;

  private _storage: Storage;

  /**
   * A tensor over `storage` (which it then owns) with the given shape; the creation functions and
   * ops make tensors, so users rarely call this. Throws an EngineError when the storage's length is
   * not the shape's size.
   */
  constructor(storage: Storage, readonly shape: readonly number[], options: TensorOptions = {}) {
    this._storage = storage;
    if (storage.length !== sizeOf(shape)) {
      throw new EngineError(`Tensor: storage of ${storage.length} elements cannot have shape ${formatShape(shape)}`);
    }
    this.shape = Object.freeze([...shape]);
    this.name = options.name;
    this.intRange = options.intRange;
    this.requiresGrad = options.requiresGrad ?? false;
    liveTensors++;
    track(this);
  }

  /** The backend's handle to the data. */
  get storage(): Storage { return this._storage; }
  /** The backend the data lives on. */
  get device(): Backend { return this.storage.backend; }
  /** 'float32' or 'int32'. */
  get dtype(): DType { return this.storage.dtype; }
  /** The number of elements: the product of the shape. */
  get size(): number { return this.storage.length; }
  /** The number of axes. */
  get rank(): number { return this.shape.length; }
  /** Whether dispose() has freed it. */
  get isDisposed(): boolean { return this.disposal !== null; }
  /** What this tensor was before it was disposed (null while it is alive). */
  get disposedAs(): Disposal | null { return this.disposal; }

  /**
   * Whether backward() computes ∂L/∂this into `grad` (leaves) and records ops on it; setting it
   * throws an EngineError for an int32 tensor.
   */
  get requiresGrad(): boolean { return this._requiresGrad; }
  set requiresGrad(value: boolean) {
    if (value && this.dtype !== 'float32') {
      throw new EngineError(`requiresGrad: only float32 tensors can require grad, got ${describe(this)}`);
    }
    this._requiresGrad = value;
  }

  /** Throws a clear error if this tensor was disposed (its memory may already be reused). */
  assertAlive(op: string, role?: string): void {
    if (this.isDisposed) throw new EngineError(`${op}: ${describe(this, role)} was disposed and cannot be used`);
  }

  /** Copies the data to the host (waits for any queued GPU work). */
  async toArray(): Promise<HostArray> {
    this.assertAlive('toArray');
    return this.device.read(this.storage);
  }

  /** The value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new EngineError(`item: expected a one-element tensor, got ${describe(this)}`);
    return (await this.toArray())[0];
  }

  /** A copy of this tensor on another backend (a leaf: no graph is carried across). */
  async to(device: Backend): Promise<Tensor> {
    if (device === this.device) return this;
    const data = await this.toArray();
    return new Tensor(device.upload(data), this.shape, {
      requiresGrad: this.requiresGrad, name: this.name, intRange: this.intRange,
    });
  }

  /** The same data, cut from the graph: no gradient flows through the result. */
  detach(): Tensor {
    this.assertAlive('detach');
    this.storage.refs++;
    return new Tensor(this.storage, this.shape, { name: this.name, intRange: this.intRange });
  }

  /**
   * Moves this tensor into `storage` (same length, dtype and device): copies the data there and
   * releases the old storage. Used to pack parameters into one buffer (engine/packing.ts).
   */
  moveInto(storage: Storage): void {
    this.assertAlive('moveInto');
    if (storage.backend !== this.device || storage.length !== this.size || storage.dtype !== this.dtype) {
      throw new EngineError(`moveInto: ${describe(this)} on '${this.device.name}' cannot move into ${storage.length} ${storage.dtype} on '${storage.backend.name}'`);
    }
    this.device.copy(storage, this._storage);
    if (--this._storage.refs === 0) this.device.release(this._storage);
    this._storage = storage;
  }

  /** Back-propagates from this tensor; see engine/autograd.ts. */
  backward(seed?: Tensor): void {
    backward(this, seed);
  }

  /**
   * Frees the memory now (storage shared with views is freed with its last user). Idempotent.
   * `by` is for tidy, so that backward() can say who disposed a tensor its graph needs.
   */
  dispose(by?: 'tidy'): void {
    if (this.isDisposed) return;
    liveTensors--;
    this.disposal = { op: this.node?.op ?? null, by: by ?? 'dispose()' };
    this.node = null;
    if (--this.storage.refs === 0) this.device.release(this.storage);
  }

  /** `Tensor(<name, shape, dtype>, device=…)`, with `requiresGrad` when it does. */
  toString(): string {
    return `Tensor(${describe(this)}, device=${this.device.name}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}
