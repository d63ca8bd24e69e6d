// CPU reference matrix multiply: one float64 dot product per output element.

import type { MatmulPlan } from '../backend.js';

// a: [m,k] (or [k,m] if transA), b: [k,n] (or [n,k] if transB), bias: [n] → c: [m,n]
export function matmul(a: Float32Array, b: Float32Array, bias: Float32Array | null, plan: MatmulPlan): Float32Array {
  const { m, n, k, transA, transB } = plan;
  // Element strides so that A(i,p) = a[i*aRow + p*aCol] and B(p,j) = b[p*bRow + j*bCol].
  const [aRow, aCol] = transA ? [1, m] : [k, 1];
  const [bRow, bCol] = transB ? [1, k] : [n, 1];
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = bias ? bias[j] : 0;
      for (let p = 0; p < k; p++) acc += a[i * aRow + p * aCol] * b[p * bRow + j * bCol];
      c[i * n + j] = acc;
    }
  }
  return c;
}
