// `npm run bench`: the same as `ddpm bench` (see bench-command.ts).
import { Interrupted } from '../app-support/stop.js';
import { benchCommand } from './bench-command.js';

try {
  await benchCommand(process.argv.slice(2));
  process.exit(0); // a WebGPU device keeps Node's event loop alive
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(e instanceof Interrupted ? e.exitCode : 1);
}
