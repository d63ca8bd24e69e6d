// Group normalization, fused: an optional per-(image, channel) shift added before the statistics,
// the normalization, an optional per-channel scale and bias, an optional SiLU; and its gradient.
// x is NCHW flattened, [B, C, HW]; the C channels split into G groups of C/G, and a group of one
// image, n = (C/G)·HW values, is contiguous in memory from (b·C + g·C/G)·HW.
//   v[b, c, p] = x[b, c, p] + shift[b, c]                          (shift only with HAS_SHIFT)
//   μ = Σ v / n,  σ² = Σ (v − μ)² / n (biased, as PyTorch),  rstd = 1 / √(σ² + ε)   per (b, g)
//   x̂ = (v − μ)·rstd,  z = x̂·γ[c] + β[c],  y = silu(z) = z / (1 + e^(−z)) or z
//
//   group_norm_main             one workgroup of WG per (b, g): y [B, C, HW], stats [B, G, 2] = (μ, rstd)
//   group_norm_backward_main    one workgroup of WG per (b, g): dx [B, C, HW] (written to `out`) from
//                               dy, x, shift, γ, β and the forward's stats. With dz = ∂L/∂z
//                               (dy·silu'(z) or dy) and dx̂ = dz·γ, x̂ = (v − μ)·rstd gives
//                                 dv = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))   (means over the group)
//                               (the two mean terms are μ's and σ²'s dependence on every v), and dx = dv.
//   group_norm_channel_sums_main  one thread per (b, c), after the backward: sums [B, 3, C] =
//                               (Σ_p dz·x̂, Σ_p dz, Σ_p dx) — dγ's, dβ's and dshift's terms of image b;
//                               the host sums dγ and dβ over B (sumAxis).
// The workgroup kernels walk a group channel by channel (no index divided per element) and add
// WG strided partial sums as a tree in workgroup memory. A group with
// a NaN or ±Inf has a non-finite μ (or a NaN σ²): its rstd is set NaN, so all its outputs and
// gradients are NaN, as PyTorch's, and no other group's. Accumulation is float32 (the CPU
// reference, engine/cpu/group-norm.ts, accumulates in float64).

struct Params {
  batch: u32,
  channels: u32,
  groups: u32,
  spatial: u32,
  eps: f32,
  silu: u32,
  hasShift: u32,
  hasWeight: u32,
  hasBias: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;    // y (forward) or dx (backward): [B, C, HW]
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;  // [B, G, 2]: (μ, rstd), written forward, read backward
@group(0) @binding(3) var<storage, read_write> sums: array<f32>;   // [B, 3, C] (channel sums)
@group(0) @binding(4) var<storage, read> x: array<f32>;            // [B, C, HW]
@group(0) @binding(5) var<storage, read> shift: array<f32>;        // [B, C] (a dummy without HAS_SHIFT)
@group(0) @binding(6) var<storage, read> weight: array<f32>;       // γ [C] (a dummy without one)
@group(0) @binding(7) var<storage, read> bias: array<f32>;         // β [C] (a dummy without one)
@group(0) @binding(8) var<storage, read> dy: array<f32>;           // [B, C, HW] (backward)

// Threads per workgroup: a power of two, at most 256 (the host's choice: see engine/webgpu/backend.ts).
override WG: u32 = 256u;
var<workgroup> partA: array<f32, 256>;
var<workgroup> partB: array<f32, 256>;

// NaN and Inf tested on the bits (compilers may fold `x != x`).
fn is_nan(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u; }
fn is_finite(v: f32) -> bool { return (bitcast<u32>(v) & 0x7fffffffu) < 0x7f800000u; }
// A quiet NaN made at run time (a NaN constant expression is a shader-creation error).
fn nan_f32() -> f32 { let bits = 0x7fc00000u; return bitcast<f32>(bits); }

fn sigmoid(z: f32) -> f32 { return 1.0 / (1.0 + exp(-z)); }

/** v = x + shift at the flat index `at` of channel c of image b. */
fn shifted(at: u32, b: u32, c: u32) -> f32 {
  return x[at] + channelShift(b, c);
}
/** shift[b, c], or 0 without one. */
fn channelShift(b: u32, c: u32) -> f32 { return select(0.0, shift[b * u.channels + c], u.hasShift != 0u); }
fn gamma(c: u32) -> f32 { return select(1.0, weight[c], u.hasWeight != 0u); }
fn beta(c: u32) -> f32 { return select(0.0, bias[c], u.hasBias != 0u); }

/** Both workgroup arrays summed as trees; every thread gets the totals. */
fn tree_sums(lid: u32, a: f32, b: f32) -> vec2<f32> {
  partA[lid] = a;
  partB[lid] = b;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      partA[lid] += partA[lid + stride];
      partB[lid] += partB[lid + stride];
    }
    workgroupBarrier();
  }
  let total = vec2<f32>(partA[0], partB[0]);
  workgroupBarrier(); // every thread has read the totals before the arrays are reused
  return total;
}

