// Generated from concat.wgsl by scripts/wgsl-modules.mjs (npm run wgsl): edit the .wgsl file.
const source: string = `// Joining two tensors along an axis, and the slice that undoes it (engine/ops/shape.ts concat):
// both tensors viewed as rows — [outer, wa] and [outer, wb], the axis and everything after it
// flattened — so concatenation is per row:
//   concat_main  a [outer, start], b [outer, width − start] → out [outer, width]:
//                out[o, j] = a[o, j] for j < start, else b[o, j − start]
//   slice_main   x [outer, width] → out [outer, count]: out[o, j] = x[o, start + j]
// One thread per output element, 256 per workgroup, the grid 2-D past 65 535 workgroups; the
// host checks the shapes.

struct Params {
  n: u32,       // output elements
  width: u32,   // the joined tensor's row width
  start: u32,   // concat: a's row width; slice: the first column kept
  count: u32,   // slice: columns kept
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid;
}

@compute @workgroup_size(256)
fn concat_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) lid: u32) {
  let e = flatIndex(wid, nwg, lid);
  if (e >= u.n) { return; }
  let o = e / u.width;
  let j = e % u.width;
  if (j < u.start) {
    out[e] = a[o * u.start + j];
  } else {
    out[e] = b[o * (u.width - u.start) + j - u.start];
  }
}

@compute @workgroup_size(256)
fn slice_main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
              @builtin(local_invocation_index) lid: u32) {
  let e = flatIndex(wid, nwg, lid);
  if (e >= u.n) { return; }
  let o = e / u.count;
  out[e] = a[o * u.width + u.start + e % u.count];
}
`;
export default source;
