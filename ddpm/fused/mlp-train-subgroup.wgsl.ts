// Generated from mlp-train-subgroup.wgsl by scripts/wgsl-modules.mjs (npm run wgsl): edit the .wgsl file.
const source: string = `// Training's kernels for CPU drivers whose subgroups are 8 lanes wide (lavapipe on AVX2):
// train_rows_sg, mlp-diffusion.wgsl's train_rows (q_sample, forward, loss terms, the gradients at
// every pre-activation), and train_dw_sg, train_grads' dW2 and dW3 (below), with the same
// operations in the same order, as kernels whose workgroup is one subgroup, laid out as mlp-sample-subgroup.wgsl's sampling kernels (whose constants, tiles sgA,
// sgB and helpers it uses: ddpm/fused/program.ts moduleCode appends both after mlp-diffusion.wgsl,
// the module then starting with \`enable subgroups;\`). The host picks it only where the device has
// the subgroups feature and the adapter's subgroups are exactly 8 lanes (ddpm/fused/ FusedSplit
// trainSubgroups).
//
// Why (as for sampling): a CPU driver runs a subgroup's 8 lanes as one SIMD vector and every load
// is a gather per vector. train_rows' threads each own a column and 8 rows: per step of k one
// weight load and two vec4 loads of activations for 8 multiply-adds. Here the 8 lanes own
// SG_ROWS = 16 rows, and a pass covers 64 columns, lane l the 8 columns j0 + l + 8q, forward
// (Wᵀ from the work buffer) and backward (W from the parameters) alike: per step of k, 8 weight
// loads and 2 activation loads, subgroupBroadcast handing each row's value to every lane, for 128
// multiply-adds. The rows' x_t, t, ε and ∂loss/∂ε_θ stay in the lanes' registers (lane l: rows l
// and 8 + l); every lane takes all 16 rows' t once, for the embeddings. The backward pass reads
// h1, h2 back from the work buffer, written by the same lane (a lane's columns are the same
// forward and back).
//
// On lavapipe (Mesa 25.0.7, 2 AMD EPYC cores shared with other work), the S-curve step (batch
// 128, H 128; bench --engines ours-webgpu,jax-js-webgpu --profile --quick --no-matmul --samples
// 1000, alternating with the build before these kernels, two rounds each): train_rows 3.4–4.1 ms
// a step, train_rows_sg 1.7 ms; train_grads 1.7–2.1 ms, train_dw_sg 0.69 ms + train_grads' rest
// 0.59 ms; the step 127–131 steps/s against 264–285, 2.5–2.8× jax-js-webgpu's against 5.3–6.3×.
// (Before train_dw_sg, train_rows_sg alone: 175–205 steps/s against 107–111, alternating too.)
//
// Every element is summed over k (or j) = 0, 1, …, H−1 in order, one multiply-add at a time, and
// the epilogue's additions are train_rows' in its order (acc + bias + E[t]; d0·w0 + d1·w1; the
// output's acc + b4, its −2·diff / (2·rows)), so both kernels give the same bits
// (test/ddpm/fused.test.ts). Rows are padded to a multiple of SG_ROWS in the work buffer
// (ddpm/fused/training.ts); padding rows compute as train_rows' do (x = 0, t = 0, ε = 0, and
// ∂loss/∂ε_θ = 0) and train_grads never reads them. Columns past H are clamped for the loads and
// not written.

// acc[r][q] += s · wv[q] for the 8 rows of lanes 0…7 in a (row 8i + l: lane l's a) — lane ids of
// a broadcast must be constants.
fn sgAccumulate8(acc: ptr<function, array<array<f32, SG_COLS>, SG_ROWS>>, i: u32, a: f32, wv: array<f32, SG_COLS>) {
  sgAccumulate(acc, SG_LANES * i, subgroupBroadcast(a, 0u), wv);
  sgAccumulate(acc, SG_LANES * i + 1u, subgroupBroadcast(a, 1u), wv);
  sgAccumulate(acc, SG_LANES * i + 2u, subgroupBroadcast(a, 2u), wv);
  sgAccumulate(acc, SG_LANES * i + 3u, subgroupBroadcast(a, 3u), wv);
  sgAccumulate(acc, SG_LANES * i + 4u, subgroupBroadcast(a, 4u), wv);
  sgAccumulate(acc, SG_LANES * i + 5u, subgroupBroadcast(a, 5u), wv);
  sgAccumulate(acc, SG_LANES * i + 6u, subgroupBroadcast(a, 6u), wv);
  sgAccumulate(acc, SG_LANES * i + 7u, subgroupBroadcast(a, 7u), wv);
}

// The lane's columns of the pass at j0 (clamped to H − 1 for loads).
fn sgCols(j0: u32, lane: u32) -> array<u32, SG_COLS> {
  var cols: array<u32, SG_COLS>;
  for (var q = 0u; q < SG_COLS; q++) { cols[q] = min(j0 + lane + SG_LANES * q, H - 1u); }
  return cols;
}

// dst[r, j] = relu(Σ_k src[r, k]·Wᵀ[k, j] + b[j] + E[t_r, j]) for the workgroup's rows (Wᵀ in the
// work buffer at wT), also to W[saveAt + r·H + j] (as hiddenLayer).
fn sgTrainHidden(src: ptr<workgroup, array<f32, H * SG_ROWS>>, dst: ptr<workgroup, array<f32, H * SG_ROWS>>,
                 wT: u32, ob: u32, oE: u32, ts: array<u32, SG_ROWS>, saveAt: u32, lane: u32) {
  for (var j0 = 0u; j0 < H; j0 += SG_LANES * SG_COLS) {
    let cols = sgCols(j0, lane);
    var acc: array<array<f32, SG_COLS>, SG_ROWS>;
    for (var r = 0u; r < SG_ROWS; r++) {
      for (var q = 0u; q < SG_COLS; q++) { acc[r][q] = 0.0; }
    }
    for (var k = 0u; k < H; k++) {
      var wv: array<f32, SG_COLS>;
      for (var q = 0u; q < SG_COLS; q++) { wv[q] = W[wT + k * H + cols[q]]; }
      for (var i = 0u; i < SG_RPL; i++) { sgAccumulate8(&acc, i, (*src)[k * SG_ROWS + SG_LANES * i + lane], wv); }
    }
    for (var q = 0u; q < SG_COLS; q++) {
      let j = j0 + lane + SG_LANES * q;
      if (j < H) {
        let bias = P[ob + j];
        for (var r = 0u; r < SG_ROWS; r++) {
          let h = sgRelu(acc[r][q] + bias + P[oE + ts[r] * H + j]);
          (*dst)[j * SG_ROWS + r] = h;
          W[saveAt + r * H + j] = h;
        }
      }
    }
  }
}

// dst[r, k] = Σ_j src[r, j]·Wl[j, k] where h[r, k] passes ReLU's gradient, else 0 (Wl in the
// parameters at oW, h at W[hAt + r·H + k]); also to W[gAt + r·H + k] (as backLayer).
fn sgTrainBack(src: ptr<workgroup, array<f32, H * SG_ROWS>>, dst: ptr<workgroup, array<f32, H * SG_ROWS>>,
               oW: u32, hAt: u32, gAt: u32, lane: u32) {
  for (var k0 = 0u; k0 < H; k0 += SG_LANES * SG_COLS) {
    let cols = sgCols(k0, lane);
    var acc: array<array<f32, SG_COLS>, SG_ROWS>;
    for (var r = 0u; r < SG_ROWS; r++) {
      for (var q = 0u; q < SG_COLS; q++) { acc[r][q] = 0.0; }
    }
    for (var j = 0u; j < H; j++) {
      var wv: array<f32, SG_COLS>;
      for (var q = 0u; q < SG_COLS; q++) { wv[q] = P[oW + j * H + cols[q]]; }
      for (var i = 0u; i < SG_RPL; i++) { sgAccumulate8(&acc, i, (*src)[j * SG_ROWS + SG_LANES * i + lane], wv); }
    }
    for (var q = 0u; q < SG_COLS; q++) {
      let k = k0 + lane + SG_LANES * q;
      if (k < H) {
        for (var r = 0u; r < SG_ROWS; r++) {
          let h = W[hAt + r * H + k];
          let g = select(0.0, acc[r][q], h > 0.0 || is_nan(h));
          (*dst)[k * SG_ROWS + r] = g;
          W[gAt + r * H + k] = g;
        }
      }
    }
  }
}

// As train_rows: rows r0 … r0+SG_ROWS−1 of the batch, lane l rows l and 8 + l.
// Workgroups: ⌈batch / SG_ROWS⌉.
@compute @workgroup_size(SG_LANES)
fn train_rows_sg(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let r0 = wid.x * SG_ROWS;
  if (r0 >= s.rows) { return; }
  var xs: array<vec2<f32>, SG_RPL>;
  var tl: array<u32, SG_RPL>;
  var es: array<vec2<f32>, SG_RPL>;
  for (var i = 0u; i < SG_RPL; i++) {
    let b = r0 + SG_LANES * i + lane;
    var x = vec2<f32>(0.0);
    var t = 0u;
    var e = vec2<f32>(0.0);
    if (b < s.rows) {
      let p = permutationIndex(s.first + b, c.n, c.seed, c.stream, s.permOffset);
      t = trainTimestep(b);
      e = normalRow(s.noiseOffset, b);
      let x0 = vec2<f32>(X[2u * p], X[2u * p + 1u]);
      x = x0 * W[c.wSab + t] + e * W[c.wS1mab + t];   // q_sample
    }
    xs[i] = x;
    tl[i] = t;
    es[i] = e;
    W[c.wXt + 2u * b] = x.x;
    W[c.wXt + 2u * b + 1u] = x.y;
    W[c.wT + b] = f32(t);
  }
  // every row's t in every lane
  var ts: array<u32, SG_ROWS>;
  for (var i = 0u; i < SG_RPL; i++) {
    for (var r = 0u; r < SG_LANES; r++) { ts[SG_LANES * i + r] = subgroupShuffle(tl[i], r); }
  }
  // Layer 1: h1[r, j] = relu(x[r]·W1[j]ᵀ + b1[j] + E1[t_r, j]) into sgA.
  let hAt = r0 * H;
  for (var j0 = 0u; j0 < H; j0 += SG_LANES) {
    let j = j0 + lane;
    let jc = min(j, H - 1u);
    let w0 = P[c.oW1 + 2u * jc];
    let w1 = P[c.oW1 + 2u * jc + 1u];
    let bias = P[c.ob1 + jc];
    var h: array<f32, SG_ROWS>;
    for (var i = 0u; i < SG_RPL; i++) {
      for (var r = 0u; r < SG_LANES; r++) {
        let xr = subgroupShuffle(xs[i], r);
        let row = SG_LANES * i + r;
        h[row] = sgRelu(xr.x * w0 + xr.y * w1 + bias + P[c.oE1 + ts[row] * H + jc]);
      }
    }
    if (j < H) {
      for (var r = 0u; r < SG_ROWS; r++) {
        sgA[j * SG_ROWS + r] = h[r];
        W[c.wH1 + hAt + r * H + j] = h[r];
      }
    }
  }
  workgroupBarrier();
  sgTrainHidden(&sgA, &sgB, c.wW2T, c.ob2, c.oE2, ts, c.wH2 + hAt, lane);
  workgroupBarrier();
  sgTrainHidden(&sgB, &sgA, c.wW3T, c.ob3, c.oE3, ts, c.wH3 + hAt, lane);
  workgroupBarrier();
  // ε_θ[r, cc] = Σ_j h3[r, j]·W4[cc, j] + b4[cc] (as outputLayer); loss terms and ∂loss/∂ε_θ.
  var out: array<vec2<f32>, SG_RPL>;
  for (var i = 0u; i < SG_RPL; i++) { out[i] = vec2<f32>(0.0); }
  for (var j = 0u; j < H; j++) {
    let w = vec2<f32>(P[c.oW4 + j], P[c.oW4 + H + j]);
    for (var i = 0u; i < SG_RPL; i++) {
      let h = sgA[j * SG_ROWS + SG_LANES * i + lane];
      out[i].x += h * w.x;
      out[i].y += h * w.y;
    }
  }
  let b4 = vec2<f32>(P[c.ob4], P[c.ob4 + 1u]);
  var ds: array<vec2<f32>, SG_RPL>;
  for (var i = 0u; i < SG_RPL; i++) {
    let b = r0 + SG_LANES * i + lane;
    let valid = b < s.rows;
    let diff = vec2<f32>(es[i].x - (out[i].x + b4.x), es[i].y - (out[i].y + b4.y));
    let d = vec2<f32>(select(0.0, -2.0 * diff.x / f32(2u * s.rows), valid), select(0.0, -2.0 * diff.y / f32(2u * s.rows), valid));
    ds[i] = d;
    W[c.wDout + 2u * b] = d.x;
    W[c.wDout + 2u * b + 1u] = d.y;
    W[c.wSq + 2u * b] = select(0.0, diff.x * diff.x, valid);
    W[c.wSq + 2u * b + 1u] = select(0.0, diff.y * diff.y, valid);
  }
  // back through Linear(H, 2) and the last ReLU: g3 = dout·W4 where h3 passes, else 0 (into sgB)
  for (var j0 = 0u; j0 < H; j0 += SG_LANES) {
    let j = j0 + lane;
    let jc = min(j, H - 1u);
    let w0 = P[c.oW4 + jc];
    let w1 = P[c.oW4 + H + jc];
    var g: array<f32, SG_ROWS>;
    for (var i = 0u; i < SG_RPL; i++) {
      for (var r = 0u; r < SG_LANES; r++) {
        let dr = subgroupShuffle(ds[i], r);
        let row = SG_LANES * i + r;
        let h = sgA[jc * SG_ROWS + row];
        g[row] = select(0.0, dr.x * w0 + dr.y * w1, h > 0.0 || is_nan(h));
      }
    }
    if (j < H) {
      for (var r = 0u; r < SG_ROWS; r++) {
        sgB[j * SG_ROWS + r] = g[r];
        W[c.wG3 + hAt + r * H + j] = g[r];
      }
    }
  }
  workgroupBarrier();
  sgTrainBack(&sgB, &sgA, c.oW3, c.wH2 + hAt, c.wG2 + hAt, lane);
  workgroupBarrier();
  sgTrainBack(&sgA, &sgB, c.oW2, c.wH1 + hAt, c.wG1 + hAt, lane);
}

// ---- the weight gradients dW2, dW3 (train_grads' first 2·DWG jobs) ---------------------------
// Workgroup \`job\` < 2·DWG computes exactly train_grads' job: its WG threads' GB×GB blocks, which
// where the host picks this kernel (ddpm/fused/program.ts subgroupWeightGradients: H/GB divides
// WG, DWG whole, SGD_J a multiple of SG_ROWS; H 64 and 128 with GB 4) are the SGD_J whole rows
// j0 … j0+SGD_J−1 of dW. Lanes own columns as in the layers above (8 a lane, 64 a pass) and 16
// rows j at a time, g[r, j] broadcast: per row r, 8 + 2 loads for 128 multiply-adds (train_grads:
// 8 for 16). dW[j, k] = Σ_r g[r, j]·h[r, k], r = 0 … rows−1 in order, as train_grads. Then the
// job's norm partial S[job] in train_grads' order: each of its threads' Σ of its block's squares
// (q, then e), and reduceWorkgroup's tree over the WG threads. train_grads skips these jobs (DW_SG).
const SGD_J: u32 = GB * GB * WG / H;   // rows j of dW a job covers
var<workgroup> sgdTile: array<f32, SGD_J * H>;   // the job's dW rows
var<workgroup> sgdRed: array<f32, WG>;

@compute @workgroup_size(SG_LANES)
fn train_dw_sg(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let job = wid.x;
  let second = job >= DWG;
  let g = select(c.wG2, c.wG3, second);
  let h = select(c.wH1, c.wH2, second);
  let o = select(c.oW2, c.oW3, second);
  let jBase = (job % DWG) * SGD_J;
  let rows = s.rows;
  for (var jc = 0u; jc < SGD_J; jc += SG_ROWS) {
    for (var k0 = 0u; k0 < H; k0 += SG_LANES * SG_COLS) {
      let cols = sgCols(k0, lane);
      var acc: array<array<f32, SG_COLS>, SG_ROWS>;
      for (var r = 0u; r < SG_ROWS; r++) {
        for (var q = 0u; q < SG_COLS; q++) { acc[r][q] = 0.0; }
      }
      for (var r = 0u; r < rows; r++) {
        var hv: array<f32, SG_COLS>;
        for (var q = 0u; q < SG_COLS; q++) { hv[q] = W[h + r * H + cols[q]]; }
        for (var i = 0u; i < SG_RPL; i++) { sgAccumulate8(&acc, i, W[g + r * H + jBase + jc + SG_LANES * i + lane], hv); }
      }
      for (var q = 0u; q < SG_COLS; q++) {
        let k = k0 + lane + SG_LANES * q;
        if (k < H) {
          for (var r = 0u; r < SG_ROWS; r++) {
            G[o + (jBase + jc + r) * H + k] = acc[r][q];
            sgdTile[(jc + r) * H + k] = acc[r][q];
          }
        }
      }
    }
  }
  workgroupBarrier();
  // train_grads' thread t: the block at (j0, k0) of this job
  for (var t = lane; t < WG; t += SG_LANES) {
    let block = (job % DWG) * WG + t;
    let j0 = (block / HB) * GB - jBase;
    let k0 = (block % HB) * GB;
    var sq = 0.0;
    for (var q = 0u; q < GB; q++) {
      for (var e = 0u; e < GB; e++) { let v = sgdTile[(j0 + q) * H + k0 + e]; sq += v * v; }
    }
    sgdRed[t] = sq;
  }
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    for (var i = lane; i < stride; i += SG_LANES) { sgdRed[i] = sgdRed[i] + sgdRed[i + stride]; }
    workgroupBarrier();
  }
  if (lane == 0u) { S[job] = sgdRed[0]; }
}
`;
export default source;
