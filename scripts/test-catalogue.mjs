// `npm run test:list`: every test suite (test/**/*.test.ts) with its header — the comment at the
// top of each file, which says what the suite covers and by what rule it judges — by folder:
// engine/, ddpm/, apps/, project/. The suites document themselves; this prints them in one place.
//
//   node scripts/test-catalogue.mjs [PATTERN]     only suites whose path matches PATTERN

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const ORDER = ['engine', 'ddpm', 'apps', 'project'];

function suites(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : suites(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** The leading // comment of a file, without the slashes. */
function header(path) {
  const lines = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.startsWith('//')) break;
    lines.push(line.replace(/^\/\/ ?/, ''));
  }
  return lines;
}

const pattern = process.argv[2] === undefined ? null : new RegExp(process.argv[2]);
const rank = (p) => { const i = ORDER.indexOf(p.split('/')[1]); return i < 0 ? ORDER.length : i; };
const files = suites(join(ROOT, 'test')).map((p) => relative(ROOT, p))
  .filter((p) => pattern === null || pattern.test(p))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
let folder = '';
for (const file of files) {
  const dir = file.split('/').slice(0, -1).join('/');
  if (dir !== folder) console.log(`\n== ${(folder = dir)}/`);
  const text = header(join(ROOT, file));
  console.log(`\n${file}${text.length === 0 ? '  (no header)' : ''}`);
  for (const line of text) console.log(`  ${line}`);
}
console.log(`\n${files.length} suites`);
