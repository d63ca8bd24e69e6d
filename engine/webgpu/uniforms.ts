// Uniform blocks declared once, by name and type: the TypeScript side of a WGSL struct of
// scalars and vec4<u32>s. One function lays a block out (WGSL's alignment rules: a 4-byte
// scalar at the next multiple of 4, a vec4 at the next multiple of 16, the struct's size
// rounded up to 16); one writes it from named values; one checks it against the struct of the
// same name in a module's code, so a field added, removed, renamed, retyped or reordered on
// either side is an error naming it rather than a number read from the wrong slot. (Names and
// types in order fix the offsets, since both sides lay them out by the same rules.)

/** The types a uniform block may hold: 4-byte scalars and a vector of four u32. */
export type ScalarType = 'u32' | 'i32' | 'f32';
export type FieldType = ScalarType | 'vec4<u32>';

/** A struct's fields in WGSL order: name → type. */
export type StructFields = Readonly<Record<string, FieldType>>;

export interface UniformStruct<F extends StructFields = StructFields> {
  /** The WGSL struct's name. */
  readonly name: string;
  readonly fields: F;
  /** Each field's byte offset. */
  readonly offsets: Readonly<Record<keyof F & string, number>>;
  /** Size of one block in a uniform buffer, bytes. */
  readonly bytes: number;
}

/** Values for some or all of a struct's fields (the rest are written as 0). */
export type UniformValues<F extends StructFields> = Partial<{ [K in keyof F & string]: F[K] extends 'vec4<u32>' ? readonly number[] : number }>;

const SIZE: Record<FieldType, number> = { u32: 4, i32: 4, f32: 4, 'vec4<u32>': 16 };

export function uniformStruct<F extends StructFields>(name: string, fields: F): UniformStruct<F> {
  if (Object.keys(fields).length === 0) throw new Error(`uniform struct ${name}: no fields (WGSL structs need at least one)`);
  const offsets = {} as Record<string, number>;
  let end = 0;
  for (const [field, type] of Object.entries(fields)) {
    const at = Math.ceil(end / SIZE[type]) * SIZE[type]; // alignment = size for these types
    offsets[field] = at;
    end = at + SIZE[type];
  }
  return { name, fields, offsets: offsets as UniformStruct<F>['offsets'], bytes: Math.ceil(end / 16) * 16 };
}

/** Each struct's fields as (name, type, offset), made once: writeUniform runs per dispatch. */
const layouts = new WeakMap<UniformStruct, readonly { name: string; type: FieldType; at: number }[]>();

function layoutOf(struct: UniformStruct): readonly { name: string; type: FieldType; at: number }[] {
  let layout = layouts.get(struct);
  if (layout === undefined) {
    const offsets = struct.offsets as Record<string, number>;
    layout = Object.entries(struct.fields).map(([name, type]) => ({ name, type, at: offsets[name] }));
    layouts.set(struct, layout);
  }
  return layout;
}

/** Writes `values` into a block at the start of `view` (fields without a value: 0). */
export function writeUniform<F extends StructFields>(struct: UniformStruct<F>, view: DataView, values: UniformValues<F>): void {
  for (const key in values) {
    if (!(key in struct.fields)) throw new Error(`uniform struct ${struct.name} has no field '${key}' (fields: ${Object.keys(struct.fields).join(', ')})`);
  }
  const given = values as Record<string, number | readonly number[] | undefined>;
  for (const { name, type, at } of layoutOf(struct)) {
    const value = given[name];
    if (type === 'vec4<u32>') {
      const v = value ?? [0, 0, 0, 0];
      if (typeof v === 'number' || v.length !== 4) throw new Error(`uniform ${struct.name}.${name}: expected 4 numbers for a vec4<u32>, got ${String(v)}`);
      for (let i = 0; i < 4; i++) {
        if (!writeScalar(view, at + 4 * i, 'u32', v[i])) throw new Error(`uniform ${struct.name}.${name}[${i}]: ${v[i]} is not a u32`);
      }
    } else {
      if (typeof value === 'object') throw new Error(`uniform ${struct.name}.${name}: expected a number for a ${type}, got [${value.join(', ')}]`);
      if (!writeScalar(view, at, type, value ?? 0)) throw new Error(`uniform ${struct.name}.${name}: ${value} is not a ${type}`);
    }
  }
}

/** Writes v as `type` at byte `at`; false (nothing written) when v is not a value of that type. */
function writeScalar(view: DataView, at: number, type: ScalarType, v: number): boolean {
  if (type === 'f32') {
    view.setFloat32(at, v, true);
    return true;
  }
  const [lo, hi] = type === 'u32' ? [0, 2 ** 32 - 1] : [-(2 ** 31), 2 ** 31 - 1];
  if (!Number.isInteger(v) || v < lo || v > hi) return false;
  if (type === 'u32') view.setUint32(at, v, true);
  else view.setInt32(at, v, true);
  return true;
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
    return [field, (type ?? '').replace(/\s+/g, '')];
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
