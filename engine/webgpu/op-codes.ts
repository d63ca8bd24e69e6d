// Op codes declared once, by name: a kernel that picks its operation from a number the host
// writes (`switch u.op`, a bit of a flag word, a column of a table) names each code as a WGSL
// constant, `const UNARY_NEG: u32 = 0u;`, and switches on the names; its TypeScript side is a
// table of the same codes under one prefix, { neg: 0, … } → UNARY_NEG. One function checks a
// table against a module's code, so a code renumbered, renamed, added or dropped on either side
// is an error naming it rather than the wrong operation run without a word.

export interface OpCodes<K extends string = string> {
  /** The WGSL constants' prefix: code `neg` under UNARY is `const UNARY_NEG: u32`. */
  readonly prefix: string;
  readonly codes: Readonly<Record<K, number>>;
}

/** The WGSL constant of a code: prefix, underscore, the key in upper snake case (rowAdd → ROW_ADD). */
export function opCodeName(prefix: string, key: string): string {
  return `${prefix}_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

export function opCodes<K extends string>(prefix: string, codes: Record<K, number>): OpCodes<K> {
  const values = Object.values<number>(codes);
  if (values.length === 0) throw new Error(`op codes ${prefix}: no codes`);
  for (const [key, code] of Object.entries<number>(codes)) {
    if (!Number.isInteger(code) || code < 0 || code >= 2 ** 32) throw new Error(`op code ${opCodeName(prefix, key)}: ${code} is not a u32`);
  }
  if (new Set(values).size !== values.length) throw new Error(`op codes ${prefix}: two names share a code (${values.join(', ')})`);
  return { prefix, codes };
}

/** The `const PREFIX_…` declarations in WGSL code as (name, type, value text), comments removed. */
export function wgslConstants(code: string, prefix: string): { name: string; type: string; value: string }[] {
  const plain = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const declaration = new RegExp(`\\bconst\\s+(${prefix}_\\w+)\\s*(?::\\s*(\\w+)\\s*)?=\\s*([^;]+);`, 'g');
  return [...plain.matchAll(declaration)].map((m) => ({ name: m[1], type: m[2] ?? '(none)', value: m[3].trim() }));
}

/** Throws, naming the first code that differs, unless `code` declares exactly the table's constants as u32s. */
export function checkOpCodes(code: string, table: OpCodes, where: string): void {
  const wgsl = wgslConstants(code, table.prefix);
  const ts = Object.entries<number>(table.codes).map(([key, value]) => ({ name: opCodeName(table.prefix, key), value: `${value}u` }));
  for (const { name, value } of ts) {
    const found = wgsl.filter((c) => c.name === name);
    if (found.length === 0) throw new Error(`${where}: op code ${name} (${value} in TypeScript) is not declared in WGSL`);
    const [c] = found;
    if (c.type !== 'u32' || c.value !== value) {
      throw new Error(`${where}: op code ${name} is '${c.type} = ${c.value}' in WGSL but 'u32 = ${value}' in TypeScript`);
    }
  }
  const extra = wgsl.find((c) => !ts.some((t) => t.name === c.name));
  if (extra) throw new Error(`${where}: op code ${extra.name} is declared in WGSL but not in TypeScript's ${table.prefix} table`);
}
