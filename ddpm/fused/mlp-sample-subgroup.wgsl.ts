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
// k each lane loads its 8 weights and the activations of two rows (l and 8 + l), and
// subgroupBroadcast hands each row's value to every lane: 10 gathers for 128 multiply-adds.
// The rows' x_t stay in the lanes' registers from the first step of a run to the last (lane l:
// rows l and 8 + l), and all rows of a step share its t, so the embedding is one load a column.
//
// Every element is summed over k = 0, 1, …, H−1 in order, one multiply-add at a time, and the
// bias and embedding added after, as in hiddenLayer and outputLayer, so both kernels give the
// same bits (test/ddpm/fused.test.ts). Columns past H are clamped for the loads and not written;
// rows past n repeat the last point and are not written.

const SG_LANES: u32 = 8u;   // the subgroup, and the workgroup
const SG_ROWS: u32 = 16u;   // rows a workgroup takes through the steps: two per lane
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
      let lo = (*src)[k * SG_ROWS + lane];
      let hi = (*src)[k * SG_ROWS + SG_LANES + lane];
      // Row r's activation is lane (r mod 8)'s lo or hi: broadcast lane ids must be constants.
      sgAccumulate(&acc, 0u, subgroupBroadcast(lo, 0u), wv);
      sgAccumulate(&acc, 1u, subgroupBroadcast(lo, 1u), wv);
      sgAccumulate(&acc, 2u, subgroupBroadcast(lo, 2u), wv);
      sgAccumulate(&acc, 3u, subgroupBroadcast(lo, 3u), wv);
      sgAccumulate(&acc, 4u, subgroupBroadcast(lo, 4u), wv);
      sgAccumulate(&acc, 5u, subgroupBroadcast(lo, 5u), wv);
      sgAccumulate(&acc, 6u, subgroupBroadcast(lo, 6u), wv);
      sgAccumulate(&acc, 7u, subgroupBroadcast(lo, 7u), wv);
      sgAccumulate(&acc, 8u, subgroupBroadcast(hi, 0u), wv);
      sgAccumulate(&acc, 9u, subgroupBroadcast(hi, 1u), wv);
      sgAccumulate(&acc, 10u, subgroupBroadcast(hi, 2u), wv);
      sgAccumulate(&acc, 11u, subgroupBroadcast(hi, 3u), wv);
      sgAccumulate(&acc, 12u, subgroupBroadcast(hi, 4u), wv);
      sgAccumulate(&acc, 13u, subgroupBroadcast(hi, 5u), wv);
      sgAccumulate(&acc, 14u, subgroupBroadcast(hi, 6u), wv);
      sgAccumulate(&acc, 15u, subgroupBroadcast(hi, 7u), wv);
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

