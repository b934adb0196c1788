// An overfitting setup (few rows, many epochs) stops early, warns about overfitting and restores the best checkpoint.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EarlyStopping } from '../../src/train/callbacks/early-stopping.js';
import { OverfittingMonitor } from '../../src/train/callbacks/overfitting.js';
import { loadModelWeights, STATE_FILE } from '../../src/train/checkpoint.js';
import { Trainer } from '../../src/train/trainer.js';
import { tinySetup, weightsOf } from '../support/tiny-run.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-early-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('early stopping', () => {
  it('stops an overfitting run, warns, and ends with the best checkpoint restored', async () => {
    // Without dropout, 4 batches of 50 per epoch and many epochs, validation loss falls and then climbs.
    const s = tinySetup(200, 80, 0, 0);
    const outputDir = join(root, 'overfit');
    const warnings: string[] = [];
    const output = { line() {}, warn: (text: string) => void warnings.push(text) };
    const stopper = new EarlyStopping({ patience: 3, minDelta: 0.001, metric: 'loss' });
    const trainer = new Trainer({
      model: s.model,
      args: { outputDir, epochs: 100, batchSize: 50, learningRate: 0.02, warmupRatio: 0, scheduler: 'constant', metricForBest: 'loss', seed: 1 },
      trainData: s.train,
      evalData: s.evaluation,
      task: s.task,
      callbacks: [stopper, new OverfittingMonitor(output)],
      output,
    });
    const result = await trainer.train();
    assert.ok(result.stoppedEarly, `ran all ${result.globalStep} steps`);
    assert.ok(result.globalStep < 100 * 4);
    assert.ok(result.restoredBest);
    const state = JSON.parse(readFileSync(join(outputDir, 'checkpoints', `checkpoint-${result.globalStep}`, STATE_FILE), 'utf8'));
    assert.equal(state.should_training_stop, true);
    assert.equal(state.best_model_checkpoint, `checkpoints/checkpoint-${state.best_global_step}`);
    assert.equal(state.stateful_callbacks.EarlyStopping.waited, 3);
    const evals = state.log_history.filter((e: Record<string, number>) => 'eval_loss' in e);
    const best = Math.min(...evals.map((e: Record<string, number>) => e.eval_loss));
    assert.equal(state.best_metric, best);
    assert.equal(evals.at(-1).step - state.best_global_step, 3 * 4);
    // The model now holds the best checkpoint's weights.
    const restored = weightsOf(s.model);
    loadModelWeights(join(outputDir, state.best_model_checkpoint), s.model);
    assert.deepEqual(weightsOf(s.model), restored);
    assert.ok(Math.abs(trainer.evaluate().loss - best) < 1e-6);
    assert.ok(
      warnings.some((w) => /validation loss rose .* while training loss fell .*overfit/.test(w)),
      warnings.join('\n'),
    );
  });

  it('checks its options', () => {
    assert.throws(() => new EarlyStopping({ patience: 0 }), /patience 0 must be an integer >= 1/);
    assert.throws(() => new EarlyStopping({ patience: 2, metric: 'bleu' }), /unknown metric 'bleu'/);
    assert.throws(() => new EarlyStopping({ patience: 2, minDelta: -1 }), /min delta -1/);
  });
});
