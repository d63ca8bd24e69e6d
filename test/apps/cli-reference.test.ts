// docs/cli-reference.md against the flags' declarations (commands/cli-reference.ts writes it from
// the `ddpm` command's table): the file is what the declarations make now (else: npm run
// docs:cli); every flag set's section names each flag its parser takes; and each set's --help,
// run as a user runs it (bin/ddpm.mjs → build/), names the same flags and old spellings as its
// section, so that the reference and --help stay one source.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { FlagSpec } from '../../app-support/args.js';
import { cliReference, flagSetHeading, REFERENCE_FILE } from '../../commands/cli-reference.js';
import { COMMANDS, type FlagSet } from '../../commands/command-table.js';
import { encodeSafetensors } from '../../ddpm/safetensors.js';
import { WORKLOADS } from '../../cli/workloads/index.js';
import { repoRoot, runDdpm } from '../support/helpers.js';

const root = repoRoot();
const reference = readFileSync(join(root, REFERENCE_FILE), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'ddpm-cli-reference-'));

/** A model.safetensors that says it is an image model: enough for `ddpm sample --checkpoint FILE --help` to list the image flags. */
const imageCheckpoint = join(dir, 'model.safetensors');
writeFileSync(imageCheckpoint, encodeSafetensors(new Map(), { config: JSON.stringify({ model: 'MLPImageDiffusion', dataset: 'mnist' }) }));

/** The flags that select each flag set ahead of --help, by "command workload". */
const SELECTING_ARGS: Record<string, string[]> = {
  'train points': [],
  'train images': ['--dataset', 'mnist'],
  'sample points': [],
  'sample images': ['--checkpoint', imageCheckpoint],
  'bench': [],
};

/** Every flag set in the command table, with its command's name. */
const FLAG_SETS = Object.entries(COMMANDS).flatMap(([command, c]) => c.flagSets.map((set) => ({ command, set, key: `${command} ${set.workload ?? ''}`.trim() })));

/** A flag set's section of the reference: from its heading to the next heading. */
function section(set: FlagSet): string {
  const start = reference.indexOf(`\n${flagSetHeading(set)}\n`);
  assert.ok(start >= 0, `${REFERENCE_FILE} has no section '${flagSetHeading(set)}': run npm run docs:cli`);
  const end = reference.indexOf('\n#', start + 1);
  return reference.slice(start, end < 0 ? undefined : end);
}

const all = (text: string, pattern: RegExp): string[] => [...text.matchAll(pattern)].map((m) => m[1]).sort();

/** The flags in a section's table, and its old spellings. */
const referenceFlags = (text: string): string[] => all(text, /^\| `(--[a-z0-9-]+)/gm);
const referenceRenamed = (text: string): string[] => all(text, /`(--[a-z0-9-]+)` \(now /g);

/** The flags a --help text lists (its own --help left out), and its old spellings. */
const helpFlags = (text: string): string[] => all(text, /^ {2}(--[a-z0-9-]+)/gm).filter((f) => f !== '--help');
const helpRenamed = (text: string): string[] => all(text.match(/^old spellings still read.*$/m)?.[0] ?? '', /(--[a-z0-9-]+) \(/g);

/** A value `spec` accepts, for giving each flag to its parser. */
function validArgs(spec: FlagSpec): string[] {
  if (spec.kind === 'switch') return [`--${spec.name}`];
  const value = spec.choices?.[0] ?? (spec.kind === 'string' ? 'x' : String(spec.min ?? 0));
  return [`--${spec.name}`, value];
}

test(`${REFERENCE_FILE} is what the flags' declarations make now`, () => {
  // One message for the whole file rather than a diff of 200 lines.
  assert.ok(reference === cliReference(), `${REFERENCE_FILE} is out of date with the flags' declarations: run npm run docs:cli`);
});

test('every flag each parser takes is in its flag set\'s section', () => {
  const sets = WORKLOADS.length * 2 + 1;
  assert.is(FLAG_SETS.length, sets, 'the command table has a flag set for each workload\'s train and sample, and bench\'s');
  for (const { set, key } of FLAG_SETS) {
    const { flags, parse } = set.flags;
    assert.equal(referenceFlags(section(set)), flags.map((s) => `--${s.name}`).sort(), `ddpm ${key}: the reference lists the declared flags`);
    for (const spec of flags) assert.ok(parse(validArgs(spec)) !== null, `ddpm ${key}: its parser takes ${validArgs(spec).join(' ')}`);
  }
});

test('each flag set\'s --help names the same flags and old spellings as the reference', () => {
  assert.equal(Object.keys(SELECTING_ARGS).sort(), FLAG_SETS.map((s) => s.key).sort(), 'this test runs --help for every flag set in the command table');
  for (const { command, set, key } of FLAG_SETS) {
    const r = runDdpm(dir, command, ...SELECTING_ARGS[key], '--help');
    assert.is(r.status, 0, `ddpm ${key} --help: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(`usage: ${set.flags.usage} [flags]`), `ddpm ${key} --help shows the ${key} flags: ${r.stdout.split('\n')[0]}`);
    const text = section(set);
    assert.equal(helpFlags(r.stdout), referenceFlags(text), `ddpm ${key} --help and ${REFERENCE_FILE} list the same flags (if not: npm run docs:cli)`);
    assert.equal(helpRenamed(r.stdout), referenceRenamed(text), `ddpm ${key} --help and ${REFERENCE_FILE} list the same old spellings`);
  }
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
