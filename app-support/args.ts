// Command-line flags, declared once per command: the declaration parses `--name value`
// (and `--name=value`), checks each value, and writes the --help text. A bad flag or value is
// a UsageError whose message says what was expected. A declaration made with `flags([...])`
// keeps each flag's name, kind and choices as literal types, so parseFlags's result is typed
// from it: `FlagValues<typeof FLAGS>` (int and number → number, string → string or the union of
// its choices, each undefined when not given; a switch → boolean, false when not given).
// A command's old spellings are declared beside its flags (RenamedFlags): each still works for a
// release, is read as its new name, and prints a one-line note saying what it is now.
// The same declarations (CommandHelp) write docs/cli-reference.md (commands/cli-reference.ts).

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type FlagKind = 'int' | 'number' | 'string' | 'switch';

export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly help: string;
  /** Shown in --help; the command applies its own defaults. */
  readonly default?: string;
  readonly choices?: readonly string[];
  /** For int and number: the smallest value allowed. */
  readonly min?: number;
  /** For int and number: the largest value allowed. */
  readonly max?: number;
  /** Shown in the usage line, e.g. DIR or FILE. */
  readonly value?: string;
}

/** A flag's declaration with its literal types kept (for shared flags such as SEED_FLAG). */
export function flag<const S extends FlagSpec>(spec: S): S {
  return spec;
}

/** A command's flags, in --help order, with their literal types kept (see FlagValues). */
export function flags<const S extends readonly FlagSpec[]>(specs: S): S {
  return specs;
}

/** The parsed value of one declared flag. */
export type FlagValue<S extends FlagSpec> = S['kind'] extends 'switch' ? boolean
  : (S['kind'] extends 'int' | 'number' ? number : S['choices'] extends readonly (infer C)[] ? C : string) | undefined;

/** What parseFlags returns for the flags `S`: every declared flag by name, with its value's type. */
export type FlagValues<S extends readonly FlagSpec[]> = { readonly [P in S[number] as P['name']]: FlagValue<P> };

/** Any command's parsed flags. */
export type AnyFlagValues = { readonly [name: string]: string | number | boolean | undefined };

/**
 * A command's old flag names, each with the flag it is now; `value`: an old switch that is now
 * that value of the flag (--unet: --model mlp,unet).
 */
export type RenamedFlags = Readonly<Record<string, { readonly to: string; readonly value?: string }>>;

/** What an old spelling is read as: "--samples", "--model mlp,unet". */
export const renamedTo = (r: RenamedFlags[string]): string => `--${r.to}${r.value !== undefined ? ` ${r.value}` : ''}`;

/** The note an old spelling prints: "note: --n is now --samples". */
export const renamedNote = (old: string, r: RenamedFlags[string]): string => `note: --${old} is now ${renamedTo(r)}`;

/** A command's usage line, description, flags in --help order and old spellings: what its --help and docs/cli-reference.md say. */
export interface CommandHelp {
  readonly usage: string;
  readonly description: string;
  readonly flags: readonly FlagSpec[];
  readonly renamed: RenamedFlags;
}

/** A command's help and the parser of its flags (`F`: their values; null for --help). */
export interface CommandFlags<F> extends CommandHelp {
  parse(argv: readonly string[]): F | null;
}

/**
 * Parses argv against specs; `--help` returns null. An old spelling in `renamed` is read as the
 * flag it is now, and `note` (stderr by default) is told so.
 */
export function parseFlags<const S extends readonly FlagSpec[]>(command: string, argv: readonly string[], specs: S, renamed: RenamedFlags = {},
  note: (line: string) => void = (line) => console.error(line)): FlagValues<S> | null {
  // Every flag has its key: a switch false until given, any other flag undefined.
  const out: Record<string, string | number | boolean | undefined> = {};
  for (const s of specs) out[s.name] = s.kind === 'switch' ? false : undefined;
  const given = new Set<string>();
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return null;
    if (!arg.startsWith('--')) throw new UsageError(`${command}: unexpected argument '${arg}' (flags start with --; see ${command} --help)`);
    const eq = arg.indexOf('=');
    const written = arg.slice(2, eq < 0 ? undefined : eq);
    const old = Object.hasOwn(renamed, written) && !byName.has(written) ? renamed[written] : undefined;
    if (old) note(renamedNote(written, old));
    const name = old?.to ?? written;
    const spec = byName.get(name);
    if (spec === undefined) throw new UsageError(`${command}: unknown flag --${name} (see ${command} --help)`);
    if (given.has(name)) throw new UsageError(`${command}: --${name} is given twice`);
    given.add(name);
    if (old?.value !== undefined) {
      if (eq >= 0) throw new UsageError(`${command}: --${written} takes no value`);
      out[name] = parseValue(command, spec, old.value);
      continue;
    }
    if (spec.kind === 'switch') {
      if (eq >= 0) throw new UsageError(`${command}: --${name} takes no value`);
      out[name] = true;
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new UsageError(`${command}: --${name} needs a value`);
    out[name] = parseValue(command, spec, raw);
  }
  // The one cast: `out` holds a value of each spec's kind (and choices) under each spec's name.
  return out as FlagValues<S>;
}

