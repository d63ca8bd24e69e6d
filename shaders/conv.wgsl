// 2-D convolution (NCHW, groups = 1, as torch.nn.functional.conv2d) as three implicit GEMMs:
// each product reads the image and the output gradient where they lie, with the window's index
// arithmetic in the loads, so no rows buffer (im2col's KH·KW copies of the input) is ever made.
//   x [B, C, H, W], weight [O, C, KH, KW], y and dy [B, O, OH, OW]; window at (oh·S − P, ow·S − P)
//   forward_main       y[b, o, oh, ow]  = bias[o] + Σ_{c,i,j} x[b, c, oh·S − P + i, ow·S − P + j] · weight[o, c, i, j]
//                      GEMM: rows (b, oh, ow), columns o, sum over (c, i, j)
//   input_grad_main    dx[b, c, h, w]   = Σ_{i,j,o} dy[b, o, (h + P − i)/S, (w + P − j)/S] · weight[o, c, i, j]
//                      over the (i, j) where both quotients are whole and inside the output:
//                      rows (b, h, w), columns c, sum over (i, j, o) — a gather, no atomics
//   weight_grad_main   part[z, o, (c·KH + i)·KW + j] = Σ_{positions of slice z} dy[b, o, oh, ow] · x[b, c, oh·S − P + i, ow·S − P + j]
//                      rows o, columns (c, i, j), the sum over positions (b, oh, ow) cut into
//                      slices of `sliceLen` output rows (b, oh), one per dispatch z (a split K:
//                      few rows and columns, many positions); the host sums the slices (reduce.wgsl)
// Register blocking as matmul.wgsl's, the kernel measured fastest on CPU drivers (the host runs it
// on those without subgroups of 8; conv-tiled.wgsl on GPUs, conv-subgroup.wgsl where subgroups are 8 lanes): each thread
// an 8 × 8 block of its GEMM's output (8 rows × two vec4 of columns), an 8 × 8 workgroup a
// 64 × 64 tile, no workgroup memory. Rows and columns past the edge are clamped for the loads
// (their results discarded); a window's pixel in the padding is read clamped and replaced by 0
// (a select, so a NaN or Inf there never leaks in). The loops put the window's index arithmetic
// outside the innermost loop, so that loop reads, multiplies and adds and little else. Every sum runs in a fixed order. The host
// checks the shapes (engine/ops/conv.ts): every index here is in range.

struct Params {
  batch: u32,
  channels: u32,     // C
  height: u32,
  width: u32,
  outChannels: u32,  // O
  kernelH: u32,
  kernelW: u32,
  stride: u32,
  padding: u32,
  outH: u32,
  outW: u32,
  sliceLen: u32,     // weight_grad_main: output rows (b, oh) per slice
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;  // y, dx or the weight gradient's slices
// Each entry point binds only the storages it reads.
@group(0) @binding(2) var<storage, read> x: array<f32>;          // forward, weight grad
@group(0) @binding(3) var<storage, read> dy: array<f32>;         // input grad, weight grad
@group(0) @binding(4) var<storage, read> weight: array<f32>;     // forward, input grad
@group(0) @binding(5) var<storage, read> bias: array<f32>;       // [O], forward; a dummy when !HAS_BIAS

override HAS_BIAS: bool = false;

// Eight column indices from col0, clamped to n − 1: the two vec4 of a thread's block.
fn columns(col0: u32, n: u32) -> array<vec4<u32>, 2> {
  let last = vec4<u32>(n - 1u);
  return array<vec4<u32>, 2>(min(vec4<u32>(col0, col0 + 1u, col0 + 2u, col0 + 3u), last),
                             min(vec4<u32>(col0 + 4u, col0 + 5u, col0 + 6u, col0 + 7u), last));
}

// y [B, O, OH, OW]
@compute @workgroup_size(8, 8)
fn forward_main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let positions = u.outH * u.outW;
  let m = u.batch * positions;
  let row0 = gid.y * 8u;
  let col0 = gid.x * 8u;
  if (row0 >= m || col0 >= u.outChannels) { return; }
  let plane = u.height * u.width;
  var xBase: array<u32, 8>;   // b·C·H·W
  var top: array<i32, 8>;     // oh·S − P
  var left: array<i32, 8>;    // ow·S − P
  for (var r = 0u; r < 8u; r++) {
    let row = min(row0 + r, m - 1u);
    let b = row / positions;
    let at = row % positions;
    xBase[r] = b * u.channels * plane;
    top[r] = i32((at / u.outW) * u.stride) - i32(u.padding);
    left[r] = i32((at % u.outW) * u.stride) - i32(u.padding);
  }
  let cols = columns(col0, u.outChannels);
  let window = u.channels * u.kernelH * u.kernelW;
  let wL = cols[0] * window;
  let wR = cols[1] * window;

