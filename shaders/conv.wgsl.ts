// Generated from conv.wgsl by scripts/wgsl-modules.mjs (npm run wgsl): edit the .wgsl file.
const source: string = `// 2-D convolution's data movement (engine/ops/conv.ts makes conv2d from these and a matmul):
//   im2col_main  x [B, C, H, W] → cols [B·OH·OW, C·KH·KW]:
//                cols[(b·OH + oh)·OW + ow, (c·KH + i)·KW + j] = x[b, c, oh·S − P + i, ow·S − P + j]
//                (0 where that falls in the padding)
//   col2im_main  cols [B·OH·OW, C·KH·KW] → dx [B, C, H, W], im2col's adjoint: each input pixel
//                sums the columns that copied it, the (i, j) with (h + P − i) and (w + P − j)
//                multiples of S inside the output — a gather, so no atomics and a fixed order.
// One thread per output element, 256 per workgroup, the grid 2-D past 65 535 workgroups. The
// host checks the shapes (engine/ops/conv.ts): every index here is in range.

struct Params {
  batch: u32,
  channels: u32,
  height: u32,
  width: u32,
  kernelH: u32,
  kernelW: u32,
  stride: u32,
  padding: u32,
  outH: u32,
  outW: u32,
  n: u32,            // output elements
  _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;   // x (im2col) or cols (col2im)

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid;
}

@compute @workgroup_size(256)
fn im2col_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let e = flatIndex(wid, nwg, lid);
  if (e >= u.n) { return; }
  let window_size = u.channels * u.kernelH * u.kernelW;
  let row = e / window_size;                  // (b·OH + oh)·OW + ow
  let col = e % window_size;                  // (c·KH + i)·KW + j
  let ow = row % u.outW;
  let oh = (row / u.outW) % u.outH;
  let b = row / (u.outW * u.outH);
  let j = col % u.kernelW;
  let i = (col / u.kernelW) % u.kernelH;
  let c = col / (u.kernelW * u.kernelH);
  // Signed: the padding lies at negative coordinates.
  let h = i32(oh * u.stride + i) - i32(u.padding);
  let w = i32(ow * u.stride + j) - i32(u.padding);
  if (h < 0 || w < 0 || h >= i32(u.height) || w >= i32(u.width)) {
    out[e] = 0.0;
    return;
  }
  out[e] = a[((b * u.channels + c) * u.height + u32(h)) * u.width + u32(w)];
}

@compute @workgroup_size(256)
fn col2im_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let e = flatIndex(wid, nwg, lid);
  if (e >= u.n) { return; }
  let w = e % u.width;
  let h = (e / u.width) % u.height;
  let c = (e / (u.width * u.height)) % u.channels;
  let b = e / (u.width * u.height * u.channels);
  let window_size = u.channels * u.kernelH * u.kernelW;
  var total = 0.0;
  for (var i = 0u; i < u.kernelH; i++) {
    let hp = i32(h + u.padding) - i32(i);   // oh·S
    if (hp < 0 || u32(hp) % u.stride != 0u) { continue; }
    let oh = u32(hp) / u.stride;
    if (oh >= u.outH) { continue; }
    for (var j = 0u; j < u.kernelW; j++) {
      let wp = i32(w + u.padding) - i32(j);  // ow·S
      if (wp < 0 || u32(wp) % u.stride != 0u) { continue; }
      let ow = u32(wp) / u.stride;
      if (ow >= u.outW) { continue; }
      total += a[((b * u.outH + oh) * u.outW + ow) * window_size + (c * u.kernelH + i) * u.kernelW + j];
    }
  }
  out[e] = total;
}
`;
export default source;
