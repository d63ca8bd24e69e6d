// The API reference, docs/api.md, against the sources (scripts/api-docs.ts reads them with
// TypeScript's compiler API): every export of each entry point in package.json's "exports" has a
// doc comment on its declaration, and so does every public member of an exported class (its
// constructor, methods, properties, accessors; members marked @internal are not public); and
// docs/api.md is what `npm run docs:api` writes now.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readApi, renderApiReference, REGENERATE } from '../../scripts/api-docs.js';
import { repoRoot } from '../support/helpers.js';

const root = repoRoot();
const entries = readApi(root);

test('every public export has a doc comment on its declaration', () => {
  const undocumented = entries.flatMap((entry) => entry.exports
    .filter((e) => e.doc === null)
    .map((e) => `${entry.specifier}: ${e.kind} ${e.name} (${e.file})`));
  assert.equal(undocumented, [], 'exports with no /** … */ doc comment');
});

test('every public member of an exported class has a doc comment', () => {
  const undocumented = entries.flatMap((entry) => entry.exports
    .filter((e) => e.kind === 'class')
    .flatMap((e) => e.members.filter((m) => m.doc === null).map((m) => `${e.name}: ${m.signature} (${e.file})`)));
  assert.equal([...new Set(undocumented)], [], 'class members with no /** … */ doc comment');
});

/** The first line where two texts differ, as 'line N: "a" / "b"'. */
function firstDifference(a: string, b: string): string {
  const [left, right] = [a.split('\n'), b.split('\n')];
  const at = left.findIndex((line, i) => line !== right[i]);
  const i = at === -1 ? left.length : at;
  return `line ${i + 1}: ${JSON.stringify(left[i] ?? '(end)')} / ${JSON.stringify(right[i] ?? '(end)')}`;
}

test(`docs/api.md is current (else: ${REGENERATE})`, () => {
  const written = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
  const current = renderApiReference(entries);
  assert.ok(written === current,
    `docs/api.md is not what the sources give now (${firstDifference(written, current)}): run ${REGENERATE}`);
});

test.run();
