// Uniform blocks declared once, by name and type: the TypeScript side of a WGSL struct of
// scalars. One function lays a block out (WGSL's rules for a struct of 4-byte scalars: each
// field at 4 × its index, the struct's size rounded up to 16 for a uniform buffer); one writes
// it from named values; one checks it against the struct of the same name in a module's code,
// so a field added, removed, renamed, retyped or reordered on either side is an error naming it
// rather than a number read from the wrong slot.

/** The scalar types a uniform block may hold (4 bytes each). */
export type ScalarType = 'u32' | 'i32' | 'f32';

/** A struct's fields in WGSL order: name → type. */
export type StructFields = Readonly<Record<string, ScalarType>>;

export interface UniformStruct<F extends StructFields = StructFields> {
  /** The WGSL struct's name. */
  readonly name: string;
  readonly fields: F;
  /** Size of one block in a uniform buffer, bytes. */
  readonly bytes: number;
}

/** Values for some or all of a struct's fields (the rest are written as 0). */
export type UniformValues<F extends StructFields> = Partial<Record<keyof F & string, number>>;

export function uniformStruct<F extends StructFields>(name: string, fields: F): UniformStruct<F> {
  const count = Object.keys(fields).length;
  if (count === 0) throw new Error(`uniform struct ${name}: no fields (WGSL structs need at least one)`);
  return { name, fields, bytes: Math.ceil((4 * count) / 16) * 16 };
}

/** Writes `values` into a block at the start of `view` (fields without a value: 0). */
export function writeUniform<F extends StructFields>(struct: UniformStruct<F>, view: DataView, values: UniformValues<F>): void {
  const names = Object.keys(struct.fields);
  for (const key of Object.keys(values)) {
    if (!(key in struct.fields)) throw new Error(`uniform struct ${struct.name} has no field '${key}' (fields: ${names.join(', ')})`);
  }
  names.forEach((name, i) => {
    const v = (values as Record<string, number | undefined>)[name] ?? 0;
    const type = struct.fields[name];
    if (type === 'f32') {
      view.setFloat32(4 * i, v, true);
      return;
    }
    const [lo, hi] = type === 'u32' ? [0, 2 ** 32 - 1] : [-(2 ** 31), 2 ** 31 - 1];
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`uniform ${struct.name}.${name}: ${v} is not a ${type}`);
    if (type === 'u32') view.setUint32(4 * i, v, true);
    else view.setInt32(4 * i, v, true);
  });
}

/** One block holding `values`. */
export function uniformBlock<F extends StructFields>(struct: UniformStruct<F>, values: UniformValues<F>): ArrayBuffer {
  const data = new ArrayBuffer(struct.bytes);
  writeUniform(struct, new DataView(data), values);
  return data;
}

/** The fields of `struct Name { … }` in WGSL code, in order, with their types (comments removed). */
export function wgslStructFields(code: string, name: string): [string, string][] | null {
  const plain = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const match = new RegExp(`\\bstruct\\s+${name}\\s*\\{([^}]*)\\}`).exec(plain);
  if (match === null) return null;
  return match[1].split(',').map((f) => f.trim()).filter((f) => f.length > 0).map((f) => {
    const [field, type] = f.split(':').map((s) => s.trim());
    return [field, type ?? ''];
  });
}

/** Throws, naming the first difference, unless `code` declares `struct.name` with exactly these fields. */
export function checkUniformStruct(code: string, struct: UniformStruct, where: string): void {
  const wgsl = wgslStructFields(code, struct.name);
  if (wgsl === null) throw new Error(`${where}: the WGSL code declares no struct ${struct.name}`);
  const ts = Object.entries(struct.fields);
  for (let i = 0; i < Math.max(ts.length, wgsl.length); i++) {
    const [tsName, tsType] = ts[i] ?? ['(none)', ''];
    const [wName, wType] = wgsl[i] ?? ['(none)', ''];
    if (tsName !== wName || tsType !== wType) {
      throw new Error(`${where}: field ${i} of struct ${struct.name} is '${wName}: ${wType}' in WGSL but ` +
        `'${tsName}${tsType ? `: ${tsType}` : ''}' in TypeScript`);
    }
  }
}
