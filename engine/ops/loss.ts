// Loss functions, built from differentiable ops so their gradients come for free.

import type { Backend } from '../backend.js';
import { tensor } from '../creation.js';
import { describe, expectSameDevice, fail } from '../errors.js';
import { keep } from '../scope.js';
import { sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkIndices, embedding } from './embedding.js';
import { mul, neg, square, sub } from './elementwise.js';
import { mean } from './mean.js';
import { sum } from './reduce.js';
import { logSoftmax } from './softmax.js';

/** mean((input − target)²) over all elements; shapes must match exactly. */
export function mseLoss(input: Tensor, target: Tensor): Tensor {
  if (!sameShape(input.shape, target.shape)) {
    fail('mseLoss', `input and target must have the same shape, got ${describe(input, 'input')} and ${describe(target, 'target')}`);
  }
  return mean(square(sub(input, target)));
}

/**
 * PyTorch's cross_entropy with mean reduction: −mean over the batch of log_softmax(logits)[b, label_b].
 * logits [B, C] float32, labels [B] int32 in [0, C) (checked on the host from their known range).
 * The picking is a product with one-hot rows (an embedding of the labels into the C×C identity).
 */
export function crossEntropy(logits: Tensor, labels: Tensor): Tensor {
  expectSameDevice('crossEntropy', { logits, labels });
  if (logits.rank !== 2) fail('crossEntropy', `expected logits [B, C], got ${describe(logits, 'logits')}`);
  const [batch, classes] = logits.shape;
  if (labels.dtype !== 'int32' || labels.rank !== 1 || labels.shape[0] !== batch) {
    fail('crossEntropy', `expected labels [${batch}] int32 for ${describe(logits, 'logits')}, got ${describe(labels, 'labels')}`);
  }
  const eye = identity(classes, logits.device);
  checkIndices('crossEntropy', labels, eye);
  const picked = sum(mul(logSoftmax(logits), embedding(labels, eye)));  // Σ_b log p[b, label_b]
  return neg(mul(picked, 1 / batch));
}

/** The C×C identity on each device, uploaded once (not at every training step) and kept. */
const identities = new WeakMap<Backend, Map<number, Tensor>>();

function identity(classes: number, device: Backend): Tensor {
  const mine = identities.get(device) ?? new Map<number, Tensor>();
  identities.set(device, mine);
  let eye = mine.get(classes);
  if (eye === undefined) {
    const values = new Float32Array(classes * classes);
    for (let c = 0; c < classes; c++) values[c * classes + c] = 1;
    eye = keep(tensor(values, [classes, classes], { device }));
    mine.set(classes, eye);
  }
  return eye;
}
