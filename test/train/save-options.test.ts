// Saving options: --save-strategy no|epoch|steps, --save-total-limit 0, --no-save-optimizer (and resuming from such a checkpoint); best weights without a checkpoint are restored from memory.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { lastJson, runCli } from '../support/run-cli.js';
import { tinyBertFolder } from '../support/tiny-bert-folder.js';

const { at, trainArgs } = tinyBertFolder('save-options', { 'train.tsv': [80, 51], 'dev.tsv': [30, 52] });
const checkpoints = (folder: string): number[] =>
  existsSync(at(`${folder}/checkpoints`))
    ? readdirSync(at(`${folder}/checkpoints`))
        .map((n) => Number(/^checkpoint-(\d+)$/.exec(n)?.[1]))
        .filter((n) => !Number.isNaN(n))
        .sort((a, b) => a - b)
    : [];

/** A run of 10 steps per epoch (80 examples, batch 8) that overfits, so its best evaluation comes before its end. */
const train = (output: string, extra: readonly string[]): ReturnType<typeof runCli> =>
  runCli([
    ...trainArgs(),
    '--eval-data',
    at('dev.tsv'),
    '--output',
    at(output),
    '--batch-size',
    '8',
    '--lr',
    '1e-2',
    '--warmup-ratio',
    '0',
    '--scheduler',
    'constant',
    '--metric-for-best',
    'loss',
    '--seed',
    '3',
    '--no-progress',
    '--json',
    ...extra,
  ]);

describe('saving options', () => {
  it('--save-strategy no writes no checkpoint and still ends with the best weights, kept in memory', async () => {
    const saved = await train('saved', ['--epochs', '6', '--save-total-limit', '10']);
    assert.equal(saved.code, 0, saved.stderr);
    const none = await train('none', ['--epochs', '6', '--save-strategy', 'no']);
    assert.equal(none.code, 0, none.stderr);
    assert.deepEqual(checkpoints('none'), []);
    const state = JSON.parse(readFileSync(at('none/trainer_state.json'), 'utf8'));
    assert.equal(state.best_model_checkpoint, null);
    assert.equal(state.best_global_step, JSON.parse(readFileSync(at('saved/trainer_state.json'), 'utf8')).best_global_step);
    assert.ok(state.best_global_step < 60, `the best step (${state.best_global_step}) should come before the end for this test to mean something`);
    assert.equal(lastJson(none.stdout).restored_best, true);
    assert.match(none.stderr, /restored the best weights \(step \d+, loss/);
    // The same weights as the run that restored them from its best checkpoint.
    assert.deepEqual(readFileSync(at('none/model.safetensors')), readFileSync(at('saved/model.safetensors')));
  });

  it('--save-total-limit 0 leaves the model only', async () => {
    const run = await train('limit0', ['--epochs', '2', '--save-total-limit', '0']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(checkpoints('limit0'), []);
    assert.ok(existsSync(at('limit0/model.safetensors')));
  });

  it('--save-strategy steps checkpoints every --save-steps and at the end; epoch at the end of each epoch', async () => {
    const steps = await train('steps', ['--max-steps', '14', '--save-strategy', 'steps', '--save-steps', '4', '--save-total-limit', '10']);
    assert.equal(steps.code, 0, steps.stderr);
    assert.deepEqual(checkpoints('steps'), [4, 8, 12, 14]);
    const epoch = await train('epoch', ['--epochs', '2', '--eval-every', '3', '--save-strategy', 'epoch', '--save-total-limit', '10']);
    assert.equal(epoch.code, 0, epoch.stderr);
    assert.deepEqual(checkpoints('epoch'), [10, 20]);
    const missing = await train('no-steps', ['--max-steps', '4', '--save-strategy', 'steps']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr.trimEnd().split('\n').at(-1), 'finetune: --save-steps is needed with --save-strategy steps');
    const bad = await train('bad', ['--max-steps', '4', '--save-strategy', 'best']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--save-strategy: "best" is not one of eval, no, epoch, steps/);
  });

  it('--no-save-optimizer writes checkpoints without the optimizer; resuming one restarts the optimizer and says so', async () => {
    const run = await train('lean', ['--max-steps', '12', '--save-strategy', 'steps', '--save-steps', '6', '--no-save-optimizer', '--save-total-limit', '10']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(checkpoints('lean'), [6, 12]);
    assert.deepEqual(readdirSync(at('lean/checkpoints/checkpoint-6')).sort(), ['model.safetensors', 'scheduler.json', 'trainer_state.json']);
    rmSync(at('lean/checkpoints/checkpoint-12'), { recursive: true });
    const resumed = await train('lean', ['--max-steps', '12', '--save-strategy', 'steps', '--save-steps', '6', '--no-save-optimizer', '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /checkpoint-6: saved without the optimizer's state \(save optimizer false\); the optimizer restarts from zero moments/);
    assert.equal(lastJson(resumed.stdout).global_step, 12);
  });
});
