// Indexing along one axis, x viewed as [outer, len, inner]. Indices were checked on the host
// (engine/ops/indexing.ts, extrema.ts); the CPU twin is engine/cpu/axis-index.ts.
//   arg_reduce_main   x [outer, len, inner] → pos [outer, inner] (int32): one thread per column,
//                     walking len in order and keeping the first max (ARG_MAX) or min (ARG_MIN);
//                     a NaN beats every number and the first NaN stays, as PyTorch's max(dim).
//   gather_main       x [outer, len, inner], idx → out [outer, count, inner]: one thread per
//                     output element, out[o, j, i] = x[o, index(o, j, i), i].
//   scatter_add_main  dy [outer, count, inner], idx → out [outer, len, inner]: gather's adjoint.
//                     One thread per output element walks the count indices of its column in
//                     order and adds dy[o, j, i] where index(o, j, i) is its position: no two
//                     threads write one element (WGSL has no float atomics) and the order makes
//                     the sum deterministic; the work is outer·len·inner·count.
// index(o, j, i) is idx[(o·count + j)·inner + i] (torch.gather), or idx[j] when oneList is 1
// (one list for every column: torch.index_select).

const ARG_MAX: u32 = 0u;
const ARG_MIN: u32 = 1u;

struct Params {
  outer: u32,
  len: u32,
  inner: u32,
  count: u32,   // indices along the axis per column (gather, scatter_add)
  op: u32,      // arg_reduce: ARG_MAX or ARG_MIN
  oneList: u32, // 1: one index list [count] for every column
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> pos: array<i32>;
@group(0) @binding(3) var<storage, read> src: array<f32>;   // arg_reduce, gather: x; scatter_add: dy
@group(0) @binding(4) var<storage, read> idx: array<i32>;

// Compilers may fold `x != x` to false (lavapipe does): NaN is tested on the bits.
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid;
}

fn indexAt(o: u32, j: u32, i: u32) -> u32 {
  return select((o * u.count + j) * u.inner + i, j, u.oneList == 1u);
}

@compute @workgroup_size(256)
fn arg_reduce_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                   @builtin(local_invocation_index) lid: u32) {
  let c = flatIndex(wid, nwg, lid);
  if (c >= u.outer * u.inner) { return; }
  let o = c / u.inner;
  let i = c % u.inner;
  var best = src[o * u.len * u.inner + i];
  var at = 0u;
  for (var l = 1u; l < u.len; l++) {
    if (is_nan(best)) { break; }
    let v = src[(o * u.len + l) * u.inner + i];
    let better = select((v < best), (v > best), u.op == ARG_MAX);
    if (is_nan(v) || better) {
      best = v;
      at = l;
    }
  }
  pos[c] = i32(at);
}

@compute @workgroup_size(256)
fn gather_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let e = flatIndex(wid, nwg, lid);
  if (e >= u.outer * u.count * u.inner) { return; }
  let i = e % u.inner;
  let j = (e / u.inner) % u.count;
  let o = e / (u.inner * u.count);
  out[e] = src[(o * u.len + u32(idx[indexAt(o, j, i)])) * u.inner + i];
}

@compute @workgroup_size(256)
fn scatter_add_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                    @builtin(local_invocation_index) lid: u32) {
  let e = flatIndex(wid, nwg, lid);
  if (e >= u.outer * u.len * u.inner) { return; }
  let i = e % u.inner;
  let l = (e / u.inner) % u.len;
  let o = e / (u.inner * u.len);
  var acc = 0.0;
  for (var j = 0u; j < u.count; j++) {
    if (u32(idx[indexAt(o, j, i)]) == l) { acc += src[(o * u.count + j) * u.inner + i]; }
  }
  out[e] = acc;
}
