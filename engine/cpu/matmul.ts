// CPU reference matrix multiply: one float64 dot product per output element, then the
// optional epilogue (bias, a per-row embedding, ReLU keeping NaN) in float32 like the GPU kernel.

import type { MatmulPlan } from '../backend.js';
import { reluOf } from './elementwise.js';

export interface Epilogue {
  bias: Float32Array | null;               // [n]
  rowAdd: { table: Float32Array; idx: Int32Array } | null; // table [rows, n], idx [m]
  relu: boolean;
}

// a: [batch, m, k] (or [batch, k, m] if transA), b: [batch, k, n] (or [batch, n, k] if transB) → c: [batch, m, n]
export function matmul(a: Float32Array, b: Float32Array, epilogue: Epilogue, plan: MatmulPlan): Float32Array {
  const { m, n, k } = plan, batch = plan.batch ?? 1;
  if (batch === 1) return matmulOne(a, b, epilogue, plan);
  const c = new Float32Array(batch * m * n);
  for (let z = 0; z < batch; z++) {
    c.set(matmulOne(a.subarray(z * m * k, (z + 1) * m * k), b.subarray(z * k * n, (z + 1) * k * n), epilogue, plan), z * m * n);
  }
  return c;
}

function matmulOne(a: Float32Array, b: Float32Array, epilogue: Epilogue, plan: MatmulPlan): Float32Array {
  const { m, n, k, transA, transB } = plan;
  // Element strides so that A(i,p) = a[i*aRow + p*aCol] and B(p,j) = b[p*bRow + j*bCol].
  const [aRow, aCol] = transA ? [1, m] : [k, 1];
  const [bRow, bCol] = transB ? [1, k] : [n, 1];
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += a[i * aRow + p * aCol] * b[p * bRow + j * bCol];
      let v = Math.fround(acc);
      if (epilogue.bias) v = Math.fround(v + epilogue.bias[j]);
      if (epilogue.rowAdd) v = Math.fround(v + epilogue.rowAdd.table[epilogue.rowAdd.idx[i] * n + j]);
      c[i * n + j] = epilogue.relu ? reluOf(v) : v;
    }
  }
  return c;
}
