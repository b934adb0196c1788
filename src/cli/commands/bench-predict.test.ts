// `finetune bench predict` on a tiny BERT: sequences/s in fp32 and int8, and bad input.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, TINY_BERT_CONFIG } from '../../../test/support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'finetune-bench-predict-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const configFile = join(dir, 'config.json');
writeFileSync(configFile, JSON.stringify(TINY_BERT_CONFIG));

describe('finetune bench predict', () => {
  for (const quantize of [[], ['--quantize', 'int8']]) {
    it(`prints sequences/s (${quantize.length ? 'int8' : 'fp32'}) and gives them under --json`, async () => {
      const run = await runCli([
        'bench',
        'predict',
        '--model-config',
        configFile,
        '--batch-size',
        '4',
        '--seq-len',
        '16',
        '--steps',
        '2',
        ...quantize,
        '--json',
      ]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /sequences\/s/);
      const result = JSON.parse(run.stdout.trim()) as { sequencesPerSecond: number; batchMs: number[]; quantize: string };
      assert.ok(result.sequencesPerSecond > 0);
      assert.equal(result.batchMs.length, 2);
      assert.equal(result.quantize, quantize.length ? 'int8' : 'fp32');
    });
  }

  it('--profile prints the time of each op kind of a forward pass', async () => {
    const run = await runCli(['bench', 'predict', '--model-config', configFile, '--batch-size', '2', '--seq-len', '8', '--steps', '2', '--profile']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /profile \(mean of 2 steps/);
    assert.match(run.stdout, /^ {2}matmul +\d/m);
    assert.match(run.stdout, /^ {2}attention +\d/m);
  });

  it('refuses a missing config (usage) and an unknown quantisation, in one line', async () => {
    assert.equal((await runCli(['bench', 'predict'])).code, 2);
    const bad = await runCli(['bench', 'predict', '--model-config', configFile, '--quantize', 'fp8']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--quantize 'fp8' is not supported \(supported: int8\)/);
  });
});
