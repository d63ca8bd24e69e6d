// The S-curve tutorial's MLPDiffusion (ddpm/model.ts) as fused kernels: a whole training step
// in three dispatches and any run of reverse-process steps in one. Used by ddpm/fused/ through
// engine/webgpu/program.ts; the eager path (one kernel per op) is the reference it is tested
// against. The host prepends `const H`, `const ROWS`, `const T`, `const GB` (with `alias GVec`,
// vecGB<f32>), `const NORM_KERNEL` (ddpm/fused/ FusedSplit), `const EMA` (a weight average
// is kept: engine/weight-average.ts), the reverse-step table's row
// layout (`REVERSE_STEP_FLOATS` and an `RS_<FIELD>` index per field) and philox.wgsl.
//
//   model: h1 = relu(x·W1ᵀ + b1 + E1[t]); h2 = relu(h1·W2ᵀ + b2 + E2[t]);
//          h3 = relu(h2·W3ᵀ + b3 + E3[t]); ε_θ = h3·W4ᵀ + b4
//   shapes: x [B, 2]; W1 [H, 2]; W2, W3 [H, H]; W4 [2, H]; E1..E3 [T, H]; h1..h3 [B, H]
//
// Every row's forward pass, and the backward pass down to each layer's pre-activation gradient,
// needs only that row: a workgroup takes ROWS rows through all of it with activations in
// workgroup memory (train_rows). The weight gradients sum over the batch (train_grads; each
// workgroup also sums its gradients' squares), and train_adam turns those into the clipping
// coefficient (every workgroup the same sum in the same order; on CPU drivers train_norm does it
// once, NORM_KERNEL), clips and steps Adam over the packed parameters (and moves the weight
// average towards them, EMA). Sampling needs no barrier between points: a workgroup takes its points
// through every step of a run (sample_steps), with the rows in workgroup memory throughout.
// (Where the device has subgroups of exactly 8 lanes, CPU drivers, sampling runs the kernels of
// mlp-sample-subgroup.wgsl instead, appended to this module: the same operations and bits.)
// The random draws (the epoch's shuffle, timesteps, noise) are those of the eager path: same
// Philox keys, same elements, so both paths train on the same numbers.
//
// Layout: lanes own output columns j (or k); each thread keeps ROWS accumulators (ROWS/4 vec4s),
// so one weight load serves ROWS rows. The forward pass reads W2ᵀ, W3ᵀ (copies kept by train_adam /
// transpose_weights) so lanes read consecutive addresses; the backward pass reads W2, W3.
//
// NaN follows PyTorch, as in the eager kernels (see the helpers below): ReLU keeps a NaN, its
// gradient passes where h is NaN, clamping x̂0 keeps a NaN, and a NaN gradient norm makes the
// clipping coefficient NaN (so every gradient, and then every parameter, becomes NaN).

const WG: u32 = 128u;
const NC: u32 = (H + WG - 1u) / WG;   // train_grads: workgroups per column job
const HB: u32 = (H + GB - 1u) / GB;    // train_grads: GB-wide blocks along a side of dW2, dW3
const DWG: u32 = (HB * HB + WG - 1u) / WG;  // train_grads: workgroups per H×H weight gradient