  var accL: array<vec4<f32>, 8>;
  var accR: array<vec4<f32>, 8>;
  // Taps outside, channels inside: a tap's pixel offset and whether it lies in the padding are
  // worked out once per row, and the channel loop only steps through planes.
  let taps = u.kernelH * u.kernelW;
  for (var i = 0u; i < u.kernelH; i++) {
    for (var j = 0u; j < u.kernelW; j++) {
      var at: array<u32, 8>;
      var inside: array<bool, 8>;
      for (var r = 0u; r < 8u; r++) {
        let h = top[r] + i32(i);
        let w = left[r] + i32(j);
        inside[r] = h >= 0 && w >= 0 && h < i32(u.height) && w < i32(u.width);
        at[r] = xBase[r] + u32(clamp(h, 0, i32(u.height) - 1)) * u.width + u32(clamp(w, 0, i32(u.width) - 1));
      }
      var p = i * u.kernelW + j;  // (c·KH + i)·KW + j
      for (var c = 0u; c < u.channels; c++) {
        let bL = vec4<f32>(weight[wL.x + p], weight[wL.y + p], weight[wL.z + p], weight[wL.w + p]);
        let bR = vec4<f32>(weight[wR.x + p], weight[wR.y + p], weight[wR.z + p], weight[wR.w + p]);
        let plane0 = c * plane;
        for (var r = 0u; r < 8u; r++) {
          let av = select(0.0, x[at[r] + plane0], inside[r]);
          accL[r] += av * bL;
          accR[r] += av * bR;
        }
        p += taps;
      }
    }
  }

  var biasL = vec4<f32>(0.0);
  var biasR = vec4<f32>(0.0);
  if (HAS_BIAS) {
    biasL = vec4<f32>(bias[cols[0].x], bias[cols[0].y], bias[cols[0].z], bias[cols[0].w]);
    biasR = vec4<f32>(bias[cols[1].x], bias[cols[1].y], bias[cols[1].z], bias[cols[1].w]);
  }
  for (var r = 0u; r < 8u; r++) {
    let row = row0 + r;
    if (row >= m) { break; }
    let base = (row / positions) * u.outChannels * positions + row % positions;  // y[b, 0, oh, ow]
    let vL = accL[r] + biasL;
    let vR = accR[r] + biasR;
    for (var q = 0u; q < 4u; q++) {
      if (col0 + q < u.outChannels) { out[base + (col0 + q) * positions] = vL[q]; }
      if (col0 + 4u + q < u.outChannels) { out[base + (col0 + 4u + q) * positions] = vR[q]; }
    }
  }
}

// dx [B, C, H, W]
@compute @workgroup_size(8, 8)
fn input_grad_main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let plane = u.height * u.width;
  let m = u.batch * plane;
  let row0 = gid.y * 8u;
  let col0 = gid.x * 8u;
  if (row0 >= m || col0 >= u.channels) { return; }
  let positions = u.outH * u.outW;
  var dyBase: array<u32, 8>;  // b·O·OH·OW
  var hP: array<i32, 8>;      // h + P
  var wP: array<i32, 8>;      // w + P
  for (var r = 0u; r < 8u; r++) {
    let row = min(row0 + r, m - 1u);
    let at = row % plane;
    dyBase[r] = (row / plane) * u.outChannels * positions;
    hP[r] = i32(at / u.width + u.padding);
    wP[r] = i32(at % u.width + u.padding);
  }
  let cols = columns(col0, u.channels);
  let taps = u.kernelH * u.kernelW;
  let wL = cols[0] * taps;
  let wR = cols[1] * taps;
  let oStride = u.channels * taps;  // weight[o + 1, c, i, j] − weight[o, c, i, j]
  let S = i32(u.stride);

  var accL: array<vec4<f32>, 8>;
  var accR: array<vec4<f32>, 8>;
  for (var i = 0u; i < u.kernelH; i++) {
    for (var j = 0u; j < u.kernelW; j++) {
      // Which output position (if any) saw pixel (h, w) through tap (i, j), per row.
      var at: array<u32, 8>;
      var seen: array<bool, 8>;
      for (var r = 0u; r < 8u; r++) {
        let oh = hP[r] - i32(i);
        let ow = wP[r] - i32(j);
        seen[r] = oh >= 0 && ow >= 0 && oh % S == 0 && ow % S == 0 && oh / S < i32(u.outH) && ow / S < i32(u.outW);
        at[r] = dyBase[r] + select(0u, u32(oh / S) * u.outW + u32(ow / S), seen[r]);
      }
      let tap = i * u.kernelW + j;
      for (var o = 0u; o < u.outChannels; o++) {
        let wo = o * oStride + tap;
        let bL = vec4<f32>(weight[wL.x + wo], weight[wL.y + wo], weight[wL.z + wo], weight[wL.w + wo]);
        let bR = vec4<f32>(weight[wR.x + wo], weight[wR.y + wo], weight[wR.z + wo], weight[wR.w + wo]);
        for (var r = 0u; r < 8u; r++) {
          let av = select(0.0, dy[at[r] + o * positions], seen[r]);
          accL[r] += av * bL;
          accR[r] += av * bR;
        }
      }
    }
  }

  for (var r = 0u; r < 8u; r++) {
    let row = row0 + r;
    if (row >= m) { break; }
    let base = (row / plane) * u.channels * plane + row % plane;  // dx[b, 0, h, w]
    for (var q = 0u; q < 4u; q++) {
      if (col0 + q < u.channels) { out[base + (col0 + q) * plane] = accL[r][q]; }
      if (col0 + 4u + q < u.channels) { out[base + (col0 + 4u + q) * plane] = accR[r][q]; }
    }
  }
}

