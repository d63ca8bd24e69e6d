#!/usr/bin/env node
// The `ddpm` command (package.json "bin"). Runs its table (commands/ddpm.ts) as built: in a checkout,
// the bundle in build/ (`npm run build`, `npm run setup`); in an installed package, tsc's
// output in dist/ (built by `prepare` when the package is packed).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = ['../build/commands/ddpm.js', '../dist/commands/ddpm.js'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
const cli = built.find((p) => existsSync(p));
if (cli === undefined) {
  console.error(`ddpm: neither ${built.join(' nor ')} exists; build it first with: npm run build`);
  process.exit(1);
}
process.env.XDG_RUNTIME_DIR ??= '/tmp';
await import(cli);
