#!/usr/bin/env node
// The `ddpm` command (package.json "bin"). Runs the bundled CLI from build/, which
// `npm run setup` and `npm run build` produce from cli/main.ts.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../build/cli/main.js', import.meta.url));
if (!existsSync(cli)) {
  console.error(`ddpm: ${cli} is missing; build it first with: npm run build`);
  process.exit(1);
}
process.env.XDG_RUNTIME_DIR ??= '/tmp';
await import(cli);
