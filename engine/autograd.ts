// Reverse-mode automatic differentiation.
//
// Building the graph: every op calls `record(out, op, inputs, backward)`. When gradients are
// enabled and some input requires grad, `out` gets a GraphNode pointing at its inputs and at the
// op's backward rule; otherwise nothing is recorded.
//
// Running it: `backward(root)` sorts the graph once (inputs before outputs), seeds ∂L/∂root, and
// walks the order in reverse. Each node turns its output gradient into input gradients; a tensor
// used twice receives the sum of both contributions. Leaves that require grad accumulate into
// `.grad`, a buffer that persists across steps (zeroGrad fills it with zeros in place).

//
// Imports: tensor.ts and this file need each other (a Tensor's backward() runs this; this makes
// the gradient tensors), the one loop in the engine. Gradients are made and summed with backend
// kernels directly rather than with the ops, which are built on this file.

import { describe, EngineError, formatShape } from './errors.js';
import { keep } from './scope.js';
import { broadcastStrides, sameShape, sizeOf } from './shape.js';
import { Tensor, type GraphNode } from './tensor.js';

let gradEnabled = true;

/** Whether ops record the graph for backward now: false inside noGrad. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording a graph (inference, optimizer updates, gradient arithmetic). */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/** Attaches the op's backward rule to `out` when a gradient may flow through it. */
export function record(out: Tensor, op: string, inputs: readonly Tensor[], backward: GraphNode['backward']): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward };
  }
  return out;
}

/**
 * Every tensor that requires grad and reaches `root`, inputs before the tensors made from them.
 * Every input of every node on the way must be alive, those that need no gradient too (a
 * backward rule reads them: matmul's dW reads x): a disposed one throws before any gradient is
 * computed, where it would otherwise read freed memory or (its node gone) pass for a leaf.
 */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  // Iterative depth-first search (deep graphs must not overflow the call stack).
  const stack: { t: Tensor; next: number }[] = [{ t: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top.t.node?.inputs ?? [];
    if (top.next < inputs.length) {
      const input = inputs[top.next++];
      if (input.isDisposed) throw disposedInGraph(root, input);
      if (input.requiresGrad && !seen.has(input)) {
        seen.add(input);
        stack.push({ t: input, next: 0 });
      }
    } else {
      order.push(top.t);
      stack.pop();
    }
  }
  return order;
}

/** Says which disposed tensor the graph of `root` reaches — the op that made it, who disposed it — and what to do. */
function disposedInGraph(root: Tensor, t: Tensor): EngineError {
  const { op, by } = t.disposedAs!;
  const what = op !== null ? `the output of ${op} ${formatShape(t.shape)}` : describe(t, 'input');
  const fix = by === 'tidy'
    ? 'tidy disposed it: call backward() inside the tidy that computes the loss, or compute the loss outside tidy'
    : 'dispose the tensors a loss was computed from only after its backward()';
  return new EngineError(`backward: the graph of ${describe(root, root.size === 1 ? 'loss' : 'output')} passes through ` +
    `a disposed tensor (${what}, disposed by ${by}); ${fix}`);
}

/** A float32 tensor of `shape` filled with `value`, on `like`'s device. */
function filled(like: Tensor, shape: readonly number[], value: number): Tensor {
  return new Tensor(like.device.full(sizeOf(shape), value, 'float32'), shape);
}

/** a + b for two gradients of the same shape (a new tensor: either may be shared). */
function sumOfGradients(a: Tensor, b: Tensor): Tensor {
  const strides = broadcastStrides(a.shape, a.shape);
  return new Tensor(a.device.binary('add', a.storage, b.storage, { outShape: a.shape, aStrides: strides, bStrides: strides }), a.shape);
}

function accumulateLeafGrad(leaf: Tensor, g: Tensor): void {
  if (leaf.grad === null) leaf.grad = keep(filled(leaf, leaf.shape, 0));
  leaf.device.addInPlace(leaf.grad.storage, g.storage);
}

/**
 * Computes ∂root/∂leaf for every leaf that requires grad and adds it to `leaf.grad`.
 * A root with more than one element needs a seed gradient of its shape.
 */
export function backward(root: Tensor, seed?: Tensor): void {
  root.assertAlive('backward');
  seed?.assertAlive('backward', 'seed');
  if (!root.requiresGrad) {
    throw new EngineError(`backward: ${describe(root)} does not require grad ` +
      `(none of the tensors it was computed from has requiresGrad, or it was computed under noGrad)`);
  }
  if (seed === undefined && root.size !== 1) {
    throw new EngineError(`backward: ${describe(root)} is not a scalar; backward() without a seed ` +
      `gradient needs one element. Reduce it first (sum/mean) or pass a seed of shape ${formatShape(root.shape)}`);
  }
  if (seed !== undefined && (!sameShape(seed.shape, root.shape) || seed.dtype !== 'float32' || seed.device !== root.device)) {
    throw new EngineError(`backward: the seed gradient must match ${describe(root)} on '${root.device.name}', ` +
      `got ${describe(seed, 'seed')} on '${seed.device.name}'`);
  }

  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>();
  noGrad(() => {
    grads.set(root, seed ?? filled(root, root.shape, 1));
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      if (t.node === null) {
        accumulateLeafGrad(t, g);
        continue;
      }
      const inputGrads = t.node.backward(g);
      t.node.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!gi || !input.requiresGrad) return;
        if (!sameShape(gi.shape, input.shape)) {
          throw new EngineError(`backward of ${t.node!.op}: gradient ${formatShape(gi.shape)} ` +
            `does not match input ${describe(input)} (a bug in that op's backward rule)`);
        }
        const previous = grads.get(input);
        grads.set(input, previous ? sumOfGradients(previous, gi) : gi);
      });
    }
  });
}
