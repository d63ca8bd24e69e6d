// The `ddpm` command's table: `ddpm train …` and `ddpm sample …` (cli/), `ddpm bench …` (bench/),
// each with --help. It sits above the apps it dispatches to, so that neither imports the other.
// Errors end the process with a message and a non-zero status: 2 for a bad command line, 130 /
// 143 when Ctrl-C / SIGTERM stopped the work (app-support/stop.ts), 1 for anything else.

import { readFileSync } from 'node:fs';
import { UsageError } from '../app-support/args.js';
import { errorMessage } from '../app-support/errors.js';
import { Interrupted } from '../app-support/stop.js';
import { benchCommand } from '../bench/bench-command.js';
import { sampleCommand } from '../cli/sample-command.js';
import { trainCommand } from '../cli/train-command.js';

/** package.json's version: two folders up from this file, both bundled (build/commands/) and compiled (dist/commands/). */
function version(): string {
  const pkg: { version: string } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return pkg.version;
}

const COMMANDS: Record<string, { run: (argv: readonly string[]) => Promise<void>; summary: string }> = {
  train: { run: trainCommand, summary: 'train on a 2-D data set (or --dataset mnist|fashion-mnist); writes a checkpoint, metrics and pictures' },
  sample: { run: sampleCommand, summary: 'draw points (or images) from a checkpoint with the tutorial, DDPM or DDIM sampler' },
  bench: { run: benchCommand, summary: 'time training and sampling on our engine and its peers (TensorFlow.js, PyTorch, JAX)' },
};

const USAGE = `usage: ddpm <command> [flags]\n\ncommands:\n${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)}${c.summary}`).join('\n')}\n\n'ddpm <command> --help' lists a command's flags; 'ddpm --version' prints the version.\n`;

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