struct Consts {
  n: u32,          // points in X (training: data points; sampling: samples)
  batch: u32,      // rows per training step (the last step of an epoch may have fewer)
  seed: u32,
  stream: u32,
  total: u32,      // packed parameter elements
  partials: u32,   // train_grads workgroups: norm partial sums at S[0 … partials)
  lossBase: u32,   // the loss log starts at S[lossBase] (S[partials]: train_norm's coefficient)
  clip: f32,       // clip_grad_norm_'s max_norm
  beta1: f32,
  beta2: f32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  eps: f32,
  // where each parameter starts in the packed buffers P, G, M, V (elements)
  oW1: u32, ob1: u32, oW2: u32, ob2: u32, oW3: u32, ob3: u32, oW4: u32, ob4: u32,
  oE1: u32, oE2: u32, oE3: u32,
  // where each array starts in the work buffer W (elements); rows padded to a multiple of ROWS
  wXt: u32,    // x_t [B, 2]
  wT: u32,     // t [B] (as f32)
  wDout: u32,  // ∂loss/∂ε_θ [B, 2]
  wSq: u32,    // (ε − ε_θ)² [B, 2]
  wH1: u32, wH2: u32, wH3: u32,  // activations [B, H]
  wG1: u32, wG2: u32, wG3: u32,  // gradients at the pre-activations [B, H]
  wW2T: u32, wW3T: u32,          // W2ᵀ, W3ᵀ [H, H]
  wSab: u32, wS1mab: u32,        // √ᾱ_t, √(1 − ᾱ_t) [T]
  wSteps: u32,                   // sampling: the reverse steps [steps, REVERSE_STEP_FLOATS]: t, kind, k1…k5, clipX0, clipOn
}

struct Step {
  // training
  rows: u32,          // rows in this step's batch
  first: u32,         // the batch's first position in the epoch's order
  permOffset: u32,    // the epoch's shuffle draw
  tOffset: u32,       // randint draw of rows/2 timesteps (mirrored to T−1−t)
  tExtraOffset: u32,  // odd batch: the draw of its last row's timestep
  noiseOffset: u32,   // normal draw (training: ε; sampling: z of step stepFirst, then one offset per step)
  lossSlot: u32,      // where this step's loss goes in the loss log
  stepSize: f32,      // Adam: lr / (1 − β1^step)
  bc2Sqrt: f32,       // Adam: √(1 − β2^step)
  emaDecay: f32,      // EMA: this update's decay d_u
  emaShare: f32,      // EMA: 1 − d_u (rounded once from float64, as on the CPU)
  // sampling: the run of reverse steps stepFirst … stepFirst + stepCount − 1 (see sample_steps)
  stepFirst: u32,
  stepCount: u32,
}

@group(0) @binding(0) var<uniform> c: Consts;
@group(0) @binding(1) var<uniform> s: Step;
@group(0) @binding(2) var<storage, read_write> P: array<f32>;  // packed parameters
@group(0) @binding(3) var<storage, read_write> X: array<f32>;  // points [n, 2]
@group(0) @binding(4) var<storage, read_write> W: array<f32>;  // work buffer (Consts.w*)
@group(0) @binding(5) var<storage, read_write> S: array<f32>;  // norm partials, loss log
@group(0) @binding(6) var<storage, read_write> G: array<f32>;  // packed gradients
@group(0) @binding(7) var<storage, read_write> M: array<f32>;  // Adam's first moments
@group(0) @binding(8) var<storage, read_write> V: array<f32>;  // Adam's second moments
@group(0) @binding(9) var<storage, read_write> A: array<f32>;  // EMA: the weight average (else a dummy)

// Activation tiles: element (r, k) of the workgroup's ROWS rows is act[k·Q + r/4][r % 4], so a
// thread reads 4 rows of one column with one load (Q = ROWS/4 vec4s per column).
const Q: u32 = ROWS / 4u;
var<workgroup> bufA: array<vec4<f32>, H * Q>;
var<workgroup> bufB: array<vec4<f32>, H * Q>;
var<workgroup> rowX: array<vec2<f32>, ROWS>;  // the rows' inputs x_t
var<workgroup> rowT: array<u32, ROWS>;        // their timesteps
var<workgroup> rowE: array<vec2<f32>, ROWS>;  // training: ε; sampling: ε_θ
var<workgroup> rowD: array<vec2<f32>, ROWS>;  // training: ∂loss/∂ε_θ
var<workgroup> red: array<f32, WG>;

