// `npm run docs:cli`: writes docs/cli-reference.md, the `ddpm` command's reference, from the
// flags' declarations (commands/cli-reference.ts). Bundled into build/scripts/ by scripts/build.mjs;
// run from the repository root. test/apps/cli-reference.test.ts checks the file is current.

import { writeFileSync } from 'node:fs';
import { cliReference, REFERENCE_FILE } from '../commands/cli-reference.js';

writeFileSync(REFERENCE_FILE, cliReference());
console.log(`wrote ${REFERENCE_FILE}`);
