// The overfitting warning: validation loss up while training loss down between two evaluations, and only then.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrainerState } from '../trainer-state.js';
import { resolveTrainingArguments } from '../training-args.js';
import { OverfittingMonitor } from './overfitting.js';

describe('OverfittingMonitor', () => {
  it('warns when validation loss rises while training loss falls, and survives a resume', () => {
    const warnings: string[] = [];
    const monitor = new OverfittingMonitor({ line() {}, warn: (w) => void warnings.push(w) });
    const state = new TrainerState();
    const context = {
      args: resolveTrainingArguments({ outputDir: 'x' }),
      state,
      control: { shouldStop: false, shouldEvaluate: false, shouldSave: false, shouldLog: false },
      hasEvalData: true,
    };
    const evaluate = (step: number, trainLoss: number, evalLoss: number): void => {
      state.globalStep = step;
      monitor.onEvaluate(context, { metrics: { eval_loss: evalLoss }, details: null, shown: [], trainLoss });
    };
    evaluate(10, 0.7, 0.6);
    evaluate(20, 0.5, 0.5); // both fall
    evaluate(30, 0.55, 0.52); // both rise
    assert.equal(warnings.length, 0);
    const saved = monitor.stateDict();
    const resumed = new OverfittingMonitor({ line() {}, warn: (w) => void warnings.push(w) });
    resumed.loadStateDict(saved);
    state.globalStep = 40;
    resumed.onEvaluate(context, { metrics: { eval_loss: 0.6 }, details: null, shown: [], trainLoss: 0.3 });
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /^step 40: validation loss rose \(0\.5200 -> 0\.6000\) while training loss fell \(0\.5500 -> 0\.3000\): the model is starting to overfit$/,
    );
    assert.deepEqual(resumed.warnedAt, [40]);
  });
});