// ---- NaN helpers ------------------------------------------------------------------------
// WGSL's min/max/clamp may return the non-NaN operand and compilers fold `x != x` to false
// (lavapipe does), so NaN is tested on the bits and kept by hand.
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_nan2(v: vec2<f32>) -> vec2<bool> {
  return (bitcast<vec2<u32>>(v) & vec2<u32>(0x7fffffffu)) > vec2<u32>(0x7f800000u);
}
fn is_nan4(v: vec4<f32>) -> vec4<bool> {
  return (bitcast<vec4<u32>>(v) & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u);
}
// relu(NaN) = NaN
fn relu4(v: vec4<f32>) -> vec4<f32> { return select(max(v, vec4<f32>(0.0)), v, is_nan4(v)); }
// Where ReLU's gradient passes, given its output h: unless h ≤ 0 (PyTorch's threshold_backward),
// so a NaN h passes.
fn relu_passes4(h: vec4<f32>) -> vec4<bool> { return (h > vec4<f32>(0.0)) | is_nan4(h); }
fn min_nan(a: f32, b: f32) -> f32 { return select(select(min(a, b), b, is_nan(b)), a, is_nan(a)); }
// clamp(NaN, lo, hi) = NaN
fn clamp_nan2(v: vec2<f32>, lo: vec2<f32>, hi: vec2<f32>) -> vec2<f32> {
  return select(clamp(v, lo, hi), v, is_nan2(v));
}

fn key() -> vec2<u32> { return vec2<u32>(c.seed, c.stream); }

// Element j of a randint draw in [0, T) at `offset` (as engine/random.ts).
fn randintT(offset: u32, j: u32) -> u32 {
  return philox(vec4<u32>(j >> 2u, offset, 0u, 0u), key())[j & 3u] % T;
}

// Elements 2b and 2b+1 of a standard normal draw at `offset`: row b of an [n, 2] draw.
fn normalRow(offset: u32, b: u32) -> vec2<f32> {
  return normalPair(philox(vec4<u32>(b >> 1u, offset, 0u, 0u), key()), b & 1u);
}

// Row b's timestep (ddpm/loss.ts antitheticTimesteps): rows/2 draws, their mirrors, one more if odd.
fn trainTimestep(b: u32) -> u32 {
  let half = s.rows / 2u;
  if (b < half) { return randintT(s.tOffset, b); }
  if (b < 2u * half) { return T - 1u - randintT(s.tOffset, b - half); }
  return randintT(s.tExtraOffset, 0u);
}

