// Generated from int-fill.wgsl by scripts/wgsl-modules.mjs (npm run wgsl): edit the .wgsl file.
const source: string = `// Fills an int32 buffer with one value (int tensors created on the device, e.g. full()).
// One thread per element, 256 per workgroup, 2-D grid for large buffers.

struct Params {
  n: u32,
  value: i32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> out: array<i32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (i >= u.n) { return; }
  out[i] = u.value;
}
`;
export default source;
