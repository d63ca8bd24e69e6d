// 2-D convolution's three implicit GEMMs (the same sums as conv.wgsl, whose header defines them)
// for CPU drivers whose subgroups are 8 lanes wide (lavapipe on AVX2), laid out as
// matmul-subgroup.wgsl: a workgroup is one subgroup and owns a 16-row tile of its GEMM's output,
// lane l the 16 rows × COLS columns col0 + l + 8q. Per step of the sum each lane loads its COLS
// values of the column operand and the row operand's value for two rows (row0 + l and
// row0 + 8 + l), and subgroupBroadcast hands each row's value to every lane. The row operand is
// the one whose loads cost index arithmetic (a window's pixel, which may lie in the padding), so
// each lane works out two of those per step instead of every lane all sixteen:
//   forward_main       rows (b, oh, ow), columns o, the sum over (i, j, c): y [B, O, OH, OW]
//   input_grad_main    rows (b, h, w), columns c, the sum over (i, j, o): dx [B, C, H, W]
//   weight_grad_main   rows (c, i, j), columns o, the sum over the positions of slice z (output
//                      rows (b, oh) from z·sliceLen): part [slices, O, C·KH·KW] — the weight
//                      gradient transposed, so that the windows' pixels are the row operand
// COLS (4 or 8, an override constant) fits the tile to the columns: 32 or 64 wide.
// Rows and columns past the edge are clamped for the loads and their results discarded; a pixel
// in the padding is read clamped and replaced by 0 (a select: a NaN or Inf there never leaks in).
// The host picks this file only where the adapter's subgroups are exactly 8 lanes
// (engine/webgpu/backend.ts), and checks the shapes (engine/ops/conv.ts).

enable subgroups;

override HAS_BIAS: bool = false;
override COLS: u32 = 8u;     // columns per lane, at most MAX_COLS

const LANES: u32 = 8u;       // the subgroup, and the workgroup
const ROWS: u32 = 16u;       // rows of a tile: two per lane
const MAX_COLS: u32 = 8u;

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

alias Block = array<array<f32, MAX_COLS>, ROWS>;

// acc[8g + r][q] += (lane r's v) · bv[q] for r = 0 … 7: the eight rows lane r loaded for group g.
// subgroupBroadcast's lane must be a constant, hence the eight lines.
fn shareRows(acc: ptr<function, Block>, g: u32, v: f32, bv: array<f32, MAX_COLS>) {
  accumulate(acc, 8u * g + 0u, subgroupBroadcast(v, 0u), bv);
  accumulate(acc, 8u * g + 1u, subgroupBroadcast(v, 1u), bv);
  accumulate(acc, 8u * g + 2u, subgroupBroadcast(v, 2u), bv);
  accumulate(acc, 8u * g + 3u, subgroupBroadcast(v, 3u), bv);
  accumulate(acc, 8u * g + 4u, subgroupBroadcast(v, 4u), bv);
  accumulate(acc, 8u * g + 5u, subgroupBroadcast(v, 5u), bv);
  accumulate(acc, 8u * g + 6u, subgroupBroadcast(v, 6u), bv);
  accumulate(acc, 8u * g + 7u, subgroupBroadcast(v, 7u), bv);
}

fn accumulate(acc: ptr<function, Block>, r: u32, s: f32, bv: array<f32, MAX_COLS>) {
  for (var q = 0u; q < COLS; q++) { (*acc)[r][q] += s * bv[q]; }
}

// The lane's columns (clamped to n − 1) from col0: col0 + 8q.
fn laneColumns(col0: u32, n: u32) -> array<u32, MAX_COLS> {
  var cols: array<u32, MAX_COLS>;
  for (var q = 0u; q < COLS; q++) { cols[q] = min(col0 + LANES * q, n - 1u); }
  return cols;
}

// Whether pixel (h, w) lies in the image rather than the padding.
fn inImage(h: i32, w: i32) -> bool { return h >= 0 && w >= 0 && h < i32(u.height) && w < i32(u.width); }

