// The flag parser (app-support/args.ts): values typed from the declaration (checked by tsc: int and
// number → number, string → its choices, switch → boolean), every declared flag present in the
// result, shared flags composed into a command's, the usage errors for bad command lines, and
// refuseChangedFlags for a resumed run, and old spellings (RenamedFlags) read as their new names
// with a one-line note.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { flag, flags, helpText, OVERWRITE_FLAG, parseFlags, refuseChangedFlags, SEED_FLAG, UsageError, type FlagValues, type RenamedFlags, type SavedFlags } from '../../app-support/args.js';

const MODE_FLAG = flag({ name: 'mode', kind: 'string', choices: ['fast', 'exact'], help: 'how' });

const FLAGS = flags([
  { name: 'epochs', kind: 'int', min: 0, help: 'epochs' },
  { name: 'lr', kind: 'number', min: 0, max: 1, help: 'learning rate' },
  { name: 'out', kind: 'string', value: 'DIR', help: 'where' },
  MODE_FLAG,
  { name: 'quick', kind: 'switch', help: 'fewer repeats' },
  { ...SEED_FLAG, help: 'seeds it all' },
  OVERWRITE_FLAG,
]);
type Flags = FlagValues<typeof FLAGS>;

/** Whether A and B are the same type (for the compile-time checks below). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

// tsc fails on this declaration if a flag's value type is not the one its kind (and choices) give.
const TYPES: {
  names: Same<keyof Flags, 'epochs' | 'lr' | 'out' | 'mode' | 'quick' | 'seed' | 'overwrite'>;
  int: Same<Flags['epochs'], number | undefined>;
  number: Same<Flags['lr'], number | undefined>;
  string: Same<Flags['out'], string | undefined>;
  choices: Same<Flags['mode'], 'fast' | 'exact' | undefined>;
  switch: Same<Flags['quick'], boolean>;
  shared: Same<Flags['seed'], number | undefined>;
  sharedSwitch: Same<Flags['overwrite'], boolean>;
} = { names: true, int: true, number: true, string: true, choices: true, switch: true, shared: true, sharedSwitch: true };

function parse(...argv: string[]): Flags {
  const f = parseFlags('cmd', argv, FLAGS);
  if (f === null) throw new Error('--help was not given');
  return f;
}

function usageError(argv: string[]): string {
  try {
    parseFlags('cmd', argv, FLAGS);
  } catch (e) {
    assert.instance(e, UsageError);
    return e instanceof Error ? e.message : '';
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

test('values come back as their kinds: numbers, strings, choices and switches, in both forms', () => {
  assert.ok(Object.values(TYPES).every(Boolean));
  const f = parse('--epochs', '3', '--lr=0.5', '--out', 'runs/x', '--mode', 'exact', '--quick', '--seed', '7');
  assert.equal(f, { epochs: 3, lr: 0.5, out: 'runs/x', mode: 'exact', quick: true, seed: 7, overwrite: false });
});

test('every declared flag has its key: undefined when not given, a switch false', () => {
  assert.equal(parse(), { epochs: undefined, lr: undefined, out: undefined, mode: undefined, quick: false, seed: undefined, overwrite: false });
  assert.equal(Object.keys(parse()), ['epochs', 'lr', 'out', 'mode', 'quick', 'seed', 'overwrite']);
});

test('--help (or -h) anywhere gives null', () => {
  assert.is(parseFlags('cmd', ['--epochs', '3', '--help'], FLAGS), null);
  assert.is(parseFlags('cmd', ['-h'], FLAGS), null);
});

test('a bad command line is a UsageError that says what was expected', () => {
  const cases: [string[], string][] = [
    [['--epochs', 'x'], "cmd: --epochs must be an integer ≥ 0, got 'x'"],
    [['--epochs', '1.5'], "cmd: --epochs must be an integer ≥ 0, got '1.5'"],
    [['--lr', '2'], "cmd: --lr must be a number from 0 to 1, got '2'"],
    [['--seed', '-1'], `cmd: --seed must be an integer from 0 to ${2 ** 32 - 1}, got '-1'`],
    [['--mode', 'slow'], "cmd: --mode must be one of fast, exact, got 'slow'"],
    [['--out='], "cmd: --out must be a non-empty value, got ''"],
    [['--out'], 'cmd: --out needs a value'],
    [['--out', '--quick'], 'cmd: --out needs a value'],
    [['--quick=yes'], 'cmd: --quick takes no value'],
    [['--quick', '--quick'], 'cmd: --quick is given twice'],
    [['--epochs', '1', '--epochs=2'], 'cmd: --epochs is given twice'],
    [['--nope'], 'cmd: unknown flag --nope (see cmd --help)'],
    [['stray'], "cmd: unexpected argument 'stray' (flags start with --; see cmd --help)"],
  ];
  for (const [argv, message] of cases) assert.is(usageError(argv), message, argv.join(' '));
});

test('refuseChangedFlags: a flag left out or given the saved value passes, a different value is refused', () => {
  const saved: SavedFlags<Flags> = { epochs: 3, mode: 'fast', seed: 0 };
  refuseChangedFlags('cmd', parse(), saved);
  refuseChangedFlags('cmd', parse('--epochs', '3', '--mode', 'fast', '--lr', '0.1'), saved);
  assert.throws(() => refuseChangedFlags('cmd', parse('--mode', 'exact'), saved),
    (e: unknown) => e instanceof UsageError && e.message === "cmd: --mode exact differs from the resumed run's fast; a resumed run keeps its settings (leave the flag out)");
});

const RENAMED: RenamedFlags = { n: { to: 'epochs' }, rate: { to: 'lr' }, fast: { to: 'mode', value: 'fast' } };

/** parseFlags with RENAMED, and the notes it printed. */
function parseRenamed(...argv: string[]): { f: Flags; notes: string[] } {
  const notes: string[] = [];
  const f = parseFlags('cmd', argv, FLAGS, RENAMED, (line) => notes.push(line));
  if (f === null) throw new Error('--help was not given');
  return { f, notes };
}

