// Writes docs/api.md, the package's API reference, from the sources' doc comments
// (scripts/api-docs.ts reads them): `npm run docs:api`. test/project/api-reference.test.ts fails
// when the file is not what this writes.

import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readApi, renderApiReference } from './api-docs.js';

/** The repository root, from build/scripts/api-reference.js. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const entries = readApi(root);
writeFileSync(join(root, 'docs', 'api.md'), renderApiReference(entries));
const count = entries.reduce((n, e) => n + e.exports.length, 0);
console.log(`docs/api.md: ${count} exports of ${entries.length} entry points`);