// Sum of red[0 … WG) into red[0]; every invocation of the workgroup must call it.
fn reduceWorkgroup(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { red[lid] = red[lid] + red[lid + stride]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}

// Column j of the embedding table at oE for the rows 4q … 4q+3.
fn embedRows(oE: u32, q: u32, j: u32) -> vec4<f32> {
  return vec4<f32>(P[oE + rowT[4u * q] * H + j], P[oE + rowT[4u * q + 1u] * H + j],
                   P[oE + rowT[4u * q + 2u] * H + j], P[oE + rowT[4u * q + 3u] * H + j]);
}

// Writes rows 4q … 4q+3 of column j to W[at + r·H + j].
fn saveRows(at: u32, q: u32, j: u32, v: vec4<f32>) {
  for (var i = 0u; i < 4u; i++) { W[at + (4u * q + i) * H + j] = v[i]; }
}

// dst[r, j] = relu(Σ_k src[r, k]·Wᵀ[k, j] + b[j] + E[t_r, j]) for the workgroup's rows;
// save: also to W[saveAt + r·H + j].
fn hiddenLayer(src: ptr<workgroup, array<vec4<f32>, H * Q>>, dst: ptr<workgroup, array<vec4<f32>, H * Q>>,
               wT: u32, ob: u32, oE: u32, save: bool, saveAt: u32, lid: u32) {
  for (var j = lid; j < H; j += WG) {
    var acc: array<vec4<f32>, Q>;
    for (var q = 0u; q < Q; q++) { acc[q] = vec4<f32>(0.0); }  // explicitly: lavapipe kept the last iteration's values
    for (var k = 0u; k < H; k++) {
      let w = W[wT + k * H + j];
      for (var q = 0u; q < Q; q++) { acc[q] += (*src)[k * Q + q] * w; }
    }
    let bias = P[ob + j];
    for (var q = 0u; q < Q; q++) {
      let h = relu4(acc[q] + bias + embedRows(oE, q, j));
      (*dst)[j * Q + q] = h;
      if (save) { saveRows(saveAt, q, j, h); }
    }
  }
}

// The three hidden layers of rows r0 … r0+ROWS−1 (rowX, rowT set): h3 ends in bufA.
fn hiddenLayers(lid: u32, r0: u32, save: bool) {
  for (var j = lid; j < H; j += WG) {
    let w0 = P[c.oW1 + 2u * j];
    let w1 = P[c.oW1 + 2u * j + 1u];
    let bias = P[c.ob1 + j];
    for (var q = 0u; q < Q; q++) {
      let x0 = vec4<f32>(rowX[4u * q].x, rowX[4u * q + 1u].x, rowX[4u * q + 2u].x, rowX[4u * q + 3u].x);
      let x1 = vec4<f32>(rowX[4u * q].y, rowX[4u * q + 1u].y, rowX[4u * q + 2u].y, rowX[4u * q + 3u].y);
      let h = relu4(x0 * w0 + x1 * w1 + bias + embedRows(c.oE1, q, j));
      bufA[j * Q + q] = h;
      if (save) { saveRows(c.wH1 + r0 * H, q, j, h); }
    }
  }
  workgroupBarrier();
  hiddenLayer(&bufA, &bufB, c.wW2T, c.ob2, c.oE2, save, c.wH2 + r0 * H, lid);
  workgroupBarrier();
  hiddenLayer(&bufB, &bufA, c.wW3T, c.ob3, c.oE3, save, c.wH3 + r0 * H, lid);
  workgroupBarrier();
}

// ε_θ[r, cc] = Σ_j h3[r, j]·W4[cc, j] + b4[cc]   (h3 in bufA)
fn outputLayer(r: u32, cc: u32) -> f32 {
  var acc = 0.0;
  for (var j = 0u; j < H; j++) { acc += bufA[j * Q + r / 4u][r % 4u] * P[c.oW4 + cc * H + j]; }
  return acc + P[c.ob4 + cc];
}

// dst[r, k] = Σ_j src[r, j]·Wl[j, k] where relu_passes4(h[r, k]), else 0: back through a Linear
// and the ReLU below it; also to W[gAt + r·H + k]. h[r, k] was written by this same invocation.
fn backLayer(src: ptr<workgroup, array<vec4<f32>, H * Q>>, dst: ptr<workgroup, array<vec4<f32>, H * Q>>,
             oW: u32, hAt: u32, gAt: u32, lid: u32) {
  for (var k = lid; k < H; k += WG) {
    var acc: array<vec4<f32>, Q>;
    for (var q = 0u; q < Q; q++) { acc[q] = vec4<f32>(0.0); }
    for (var j = 0u; j < H; j++) {
      let w = P[oW + j * H + k];
      for (var q = 0u; q < Q; q++) { acc[q] += (*src)[j * Q + q] * w; }
    }
    for (var q = 0u; q < Q; q++) {
      let r = 4u * q;
      let h = vec4<f32>(W[hAt + r * H + k], W[hAt + (r + 1u) * H + k], W[hAt + (r + 2u) * H + k], W[hAt + (r + 3u) * H + k]);
      let g = select(vec4<f32>(0.0), acc[q], relu_passes4(h));
      (*dst)[k * Q + q] = g;
      saveRows(gAt, q, k, g);
    }
  }
}

// W2ᵀ and W3ᵀ from P: before a run (the weights may have changed since the last one).
@compute @workgroup_size(WG)
fn transpose_weights(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  if (e >= H * H) { return; }
  let j = e / H;
  let k = e % H;
  W[c.wW2T + k * H + j] = P[c.oW2 + e];
  W[c.wW3T + k * H + j] = P[c.oW3 + e];
}

// Training, 1 of 3: rows r0 … r0+ROWS−1 of the batch: q_sample, forward, loss terms, and the
// gradients at every pre-activation. Workgroups: ⌈batch / ROWS⌉.
@compute @workgroup_size(WG)
fn train_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r0 = wid.x * ROWS;
  if (r0 >= s.rows) { return; }
  if (lid < ROWS) {
    let b = r0 + lid;
    var x = vec2<f32>(0.0);
    var t = 0u;
    var e = vec2<f32>(0.0);
    if (b < s.rows) {
      let i = permutationIndex(s.first + b, c.n, c.seed, c.stream, s.permOffset);
      t = trainTimestep(b);
      e = normalRow(s.noiseOffset, b);
      let x0 = vec2<f32>(X[2u * i], X[2u * i + 1u]);
      x = x0 * W[c.wSab + t] + e * W[c.wS1mab + t];   // q_sample
    }
    rowX[lid] = x;
    rowT[lid] = t;
    rowE[lid] = e;
    W[c.wXt + 2u * b] = x.x;
    W[c.wXt + 2u * b + 1u] = x.y;
    W[c.wT + b] = f32(t);
  }
  workgroupBarrier();
  hiddenLayers(lid, r0, true);
  // loss = mean over rows·2 of (ε − ε_θ)²; ∂loss/∂ε_θ = −2(ε − ε_θ) / (rows·2). Padding rows: 0.
  if (lid < 2u * ROWS) {
    let r = lid >> 1u;
    let cc = lid & 1u;
    let b = r0 + r;
    let valid = b < s.rows;
    let diff = rowE[r][cc] - outputLayer(r, cc);
    let d = select(0.0, -2.0 * diff / f32(2u * s.rows), valid);
    rowD[r][cc] = d;
    W[c.wDout + 2u * b + cc] = d;
    W[c.wSq + 2u * b + cc] = select(0.0, diff * diff, valid);
  }
  workgroupBarrier();
  // back through Linear(H, 2) and the last ReLU: g3 = dout·W4 where relu_passes4(h3), else 0
  for (var j = lid; j < H; j += WG) {
    let w0 = P[c.oW4 + j];
    let w1 = P[c.oW4 + H + j];
    for (var q = 0u; q < Q; q++) {
      let d0 = vec4<f32>(rowD[4u * q].x, rowD[4u * q + 1u].x, rowD[4u * q + 2u].x, rowD[4u * q + 3u].x);
      let d1 = vec4<f32>(rowD[4u * q].y, rowD[4u * q + 1u].y, rowD[4u * q + 2u].y, rowD[4u * q + 3u].y);
      let g = select(vec4<f32>(0.0), d0 * w0 + d1 * w1, relu_passes4(bufA[j * Q + q]));
      bufB[j * Q + q] = g;
      saveRows(c.wG3 + r0 * H, q, j, g);
    }
  }
  workgroupBarrier();
  backLayer(&bufB, &bufA, c.oW3, c.wH2 + r0 * H, c.wG2 + r0 * H, lid);
  workgroupBarrier();
  backLayer(&bufA, &bufB, c.oW2, c.wH1 + r0 * H, c.wG1 + r0 * H, lid);
}