test('an old spelling is read as its new name, in both forms, with a one-line note each; the new name prints none', () => {
  const { f, notes } = parseRenamed('--n', '7', '--rate=0.5', '--fast');
  assert.equal([f.epochs, f.lr, f.mode], [7, 0.5, 'fast']);
  assert.equal(notes, ['note: --n is now --epochs', 'note: --rate is now --lr', 'note: --fast is now --mode fast']);
  assert.equal(parseRenamed('--epochs', '7', '--mode', 'exact').notes, []);
});

test('an old spelling is checked as its new name: its values, and given twice with the new one', () => {
  const error = (...argv: string[]): string => {
    try {
      parseRenamed(...argv);
    } catch (e) {
      if (e instanceof UsageError) return e.message;
    }
    return 'no UsageError';
  };
  assert.is(error('--n', '-1'), "cmd: --epochs must be an integer ≥ 0, got '-1'");
  assert.is(error('--n', '3', '--epochs', '4'), 'cmd: --epochs is given twice');
  assert.is(error('--fast=1'), 'cmd: --fast takes no value');
  assert.is(error('--rates', '1'), 'cmd: unknown flag --rates (see cmd --help)');
});

test('--help lists the old spellings on one line, after the flags, and nowhere else', () => {
  const text = helpText('cmd', 'Does it.', FLAGS, RENAMED);
  const lines = text.split('\n').filter((l) => l.includes('--n ') || l.includes('--rate') || l.includes('--fast'));
  assert.equal(lines, ['old spellings still read, with a note: --n (--epochs), --rate (--lr), --fast (--mode fast)']);
  assert.not.match(helpText('cmd', 'Does it.', FLAGS), /old spellings/);
});

test.run();
