// `npm run web`: serves the built page (build/www) on http://127.0.0.1:8080/.
//   node build/web/serve.js [--port N] [--host ADDR]
// localhost counts as a secure context, so WebGPU is offered there without https.

import { existsSync } from 'node:fs';
import { startStaticServer } from './server.js';

const ROOT = 'build/www';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const port = Number(flag('port', '8080'));
const host = flag('host', '127.0.0.1');
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`serve: --port must be a whole number from 0 to 65535, got '${flag('port', '')}'`);
  process.exit(2);
}
if (!existsSync(`${ROOT}/index.html`)) {
  console.error(`serve: ${ROOT}/index.html is missing: build the page first (node scripts/build.mjs)`);
  process.exit(1);
}
try {
  const server = await startStaticServer(ROOT, { host, port });
  console.log(`serving the page at ${server.url}  (Ctrl-C to stop)`);
  console.log('WebGPU needs a browser that offers it: Chrome/Edge 113+, or Chromium on Linux with --enable-unsafe-webgpu; ' +
    'without it the page trains on the CPU path.');
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  console.error(err.code === 'EADDRINUSE' ? `serve: port ${port} on ${host} is in use: try --port ${port + 1}` : `serve: ${err.message}`);
  process.exit(1);
}
