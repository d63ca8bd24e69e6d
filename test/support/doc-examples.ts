// The engine's examples that the tests run: the ts blocks of docs/getting-started.md under three
// headings. test/project/package.test.ts runs them from the packed tarball;
// test/project/docs.test.ts accepts them as run.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './helpers.js';

/** Where the run examples are: a document and the headings whose first ts block is run. */
export const RUN_EXAMPLES = { doc: 'docs/getting-started.md', headings: ['Using the engine', 'CPU or GPU', 'Training the diffusion model'] } as const;

/** The first ```ts block after each of RUN_EXAMPLES' headings, in order (an error names a missing one). */
export function runExamples(): string[] {
  const text = readFileSync(join(repoRoot(), RUN_EXAMPLES.doc), 'utf8');
  return RUN_EXAMPLES.headings.map((heading) => {
    const at = text.indexOf(`\n## ${heading}\n`);
    if (at < 0) throw new Error(`${RUN_EXAMPLES.doc} has no section "${heading}"`);
    const block = /```ts\n([\s\S]*?)```/.exec(text.slice(at));
    if (!block) throw new Error(`${RUN_EXAMPLES.doc}'s "${heading}" has no ts example`);
    return block[1];
  });
}