// Training, 2 of 3: the weight gradients, each a sum over the batch's rows in row order.
// Workgroups: 2·DWG (4×4 blocks of dW2, dW3) + 3·NC (per column j of a hidden layer: db, dE
// (scatter by t), and for layer 1 dW1) + 1 (dW4, db4, the step's loss). Each workgroup writes
// Σ of its gradients' squares to S[workgroup]: the gradient norm's partial sums.
@compute @workgroup_size(WG)
fn train_grads(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let job = wid.x;
  let rows = s.rows;
  var sq = 0.0;
  if (job < 2u * DWG) {
    // dW[j, k] = Σ_r g[r, j]·h[r, k]: dW2 from (g2, h1), dW3 from (g3, h2); a thread owns a
    // GB×GB block of dW (GB² sums from 2·GB loads per row)
    let second = job >= DWG;
    let block = (job % DWG) * WG + lid;
    let j0 = (block / HB) * GB;
    let k0 = (block % HB) * GB;
    if (j0 < H) {
      let g = select(c.wG2, c.wG3, second);
      let h = select(c.wH1, c.wH2, second);
      let o = select(c.oW2, c.oW3, second);
      var acc: array<GVec, GB>;
      for (var q = 0u; q < GB; q++) { acc[q] = GVec(0.0); }
      for (var r = 0u; r < rows; r++) {
        var hv: GVec;
        for (var e = 0u; e < GB; e++) { hv[e] = W[h + r * H + min(k0 + e, H - 1u)]; }
        for (var q = 0u; q < GB; q++) { acc[q] += W[g + r * H + min(j0 + q, H - 1u)] * hv; }
      }
      for (var q = 0u; q < GB; q++) {
        for (var e = 0u; e < GB; e++) {
          if (j0 + q < H && k0 + e < H) {
            G[o + (j0 + q) * H + k0 + e] = acc[q][e];
            sq += acc[q][e] * acc[q][e];
          }
        }
      }
    }
  } else if (job < 2u * DWG + 3u * NC) {
    let layer = (job - 2u * DWG) / NC;
    let j = ((job - 2u * DWG) % NC) * WG + lid;
    if (j < H) {
      let g = select(select(c.wG3, c.wG2, layer == 1u), c.wG1, layer == 0u);
      let ob = select(select(c.ob3, c.ob2, layer == 1u), c.ob1, layer == 0u);
      let oE = select(select(c.oE3, c.oE2, layer == 1u), c.oE1, layer == 0u);
      for (var tt = 0u; tt < T; tt++) { G[oE + tt * H + j] = 0.0; }
      var db = 0.0;
      var dw = vec2<f32>(0.0);
      for (var r = 0u; r < rows; r++) {
        let gv = W[g + r * H + j];
        db += gv;
        let e = oE + u32(W[c.wT + r]) * H + j;
        G[e] = G[e] + gv;
        if (layer == 0u) { dw += gv * vec2<f32>(W[c.wXt + 2u * r], W[c.wXt + 2u * r + 1u]); }
      }
      G[ob + j] = db;
      sq += db * db;
      for (var tt = 0u; tt < T; tt++) { let e = G[oE + tt * H + j]; sq += e * e; }
      if (layer == 0u) {
        G[c.oW1 + 2u * j] = dw.x;
        G[c.oW1 + 2u * j + 1u] = dw.y;
        sq += dot(dw, dw);
      }
    }
  } else {
    // dW4[cc, j] = Σ_r dout[r, cc]·h3[r, j]; db4[cc] = Σ_r dout[r, cc]; the loss
    for (var j = lid; j < H; j += WG) {
      var acc = vec2<f32>(0.0);
      for (var r = 0u; r < rows; r++) {
        acc += vec2<f32>(W[c.wDout + 2u * r], W[c.wDout + 2u * r + 1u]) * W[c.wH3 + r * H + j];
      }
      G[c.oW4 + j] = acc.x;
      G[c.oW4 + H + j] = acc.y;
      sq += dot(acc, acc);
    }
    if (lid < 2u) {
      var d = 0.0;
      for (var r = 0u; r < rows; r++) { d += W[c.wDout + 2u * r + lid]; }
      G[c.ob4 + lid] = d;
      sq += d * d;
    }
    if (lid == 2u) {
      var l = 0.0;
      for (var i = 0u; i < 2u * rows; i++) { l += W[c.wSq + i]; }
      S[c.lossBase + s.lossSlot] = l / f32(2u * rows);
    }
  }
  let total = reduceWorkgroup(lid, sq);
  if (lid == 0u) { S[job] = total; }
}