// The index of pixel (h, w) clamped into the image, from base = b·C·H·W (+ c·H·W).
fn pixelIndex(base: u32, h: i32, w: i32) -> u32 {
  return base + u32(clamp(h, 0, i32(u.height) - 1)) * u.width + u32(clamp(w, 0, i32(u.width) - 1));
}

@compute @workgroup_size(LANES)
fn forward_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let positions = u.outH * u.outW;
  let m = u.batch * positions;
  let plane = u.height * u.width;
  let row0 = wid.y * ROWS;
  let col0 = wid.x * (LANES * COLS) + lane;
  // The lane's two rows (b, oh, ow): the image's base and the window's corner.
  var xBase: array<u32, 2>;
  var top: array<i32, 2>;
  var left: array<i32, 2>;
  for (var g = 0u; g < 2u; g++) {
    let row = min(row0 + LANES * g + lane, m - 1u);
    let at = row % positions;
    xBase[g] = (row / positions) * u.channels * plane;
    top[g] = i32((at / u.outW) * u.stride) - i32(u.padding);
    left[g] = i32((at % u.outW) * u.stride) - i32(u.padding);
  }
  let cols = laneColumns(col0, u.outChannels);
  let taps = u.kernelH * u.kernelW;
  let window = u.channels * taps;

  var acc: Block;
  for (var i = 0u; i < u.kernelH; i++) {
    for (var j = 0u; j < u.kernelW; j++) {
      // Each row's pixel at tap (i, j), channel 0; channel c is c planes on.
      var at: array<u32, 2>;
      var inside: array<bool, 2>;
      for (var g = 0u; g < 2u; g++) {
        at[g] = pixelIndex(xBase[g], top[g] + i32(i), left[g] + i32(j));
        inside[g] = inImage(top[g] + i32(i), left[g] + i32(j));
      }
      let tap = i * u.kernelW + j;
      for (var c = 0u; c < u.channels; c++) {
        var bv: array<f32, MAX_COLS>;
        for (var q = 0u; q < COLS; q++) { bv[q] = weight[cols[q] * window + c * taps + tap]; }
        shareRows(&acc, 0u, select(0.0, x[at[0] + c * plane], inside[0]), bv);
        shareRows(&acc, 1u, select(0.0, x[at[1] + c * plane], inside[1]), bv);
      }
    }
  }

  for (var r = 0u; r < ROWS; r++) {
    let row = row0 + r;
    if (row >= m) { break; }
    let base = (row / positions) * u.outChannels * positions + row % positions;  // y[b, 0, oh, ow]
    for (var q = 0u; q < COLS; q++) {
      let col = col0 + LANES * q;
      if (col >= u.outChannels) { break; }
      var v = acc[r][q];
      if (HAS_BIAS) { v += bias[col]; }
      out[base + col * positions] = v;
    }
  }
}

@compute @workgroup_size(LANES)
fn input_grad_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let plane = u.height * u.width;
  let m = u.batch * plane;
  let positions = u.outH * u.outW;
  let row0 = wid.y * ROWS;
  let col0 = wid.x * (LANES * COLS) + lane;
  // The lane's two rows (b, h, w): dy's image base, and h + P, w + P.
  var dyBase: array<u32, 2>;
  var hP: array<i32, 2>;
  var wP: array<i32, 2>;
  for (var g = 0u; g < 2u; g++) {
    let row = min(row0 + LANES * g + lane, m - 1u);
    let at = row % plane;
    dyBase[g] = (row / plane) * u.outChannels * positions;
    hP[g] = i32(at / u.width + u.padding);
    wP[g] = i32(at % u.width + u.padding);
  }
  let cols = laneColumns(col0, u.channels);
  let taps = u.kernelH * u.kernelW;
  let S = i32(u.stride);

  var acc: Block;
  for (var i = 0u; i < u.kernelH; i++) {
    for (var j = 0u; j < u.kernelW; j++) {
      // Which output position (if any) saw each row's pixel through tap (i, j).
      var at: array<u32, 2>;
      var seen: array<bool, 2>;
      for (var g = 0u; g < 2u; g++) {
        let oh = hP[g] - i32(i);
        let ow = wP[g] - i32(j);
        seen[g] = oh >= 0 && ow >= 0 && oh % S == 0 && ow % S == 0 && oh / S < i32(u.outH) && ow / S < i32(u.outW);
        at[g] = dyBase[g] + select(0u, u32(oh / S) * u.outW + u32(ow / S), seen[g]);
      }
      let tap = i * u.kernelW + j;
      for (var o = 0u; o < u.outChannels; o++) {
        var bv: array<f32, MAX_COLS>;
        for (var q = 0u; q < COLS; q++) { bv[q] = weight[(o * u.channels + cols[q]) * taps + tap]; }
        shareRows(&acc, 0u, select(0.0, dy[at[0] + o * positions], seen[0]), bv);
        shareRows(&acc, 1u, select(0.0, dy[at[1] + o * positions], seen[1]), bv);
      }
    }
  }

  for (var r = 0u; r < ROWS; r++) {
    let row = row0 + r;
    if (row >= m) { break; }
    let base = (row / plane) * u.channels * plane + row % plane;  // dx[b, 0, h, w]
    for (var q = 0u; q < COLS; q++) {
      let col = col0 + LANES * q;
      if (col >= u.channels) { break; }
      out[base + col * plane] = acc[r][q];
    }
  }
}

