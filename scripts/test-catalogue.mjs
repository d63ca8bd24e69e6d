// `npm run test:list`: every test suite (test/**/*.test.ts) with its header — the comment at the
// top of each file, which says what the suite covers and by what rule it judges — by folder:
// engine/, ddpm/, apps/, project/. The suites document themselves; this prints them in one place.
// With --markdown it writes docs/testing.md's list of suites instead (npm run docs:tests): a table
// per folder, each suite with its header's first sentence, between the file's
// `<!-- suites -->` and `<!-- /suites -->` lines (test/project/docs.test.ts checks it is current, with --check).
//
//   node scripts/test-catalogue.mjs [PATTERN]     only suites whose path matches PATTERN
//   node scripts/test-catalogue.mjs --markdown    rewrite docs/testing.md's list
//   node scripts/test-catalogue.mjs --check       exit 1 when docs/testing.md's list is not current

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/**
 * A header's first sentence (up to the first '. ' outside parentheses); past 200 characters, cut
 * at its last '; ' (else ', ') outside parentheses before that, with '…'.
 */
export function firstSentence(lines) {
  const text = lines.join(' ').replace(/\s+/g, ' ').trim();
  const stops = { '.': [], ';': [], ',': [] }; // positions of '. ', '; ', ', ' outside parentheses
  let depth = 0;
  for (let i = 0; i < text.length - 1; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (depth === 0 && text[i] in stops && text[i + 1] === ' ') stops[text[i]].push(i);
  }
  const sentence = text.slice(0, stops['.'][0] ?? text.length).replace(/\.$/, '');
  if (sentence.length <= 200) return sentence;
  const last = (marks) => marks.filter((i) => i <= 200).at(-1);
  return `${text.slice(0, last(stops[';']) ?? last(stops[',']) ?? 200)}…`;
}

/** The list of suites as Markdown: a table per folder, each suite with its header's first sentence. */
export function suitesMarkdown(files) {
  const out = [];
  for (const dir of [...new Set(files.map((f) => f.split('/').slice(0, -1).join('/')))]) {
    out.push(`### \`${dir}/\``, '', '| suite | what it covers |', '| --- | --- |');
    for (const file of files.filter((f) => f.startsWith(`${dir}/`) && !f.slice(dir.length + 1).includes('/'))) {
      out.push(`| \`${file.slice(dir.length + 1)}\` | ${firstSentence(header(join(ROOT, file))).replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

const rank = (p) => { const i = ORDER.indexOf(p.split('/')[1]); return i < 0 ? ORDER.length : i; };
/** Every suite's path from the repository root, by folder in the layers' order. */
export const allSuites = () => suites(join(ROOT, 'test')).map((p) => relative(ROOT, p)).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const MARKS = ['<!-- suites -->', '<!-- /suites -->'];

/** docs/testing.md with its list of suites as the suites' headers say now. */
export function testingDoc() {
  const path = join(ROOT, 'docs', 'testing.md');
  const text = readFileSync(path, 'utf8');
  const [from, to] = MARKS.map((m) => text.indexOf(m));
  if (from < 0 || to < from) throw new Error(`docs/testing.md has no ${MARKS.join(' … ')} section`);
  return text.slice(0, from + MARKS[0].length) + '\n\n' + suitesMarkdown(allSuites()) + '\n' + text.slice(to);
}

if (process.argv[1] === import.meta.filename) {
  if (process.argv[2] === '--check') {
    const current = readFileSync(join(ROOT, 'docs', 'testing.md'), 'utf8') === testingDoc();
    console.log(current ? 'docs/testing.md lists every suite as its header says' : 'docs/testing.md\'s list of suites is out of date: run npm run docs:tests');
    process.exit(current ? 0 : 1);
  }
  if (process.argv[2] === '--markdown') {
    writeFileSync(join(ROOT, 'docs', 'testing.md'), testingDoc());
    console.log('wrote docs/testing.md');
    process.exit(0);
  }
  const pattern = process.argv[2] === undefined ? null : new RegExp(process.argv[2]);
  const files = allSuites().filter((p) => pattern === null || pattern.test(p));
  let folder = '';
  for (const file of files) {
    const dir = file.split('/').slice(0, -1).join('/');
    if (dir !== folder) console.log(`\n== ${(folder = dir)}/`);
    const text = header(join(ROOT, file));
    console.log(`\n${file}${text.length === 0 ? '  (no header)' : ''}`);
    for (const line of text) console.log(`  ${line}`);
  }
  console.log(`\n${files.length} suites`);
}
