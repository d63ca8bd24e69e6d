// The bench page's worker: where the benchmark runs (our engine and TensorFlow.js, both on
// navigator.gpu), so that the page's thread only draws and stays responsive while a row takes
// seconds. It answers one message, a run's settings, by posting the results so far after every
// step of the run (bench/page/run.ts) and an error if the run itself breaks. TensorFlow.js's
// WebGPU backend runs here as on a page: Chromium offers navigator.gpu to workers, and tfjs
// takes a worker for a browser.

import type { PageBenchResults, StartRun } from './protocol.js';
import { runPageBench } from './run.js';

/** What the worker posts. */
export type BenchWorkerMessage = { results: PageBenchResults } | { error: string };

interface WorkerScope {
  postMessage(message: BenchWorkerMessage): void;
  onmessage: ((e: MessageEvent<StartRun>) => void) | null;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (e) => {
  runPageBench(e.data.settings, (results) => scope.postMessage({ results }), navigator.userAgent)
    .catch((error: unknown) => scope.postMessage({ error: error instanceof Error ? error.stack ?? error.message : String(error) }));
};
