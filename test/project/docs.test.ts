// The documents (README.md, CHANGELOG.md, docs/*.md) stay true of the code:
//   - README is a front door: at most 200 lines;
//   - every relative link and picture points at a file that exists (and a #heading it has);
//   - every fenced block of a written document (the generated API and command references aside,
//     which their own tests hold to the code) names its language, and each kind is checked:
//       ts      run by the package test (test/project/package.test.ts: the two examples of
//               docs/getting-started.md, from the packed tarball) or, when it opens with
//               `// excerpt: FILE`, found line for line, in order, in FILE (`// …` skips);
//       sh      every `ddpm` (or `npx ddpm`) command line parses with that command's own flag
//               parser (commands/command-table.ts: the image workload's set for MNIST runs), so
//               every flag, value, choice and range in it is one the command takes; the
//               commands themselves take minutes and run in their own suites at small sizes;
//       text    formulas and pseudocode, read, not run;
//       python  run by test/apps/doc-python.test.ts (docs/checkpoints.md's, the only one: with
//               Debian's PyTorch and a stand-in for the safetensors package);
//   - docs/testing.md's list of suites is each suite's header's first sentence, as it is now
//     (scripts/test-catalogue.mjs --check);
//   - every folder with a README names each file in it (generated X.wgsl.ts modules and
//     pictures aside), so a file map cannot fall behind its folder.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runExamples } from '../support/doc-examples.js';
import { COMMANDS, type FlagSet } from '../../commands/command-table.js';
import { repoRoot } from '../support/helpers.js';

const root = repoRoot();
const DOCS = ['README.md', 'CHANGELOG.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const LANGUAGES = ['ts', 'sh', 'text', 'python'];
/** Generated from the code (their own tests hold them to it): their blocks are declarations, not examples. */
const GENERATED = ['docs/api.md', 'docs/cli-reference.md'];
/** The documents whose fenced blocks are examples. */
const WRITTEN = DOCS.filter((doc) => !GENERATED.includes(doc));

interface Block { doc: string; line: number; language: string; code: string }

/** The fenced blocks of a Markdown file, with the line each starts on. */
function blocks(doc: string): Block[] {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    assert.ok(end > i, `${doc}:${i + 1}: a fence that is never closed`);
    out.push({ doc, line: i + 1, language: open[1], code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string): string => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

test('README is a front door: at most 200 lines', () => {
  const lines = readFileSync(join(root, 'README.md'), 'utf8').trimEnd().split('\n').length;
  assert.ok(lines <= 200, `README.md has ${lines} lines`);
});

test('every relative link and picture in the documents points at a file (and a heading) that exists', () => {
  const broken: string[] = [];
  for (const doc of DOCS) {
    const text = readFileSync(join(root, doc), 'utf8').replace(/```[\s\S]*?```/g, '');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g), ...text.matchAll(/src="([^"]+)"/g)].map((m) => m[1]);
    for (const target of targets.filter((t) => !/^[a-z]+:/.test(t))) {
      const [path, anchor] = target.split('#');
      const file = path === '' ? join(root, doc) : normalize(join(root, dirname(doc), path));
      if (!existsSync(file)) {
        broken.push(`${doc}: ${target} (no such file)`);
        continue;
      }
      if (anchor && file.endsWith('.md')) {
        const content = readFileSync(file, 'utf8');
        const anchors = [...content.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))),
          ...[...content.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1])];
        if (!anchors.includes(anchor)) broken.push(`${doc}: ${target} (no such heading)`);
      }
    }
  }
  assert.equal(broken, []);
});

test('every fenced block names its language', () => {
  const unnamed = WRITTEN.flatMap(blocks).filter((b) => !LANGUAGES.includes(b.language)).map((b) => `${b.doc}:${b.line} '${b.language}'`);
  assert.equal(unnamed, [], `languages: ${LANGUAGES.join(', ')}`);
});