// clip_grad_norm_'s coefficient min(1, max_norm / (norm + 1e-6)) from the norm's partial sums
// (the same sum in the same order wherever it is taken), NaN if the norm is (torch.clamp keeps
// NaN). Every invocation of the workgroup must call it.
fn clipCoefficient(lid: u32) -> f32 {
  var partial = 0.0;
  for (var i = lid; i < c.partials; i += WG) { partial += S[i]; }
  let norm = sqrt(reduceWorkgroup(lid, partial));
  return min_nan(c.clip / (norm + 1e-6), 1.0);
}

// Training where the norm has a kernel of its own (NORM_KERNEL: CPU drivers, where 140 Adam
// workgroups each summing the partials cost more than a dispatch): the coefficient to
// S[partials]. One workgroup.
@compute @workgroup_size(WG)
fn train_norm(@builtin(local_invocation_index) lid: u32) {
  let coef = clipCoefficient(lid);
  if (lid == 0u) { S[c.partials] = coef; }
}

// Training, 3 of 3: clip_grad_norm_, Adam and the weight average over all packed parameters, ADAM_PER_THREAD
// elements a thread (strided by the grid); keeps W2ᵀ, W3ᵀ current. Each workgroup first takes
// the clipping coefficient (clipCoefficient, or from train_norm with NORM_KERNEL).
// Workgroups: ⌈total / (WG·ADAM_PER_THREAD)⌉.
const ADAM_PER_THREAD: u32 = 4u;
@compute @workgroup_size(WG)
fn train_adam(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  var coef: f32;
  if (NORM_KERNEL) { coef = S[c.partials]; } else { coef = clipCoefficient(lid); }
  let stride = nwg.x * WG;
  for (var q = 0u; q < ADAM_PER_THREAD; q++) {
    let i = gid.x + q * stride;
    if (i >= c.total) { return; }
    let grad = G[i] * coef;
    G[i] = grad;
    let m = M[i] * c.beta1 + c.oneMinusBeta1 * grad;
    let v = V[i] * c.beta2 + (c.oneMinusBeta2 * grad) * grad;
    M[i] = m;
    V[i] = v;
    let p = P[i] + (-s.stepSize * m) / (sqrt(v) / s.bc2Sqrt + c.eps);
    P[i] = p;
    if (EMA) { A[i] = A[i] * s.emaDecay + p * s.emaShare; }  // Backend.averageInPlace's order
    if (i >= c.oW2 && i < c.oW2 + H * H) {
      let e = i - c.oW2;
      W[c.wW2T + (e % H) * H + e / H] = p;
    }
    if (i >= c.oW3 && i < c.oW3 + H * H) {
      let e = i - c.oW3;
      W[c.wW3T + (e % H) * H + e / H] = p;
    }
  }
}

