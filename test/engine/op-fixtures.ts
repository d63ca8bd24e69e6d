// PyTorch's numbers for the op table, from the fixtures test/fixtures/make_fixtures.py wrote
// (torch 1.13; not regenerated here), each format normalised into one case shape:
//   torch_ops.json        {cases: [{name, op, params, inputs, intInputs, output, gradOut, grads}]},
//                         a row's key picks the cases of one `op`;
//   torch_unet_ops.json, torch_softmax.json, torch_nonfinite.json
//                         {key: [{x, weight, …, y, grad_out, grad_x, grad_weight, …}]}: the tensor
//                         fields with a grad_<name> partner are the float inputs, the other
//                         tensors int32 inputs (labels), y the output, grad_out the upstream
//                         gradient (none: a scalar loss, seeded with 1), numbers and booleans
//                         (and a `params` object) the call's parameters; a null field is absent;
//                         NaN and ±Inf are written as the strings "NaN", "Infinity", "-Infinity";
//   torch_ops_math.json   the same per-op arrays, but every tensor is a float input (comparisons and
//                         where's cond have no grad_ partner: they take no gradient).
//   torch_ops_dims.json   the same form: ops over a dim and indexing ops (max's `indices` field:
//                         PyTorch's positions, read by the rows' checks, not passed to the op).
// A case is a NaN/±Inf case when its file is torch_nonfinite.json or an input holds NaN or ±Inf.

import { loadFixture, type FixtureTensor } from '../support/helpers.js';
import { floats, ints, type HostTensor } from './op-inputs.js';

export type FixtureFile = 'torch_ops.json' | 'torch_unet_ops.json' | 'torch_softmax.json' | 'torch_nonfinite.json' | 'torch_ops_math.json' | 'torch_ops_dims.json';
export type Param = number | boolean | number[];
export type Params = Readonly<Record<string, Param>>;

/** Where a row's PyTorch cases are: a file, a key in it, optionally the cases whose name matches. */
export interface FixtureRef {
  file: FixtureFile;
  key: string;
  names?: RegExp;
  /** Fields under other names than the rule's (crossEntropy's `loss` is its y, `grad` its grad_logits). */
  rename?: Readonly<Record<string, string>>;
}

/** One PyTorch case: inputs (float and int32), parameters, and what PyTorch computed. */
export interface TorchCase {
  name: string;
  file: FixtureFile;
  inputs: Record<string, HostTensor>;
  params: Params;
  output: FixtureTensor;
  /** null: the output is a scalar loss, backward() seeds it with 1. */
  gradOut: FixtureTensor | null;
  grads: Record<string, FixtureTensor>;
  /** NaN or ±Inf in the inputs (every case of torch_nonfinite.json). */
  nonfinite: boolean;
}

type Encoded = { shape: number[]; data: (number | string)[] };
type Field = Encoded | number | boolean | string | null | Record<string, Param>;

const isTensor = (v: unknown): v is Encoded => typeof v === 'object' && v !== null && 'shape' in v && 'data' in v;
const decoded = (t: Encoded): FixtureTensor => ({ shape: t.shape, data: t.data.map(Number) });
const shapeText = (shape: readonly number[]): string => `[${shape.join(',')}]`;

interface OpsCase {
  name: string;
  op: string;
  params: Params;
  inputs: Record<string, FixtureTensor>;
  intInputs: Record<string, FixtureTensor>;
  output: FixtureTensor;
  gradOut: FixtureTensor;
  grads: Record<string, FixtureTensor>;
}

function fromOps(c: OpsCase): TorchCase {
  const inputs: Record<string, HostTensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) inputs[k] = floats(v.shape, v.data);
  for (const [k, v] of Object.entries(c.intInputs)) inputs[k] = ints(v.shape, v.data);
  return { name: c.name, file: 'torch_ops.json', inputs, params: c.params, output: c.output, gradOut: c.gradOut, grads: c.grads, nonfinite: false };
}

/** A per-op array entry as a case, named by its `name` field or by its inputs and parameters. */
function fromFields(file: FixtureFile, entry: Record<string, Field>, rename: Readonly<Record<string, string>>): TorchCase {
  const fields = Object.fromEntries(Object.entries(entry).map(([k, v]) => [rename[k] ?? k, v]));
  const inputs: Record<string, HostTensor> = {};
  const grads: Record<string, FixtureTensor> = {};
  const params: Record<string, Param> = {};
  let name: string | undefined, output: FixtureTensor | undefined, gradOut: FixtureTensor | null = null;
  for (const [k, v] of Object.entries(fields)) {
    if (v === null) continue;
    if (k === 'name' && typeof v === 'string') name = v;
    else if (k === 'y') output = isTensor(v) ? decoded(v) : { shape: [], data: [v as number] };
    else if (k === 'grad_out' && isTensor(v)) gradOut = decoded(v);
    else if (k.startsWith('grad_') && isTensor(v)) grads[k.slice('grad_'.length)] = decoded(v);
    else if (isTensor(v)) {
      const t = decoded(v);
      const float = file === 'torch_ops_math.json' || isTensor(fields[`grad_${k}`]);
      inputs[k] = float ? floats(t.shape, t.data) : ints(t.shape, t.data);
    } else if (k === 'params' && typeof v === 'object') Object.assign(params, v);
    else if (typeof v === 'number' || typeof v === 'boolean') params[k] = v;
    else throw new Error(`${file}: no rule for the field '${k}'`);
  }
  if (!output) throw new Error(`${file}: a case without y`);
  const described = [
    ...Object.entries(inputs).map(([k, t]) => `${k} ${shapeText(t.shape)}`),
    ...Object.entries(params).map(([k, v]) => (v === true ? k : v === false ? null : `${k} ${Array.isArray(v) ? shapeText(v) : v}`)),
  ].filter((s) => s !== null).join(', ');
  const nonfinite = file === 'torch_nonfinite.json' ||
    Object.values(inputs).some((t) => Array.from(t.data).some((v) => !Number.isFinite(v)));
  const said = (name ?? described).endsWith('with NaN/±Inf'); // torch_ops_dims.json names its own
  return { name: `${name ?? described}${nonfinite && !said ? ' with NaN/±Inf' : ''}`, file, inputs, params, output, gradOut, grads, nonfinite };
}

const files = new Map<FixtureFile, Record<string, unknown>>();
const load = (file: FixtureFile): Record<string, unknown> => {
  if (!files.has(file)) files.set(file, loadFixture<Record<string, unknown>>(file));
  return files.get(file)!;
};

/** The cases a reference names, in the file's order. */
export function torchCases(ref: FixtureRef): TorchCase[] {
  const fx = load(ref.file);
  const cases = ref.file === 'torch_ops.json'
    ? (fx.cases as OpsCase[]).filter((c) => c.op === ref.key).map(fromOps)
    : ((fx[ref.key] ?? []) as Record<string, Field>[]).map((e) => fromFields(ref.file, e, ref.rename ?? {}));
  return ref.names ? cases.filter((c) => ref.names!.test(c.name)) : cases;
}
