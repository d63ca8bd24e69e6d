// Generated from mlp-sample-subgroup.wgsl by scripts/wgsl-modules.mjs (npm run wgsl): edit the .wgsl file.
const source: string = `// Sampling for CPU drivers whose subgroups are 8 lanes wide (lavapipe on AVX2): the reverse
// steps of mlp-diffusion.wgsl's sample_steps / sample_step, the same operations in the same
// order, as kernels whose workgroup is one subgroup. Appended to mlp-diffusion.wgsl (whose
// declarations and helpers it uses) where ddpm/fused/program.ts moduleCode is asked for it; the
// module then starts with \`enable subgroups;\`. The host picks it only where the device has the
// subgroups feature and the adapter's subgroups are exactly 8 lanes (ddpm/fused/ FusedSplit).
//
// Why: a CPU driver runs the 8 lanes of a subgroup as one SIMD vector, and every load from a
// storage buffer or workgroup memory is a gather, one per vector, whether the lanes' addresses
// differ or not. sample_step's threads each own a column and 16 rows: per step of k, one load of
// the weight and four vec4 loads of the rows' activations (the same address in every lane) for
// 16 multiply-adds. Here the workgroup's 8 lanes own SG_ROWS = 16 rows, and a pass covers 64
// output columns, lane l the 8 columns j0 + l + 8q (as shaders/matmul-subgroup.wgsl): per step of
// k each lane loads its 8 weights and the activations of SG_RPL = 2 rows (l and 8 + l), and
// subgroupBroadcast hands each row's value to every lane: 10 gathers for 128 multiply-adds.
// The rows' x_t stay in the lanes' registers from the first step of a run to the last (lane l:
// rows l and 8 + l), and all rows of a step share its t, so the embedding is one load a column.
//
// On lavapipe (Mesa 25.0.7, 2 cores shared with other work) 10 000 points × 100 steps took
// 2.5–3.5× less time than with sample_step, alternating in one process (5.3 s against 13.4 s in
// the quietest round; 4.1 s at best alone); 16 columns a lane measured the same within noise,
// 32 rows a workgroup (256 accumulators a lane) far slower (32 s for 1 000 points against 0.6 s).
// Compiling it takes lavapipe about 10 s more than sample_step (Mesa's shader cache keeps it).
// SG_ROWS is also the host's (ddpm/fused/sampling.ts SUBGROUP_ROWS).
//
// Every element is summed over k = 0, 1, …, H−1 in order, one multiply-add at a time, and the
// bias and embedding added after, as in hiddenLayer and outputLayer, so both kernels give the
// same bits (test/ddpm/fused.test.ts). Columns past H are clamped for the loads and not written;
// rows past n repeat the last point and are not written.

const SG_LANES: u32 = 8u;   // the subgroup, and the workgroup
const SG_RPL: u32 = 2u;     // rows per lane
const SG_ROWS: u32 = SG_LANES * SG_RPL;  // rows a workgroup takes through the steps
const SG_COLS: u32 = 8u;    // columns per lane in a pass: a pass covers SG_LANES·SG_COLS = 64

// Activation tiles: element (r, k) of the workgroup's rows at [k·SG_ROWS + r].
var<workgroup> sgA: array<f32, H * SG_ROWS>;
var<workgroup> sgB: array<f32, H * SG_ROWS>;

// relu(NaN) = NaN (relu4's rule)
fn sgRelu(v: f32) -> f32 { return select(max(v, 0.0), v, is_nan(v)); }

// acc[r][q] += s · wv[q]: one row of the lane's block, s that row's activation
fn sgAccumulate(acc: ptr<function, array<array<f32, SG_COLS>, SG_ROWS>>, r: u32, s: f32, wv: array<f32, SG_COLS>) {
  for (var q = 0u; q < SG_COLS; q++) { (*acc)[r][q] += s * wv[q]; }
}

// dst[r, j] = relu(Σ_k src[r, k]·Wᵀ[k, j] + b[j] + E[t, j]) for the workgroup's rows.
fn sgHiddenLayer(src: ptr<workgroup, array<f32, H * SG_ROWS>>, dst: ptr<workgroup, array<f32, H * SG_ROWS>>,
                 wT: u32, ob: u32, oE: u32, t: u32, lane: u32) {
  for (var j0 = 0u; j0 < H; j0 += SG_LANES * SG_COLS) {
    var cols: array<u32, SG_COLS>;
    for (var q = 0u; q < SG_COLS; q++) { cols[q] = min(j0 + lane + SG_LANES * q, H - 1u); }
    var acc: array<array<f32, SG_COLS>, SG_ROWS>;
    for (var r = 0u; r < SG_ROWS; r++) {
      for (var q = 0u; q < SG_COLS; q++) { acc[r][q] = 0.0; }
    }
    for (var k = 0u; k < H; k++) {
      var wv: array<f32, SG_COLS>;
      for (var q = 0u; q < SG_COLS; q++) { wv[q] = W[wT + k * H + cols[q]]; }
      // Row 8i + l's activation is lane l's a[i]: broadcast lane ids must be constants.
      for (var i = 0u; i < SG_RPL; i++) {
        let a = (*src)[k * SG_ROWS + SG_LANES * i + lane];
        sgAccumulate(&acc, SG_LANES * i, subgroupBroadcast(a, 0u), wv);
        sgAccumulate(&acc, SG_LANES * i + 1u, subgroupBroadcast(a, 1u), wv);
        sgAccumulate(&acc, SG_LANES * i + 2u, subgroupBroadcast(a, 2u), wv);
        sgAccumulate(&acc, SG_LANES * i + 3u, subgroupBroadcast(a, 3u), wv);
        sgAccumulate(&acc, SG_LANES * i + 4u, subgroupBroadcast(a, 4u), wv);
        sgAccumulate(&acc, SG_LANES * i + 5u, subgroupBroadcast(a, 5u), wv);
        sgAccumulate(&acc, SG_LANES * i + 6u, subgroupBroadcast(a, 6u), wv);
        sgAccumulate(&acc, SG_LANES * i + 7u, subgroupBroadcast(a, 7u), wv);
      }
    }
    for (var q = 0u; q < SG_COLS; q++) {
      let j = j0 + lane + SG_LANES * q;
      if (j < H) {
        let bias = P[ob + j];
        let e = P[oE + t * H + j];
        for (var r = 0u; r < SG_ROWS; r++) { (*dst)[j * SG_ROWS + r] = sgRelu(acc[r][q] + bias + e); }
      }
    }
  }
}

// A reverse step of rows \`row\` (lane's lo) and \`row + 8\` (hi) given x and ε (as reverseStep).
fn sgUpdate(at: u32, x: vec2<f32>, eps: vec2<f32>, z: vec2<f32>) -> vec2<f32> {
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
  return out;
}

// Reverse step \`step\` (noise at \`noise\`) of the workgroup's rows: lane l's rows 8i + l, i < SG_RPL,
// their points bs[i], x in xs[i].
fn sgReverseStep(step: u32, noise: u32, bs: array<u32, SG_RPL>, xs: ptr<function, array<vec2<f32>, SG_RPL>>, lane: u32) {
  let at = c.wSteps + REVERSE_STEP_FLOATS * step;
  let t = u32(W[at + RS_T]);
  // Layer 1: h1[r, j] = relu(x[r]·W1[j]ᵀ + b1[j] + E1[t, j]) into sgA.
  let x = *xs;
  for (var j0 = 0u; j0 < H; j0 += SG_LANES) {
    let j = j0 + lane;
    let jc = min(j, H - 1u);
    let w0 = P[c.oW1 + 2u * jc];
    let w1 = P[c.oW1 + 2u * jc + 1u];
    let bias = P[c.ob1 + jc];
    let e = P[c.oE1 + t * H + jc];
    var h: array<f32, SG_ROWS>;
    for (var i = 0u; i < SG_RPL; i++) {
      for (var r = 0u; r < SG_LANES; r++) {
        let xr = subgroupShuffle(x[i], r);
        h[SG_LANES * i + r] = sgRelu(xr.x * w0 + xr.y * w1 + bias + e);
      }
    }
    if (j < H) {
      for (var r = 0u; r < SG_ROWS; r++) { sgA[j * SG_ROWS + r] = h[r]; }
    }
  }
  workgroupBarrier();
  sgHiddenLayer(&sgA, &sgB, c.wW2T, c.ob2, c.oE2, t, lane);
  workgroupBarrier();
  sgHiddenLayer(&sgB, &sgA, c.wW3T, c.ob3, c.oE3, t, lane);
  workgroupBarrier();
  // ε_θ[r, cc] = Σ_j h3[r, j]·W4[cc, j] + b4[cc] for the lane's rows (as outputLayer).
  var eps: array<vec2<f32>, SG_RPL>;
  for (var i = 0u; i < SG_RPL; i++) { eps[i] = vec2<f32>(0.0); }
  for (var j = 0u; j < H; j++) {
    let w = vec2<f32>(P[c.oW4 + j], P[c.oW4 + H + j]);
    for (var i = 0u; i < SG_RPL; i++) {
      let h = sgA[j * SG_ROWS + SG_LANES * i + lane];
      eps[i].x += h * w.x;
      eps[i].y += h * w.y;
    }
  }
  let b4 = vec2<f32>(P[c.ob4], P[c.ob4 + 1u]);
  workgroupBarrier();  // sgA is the next step's layer 1 output
  for (var i = 0u; i < SG_RPL; i++) {
    (*xs)[i] = sgUpdate(at, x[i], vec2<f32>(eps[i].x + b4.x, eps[i].y + b4.y), normalRow(noise, bs[i]));
  }
}

// The lane's rows' points: r0 + 8i + lane, past the end the last point.
fn sgRows(r0: u32, lane: u32) -> array<u32, SG_RPL> {
  var bs: array<u32, SG_RPL>;
  for (var i = 0u; i < SG_RPL; i++) { bs[i] = min(r0 + SG_LANES * i + lane, c.n - 1u); }
  return bs;
}

fn sgLoad(bs: array<u32, SG_RPL>) -> array<vec2<f32>, SG_RPL> {
  var xs: array<vec2<f32>, SG_RPL>;
  for (var i = 0u; i < SG_RPL; i++) { xs[i] = vec2<f32>(X[2u * bs[i]], X[2u * bs[i] + 1u]); }
  return xs;
}

fn sgStore(r0: u32, lane: u32, bs: array<u32, SG_RPL>, xs: array<vec2<f32>, SG_RPL>) {
  for (var i = 0u; i < SG_RPL; i++) {
    if (r0 + SG_LANES * i + lane < c.n) { X[2u * bs[i]] = xs[i].x; X[2u * bs[i] + 1u] = xs[i].y; }
  }
}

// As sample_steps (a run of steps in one dispatch). Workgroups: ⌈n / SG_ROWS⌉.
@compute @workgroup_size(SG_LANES)
fn sample_steps_sg(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(subgroup_invocation_id) lane: u32) {
  let r0 = (wid.y * nwg.x + wid.x) * SG_ROWS;
  if (r0 >= c.n) { return; }
  let bs = sgRows(r0, lane);
  var xs = sgLoad(bs);
  for (var i = 0u; i < s.stepCount; i++) { sgReverseStep(s.stepFirst + i, s.noiseOffset + i, bs, &xs, lane); }
  sgStore(r0, lane, bs, xs);
}

// As sample_step (one step a dispatch). Workgroups: ⌈n / SG_ROWS⌉.
@compute @workgroup_size(SG_LANES)
fn sample_step_sg(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(subgroup_invocation_id) lane: u32) {
  let r0 = (wid.y * nwg.x + wid.x) * SG_ROWS;
  if (r0 >= c.n) { return; }
  let bs = sgRows(r0, lane);
  var xs = sgLoad(bs);
  sgReverseStep(s.stepFirst, s.noiseOffset, bs, &xs, lane);
  sgStore(r0, lane, bs, xs);
}
`;
export default source;