test('each ts block is run by the package test, or is an excerpt found line for line in its file', () => {
  const ran = runExamples();
  for (const b of WRITTEN.flatMap(blocks).filter((x) => x.language === 'ts')) {
    if (ran.includes(`${b.code}\n`)) continue;
    const from = /^\/\/ excerpt: (\S+)\n/.exec(b.code);
    assert.ok(from, `${b.doc}:${b.line}: a ts block that nothing runs (open it with '// excerpt: FILE' if it quotes one)`);
    const source = readFileSync(join(root, from[1]), 'utf8').split('\n').map((l) => l.trim());
    let at = 0;
    for (const line of b.code.split('\n').slice(1).map((l) => l.trim()).filter((l) => l !== '' && l !== '// …')) {
      const found = source.indexOf(line, at);
      assert.ok(found >= 0, `${b.doc}:${b.line}: '${line}' is not in ${from[1]} (after line ${at})`);
      at = found + 1;
    }
  }
});

test('the one python block is docs/checkpoints.md\'s, which test/apps/doc-python.test.ts runs', () => {
  const python = WRITTEN.flatMap(blocks).filter((b) => b.language === 'python').map((b) => b.doc);
  assert.equal(python, ['docs/checkpoints.md']);
});

/** The flag set a documented command line is parsed with: the image workload's for MNIST and Fashion-MNIST runs, else the points'. */
function flagSetFor(command: string, args: readonly string[]): FlagSet | undefined {
  const sets = COMMANDS[command]?.flagSets;
  if (!sets) return undefined;
  const images = args.some((a, i) => (a === '--dataset' && /mnist/.test(args[i + 1] ?? '')) || (a === '--checkpoint' && /mnist/.test(args[i + 1] ?? '')));
  return sets.length === 1 ? sets[0] : sets.find((set) => set.workload === (images ? 'images' : 'points'));
}

test('every ddpm command line in the documents parses with that command\'s own flags (names, values, choices, ranges)', () => {
  let checked = 0;
  for (const b of WRITTEN.flatMap(blocks).filter((x) => x.language === 'sh')) {
    for (const line of b.code.split('\n')) {
      const words = line.replace(/#.*$/, '').trim().split(/\s+/);
      const at = words.indexOf('ddpm');
      if (at < 0 || (at > 0 && words[at - 1] !== 'npx' && words[at - 1] !== '&&')) continue;
      const command = words[at + 1];
      const end = words.findIndex((w, i) => i > at && /^(&&|\|\|?|;|\d?>)$/.test(w));
      const args = words.slice(at + 2, end < 0 ? undefined : end);
      const set = flagSetFor(command, args);
      assert.ok(set, `${b.doc}:${b.line}: unknown command 'ddpm ${command}'`);
      try {
        assert.ok(set.flags.parse(args), `${b.doc}:${b.line}: ${line.trim()} parsed`);
      } catch (e) {
        assert.unreachable(`${b.doc}:${b.line}: 'ddpm ${command} ${args.join(' ')}' is refused: ${(e as Error).message}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 8, `found ${checked} ddpm command lines`);
});

test('docs/testing.md lists every suite with its header\'s first sentence, as the headers say now', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'test-catalogue.mjs'), '--check'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stdout + r.stderr);
});

test('every folder with a README names each file in it', () => {
  const folders = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name === 'README.md' && !/(^|\/)(node_modules|build|dist|\.git)(\/|$)/.test(e.parentPath) && e.parentPath !== root)
    .map((e) => e.parentPath);
  assert.ok(folders.length >= 4, `folder READMEs: ${folders.length}`);
  const unnamed: string[] = [];
  for (const folder of folders) {
    const readme = readFileSync(join(folder, 'README.md'), 'utf8');
    for (const file of readdirSync(folder, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name)) {
      if (file === 'README.md' || file.endsWith('.wgsl.ts') || file.endsWith('.png')) continue;
      if (!readme.includes(file)) unnamed.push(`${folder.slice(root.length + 1)}/${file}`);
    }
  }
  assert.equal(unnamed, [], 'files their folder\'s README does not name');
});

test.run();
