// CPU reference embedding lookup and its backward. Indices were checked on the host by the op
// layer (engine/ops/embedding.ts); these loops trust them.

// table: [rows, dim], idx: [n] → out: [n, dim]
export function gather(table: Float32Array, idx: Int32Array, dim: number): Float32Array {
  const out = new Float32Array(idx.length * dim);
  for (let i = 0; i < idx.length; i++) {
    out.set(table.subarray(idx[i] * dim, (idx[i] + 1) * dim), i * dim);
  }
  return out;
}

// dy: [n, dim], idx: [n] → dTable: [rows, dim]; rows hit by several indices get the sum
export function scatterAdd(dy: Float32Array, idx: Int32Array, rows: number, dim: number): Float32Array {
  const acc = new Float64Array(rows * dim);
  for (let i = 0; i < idx.length; i++) {
    for (let d = 0; d < dim; d++) acc[idx[i] * dim + d] += dy[i * dim + d];
  }
  return Float32Array.from(acc);
}
