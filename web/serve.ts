// `npm run web`: serves the built pages (build/www) on http://127.0.0.1:8080/: the trainer
// (index.html) and the benchmark (bench.html).
//   node build/web/serve.js [--port N] [--host ADDR] [--help]
// localhost counts as a secure context, so WebGPU is offered there without https. A bad command
// line (an unknown flag, a missing value, a bad port) is refused with exit status 2.

import { existsSync } from 'node:fs';
import { helpText, parseFlags, type FlagSpec, UsageError } from '../app-support/args.js';
import { startStaticServer } from './server.js';

const ROOT = 'build/www';
const COMMAND = 'serve.js';
const FLAGS: readonly FlagSpec[] = [
  { name: 'port', kind: 'string', value: 'N', default: '8080', help: 'the port to listen on, 0 to 65535 (0: any free port)' },
  { name: 'host', kind: 'string', value: 'ADDR', default: '127.0.0.1', help: 'the address to listen on' },
];
const USAGE_LINE = 'usage: node build/web/serve.js [--port N] [--host ADDR]   (or: npm run web -- --port N)';
const HELP = helpText('node build/web/serve.js', `Serves the page in ${ROOT} (npm run web builds it first).`, FLAGS);

/** The port and host from the command line; null for --help. */
function parseCommandLine(argv: readonly string[]): { port: number; host: string } | null {
  const f = parseFlags(COMMAND, argv, FLAGS);
  if (f === null) return null;
  const rawPort = (f.port as string | undefined) ?? '8080';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    throw new UsageError(`${COMMAND}: --port must be a whole number from 0 to 65535, got '${rawPort}'`);
  }
  return { port, host: (f.host as string | undefined) ?? '127.0.0.1' };
}

let options: { port: number; host: string } | null;
try {
  options = parseCommandLine(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  process.stderr.write(`${e.message}\n${USAGE_LINE}\n`);
  process.exit(2);
}
if (options === null) {
  process.stdout.write(HELP);
  process.exit(0);
}
const { port, host } = options;
if (!existsSync(`${ROOT}/index.html`)) {
  console.error(`${COMMAND}: ${ROOT}/index.html is missing: build the page first (node scripts/build.mjs)`);
  process.exit(1);
}
try {
  const server = await startStaticServer(ROOT, { host, port });
  console.log(`serving the page at ${server.url}  (Ctrl-C to stop); the benchmark at ${server.url}bench.html`);
  console.log('WebGPU needs a browser that offers it: Chrome/Edge 113+, or Chromium on Linux with --enable-unsafe-webgpu; ' +
    'without it the page trains on the CPU path.');
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(err.code === 'EADDRINUSE' ? `${COMMAND}: port ${port} on ${host} is in use: try --port ${port + 1}` : `${COMMAND}: ${err.message}`);
  process.exit(1);
}