// Sampling (ddpm/sample.ts, same operations in the same order): reverse step `step` (row `step`
// of the table at c.wSteps) for the workgroup's rows r0 … r0+ROWS−1, held in rowX from the first
// step of a run to the last: ε = ε_θ(x, t), z ~ N(0, I) at `noise`, then
//   tutorial  x ← (x − k1·ε) / k2 + k3·z
//   ddpm      x̂0 = k1·x − k2·ε (clamped if clipOn); x ← k3·x̂0 + k4·x + k5·z
//   ddim      x̂0 = (x − k1·ε) / k2;                  x ← k3·x̂0 + k4·ε + k5·z
// b: this invocation's row (rows past the end repeat the last one and are not written).
// The form is the row's `kind` (ddpm/fused/program.ts REVERSE_STEP_KINDS, checked against these):
const KIND_TUTORIAL: u32 = 0u;
const KIND_DDPM: u32 = 1u;
const KIND_DDIM: u32 = 2u;
fn reverseStep(step: u32, noise: u32, r0: u32, b: u32, lid: u32) {
  let at = c.wSteps + REVERSE_STEP_FLOATS * step;
  if (lid < ROWS) { rowT[lid] = u32(W[at + RS_T]); }
  workgroupBarrier();
  hiddenLayers(lid, r0, false);
  if (lid < 2u * ROWS) { rowE[lid >> 1u][lid & 1u] = outputLayer(lid >> 1u, lid & 1u); }
  workgroupBarrier();
  if (lid < ROWS) {
    let x = rowX[lid];
    let eps = rowE[lid];
    let z = normalRow(noise, b);
    let kind = u32(W[at + RS_KIND]);
    let k1 = W[at + RS_K1];
    let k2 = W[at + RS_K2];
    let k3 = W[at + RS_K3];
    let k4 = W[at + RS_K4];
    let k5 = W[at + RS_K5];
    var out: vec2<f32>;
    if (kind == KIND_TUTORIAL) {
      out = (x - eps * k1) / k2 + z * k3;
    } else if (kind == KIND_DDPM) {
      var x0 = x * k1 - eps * k2;
      if (W[at + RS_CLIPON] == 1.0) { x0 = clamp_nan2(x0, vec2<f32>(-W[at + RS_CLIPX0]), vec2<f32>(W[at + RS_CLIPX0])); }
      out = x0 * k3 + x * k4 + z * k5;
    } else {  // KIND_DDIM
      let x0 = (x - eps * k1) / k2;
      out = x0 * k3 + eps * k4 + z * k5;
    }
    rowX[lid] = out;
  }
}

