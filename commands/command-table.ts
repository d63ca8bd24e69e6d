// The `ddpm` command's table: each command's name, what runs it, its one-line summary and the
// flag sets its --help can show (`ddpm train` and `ddpm sample` one per workload, cli/workloads/;
// `ddpm bench` one), and the usage text they make. commands/ddpm.ts dispatches through it;
// commands/cli-reference.ts writes docs/cli-reference.md from it.

import type { CommandFlags } from '../app-support/args.js';
import { BENCH_FLAGS, benchCommand } from '../bench/bench-command.js';
import { sampleCommand } from '../cli/sample-command.js';
import { trainCommand } from '../cli/train-command.js';
import { WORKLOADS } from '../cli/workloads/index.js';

/** One of a command's flag sets: which workload it is for (none for a command with one set), its help and its parser. */
export interface FlagSet {
  readonly workload?: string;
  readonly flags: CommandFlags<unknown>;
}

/** A `ddpm` command: what runs it, its summary in the usage text, and its flag sets. */
export interface Command {
  readonly run: (argv: readonly string[]) => Promise<void>;
  readonly summary: string;
  readonly flagSets: readonly FlagSet[];
}

/** The `ddpm` commands by name, in the usage text's order. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  train: {
    run: trainCommand,
    summary: 'train on a 2-D data set (or --dataset mnist|fashion-mnist); writes a checkpoint, metrics and pictures',
    flagSets: WORKLOADS.map((w) => ({ workload: w.core.name, flags: w.train })),
  },
  sample: {
    run: sampleCommand,
    summary: 'draw points (or images) from a checkpoint with the tutorial, DDPM or DDIM sampler',
    flagSets: WORKLOADS.map((w) => ({ workload: w.core.name, flags: w.sample })),
  },
  bench: {
    run: benchCommand,
    summary: 'time training and sampling on our engine and its peers (TensorFlow.js, PyTorch, JAX)',
    flagSets: [{ flags: BENCH_FLAGS }],
  },
};

/** `ddpm`'s usage text (`ddpm --help`): its commands with their summaries. */
export const USAGE = `usage: ddpm <command> [flags]\n\ncommands:\n${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(8)}${c.summary}`).join('\n')}\n\n'ddpm <command> --help' lists a command's flags; 'ddpm --version' prints the version.\n`;