@compute @workgroup_size(LANES)
fn weight_grad_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) lane: u32) {
  let taps = u.kernelH * u.kernelW;
  let m = u.channels * taps;
  let plane = u.height * u.width;
  let positions = u.outH * u.outW;
  let row0 = wid.y * ROWS;
  let col0 = wid.x * (LANES * COLS) + lane;
  // The lane's two rows (c, i, j): the channel's plane and the tap's place in the window.
  var cOff: array<u32, 2>;
  var ti: array<i32, 2>;
  var tj: array<i32, 2>;
  for (var g = 0u; g < 2u; g++) {
    let row = min(row0 + LANES * g + lane, m - 1u);
    let tap = row % taps;
    cOff[g] = (row / taps) * plane;
    ti[g] = i32(tap / u.kernelW) - i32(u.padding);
    tj[g] = i32(tap % u.kernelW) - i32(u.padding);
  }
  let cols = laneColumns(col0, u.outChannels);

  var acc: Block;
  let start = wid.z * u.sliceLen;
  let end = min(start + u.sliceLen, u.batch * u.outH);
  for (var bo = start; bo < end; bo++) {
    let b = bo / u.outH;
    let oh = bo % u.outH;
    let xb = b * u.channels * plane;
    // Along an output row only w moves: each row's image row, and whether it is inside, once.
    var rowAt: array<u32, 2>;
    var rowInside: array<bool, 2>;
    for (var g = 0u; g < 2u; g++) {
      let h = i32(oh * u.stride) + ti[g];
      rowInside[g] = h >= 0 && h < i32(u.height);
      rowAt[g] = xb + cOff[g] + u32(clamp(h, 0, i32(u.height) - 1)) * u.width;
    }
    let dyRow = b * u.outChannels * positions + oh * u.outW;
    for (var ow = 0u; ow < u.outW; ow++) {
      var bv: array<f32, MAX_COLS>;
      for (var q = 0u; q < COLS; q++) { bv[q] = dy[dyRow + cols[q] * positions + ow]; }
      for (var g = 0u; g < 2u; g++) {
        let w = i32(ow * u.stride) + tj[g];
        let inside = rowInside[g] && w >= 0 && w < i32(u.width);
        shareRows(&acc, g, select(0.0, x[rowAt[g] + u32(clamp(w, 0, i32(u.width) - 1))], inside), bv);
      }
    }
  }

  // part[z, o, (c·KH + i)·KW + j]: the transpose of this block
  let base = wid.z * u.outChannels * m;
  for (var r = 0u; r < ROWS; r++) {
    let row = row0 + r;
    if (row >= m) { break; }
    for (var q = 0u; q < COLS; q++) {
      let col = col0 + LANES * q;
      if (col >= u.outChannels) { break; }
      out[base + col * m + row] = acc[r][q];
    }
  }
}
