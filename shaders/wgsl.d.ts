// WGSL sources are imported as strings (esbuild's text loader; see scripts/build.mjs).
declare module '*.wgsl' {
  const source: string;
  export default source;
}