// The workgroup's first row (2-D grids when beyond the per-dimension limit).
fn firstRow(wid: vec3<u32>, nwg: vec3<u32>) -> u32 { return (wid.y * nwg.x + wid.x) * ROWS; }

fn loadRows(b: u32, lid: u32) {
  if (lid < ROWS) { rowX[lid] = vec2<f32>(X[2u * b], X[2u * b + 1u]); }
}

fn storeRows(r0: u32, b: u32, lid: u32) {
  if (lid < ROWS && r0 + lid < c.n) {
    X[2u * b] = rowX[lid].x;
    X[2u * b + 1u] = rowX[lid].y;
  }
}

// Sampling, a run in one dispatch: steps stepFirst … stepFirst + stepCount − 1, the noise of
// step stepFirst + i at noiseOffset + i. Points need no barrier between them, so a workgroup
// takes its rows through every step. Workgroups: ⌈n / ROWS⌉.
@compute @workgroup_size(WG)
fn sample_steps(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let r0 = firstRow(wid, nwg);
  if (r0 >= c.n) { return; }
  let b = min(r0 + lid, c.n - 1u);
  loadRows(b, lid);
  for (var i = 0u; i < s.stepCount; i++) { reverseStep(s.stepFirst + i, s.noiseOffset + i, r0, b, lid); }
  storeRows(r0, b, lid);
}

// Sampling, one step a dispatch (step stepFirst, noise at noiseOffset): for CPU drivers, where a
// loop around workgroup barriers costs more than a dispatch (ddpm/fused/ FusedSplit).
@compute @workgroup_size(WG)
fn sample_step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let r0 = firstRow(wid, nwg);
  if (r0 >= c.n) { return; }
  let b = min(r0 + lid, c.n - 1u);
  loadRows(b, lid);
  reverseStep(s.stepFirst, s.noiseOffset, r0, b, lid);
  storeRows(r0, b, lid);
}
