// Generated from philox.wgsl by scripts/wgsl-modules.mjs (npm run wgsl): edit the .wgsl file.
const source: string = `// Philox-4x32-10, the counter-based generator of engine/random.ts, as WGSL functions, and the
// random permutation built on it. Not a kernel: prepended to the kernels that draw random
// numbers (random.wgsl, mlp-diffusion.wgsl) by the WebGPU backend.
//   philox(counter, key) → 4 words; element j of a draw at \`offset\` with key (seed, stream) is
//   philox([j >> 2, offset, 0, 0], [seed, stream])[j & 3].

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

// [0, 1) with 24 random bits
fn unitFromWord(w: u32) -> f32 { return f32(w >> 8u) * (1.0 / 16777216.0); }

// Element 2p and 2p+1 of a standard normal draw (Box–Muller on one word pair), given its words:
// r·(cos θ, sin θ) with θ = 2π·u2, as on the CPU. WGSL bounds the error of cos and sin only on
// [−π, π] (2^-11 absolute), so the angle is taken there: θ − π, and the signs turned back.
fn normalPair(w: vec4<u32>, p: u32) -> vec2<f32> {
  let u1 = f32((w[2u * p] >> 8u) + 1u) * (1.0 / 16777216.0); // (0, 1]: safe for log
  let r = sqrt(-2.0 * log(u1));
  let shifted = 6.283185307179586 * unitFromWord(w[2u * p + 1u]) - 3.141592653589793; // θ − π ∈ [−π, π)
  return vec2<f32>(-r * cos(shifted), -r * sin(shifted));
}

// Position i of a random permutation of 0 … n−1 drawn at \`offset\` (engine/random.ts,
// permutationIndex): an 8-round Feistel network over 2·half bits (2^(2·half) ≥ n), its round
// function Philox, walked until the value falls below n (cycle walking).
fn permutationIndex(i: u32, n: u32, seed: u32, stream: u32, offset: u32) -> u32 {
  var half = 1u;
  while ((1u << (2u * half)) < n) { half++; }
  let mask = (1u << half) - 1u;
  var x = i;
  loop {
    var left = x >> half;
    var right = x & mask;
    for (var round = 0u; round < 8u; round++) {
      let f = philox(vec4<u32>(right, offset, round, 1u), vec2<u32>(seed, stream)).x & mask;
      let next = left ^ f;
      left = right;
      right = next;
    }
    x = (left << half) | right;
    if (x < n) { return x; }
  }
}
`;
export default source;
