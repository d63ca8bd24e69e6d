// Generated from conv-tiled.wgsl by scripts/wgsl-modules.mjs (npm run wgsl): edit the .wgsl file.
const source: string = `// 2-D convolution's three implicit GEMMs (the same sums as conv.wgsl, whose header defines them)
// tiled in workgroup memory as matmul-tiled.wgsl, for GPUs: each element of a slab is read from
// memory once per workgroup instead of once per thread.
//   x [B, C, H, W], weight [O, C, KH, KW], y and dy [B, O, OH, OW]
//   forward_main       rows (b, oh, ow), columns o, the sum over k = (c, i, j): y [B, O, OH, OW] (+ bias[o])
//   input_grad_main    rows (b, h, w), columns c, the sum over k = (o, i, j): dx [B, C, H, W]
//   weight_grad_main   rows o, columns (c, i, j), the sum over the positions (b, oh, ow) of slice z
//                      (output rows (b, oh) from z·sliceLen): part [slices, O, C·KH·KW]
// A workgroup of WG × WG threads computes a BM × BN tile of its GEMM's output (BM = WG·TM,
// BN = WG·TN), each thread TM × TN elements in registers, strided by WG: rows and columns
// lane + r·WG, the row lane lid.x where the output is contiguous along rows (y, dx) and lid.y
// where it is contiguous along columns (the weight gradient), so that neighbouring threads
// write neighbouring words. The sum is walked BK at a time: the workgroup copies the BM × BK
// slab of the row operand and the BK × BN slab of the column operand into workgroup memory, then
// every thread accumulates its block from there, over k in order.
// The windowed operand (the image's pixels, or dy at the positions that saw a pixel) is loaded
// with a fixed row (column) per thread, whose place in the image is worked out once; a pixel in
// the padding, or a tap no output position saw, is read clamped and replaced by 0 (a select, so
// a NaN or Inf there never leaks in). Rows, columns and steps of the sum past the edge are
// clamped for the loads; their results are discarded and the steps past the sum never added.
// Tile sizes are override constants; TM and TN must divide WG, and WG divide BK·TM and BK·TN
// (each thread loads whole rows of a slab's layout). The host uses the defaults (64 × 64 tiles)
// and checks the shapes (engine/ops/conv.ts): every index here is in range.

override HAS_BIAS: bool = false;
override WG: u32 = 16u;  // threads per side of the workgroup
override TM: u32 = 4u;   // rows per thread (at most MAX_T)
override TN: u32 = 4u;   // columns per thread (at most MAX_T)
override BK: u32 = 16u;  // steps of the sum per slab

const MAX_T: u32 = 8u;
// Derived (overrides, since WGSL's const cannot depend on an override; never set by the host):
override BM: u32 = WG * TM;
override BN: u32 = WG * TN;
override THREADS: u32 = WG * WG;

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

// The row operand's slab [BK, BM] and the column operand's [BK, BN], k-major.
var<workgroup> tileA: array<f32, BK * BM>;
var<workgroup> tileB: array<f32, BK * BN>;

alias Block = array<array<f32, MAX_T>, MAX_T>;

// acc[r][q] += Σ_{p < kEnd} tileA[p, r·WG + rowLane] · tileB[p, q·WG + colLane], p in order.
fn accumulate(acc: ptr<function, Block>, rowLane: u32, colLane: u32, kEnd: u32) {
  var av: array<f32, MAX_T>;
  var bv: array<f32, MAX_T>;
  for (var p = 0u; p < kEnd; p++) {
    for (var r = 0u; r < TM; r++) { av[r] = tileA[p * BM + r * WG + rowLane]; }
    for (var q = 0u; q < TN; q++) { bv[q] = tileB[p * BN + q * WG + colLane]; }
    for (var r = 0u; r < TM; r++) {
      for (var q = 0u; q < TN; q++) { (*acc)[r][q] += av[r] * bv[q]; }
    }
  }
}

fn zeroBlock() -> Block {
  var acc: Block;
  for (var r = 0u; r < MAX_T; r++) {
    for (var q = 0u; q < MAX_T; q++) { acc[r][q] = 0.0; }
  }
  return acc;
}

// y [B, O, OH, OW]: rows (b, oh, ow), columns o, k = (c·KH + i)·KW + j (weight[o]'s layout)
@compute @workgroup_size(WG, WG)
fn forward_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let positions = u.outH * u.outW;
  let m = u.batch * positions;
  let n = u.outChannels;
  let taps = u.kernelH * u.kernelW;
  let k = u.channels * taps;
  let plane = u.height * u.width;
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let t = lid.y * WG + lid.x;

  // The slab row this thread loads (neighbouring threads: neighbouring positions), and its window.
  let li = t % BM;
  let row = min(row0 + li, m - 1u);
  let at = row % positions;
  let xBase = (row / positions) * u.channels * plane;
  let top = i32((at / u.outW) * u.stride) - i32(u.padding);
  let left = i32((at % u.outW) * u.stride) - i32(u.padding);

  var acc = zeroBlock();
  for (var k0 = 0u; k0 < k; k0 += BK) {
    for (var p = t / BM; p < BK; p += THREADS / BM) {
      let kk = k0 + p;
      let c = min(kk / taps, u.channels - 1u);
      let tap = kk % taps;
      let h = top + i32(tap / u.kernelW);
      let w = left + i32(tap % u.kernelW);
      let inside = kk < k && h >= 0 && w >= 0 && h < i32(u.height) && w < i32(u.width);
      let v = x[xBase + c * plane + u32(clamp(h, 0, i32(u.height) - 1)) * u.width + u32(clamp(w, 0, i32(u.width) - 1))];
      tileA[p * BM + li] = select(0.0, v, inside);
    }
    for (var e = t; e < BK * BN; e += THREADS) {
      let p = e % BK;  // along weight[o]'s row: neighbouring threads read neighbours
      let j = e / BK;
      tileB[p * BN + j] = weight[min(col0 + j, n - 1u) * k + min(k0 + p, k - 1u)];
    }
    workgroupBarrier();
    accumulate(&acc, lid.x, lid.y, min(BK, k - k0));
    workgroupBarrier();
  }

  for (var q = 0u; q < TN; q++) {
    let col = col0 + q * WG + lid.y;
    if (col >= n) { break; }
    var b = 0.0;
    if (HAS_BIAS) { b = bias[col]; }
    for (var r = 0u; r < TM; r++) {
      let row = row0 + r * WG + lid.x;
      if (row >= m) { break; }
      out[((row / positions) * n + col) * positions + row % positions] = acc[r][q] + b;
    }
  }
}

// dx [B, C, H, W]: rows (b, h, w), columns c, k = o·KH·KW + i·KW + j
@compute @workgroup_size(WG, WG)
fn input_grad_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let plane = u.height * u.width;
  let m = u.batch * plane;
  let n = u.channels;
  let taps = u.kernelH * u.kernelW;
  let k = u.outChannels * taps;
  let positions = u.outH * u.outW;
  let S = i32(u.stride);
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let t = lid.y * WG + lid.x;

  // The slab row this thread loads: pixel (b, h, w), seen by tap (i, j) from output position
  // ((h + P − i)/S, (w + P − j)/S) where both quotients are whole and inside the output.
  let li = t % BM;
  let row = min(row0 + li, m - 1u);
  let at = row % plane;
  let dyBase = (row / plane) * u.outChannels * positions;
  let hP = i32(at / u.width + u.padding);
  let wP = i32(at % u.width + u.padding);

  var acc = zeroBlock();
  for (var k0 = 0u; k0 < k; k0 += BK) {
    for (var p = t / BM; p < BK; p += THREADS / BM) {
      let kk = k0 + p;
      let o = min(kk / taps, u.outChannels - 1u);
      let tap = kk % taps;
      let oh = hP - i32(tap / u.kernelW);
      let ow = wP - i32(tap % u.kernelW);
      let seen = kk < k && oh >= 0 && ow >= 0 && oh % S == 0 && ow % S == 0 && oh / S < i32(u.outH) && ow / S < i32(u.outW);
      let v = dy[dyBase + o * positions + select(0u, u32(oh / S) * u.outW + u32(ow / S), seen)];
      tileA[p * BM + li] = select(0.0, v, seen);
    }
    for (var e = t; e < BK * BN; e += THREADS) {
      let p = e % BK;  // along weight[o, c]'s taps: neighbouring threads read neighbours
      let j = e / BK;
      let kk = min(k0 + p, k - 1u);
      tileB[p * BN + j] = weight[((kk / taps) * n + min(col0 + j, n - 1u)) * taps + kk % taps];
    }
    workgroupBarrier();
    accumulate(&acc, lid.x, lid.y, min(BK, k - k0));
    workgroupBarrier();
  }

  for (var q = 0u; q < TN; q++) {
    let col = col0 + q * WG + lid.y;
    if (col >= n) { break; }
    for (var r = 0u; r < TM; r++) {
      let row = row0 + r * WG + lid.x;
      if (row >= m) { break; }
      out[((row / plane) * n + col) * plane + row % plane] = acc[r][q];
    }
  }
}

// part [slices, O, C·KH·KW]: rows o, columns (c·KH + i)·KW + j, k the positions of slice z
@compute @workgroup_size(WG, WG)
fn weight_grad_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let taps = u.kernelH * u.kernelW;
  let m = u.outChannels;
  let n = u.channels * taps;
  let plane = u.height * u.width;
  let positions = u.outH * u.outW;
  // Slice z: output rows (b, oh) from z·sliceLen on, as positions q = (b·OH + oh)·OW + ow.
  let first = wid.z * u.sliceLen * u.outW;
  let last = min(wid.z * u.sliceLen + u.sliceLen, u.batch * u.outH) * u.outW;  // past the slice
  let k = select(0u, last - first, last > first);  // the last slices may be empty
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  let t = lid.y * WG + lid.x;

  // The slab column this thread loads (neighbouring threads: neighbouring taps): its channel's
  // offset in an image and its place in the window.
  let lj = t % BN;
  let col = min(col0 + lj, n - 1u);
  let tap = col % taps;
  let cOff = (col / taps) * plane;
  let ti = i32(tap / u.kernelW) - i32(u.padding);
  let tj = i32(tap % u.kernelW) - i32(u.padding);

  var acc = zeroBlock();
  for (var k0 = 0u; k0 < k; k0 += BK) {
    for (var e = t; e < BK * BM; e += THREADS) {
      let p = e % BK;  // along dy[b, o]'s positions: neighbouring threads read neighbours
      let i = e / BK;
      let q = first + min(k0 + p, k - 1u);
      let b = q / positions;
      // dy[b, o, oh, ow] = dy[b·O·OH·OW + o·OH·OW + (q − b·OH·OW)]
      tileA[p * BM + i] = dy[b * (u.outChannels - 1u) * positions + min(row0 + i, m - 1u) * positions + q];
    }
    for (var p = t / BN; p < BK; p += THREADS / BN) {
      let q = first + min(k0 + p, k - 1u);
      let b = q / positions;
      let at = q % positions;
      let h = i32((at / u.outW) * u.stride) + ti;
      let w = i32((at % u.outW) * u.stride) + tj;
      let inside = h >= 0 && w >= 0 && h < i32(u.height) && w < i32(u.width);
      let v = x[b * u.channels * plane + cOff + u32(clamp(h, 0, i32(u.height) - 1)) * u.width + u32(clamp(w, 0, i32(u.width) - 1))];
      tileB[p * BN + lj] = select(0.0, v, inside);
    }
    workgroupBarrier();
    accumulate(&acc, lid.y, lid.x, min(BK, k - k0));
    workgroupBarrier();
  }

  let base = wid.z * m * n;
  for (var r = 0u; r < TM; r++) {
    let row = row0 + r * WG + lid.y;
    if (row >= m) { break; }
    for (var q = 0u; q < TN; q++) {
      let c = col0 + q * WG + lid.x;
      if (c >= n) { break; }
      out[base + row * n + c] = acc[r][q];
    }
  }
}
`;
export default source;