/** An int or number flag's range in words ("from 0 to 1", "≥ 1"); '' when it has none. */
export function flagRange(spec: FlagSpec): string {
  if (spec.max !== undefined) return `from ${spec.min ?? '-∞'} to ${spec.max}`;
  return spec.min !== undefined ? `≥ ${spec.min}` : '';
}

function parseValue(command: string, spec: FlagSpec, raw: string): string | number {
  const bad = (expected: string): never => {
    throw new UsageError(`${command}: --${spec.name} must be ${expected}, got '${raw}'`);
  };
  if (spec.kind === 'string') {
    if (spec.choices && !spec.choices.includes(raw)) bad(`one of ${spec.choices.join(', ')}`);
    if (raw === '') bad('a non-empty value');
    return raw;
  }
  const value = Number(raw);
  const [min, max] = [spec.min ?? -Infinity, spec.max ?? Infinity];
  const range = flagRange(spec) === '' ? '' : ` ${flagRange(spec)}`;
  const inRange = raw.trim() !== '' && value >= min && value <= max;
  if (spec.kind === 'int' && !(inRange && Number.isSafeInteger(value))) bad(`an integer${range}`);
  if (spec.kind === 'number' && !(inRange && Number.isFinite(value))) bad(`a number${range}`);
  return value;
}

/** --seed: Philox keys are 32-bit words. */
export const SEED_FLAG = flag({
  name: 'seed', kind: 'int', min: 0, max: 2 ** 32 - 1, default: '0', help: 'seeds the data, the initial weights, shuffles, timesteps and noise',
});

/** --overwrite: a new run in a folder that holds one. */
export const OVERWRITE_FLAG = flag({
  name: 'overwrite', kind: 'switch', help: 'start a new run in an --out folder that holds one (its checkpoint and metrics are removed)',
});

/** How a flag is written, as --help shows it: "--out DIR", "--device auto|cpu|webgpu", "--epochs N", "--quick". */
export function flagUsage(s: FlagSpec): string {
  if (s.kind === 'switch') return `--${s.name}`;
  const value = s.value ?? (s.choices ? s.choices.join('|') : s.kind === 'int' ? 'N' : s.kind === 'number' ? 'X' : 'VALUE');
  return `--${s.name} ${value}`;
}

/** The --help text: a usage line, a description, one line per flag, and a line naming the old spellings still read. */
export function helpText(command: string, description: string, specs: readonly FlagSpec[], renamed: RenamedFlags = {}): string {
  // Flags with a long list of choices put their help on the next line.
  const width = Math.min(24, Math.max(...specs.map((s) => flagUsage(s).length))) + 2;
  const lines = specs.map((s) => {
    const help = `${s.help}${s.default !== undefined ? ` (default: ${s.default})` : ''}`;
    const flag = flagUsage(s);
    return flag.length < width ? `  ${flag.padEnd(width)}${help}` : `  ${flag}\n  ${' '.repeat(width)}${help}`;
  });
  const old = Object.entries(renamed).map(([name, r]) => `--${name} (${renamedTo(r)})`);
  const oldLine = old.length > 0 ? `\nold spellings still read, with a note: ${old.join(', ')}\n` : '';
  return `usage: ${command} [flags]\n\n${description}\n\nflags:\n${lines.join('\n')}\n  ${'--help'.padEnd(width)}this text\n${oldLine}`;
}

/**
 * The raw value of `--name` in argv (either form), without checking anything else: for choosing
 * which command's flags apply before parsing them.
 */
export function peekFlag(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}

/** A resumed run's settings keyed by the flags of `V` that set them. */
export type SavedFlags<V extends AnyFlagValues> = { readonly [K in keyof V]?: unknown };

/** A resumed run keeps its settings: a flag given with a different value than `saved[flag]` is an error. */
export function refuseChangedFlags<V extends AnyFlagValues>(command: string, f: V, saved: SavedFlags<V>): void {
  const given: AnyFlagValues = f;
  for (const [key, value] of Object.entries(saved)) {
    if (given[key] !== undefined && given[key] !== value) {
      throw new UsageError(`${command}: --${key} ${String(given[key])} differs from the resumed run's ${String(value)}; ` +
        'a resumed run keeps its settings (leave the flag out)');
    }
  }
}
