// Learning-rate schedules against transformers' formulas, and the run plan's step arithmetic.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lrAt, warmupStepsFor, type ScheduleConfig } from './schedule.js';
import { classWeightTensor, planRun } from './run-plan.js';
import { resolveTrainingArguments } from './training-args.js';

const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-15, `${a} != ${b}`);

describe('schedules', () => {
  const base = { baseLr: 1e-3, warmupSteps: 10, totalSteps: 100 };
  it('warms up linearly from 0, then decays linearly, by cosine, or stays', () => {
    const linear: ScheduleConfig = { ...base, name: 'linear' };
    close(lrAt(linear, 0), 0);
    close(lrAt(linear, 5), 5e-4);
    close(lrAt(linear, 10), 1e-3);
    close(lrAt(linear, 55), 5e-4);
    close(lrAt(linear, 100), 0);
    const cosine: ScheduleConfig = { ...base, name: 'cosine' };
    close(lrAt(cosine, 55), 5e-4);
    close(lrAt(cosine, 10), 1e-3);
    assert.ok(Math.abs(lrAt(cosine, 100)) < 1e-18);
    const constant: ScheduleConfig = { ...base, name: 'constant' };
    close(lrAt(constant, 3), 3e-4);
    close(lrAt(constant, 90), 1e-3);
    close(lrAt({ ...linear, warmupSteps: 0 }, 0), 1e-3);
  });

  it('derives warm-up steps as ceil(ratio * total) unless given', () => {
    assert.equal(warmupStepsFor(95, 0.1), 10);
    assert.equal(warmupStepsFor(95, 0.1, 3), 3);
  });
});

describe('planRun', () => {
  it('counts steps per epoch with accumulation, honours maxSteps and picks a logging interval', () => {
    const plan = planRun(resolveTrainingArguments({ outputDir: 'x', batchSize: 8, gradAccumSteps: 3, epochs: 2 }), 100);
    assert.equal(plan.stepsPerEpoch, 5);
    assert.equal(plan.maxSteps, 10);
    assert.equal(plan.schedule.warmupSteps, 1);
    assert.equal(plan.loggingSteps, 1);
    const capped = planRun(resolveTrainingArguments({ outputDir: 'x', batchSize: 10, maxSteps: 7000 }), 100);
    assert.equal(capped.maxSteps, 7000);
    assert.equal(capped.numTrainEpochs, 700);
    assert.equal(capped.loggingSteps, 50);
  });

  it('rejects bad option values naming the option', () => {
    assert.throws(() => resolveTrainingArguments({ outputDir: 'x', batchSize: 0 }), /training option batchSize: 0 must be an integer >= 1/);
    assert.throws(() => resolveTrainingArguments({ outputDir: 'x', scheduler: 'step' as never }), /scheduler: "step" is not one of linear, cosine, constant/);
    assert.throws(() => resolveTrainingArguments({ outputDir: 'x', metricForBest: 'bleu' }), /metricForBest: "bleu" is not one of/);
    assert.throws(() => resolveTrainingArguments({ outputDir: 'x', warmupRatio: 1 }), /warmupRatio: 1 must be in \[0, 1\)/);
    assert.equal(resolveTrainingArguments({ outputDir: 'x', metricForBest: 'eval_accuracy' }).metricForBest, 'accuracy');
  });
});

describe('classWeightTensor', () => {
  const data = Int32Array.of(0, 0, 0, 1);
  it("gives 'balanced' weights n / (classes * count) and checks explicit ones", () => {
    assert.deepEqual([...classWeightTensor('balanced', data, ['a', 'b'])!.data], [Math.fround(4 / 6), 2]);
    assert.deepEqual([...classWeightTensor([1, 3], data, ['a', 'b'])!.data], [1, 3]);
    assert.equal(classWeightTensor(undefined, data, ['a', 'b']), undefined);
    assert.throws(() => classWeightTensor([1], data, ['a', 'b']), /class weights: 1 given for 2 classes \(a, b\)/);
  });
});
