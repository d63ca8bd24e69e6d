// Packing parameters into one buffer. An optimizer that finds every parameter in one flat
// buffer, and every gradient in another, updates them all with one kernel, and the global
// gradient norm is one reduction: a few dispatches a step instead of a few per parameter.
//
//   const packed = packParameters(model.parameters());   // the same tensors, now views
//   const opt = new Adam(packed);                          // one Adam kernel a step
//   clipGradNorm(packed, 1.0);                             // one reduction, one scale
//
// Each parameter starts at a multiple of the device's view alignment. The padding between them
// is zero in the weights, the gradients and Adam's moments, and an update leaves zeros as they
// are. Packed parameters step together: each gets an update every step (a zero gradient where
// backward did not reach it), where PyTorch's Adam would skip a parameter whose grad is None.

import { zeros } from './creation.js';
import { describe, EngineError } from './errors.js';
import { keep } from './scope.js';
import { Tensor } from './tensor.js';

/**
 * Parameters packed into one flat buffer of weights and one of gradients (see the header), each
 * parameter and its .grad a view into them; made by packParameters, taken by Adam, AdamW, SGD,
 * clipGradNorm and WeightAverage.
 */
export class PackedParameters {
  /** Made by packParameters, which moves the parameters into the flat buffers. */
  constructor(
    /** The parameters, in order, each a view into `weights`. */
    readonly params: readonly Tensor[],
    /** All parameters, flat: [total] (padding included). */
    readonly weights: Tensor,
    /** All gradients, flat, laid out like `weights`; each parameter's .grad is a view into it. */
    readonly grads: Tensor,
    /** Where each parameter starts in the flat buffers (elements). */
    readonly offsets: readonly number[],
    /** Each parameter's .grad as packed: a view into `grads`. */
    private readonly gradViews: readonly Tensor[],
  ) {}

  /** The flat buffers' length in elements, padding included. */
  get total(): number {
    return this.weights.size;
  }

  /**
   * Frees the flat buffers once the parameters and their gradients are freed too (each is a view
   * holding a reference on them: Module.dispose). Idempotent.
   */
  dispose(): void {
    this.weights.dispose();
    this.grads.dispose();
  }

  /** Throws if a parameter's .grad was replaced: the packed kernels would not see it. */
  checkGrads(op: string): void {
    this.params.forEach((p, i) => {
      if (p.grad !== this.gradViews[i]) {
        throw new EngineError(`${op}: the .grad of packed ${describe(p, 'parameter')} was replaced; packed gradients ` +
          'are accumulated in place by backward (clear them with zeroGrad, do not assign .grad)');
      }
    });
  }
}

/** Where each of `sizes` starts when packed at multiples of `align` elements, and the total. */
export function packedOffsets(sizes: readonly number[], align: number): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let total = 0;
  for (const size of sizes) {
    offsets.push(total);
    total += Math.ceil(size / align) * align;
  }
  return { offsets, total };
}

/** Moves `params` (and their gradients) into one flat buffer each; see the file's header. */
export function packParameters(params: readonly Tensor[]): PackedParameters {
  if (params.length === 0) throw new EngineError('packParameters: no parameters given');
  const device = params[0].device;
  for (const p of params) {
    p.assertAlive('packParameters', 'parameter');
    if (!p.requiresGrad || p.dtype !== 'float32') throw new EngineError(`packParameters: ${describe(p, 'parameter')} is not a float32 parameter`);
    if (p.device !== device) throw new EngineError(`packParameters: parameters live on '${device.name}' and '${p.device.name}'`);
  }
  if (new Set(params).size !== params.length) throw new EngineError('packParameters: a parameter is listed twice');
  const { offsets, total } = packedOffsets(params.map((p) => p.size), device.viewAlignment);
  const weights = keep(zeros([total], { device }));
  const grads = keep(zeros([total], { device }));
  const gradViews: Tensor[] = [];
  params.forEach((p, i) => {
    p.moveInto(device.view(weights.storage, offsets[i], p.size));
    const grad = keep(new Tensor(device.view(grads.storage, offsets[i], p.size), p.shape));
    if (p.grad !== null) {
      device.copy(grad.storage, p.grad.storage);
      p.grad.dispose();
    }
    p.grad = grad;
    gradViews.push(grad);
  });
  return new PackedParameters([...params], weights, grads, offsets, gradViews);
}

/**
 * Copies `tensors` (float32, one device) into one new flat buffer, each at its packedOffsets
 * offset: for a kernel that wants a model's weights in one binding when they are not packed
 * (a model loaded from a file). The copy is kept (outside any tidy scope); dispose it.
 */
export function packedCopy(tensors: readonly Tensor[]): { weights: Tensor; offsets: number[]; total: number } {
  if (tensors.length === 0) throw new EngineError('packedCopy: no tensors given');
  const device = tensors[0].device;
  for (const t of tensors) {
    t.assertAlive('packedCopy', 'tensor');
    if (t.dtype !== 'float32') throw new EngineError(`packedCopy: ${describe(t, 'tensor')} is not float32`);
    if (t.device !== device) throw new EngineError(`packedCopy: tensors live on '${device.name}' and '${t.device.name}'`);
  }
  const { offsets, total } = packedOffsets(tensors.map((t) => t.size), device.viewAlignment);
  const weights = keep(zeros([total], { device }));
  tensors.forEach((t, i) => {
    const view = device.view(weights.storage, offsets[i], t.size);
    device.copy(view, t.storage);
    device.release(view);
  });
  return { weights, offsets, total };
}