// Reverse step \`step\` (noise at \`noise\`) of the workgroup's rows: lane's rows bLo, bHi (their
// points' indices), x in xs[0] (row lane) and xs[1] (row 8 + lane).
fn sgReverseStep(step: u32, noise: u32, bLo: u32, bHi: u32, xs: ptr<function, array<vec2<f32>, 2>>, lane: u32) {
  let at = c.wSteps + REVERSE_STEP_FLOATS * step;
  let t = u32(W[at + RS_T]);
  // Layer 1: h1[r, j] = relu(x[r]·W1[j]ᵀ + b1[j] + E1[t, j]) into sgA.
  let xLo = (*xs)[0];
  let xHi = (*xs)[1];
  for (var j0 = 0u; j0 < H; j0 += SG_LANES) {
    let j = j0 + lane;
    let jc = min(j, H - 1u);
    let w0 = P[c.oW1 + 2u * jc];
    let w1 = P[c.oW1 + 2u * jc + 1u];
    let bias = P[c.ob1 + jc];
    let e = P[c.oE1 + t * H + jc];
    var h: array<f32, SG_ROWS>;
    for (var r = 0u; r < SG_LANES; r++) {
      let lo = subgroupShuffle(xLo, r);
      let hi = subgroupShuffle(xHi, r);
      h[r] = sgRelu(lo.x * w0 + lo.y * w1 + bias + e);
      h[SG_LANES + r] = sgRelu(hi.x * w0 + hi.y * w1 + bias + e);
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
  var e0 = vec2<f32>(0.0);  // row lane: (cc 0, cc 1)
  var e1 = vec2<f32>(0.0);  // row 8 + lane
  for (var j = 0u; j < H; j++) {
    let hLo = sgA[j * SG_ROWS + lane];
    let hHi = sgA[j * SG_ROWS + SG_LANES + lane];
    let w = vec2<f32>(P[c.oW4 + j], P[c.oW4 + H + j]);
    e0.x += hLo * w.x;
    e0.y += hLo * w.y;
    e1.x += hHi * w.x;
    e1.y += hHi * w.y;
  }
  let b4 = vec2<f32>(P[c.ob4], P[c.ob4 + 1u]);
  e0.x = e0.x + b4.x;
  e0.y = e0.y + b4.y;
  e1.x = e1.x + b4.x;
  e1.y = e1.y + b4.y;
  workgroupBarrier();  // sgA is the next step's layer 1 output
  (*xs)[0] = sgUpdate(at, xLo, e0, normalRow(noise, bLo));
  (*xs)[1] = sgUpdate(at, xHi, e1, normalRow(noise, bHi));
}

// The lane's rows: r0 + lane and r0 + 8 + lane, past the end the last point.
fn sgRows(wid: vec3<u32>, nwg: vec3<u32>, lane: u32) -> vec2<u32> {
  let r0 = (wid.y * nwg.x + wid.x) * SG_ROWS;
  return vec2<u32>(min(r0 + lane, c.n - 1u), min(r0 + SG_LANES + lane, c.n - 1u));
}

fn sgLoad(b: vec2<u32>) -> array<vec2<f32>, 2> {
  return array<vec2<f32>, 2>(vec2<f32>(X[2u * b.x], X[2u * b.x + 1u]), vec2<f32>(X[2u * b.y], X[2u * b.y + 1u]));
}

fn sgStore(r0: u32, lane: u32, b: vec2<u32>, xs: array<vec2<f32>, 2>) {
  if (r0 + lane < c.n) { X[2u * b.x] = xs[0].x; X[2u * b.x + 1u] = xs[0].y; }
  if (r0 + SG_LANES + lane < c.n) { X[2u * b.y] = xs[1].x; X[2u * b.y + 1u] = xs[1].y; }
}

// As sample_steps (a run of steps in one dispatch). Workgroups: ⌈n / SG_ROWS⌉.
@compute @workgroup_size(SG_LANES)
fn sample_steps_sg(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(subgroup_invocation_id) lane: u32) {
  let r0 = (wid.y * nwg.x + wid.x) * SG_ROWS;
  if (r0 >= c.n) { return; }
  let b = sgRows(wid, nwg, lane);
  var xs = sgLoad(b);
  for (var i = 0u; i < s.stepCount; i++) { sgReverseStep(s.stepFirst + i, s.noiseOffset + i, b.x, b.y, &xs, lane); }
  sgStore(r0, lane, b, xs);
}

// As sample_step (one step a dispatch). Workgroups: ⌈n / SG_ROWS⌉.
@compute @workgroup_size(SG_LANES)
fn sample_step_sg(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(subgroup_invocation_id) lane: u32) {
  let r0 = (wid.y * nwg.x + wid.x) * SG_ROWS;
  if (r0 >= c.n) { return; }
  let b = sgRows(wid, nwg, lane);
  var xs = sgLoad(b);
  sgReverseStep(s.stepFirst, s.noiseOffset, b.x, b.y, &xs, lane);
  sgStore(r0, lane, b, xs);
}
`;
export default source;
