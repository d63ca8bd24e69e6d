// Generated from random.wgsl by scripts/wgsl-modules.mjs (npm run wgsl): edit the .wgsl file.
const source: string = `// Counter-based random numbers on the GPU: Philox-4x32-10, the same function as
// engine/random.ts, so a (seed, stream, offset) key gives the same words on every backend.
// Element j: words = philox([j >> 2, offset, 0, 0], [seed, stream]), value from words[j & 3]
// (normal: Box–Muller on the pair words[2p], words[2p+1], cos for even lanes, sin for odd).
// Integers and uniform floats match the CPU bit for bit; normals differ by float32 rounding of
// log/cos/sin. One thread per element, 256 per workgroup, 2-D grid for large draws.
// philox.wgsl is prepended (philox, unitFromWord, normalPair).

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

fn wordsFor(j: u32) -> vec4<u32> {
  return philox(vec4<u32>(j >> 2u, u.offset, 0u, 0u), vec2<u32>(u.seed, u.stream));
}

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid;
}

@compute @workgroup_size(256)
fn uniform_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let j = flatIndex(wid, nwg, lid);
  if (j >= u.n) { return; }
  outF[j] = u.p0 + (u.p1 - u.p0) * unitFromWord(wordsFor(j)[j & 3u]);
}

@compute @workgroup_size(256)
fn normal_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let j = flatIndex(wid, nwg, lid);
  if (j >= u.n) { return; }
  let lane = j & 3u;
  let pair = normalPair(wordsFor(j), lane >> 1u);
  let z = select(pair.y, pair.x, (lane & 1u) == 0u);
  outF[j] = u.p0 + u.p1 * z;
}

@compute @workgroup_size(256)
fn randint_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let j = flatIndex(wid, nwg, lid);
  if (j >= u.n) { return; }
  outI[j] = u.ilow + i32(wordsFor(j)[j & 3u] % u.irange);
}
`;
export default source;