@compute @workgroup_size(WG)
fn group_norm_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
  let bg = wid.y * nwg.x + wid.x;            // (b, g), workgroup-uniform
  if (bg >= u.batch * u.groups) { return; }
  let b = bg / u.groups;
  let per = u.channels / u.groups;           // channels a group
  let c0 = (bg % u.groups) * per;            // its first channel
  let n = per * u.spatial;

  // Channels outside, pixels inside: a channel's shift, γ and β are read once per pass, and no
  // index is divided.
  var s = 0.0;
  for (var c = c0; c < c0 + per; c++) {
    let at = (b * u.channels + c) * u.spatial;
    let sh = channelShift(b, c);
    for (var p = lid; p < u.spatial; p += WG) { s += x[at + p] + sh; }
  }
  let mean = tree_sums(lid, s, 0.0).x / f32(n);
  var q = 0.0;
  for (var c = c0; c < c0 + per; c++) {
    let at = (b * u.channels + c) * u.spatial;
    let sh = channelShift(b, c) - mean;
    for (var p = lid; p < u.spatial; p += WG) {
      let d = x[at + p] + sh;
      q += d * d;
    }
  }
  let variance = tree_sums(lid, q, 0.0).x / f32(n);
  var rstd = 1.0 / sqrt(variance + u.eps);
  if (!is_finite(mean) || is_nan(variance)) { rstd = nan_f32(); }
  if (lid == 0u) {
    stats[bg * 2u] = mean;
    stats[bg * 2u + 1u] = rstd;
  }
  for (var c = c0; c < c0 + per; c++) {
    let at = (b * u.channels + c) * u.spatial;
    let sh = channelShift(b, c) - mean;
    let g = rstd * gamma(c);
    let be = beta(c);
    for (var p = lid; p < u.spatial; p += WG) {
      let z = (x[at + p] + sh) * g + be;
      out[at + p] = select(z, z * sigmoid(z), u.silu != 0u);
    }
  }
}

/** ∂L/∂z at flat index `at` (channel c of image b) and x̂ there: dy through the SiLU where there is one. */
fn dz_and_xhat(at: u32, b: u32, c: u32, mean: f32, rstd: f32) -> vec2<f32> {
  let xhat = (shifted(at, b, c) - mean) * rstd;
  var dz = dy[at];
  if (u.silu != 0u) {
    let z = xhat * gamma(c) + beta(c);
    let sg = sigmoid(z);
    dz = dz * sg * (1.0 + z * (1.0 - sg));
  }
  return vec2<f32>(dz, xhat);
}

@compute @workgroup_size(WG)
fn group_norm_backward_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                            @builtin(local_invocation_index) lid: u32) {
  let bg = wid.y * nwg.x + wid.x;
  if (bg >= u.batch * u.groups) { return; }
  let b = bg / u.groups;
  let per = u.channels / u.groups;
  let c0 = (bg % u.groups) * per;
  let n = per * u.spatial;
  let mean = stats[bg * 2u];
  let rstd = stats[bg * 2u + 1u];

  var sumD = 0.0;   // Σ dx̂
  var sumDX = 0.0;  // Σ dx̂·x̂
  for (var c = c0; c < c0 + per; c++) {
    let at = (b * u.channels + c) * u.spatial;
    let g = gamma(c);
    for (var p = lid; p < u.spatial; p += WG) {
      let t = dz_and_xhat(at + p, b, c, mean, rstd);
      let dxhat = t.x * g;
      sumD += dxhat;
      sumDX += dxhat * t.y;
    }
  }
  let totals = tree_sums(lid, sumD, sumDX);
  let meanD = totals.x / f32(n);
  let meanDX = totals.y / f32(n);
  for (var c = c0; c < c0 + per; c++) {
    let at = (b * u.channels + c) * u.spatial;
    let g = gamma(c);
    for (var p = lid; p < u.spatial; p += WG) {
      let t = dz_and_xhat(at + p, b, c, mean, rstd);
      out[at + p] = rstd * (t.x * g - meanD - t.y * meanDX);
    }
  }
}

@compute @workgroup_size(64)
fn group_norm_channel_sums_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                                @builtin(local_invocation_index) lid: u32) {
  let bc = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (bc >= u.batch * u.channels) { return; }
  let b = bc / u.channels;
  let c = bc % u.channels;
  let bg = b * u.groups + c / (u.channels / u.groups);
  let mean = stats[bg * 2u];
  let rstd = stats[bg * 2u + 1u];
  var dzXhat = 0.0;
  var dzSum = 0.0;
  var dxSum = 0.0;
  for (var p = 0u; p < u.spatial; p++) {
    let at = bc * u.spatial + p;
    let t = dz_and_xhat(at, b, c, mean, rstd);
    dzXhat += t.x * t.y;
    dzSum += t.x;
    dxSum += out[at];
  }
  sums[(b * 3u) * u.channels + c] = dzXhat;
  sums[(b * 3u + 1u) * u.channels + c] = dzSum;
  sums[(b * 3u + 2u) * u.channels + c] = dxSum;
}
