// One clear line for what used to print several or blame the wrong thing: YAML tags, FINETUNE_THREADS, --max-steps 0.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { TINY_BERT_CONFIG } from '../support/run-cli.js';
import { syntheticExamples } from '../support/tiny-classifier.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-messages-'));
after(() => rmSync(root, { recursive: true, force: true }));
const bin = fileURLToPath(new URL('../../../bin/finetune.js', import.meta.url));

function finetune(args: readonly string[], env: Record<string, string> = {}): { code: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: run.status, stderr: run.stderr };
}

describe('messages', () => {
  it('a YAML tag in --config is one error line, not Node warnings', () => {
    const config = join(root, 'tagged.yaml');
    writeFileSync(config, 'epochs: !foo 3\n');
    const run = finetune(['train', '--config', config, '--model', 'x', '--data', 'y']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^finetune: .*tagged\.yaml: not valid YAML: Unresolved tag: !foo[^\n]*\n$/);
    assert.doesNotMatch(run.stderr, /YAMLWarning|trace-warnings/);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
  });

  it('a YAML alias bomb is refused in one line', () => {
    const config = join(root, 'bomb.yaml');
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    writeFileSync(config, `${levels.join('\n')}\n`);
    const run = finetune(['train', '--config', config]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^finetune: .*bomb\.yaml: not valid YAML: .*alias/i);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
  });

  it('FINETUNE_THREADS=abc is one line naming the variable, not a missing native addon', () => {
    const run = finetune(['bench', 'matmul', '--m', '4', '--k', '4', '--n', '4'], { FINETUNE_THREADS: 'abc' });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, "finetune: FINETUNE_THREADS: 'abc' is not a thread count (an integer from 1 to 1024)\n");
  });

  it('bench matmul: a size or --lead-calls out of range is a bad option value (exit 1, one line)', () => {
    const sizes = finetune(['bench', 'matmul', '--m', '0']);
    assert.equal(sizes.code, 1);
    assert.equal(sizes.stderr, 'finetune: bench matmul: --m must be an integer >= 1 (got 0)\n');
    const lead = finetune(['bench', 'matmul', '--compare', '--m', '4', '--k', '4', '--n', '4', '--lead-calls', '-1']);
    assert.equal(lead.code, 1);
    assert.equal(lead.stderr, 'finetune: bench matmul: --lead-calls must be an integer >= 0 (got -1)\n');
  });
});

describe('data messages', () => {
  it('a damaged Parquet file says so, not "Cannot read properties of undefined"', async () => {
    const { loadDataset } = await import('../../src/data/load.js');
    const damaged = join(root, 'damaged.parquet');
    writeFileSync(damaged, readFileSync(fileURLToPath(new URL('../../../test/fixtures/fuzz/parquet/case-4.bin', import.meta.url))));
    await assert.rejects(loadDataset(damaged), {
      name: 'FinetuneError',
      message: `${damaged}: cannot read as Parquet (the file is damaged, truncated or not Parquet)`,
    });
  });
});

describe('model and checkpoint messages', () => {
  const golden = fileURLToPath(new URL('../../../test/golden/models/bert', import.meta.url));

  it('--max-steps 0 is an error, not "no limit"', () => {
    const run = finetune(['train', '--model', 'x', '--data', 'y', '--max-steps', '0']);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'finetune: --max-steps 0: must be >= 1 (leave it out to train for --epochs)\n');
  });

  it('HF_ENDPOINT=file:///etc names the variable and the scheme', () => {
    const run = finetune(['info', '--model', 'org/model'], { HF_ENDPOINT: 'file:///etc', HF_HUB_CACHE: join(root, 'hub') });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'finetune: HF_ENDPOINT file:///etc: the Hub is reached over http:// or https://, not file:\n');
  });

  it('NaN weights name the weights file and key, not the learning rate', () => {
    const folder = join(root, 'nan-model');
    cpSync(golden, folder, { recursive: true });
    const weights = join(folder, 'model.safetensors');
    const { tensors } = readSafetensors(weights);
    const key = [...tensors.keys()].find((k) => k.includes('encoder.layer.1.output.dense.weight'))!;
    (tensors.get(key)!.data as Float32Array)[5] = Number.NaN;
    writeSafetensors(weights, tensors);
    const run = finetune(['info', '--model', folder]);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `finetune: ${weights}: tensor '${key}' holds NaN at index 5: the weights are damaged (not finite)\n`);
  });

  it('a checkpoint whose global_step was edited past its run is refused naming the file', () => {
    mkdirSync(join(root, 'tiny'));
    writeFileSync(join(root, 'tiny/config.json'), JSON.stringify(TINY_BERT_CONFIG));
    writeFileSync(
      join(root, 'train.tsv'),
      `sentence\tlabel\n${syntheticExamples(40, 5)
        .map((e) => `${e.text}\t${e.label}`)
        .join('\n')}\n`,
    );
    const output = join(root, 'run');
    const args = [
      'train',
      '--model',
      join(root, 'tiny/config.json'),
      '--init',
      'random',
      '--data',
      join(root, 'train.tsv'),
      '--eval-split',
      '0',
      '--max-steps',
      '2',
      '--eval-every',
      '1',
      '--threads',
      '1',
      '--output',
      output,
      '--no-progress',
    ];
    const first = finetune(args);
    assert.equal(first.code, 0, first.stderr);
    const checkpoint = join(output, 'checkpoints', readdirSync(join(output, 'checkpoints')).sort().at(-1)!);
    const statePath = join(checkpoint, 'trainer_state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    writeFileSync(statePath, JSON.stringify({ ...state, global_step: 100 }));
    const resumed = finetune([...args, '--resume']);
    assert.equal(resumed.code, 1);
    assert.match(
      resumed.stderr,
      new RegExp(
        `^finetune: ${statePath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: global_step 100 does not fit the checkpoint \\(folder step \\d+, max_steps 2\\); the file is damaged or was edited\n$`,
      ),
    );
  });
});