// part [slices, O, C·KH·KW]
@compute @workgroup_size(8, 8)
fn weight_grad_main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let taps = u.kernelH * u.kernelW;
  let n = u.channels * taps;
  let row0 = gid.y * 8u;
  let col0 = gid.x * 8u;
  if (row0 >= u.outChannels || col0 >= n) { return; }
  let plane = u.height * u.width;
  let positions = u.outH * u.outW;
  // Each column's tap (c, i, j): its channel's offset in an image and its place in the window.
  let cols = columns(col0, n);
  var cOff: array<u32, 8>;
  var ti: array<i32, 8>;
  var tj: array<i32, 8>;
  for (var q = 0u; q < 8u; q++) {
    let col = cols[q / 4u][q % 4u];
    let tap = col % taps;
    cOff[q] = (col / taps) * plane;
    ti[q] = i32(tap / u.kernelW) - i32(u.padding);
    tj[q] = i32(tap % u.kernelW) - i32(u.padding);
  }
  var oRow: array<u32, 8>;    // o·OH·OW, clamped
  for (var r = 0u; r < 8u; r++) { oRow[r] = min(row0 + r, u.outChannels - 1u) * positions; }

  var accL: array<vec4<f32>, 8>;
  var accR: array<vec4<f32>, 8>;
  // Slice z: output rows (b, oh) from z·sliceLen on; along a row only w moves, so each column's
  // image row and whether it lies in the padding are worked out once per output row.
  let start = gid.z * u.sliceLen;
  let end = min(start + u.sliceLen, u.batch * u.outH);
  for (var bo = start; bo < end; bo++) {
    let b = bo / u.outH;
    let oh = bo % u.outH;
    let xb = b * u.channels * plane;
    var rowAt: array<u32, 8>;
    var rowInside: array<bool, 8>;
    for (var q = 0u; q < 8u; q++) {
      let h = i32(oh * u.stride) + ti[q];
      rowInside[q] = h >= 0 && h < i32(u.height);
      rowAt[q] = xb + cOff[q] + u32(clamp(h, 0, i32(u.height) - 1)) * u.width;
    }
    let dyRow = b * u.outChannels * positions + oh * u.outW;
    for (var ow = 0u; ow < u.outW; ow++) {
      var xs: array<f32, 8>;
      for (var q = 0u; q < 8u; q++) {
        let w = i32(ow * u.stride) + tj[q];
        let inside = rowInside[q] && w >= 0 && w < i32(u.width);
        xs[q] = select(0.0, x[rowAt[q] + u32(clamp(w, 0, i32(u.width) - 1))], inside);
      }
      let bL = vec4<f32>(xs[0], xs[1], xs[2], xs[3]);
      let bR = vec4<f32>(xs[4], xs[5], xs[6], xs[7]);
      for (var r = 0u; r < 8u; r++) {
        let av = dy[dyRow + oRow[r] + ow];
        accL[r] += av * bL;
        accR[r] += av * bR;
      }
    }
  }

  let base = gid.z * u.outChannels * n;
  for (var r = 0u; r < 8u; r++) {
    let row = row0 + r;
    if (row >= u.outChannels) { break; }
    for (var q = 0u; q < 4u; q++) {
      if (col0 + q < n) { out[base + row * n + col0 + q] = accL[r][q]; }
      if (col0 + 4u + q < n) { out[base + row * n + col0 + 4u + q] = accR[r][q]; }
    }
  }
}
