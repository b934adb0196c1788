// The trainer's acceptance run (opt-in, about 30 minutes on 2 cores): a 4-layer BERT from a random start on SST-2 reaches 78% on dev.
//
// FINETUNE_ACCEPTANCE=1 node scripts/run-tests.mjs sst2-acceptance
// Needs ../shared/data/sst2_train.tsv and sst2_dev.tsv; skips without them or without the variable.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/run-cli.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const data = join(repo, '..', 'shared', 'data');
const skip =
  process.env.FINETUNE_ACCEPTANCE !== '1'
    ? 'set FINETUNE_ACCEPTANCE=1 to run (about 30 minutes)'
    : !existsSync(join(data, 'sst2_train.tsv'))
      ? `${data}/sst2_train.tsv is absent`
      : false;
const root = mkdtempSync(join(tmpdir(), 'finetune-sst2-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('SST-2 from a random start', { skip }, () => {
  it('BERT 256 x 4 layers reaches 78% dev accuracy in one epoch', { timeout: 60 * 60 * 1000 }, async () => {
    const output = join(root, 'run');
    const started = performance.now();
    const trained = await runCli([
      'train',
      '--model',
      join(repo, 'bench', 'configs', 'bert-small.json'),
      '--init',
      'random',
      '--data',
      join(data, 'sst2_train.tsv'),
      '--eval-split',
      '0.05',
      '--output',
      output,
      '--epochs',
      '1',
      '--batch-size',
      '32',
      '--lr',
      '2e-4',
      '--max-length',
      '64',
      '--seed',
      '0',
      '--threads',
      '2',
      '--eval-every',
      '500',
      '--early-stopping',
      '3',
      '--metric-for-best',
      'accuracy',
      '--no-progress',
    ]);
    assert.equal(trained.code, 0, trained.stderr);
    const minutes = (performance.now() - started) / 60000;
    const evaluated = await runCli(['eval', '--model', output, '--data', join(data, 'sst2_dev.tsv'), '--json']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    const accuracy = JSON.parse(evaluated.stdout.trimEnd().split('\n').at(-1)!).eval_accuracy as number;
    process.stderr.write(`SST-2 dev accuracy ${accuracy.toFixed(4)} after ${minutes.toFixed(1)} minutes\n`);
    assert.ok(accuracy >= 0.78, `dev accuracy ${accuracy}`);
  });
});
