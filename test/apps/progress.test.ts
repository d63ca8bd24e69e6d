// Progress lines (app-support/progress.ts): a plain line per update in a log, a redrawn bar on a
// terminal, and no time-left estimate until this run has done some work of its own (a resumed
// run starts at its saved epoch).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Progress } from '../../app-support/progress.js';

function recorder(isTTY: boolean): { isTTY: boolean; columns: number; written: string[]; write(s: string): void } {
  return { isTTY, columns: 100, written: [], write(s: string) { this.written.push(s); } };
}

test('in a log: one plain line per update (interval 0), with the count, the fields and the time left', () => {
  const log = recorder(false);
  const p = new Progress('train', 10, 'epoch', log, 0);
  p.update(5, 'loss 0.5000', { count: 50, unit: 'steps' });
  p.update(10, 'loss 0.4000');
  assert.match(log.written[0], /^train: epoch 5\/10  loss 0\.5000  [\d.]+ steps\/s  ETA \d+s\n$/);
  assert.match(log.written[1], /^train: epoch 10\/10  loss 0\.4000  \d+s\n$/, 'finished: the time taken, no ETA');
});

test('a resumed run: no time-left estimate until it has done work of its own', () => {
  const log = recorder(false);
  const p = new Progress('train', 60, 'epoch', log, 0, 20);
  p.update(20, 'loss 0.1');
  assert.not.match(log.written[0], /ETA/);
  p.update(21, 'loss 0.1');
  assert.match(log.written[1], /epoch 21\/60  loss 0\.1  ETA/);
});

test('on a terminal: one line redrawn in place with a bar, ended by a newline when done', () => {
  const tty = recorder(true);
  const p = new Progress('sample', 8, 'step', tty);
  p.update(4, '100 images');
  assert.match(tty.written[0], /^\rsample \[#{12}\.{12}\] step 4\/8  100 images/);
  assert.is(tty.written[0].length, 1 + 99, 'padded to the terminal width');
  p.update(8, '100 images');
  assert.ok(tty.written[1].endsWith('\n'));
});

test('a fraction of a unit counts towards the time left; on a terminal redraws are at most every 0.1 s', () => {
  const log = recorder(false);
  const p = new Progress('train', 4, 'epoch', log, 0);
  p.update(0.5, 'step 40/79');
  assert.match(log.written[0], /^train: epoch 0\/4  step 40\/79  ETA \d+s\n$/);
  const tty = recorder(true);
  const q = new Progress('train', 4, 'epoch', tty);
  for (let i = 1; i <= 100; i++) q.update(i / 100, '');
  assert.is(tty.written.length, 1, 'a hundred updates within a few ms draw once');
  q.update(4, '');
  assert.is(tty.written.length, 2, 'the end is always drawn');
});

test.run();
