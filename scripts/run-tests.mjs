// The runner behind `npm test`: every built suite (build/test/**/*.test.js, by scripts/build.mjs)
// in a Node process of its own, two at a time. Most suites wait on one core's worth of work (a
// child `ddpm` process, the CPU reference's single thread, a headless page), so two cores run two
// suites in not much more than the time of one. Suites start in path order, apps/ → ddpm/ →
// engine/ → project/, which puts the long ones (the commands, the page) first, so both queues
// end together. A suite's output is printed whole when it ends; then uvu's totals for all of
// them (Total, Passed, Skipped: what .ci/run reads), the slowest suites, and the failures.
//
//   node scripts/run-tests.mjs [PATTERN] [--jobs N]     only suites whose path matches PATTERN
//
// --jobs (or $TEST_JOBS) sets how many run at once (default 2). A suite that exits without
// uvu's totals (a crash at import) counts as one failed test.

import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const TESTS = join(ROOT, 'build', 'test');

function suites(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return suites(p);
    return e.name.endsWith('.test.js') ? [p] : [];
  });
}

const args = process.argv.slice(2);
const jobsAt = args.indexOf('--jobs');
const jobs = Number(jobsAt >= 0 ? args.splice(jobsAt, 2)[1] : process.env.TEST_JOBS ?? 2);
if (!(Number.isInteger(jobs) && jobs >= 1)) {
  console.error(`run-tests: --jobs takes a whole number ≥ 1, got ${jobs}`);
  process.exit(2);
}
const pattern = args[0] === undefined ? null : new RegExp(args[0]);
const queue = suites(TESTS).map((p) => relative(TESTS, p)).sort().filter((name) => pattern === null || pattern.test(name));
if (queue.length === 0) {
  console.error(`run-tests: no suite in build/test matches ${pattern ?? 'anything'} (run node scripts/build.mjs first)`);
  process.exit(2);
}

const plain = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
/** uvu's closing lines of a suite run on its own: "Total: N", "Passed: N", "Skipped: N". */
const count = (text, label) => Number(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm').exec(plain(text))?.[1] ?? NaN);

function run(name) {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(process.execPath, [join(TESTS, name)], { cwd: ROOT, env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' } });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('close', (code, signal) => {
      const total = count(output, 'Total'), passed = count(output, 'Passed'), skipped = count(output, 'Skipped');
      const crashed = Number.isNaN(total) || Number.isNaN(passed);
      resolve({
        name, output, code, signal, seconds: (performance.now() - start) / 1000,
        total: crashed ? 1 : total, passed: crashed ? 0 : passed, skipped: crashed ? 0 : skipped, crashed,
      });
    });
  });
}

const start = performance.now();
const results = [];
let next = 0;
async function worker() {
  while (next < queue.length) {
    const r = await run(queue[next++]);
    results.push(r);
    process.stdout.write(`\n${r.name} (${r.seconds.toFixed(1)} s)\n${r.output.trimEnd()}\n`);
    if (r.crashed) process.stdout.write(`\n  ${r.name} ended (${r.signal ?? `exit ${r.code}`}) without uvu's totals: counted as one failed test\n`);
  }
}
await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, worker));

const sum = (key) => results.reduce((s, r) => s + r[key], 0);
const failed = results.filter((r) => r.crashed || r.passed < r.total || r.code !== 0);
console.log(`\n${results.length} suites, ${jobs} at a time; the slowest:`);
for (const r of [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 6)) console.log(`  ${r.seconds.toFixed(1).padStart(6)} s  ${r.name}`);
if (failed.length > 0) {
  console.log('\nfailed:');
  for (const r of failed) {
    const names = [...plain(r.output).matchAll(/FAIL\s+(.*)$/gm)].map((m) => m[1].trim());
    console.log(`  ${r.name}: ${names.length > 0 ? names.join('; ') : r.crashed ? 'crashed' : `exit ${r.code}`}`);
  }
}
console.log(`\n  Total:     ${sum('total')}\n  Passed:    ${sum('passed')}\n  Skipped:   ${sum('skipped')}\n  Duration:  ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
process.exit(failed.length > 0 ? 1 : 0);
