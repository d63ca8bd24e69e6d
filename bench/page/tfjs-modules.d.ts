// TensorFlow.js's browser modules as the bench page loads them (bench/page/tfjs-browser.ts):
// declared without types, so that the repository type-checks without the peer installed (it is
// not in the default install; `npm run bench:peers` adds it under bench/peers/). bench/tfjs.ts
// declares the part of its API the workload uses.

declare module '@tensorflow/tfjs-core';
declare module '@tensorflow/tfjs-core/dist/register_all_gradients';
declare module '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
declare module '@tensorflow/tfjs-backend-webgpu';
