// CPU reference reductions, accumulated in float64 and rounded once to float32.

// x: [outer, len, inner] → out: [outer, inner], summing the middle axis
export function sumAxis(x: Float32Array, outer: number, len: number, inner: number): Float32Array {
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = 0;
      for (let l = 0; l < len; l++) acc += x[(o * len + l) * inner + i];
      out[o * inner + i] = acc;
    }
  }
  return out;
}

// x: [n] → out: [1], Σ x²
export function sumSquares(x: Float32Array): Float32Array {
  let acc = 0;
  for (let i = 0; i < x.length; i++) acc += x[i] * x[i];
  return Float32Array.of(acc);
}
