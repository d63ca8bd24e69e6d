// The `ddpm` command: `ddpm train …` and `ddpm sample …` (cli/), `ddpm bench …` (bench/), each
// with --help, dispatched through its table (command-table.ts). It sits above the apps it
// dispatches to, so that neither imports the other.
// Errors end the process with a message and a non-zero status: 2 for a bad command line, 130 /
// 143 when Ctrl-C / SIGTERM stopped the work (app-support/stop.ts), 1 for anything else.

import { readFileSync } from 'node:fs';
import { UsageError } from '../app-support/args.js';
import { errorMessage } from '../app-support/errors.js';
import { Interrupted } from '../app-support/stop.js';
import { COMMANDS, USAGE } from './command-table.js';

/** package.json's version: two folders up from this file, both bundled (build/commands/) and compiled (dist/commands/). */
function version(): string {
  const pkg: { version: string } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write(`ddpm ${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`ddpm: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  try {
    await command.run(rest);
    return 0;
  } catch (e) {
    if (e instanceof Interrupted) {
      process.stderr.write(`${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`\n${e instanceof UsageError ? '' : 'error: '}${errorMessage(e)}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

// A WebGPU device keeps Node's event loop alive: exit explicitly.
process.exit(await main(process.argv.slice(2)));
