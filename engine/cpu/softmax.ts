// CPU reference log-softmax and scaled softmax over the rows of a [rows, cols] matrix, and their
// gradients (the GPU's: shaders/softmax.wgsl); sums in float64, rounded once to float32.
// Non-finite rows as PyTorch's log_softmax and softmax: a row holding a NaN or +Inf, or only −Inf,
// is NaN throughout (its max is not finite); otherwise −Inf gives −Inf (log-softmax) or 0 (softmax).

// x: [rows, cols] → out: [rows, cols], out[r, c] = x[r, c] − log Σ_k exp(x[r, k])
export function logSoftmax(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[r * cols + c]); // NaN if any is NaN
    if (!Number.isFinite(max)) {
      out.fill(NaN, r * cols, (r + 1) * cols);
      continue;
    }
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(x[r * cols + c] - max);
    const logSum = max + Math.log(sum);
    for (let c = 0; c < cols; c++) out[r * cols + c] = x[r * cols + c] - logSum;
  }
  return out;
}

// dy, y: [rows, cols] (y = logSoftmax(x)) → dx[r, c] = dy[r, c] − exp(y[r, c]) · Σ_k dy[r, k]
export function logSoftmaxBackward(dy: Float32Array, y: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let c = 0; c < cols; c++) total += dy[r * cols + c];
    for (let c = 0; c < cols; c++) out[r * cols + c] = dy[r * cols + c] - Math.exp(y[r * cols + c]) * total;
  }
  return out;
}

// x: [rows, cols] → out: [rows, cols], out[r, c] = exp(z[r, c] − m) / Σ_k exp(z[r, k] − m),
// z = scale·x (in float64), m = max_k z[r, k]; a row whose max is not finite is NaN.
export function softmax(x: Float32Array, rows: number, cols: number, scale: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const z = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let c = 0; c < cols; c++) {
      z[c] = scale * x[r * cols + c];
      max = Math.max(max, z[c]); // NaN if any is NaN
    }
    if (!Number.isFinite(max)) {
      out.fill(NaN, r * cols, (r + 1) * cols);
      continue;
    }
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(z[c] - max);
    for (let c = 0; c < cols; c++) out[r * cols + c] = Math.exp(z[c] - max) / sum;
  }
  return out;
}

// dy, y: [rows, cols] (y = softmax(scale·x)) → dx[r, c] = scale · y[r, c] · (dy[r, c] − Σ_k dy[r, k]·y[r, k]).
// From ∂y_c/∂z_j = y_c·(δ_cj − y_j): ∂L/∂z_j = y_j·(dy_j − Σ_c dy_c·y_c), and ∂z/∂x = scale.
export function softmaxBackward(dy: Float32Array, y: Float32Array, rows: number, cols: number, scale: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += dy[r * cols + c] * y[r * cols + c];
    for (let c = 0; c < cols; c++) out[r * cols + c] = scale * y[r * cols + c] * (dy[r * cols + c] - dot);
  }
  return out;
}
