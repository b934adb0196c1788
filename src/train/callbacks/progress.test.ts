// Progress output: plain lines per logging step and per evaluation, or a redrawn bar on a terminal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrainerState } from '../trainer-state.js';
import { resolveTrainingArguments } from '../training-args.js';
import type { CallbackContext, TrainerOutput } from './callback.js';
import { formatDuration, ProgressCallback } from './progress.js';

function context(): CallbackContext {
  const state = new TrainerState();
  Object.assign(state, { maxSteps: 100, numTrainEpochs: 2 });
  return {
    args: resolveTrainingArguments({ outputDir: 'x' }),
    state,
    control: { shouldStop: false, shouldEvaluate: false, shouldSave: false, shouldLog: false },
    hasEvalData: true,
  };
}

describe('ProgressCallback', () => {
  it('writes plain lines with loss, learning rate, tokens/s and time left when not on a terminal', () => {
    const lines: string[] = [];
    let clock = 0;
    const progress = new ProgressCallback({ output: { line: (t) => void lines.push(t), warn() {} }, now: () => clock });
    const ctx = context();
    progress.onTrainBegin(ctx);
    for (let step = 1; step <= 10; step++) {
      clock += 500;
      ctx.state.globalStep = step;
      progress.onStepEnd(ctx, { loss: 0.5, learningRate: 2e-5, tokens: 1000, gradNorm: 1 });
    }
    ctx.state.epoch = 0.2;
    progress.onLog(ctx, { loss: 0.5, learning_rate: 2e-5, grad_norm: 1.5, step: 10, epoch: 0.2 });
    progress.onEvaluate(ctx, {
      metrics: { eval_loss: 0.4, eval_accuracy: 0.8, eval_f1_macro: 0.79, eval_precision_macro: 0.8, eval_recall_macro: 0.78 },
      details: null,
      shown: [
        ['accuracy', 'accuracy'],
        ['f1_macro', 'F1 (macro)'],
        ['precision_macro', 'precision (macro)'],
        ['recall_macro', 'recall (macro)'],
      ],
      trainLoss: 0.45,
    });
    assert.deepEqual(lines, [
      'step 10/100 (epoch 0.20): loss 0.5000, lr 2.00e-5, grad norm 1.500, 2000 tokens/s, 45s left',
      'eval step 10 (epoch 0.20): train loss 0.4500 | val loss 0.4000 | accuracy 0.8000 | F1 (macro) 0.7900 | precision (macro) 0.8000 | recall (macro) 0.7800',
    ]);
  });

  it('redraws one bar line on a terminal', () => {
    const drawn: string[] = [];
    const output: TrainerOutput = { line() {}, warn() {}, redraw: (t) => void drawn.push(t) };
    let clock = 0;
    const progress = new ProgressCallback({ output, now: () => clock, barWidth: 10 });
    const ctx = context();
    progress.onTrainBegin(ctx);
    clock = 2000;
    ctx.state.globalStep = 50;
    progress.onStepEnd(ctx, { loss: 0.25, learningRate: 1e-4, tokens: 4000, gradNorm: 1 });
    progress.onLog(ctx, { loss: 0.25, step: 50, epoch: 1 });
    assert.deepEqual(drawn, ['epoch 1/2 |#####-----| 50/100 loss 0.2500 lr 1.00e-4 2000 tok/s 2s left']);
    progress.onTrainEnd();
    assert.equal(drawn.at(-1), '');
  });

  it('formats durations', () => {
    assert.deepEqual([formatDuration(7.4), formatDuration(245), formatDuration(11040), formatDuration(NaN)], ['7s', '4m05s', '3h04m', '?']);
  });
});
