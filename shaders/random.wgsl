// Counter-based random numbers on the GPU: Philox-4x32-10, the same function as
// engine/random.ts, so a (seed, stream, offset) key gives the same words on every backend.
// Element j: words = philox([j >> 2, offset, 0, 0], [seed, stream]), value from words[j & 3]
// (normal: Box–Muller on the pair words[2p], words[2p+1], cos for even lanes, sin for odd).
// Integers and uniform floats match the CPU bit for bit; normals differ by float32 rounding of
// log/cos/sin. One thread per element, 256 per workgroup, 2-D grid for large draws.

struct Params {
  n: u32,
  seed: u32,
  stream: u32,
  offset: u32,
  p0: f32,   // uniform: low;  normal: mean
  p1: f32,   // uniform: high; normal: std
  ilow: i32, // randint: low
  irange: u32, // randint: high − low
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> outF: array<f32>;
@group(0) @binding(2) var<storage, read_write> outI: array<i32>;

// High and low words of a·b from 16-bit halves (WGSL has no 64-bit integers).
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let aL = a & 0xffffu; let aH = a >> 16u;
  let bL = b & 0xffffu; let bH = b >> 16u;
  let ll = aL * bL; let lh = aL * bH; let hl = aH * bL; let hh = aH * bH;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  let hi = hh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
  return vec2<u32>(hi, a * b);
}

fn philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var round = 0; round < 10; round++) {
    if (round > 0) { k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u); }
    let p0 = mulhilo(0xd2511f53u, c.x);
    let p1 = mulhilo(0xcd9e8d57u, c.z);
    c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
  }
  return c;
}

fn wordsFor(j: u32) -> vec4<u32> {
  return philox(vec4<u32>(j >> 2u, u.offset, 0u, 0u), vec2<u32>(u.seed, u.stream));
}

// [0, 1) with 24 random bits
fn unit(w: u32) -> f32 { return f32(w >> 8u) * (1.0 / 16777216.0); }

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid;
}

@compute @workgroup_size(256)
fn uniform_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let j = flatIndex(wid, nwg, lid);
  if (j >= u.n) { return; }
  outF[j] = u.p0 + (u.p1 - u.p0) * unit(wordsFor(j)[j & 3u]);
}

@compute @workgroup_size(256)
fn normal_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let j = flatIndex(wid, nwg, lid);
  if (j >= u.n) { return; }
  let w = wordsFor(j);
  let lane = j & 3u;
  let p = lane >> 1u;
  let u1 = f32((w[2u * p] >> 8u) + 1u) * (1.0 / 16777216.0); // (0, 1]: safe for log
  let r = sqrt(-2.0 * log(u1));
  let theta = 6.283185307179586 * unit(w[2u * p + 1u]);
  let z = select(r * sin(theta), r * cos(theta), (lane & 1u) == 0u);
  outF[j] = u.p0 + u.p1 * z;
}

@compute @workgroup_size(256)
fn randint_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let j = flatIndex(wid, nwg, lid);
  if (j >= u.n) { return; }
  outI[j] = u.ilow + i32(wordsFor(j)[j & 3u] % u.irange);
}
