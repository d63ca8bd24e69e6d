// Storage bindings declared once, by name: the TypeScript side of a module's
// `@group(0) @binding(N) var<storage, ACCESS> name` declarations. A declaration lists the WGSL
// names in binding order from a first index (after the module's uniform blocks), each with its
// access; buffers are then given by name, and their binding indices come from the declaration,
// never from a position in an argument list. One function checks a declaration against a
// module's code, so a storage added, removed, renamed, moved or given other access on either side
// is an error naming it rather than a buffer bound in another's slot (as uniforms.ts does for
// the uniform blocks).

/** How a kernel may use a storage buffer (WGSL's access mode; `var<storage>` alone is read). */
export type Access = 'read' | 'read_write';

export interface StorageBindings<N extends string = string> {
  /** The binding index of the first storage; the next ones follow in order. */
  readonly first: number;
  /** Each storage's WGSL name and access, in binding order. */
  readonly access: Readonly<Record<N, Access>>;
}

/** The names a declaration binds. */
export type StorageName<B> = B extends StorageBindings<infer N> ? N : never;

/** A storage given by name, at its declared binding. */
export interface BoundStorage<T> {
  readonly binding: number;
  readonly name: string;
  readonly access: Access;
  readonly resource: T;
}

export function storageBindings<N extends string>(first: number, access: Record<N, Access>): StorageBindings<N> {
  if (!Number.isInteger(first) || first < 0) throw new Error(`storage bindings: the first binding must be an index, got ${first}`);
  if (Object.keys(access).length === 0) throw new Error('storage bindings: no storages');
  return { first, access };
}

/** Each declared storage as (binding, name, access), in binding order. */
export function bindingSlots(bindings: StorageBindings): { binding: number; name: string; access: Access }[] {
  return Object.entries<Access>(bindings.access).map(([name, access], i) => ({ binding: bindings.first + i, name, access }));
}

/**
 * The storages `given` by name at their declared bindings, in binding order; a name left out is
 * not bound (a kernel that does not use a storage has no slot for it). A name the declaration
 * lacks is an error.
 */
export function bindStorages<N extends string, T>(bindings: StorageBindings<N>, given: Partial<Record<N, T>>, where: string): BoundStorage<T>[] {
  for (const name in given) {
    if (!(name in bindings.access)) throw new Error(`${where}: no storage binding '${name}' (bindings: ${Object.keys(bindings.access).join(', ')})`);
  }
  const values = given as Partial<Record<string, T>>;
  return bindingSlots(bindings).flatMap(({ binding, name, access }) => {
    const resource = values[name];
    return resource === undefined ? [] : [{ binding, name, access, resource }];
  });
}

/** The storage bindings of group 0 in WGSL code, as (binding, name, access), comments removed. */
export function wgslStorageBindings(code: string): { binding: number; name: string; access: Access }[] {
  const plain = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const declaration = /@group\(\s*0\s*\)\s*@binding\(\s*(\d+)\s*\)\s*var\s*<\s*storage\s*(?:,\s*(\w+)\s*)?>\s*(\w+)/g;
  return [...plain.matchAll(declaration)]
    .map((m) => ({ binding: Number(m[1]), name: m[3], access: (m[2] ?? 'read') as Access }))
    .sort((a, b) => a.binding - b.binding);
}

/** Throws, naming the first binding that differs, unless `code` declares exactly these storages. */
export function checkStorageBindings(code: string, bindings: StorageBindings, where: string): void {
  const wgsl = wgslStorageBindings(code);
  const ts = bindingSlots(bindings);
  const show = (s: { name: string; access: Access } | undefined): string => (s ? `${s.name}: ${s.access}` : '(none)');
  const indices = [...new Set([...wgsl, ...ts].map((s) => s.binding))].sort((a, b) => a - b);
  for (const binding of indices) {
    const inWgsl = wgsl.filter((s) => s.binding === binding);
    if (inWgsl.length > 1) throw new Error(`${where}: storage binding ${binding} is declared ${inWgsl.length} times in WGSL (${inWgsl.map(show).join(', ')})`);
    const [w, t] = [inWgsl[0], ts.find((s) => s.binding === binding)];
    if (show(w) !== show(t)) throw new Error(`${where}: storage binding ${binding} is '${show(w)}' in WGSL but '${show(t)}' in TypeScript`);
  }
}
