// The command line refuses what it would otherwise ignore: stray words, unknown flags (with a suggestion), and -h prints help before anything runs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../../test/support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-usage-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('command-line usage', () => {
  it('train some.csv exits 2 naming the stray argument, and starts no run', async () => {
    const out = join(root, 'stray');
    const run = await runCli(['train', 'some.csv', '--max-steps', '1', '--output', out]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, "finetune: train: unexpected argument 'some.csv' (a data file goes after --data)\n");
    assert.equal(run.stdout, '');
    assert.ok(!existsSync(out));
  });

  for (const command of ['train', 'eval', 'predict', 'merge', 'info']) {
    it(`${command} -h prints its help and exits 0 before anything runs`, async () => {
      const out = join(root, `help-${command}`);
      const run = await runCli([command, '-h', '--output', out]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^finetune ${command}: `));
      assert.ok(!existsSync(out));
    });
  }

  it('suggests the closest flag for a misspelt one, and refuses single-dash words', async () => {
    const misspelt = await runCli(['train', '--max-step', '3']);
    assert.equal(misspelt.code, 2);
    assert.match(misspelt.stderr, /unknown option --max-step; did you mean --max-steps\?/);
    const dash = await runCli(['eval', '-x']);
    assert.equal(dash.code, 2);
    assert.match(dash.stderr, /unknown option -x/);
  });

  it('keeps the arguments the commands take: bench <name>, info <model>', async () => {
    const bench = await runCli(['bench', 'matmul', 'extra']);
    assert.equal(bench.code, 2);
    assert.match(bench.stderr, /bench: unexpected argument 'extra' \(it takes one benchmark: matmul, train or predict\)/);
  });
});
