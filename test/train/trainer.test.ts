// The Trainer on a tiny model: it learns, resumes to identical weights, is reproducible, accumulates, caches features, stops on NaN.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FinetuneError } from '../../src/errors.js';
import type { TrainerCallback } from '../../src/train/callbacks/callback.js';
import { listCheckpoints } from '../../src/train/checkpoint.js';
import { Trainer } from '../../src/train/trainer.js';
import type { TrainingOptions } from '../../src/train/training-args.js';
import { tinySetup, weightsOf } from '../support/tiny-run.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-trainer-'));
after(() => rmSync(root, { recursive: true, force: true }));
let runs = 0;
const freshDir = (): string => join(root, `run-${runs++}`);

const baseArgs = (outputDir: string): TrainingOptions => ({
  outputDir,
  epochs: 4,
  batchSize: 16,
  learningRate: 0.05,
  warmupRatio: 0.1,
  evalEvery: 5,
  seed: 7,
  saveTotalLimit: 2,
});

/** A callback that crashes the run after `step`, as a kill would. */
class CrashAt implements TrainerCallback {
  readonly name = 'CrashAt';
  constructor(private readonly step: number) {}
  onStepEnd(context: { state: { globalStep: number } }): void {
    if (context.state.globalStep === this.step) throw new Error(`crash at ${this.step}`);
  }
}

describe('Trainer', () => {
  it('learns the synthetic task and leaves checkpoints of the best and the last K', async () => {
    const setup = tinySetup();
    const outputDir = freshDir();
    const trainer = new Trainer({ model: setup.model, args: baseArgs(outputDir), trainData: setup.train, evalData: setup.evaluation, task: setup.task });
    const before = trainer.evaluate();
    const result = await trainer.train();
    const afterTraining = trainer.evaluate();
    assert.equal(result.globalStep, 4 * Math.ceil(240 / 16));
    assert.ok(afterTraining.metrics.accuracy > 0.8, `accuracy ${afterTraining.metrics.accuracy} (before ${before.metrics.accuracy})`);
    assert.ok(afterTraining.loss < before.loss);
    const kept = listCheckpoints(outputDir).map((c) => c.step);
    assert.ok(kept.length <= 3 && kept.includes(60), `kept ${kept}`);
    assert.ok(kept.includes(trainer.state.bestGlobalStep!));
    const history = trainer.state.logHistory;
    assert.ok(history.some((e) => 'loss' in e && 'learning_rate' in e && 'grad_norm' in e));
    assert.ok(history.filter((e) => 'eval_loss' in e).length === 12);
    assert.ok('train_runtime' in history[history.length - 1]!);
  });

  it('resumes after a crash to bit-identical weights', async () => {
    const reference = tinySetup();
    await new Trainer({
      model: reference.model,
      args: baseArgs(freshDir()),
      trainData: reference.train,
      evalData: reference.evaluation,
      task: reference.task,
    }).train();

    const outputDir = freshDir();
    const crashed = tinySetup();
    const first = new Trainer({
      model: crashed.model,
      args: baseArgs(outputDir),
      trainData: crashed.train,
      evalData: crashed.evaluation,
      task: crashed.task,
      callbacks: [new CrashAt(23)],
    });
    await assert.rejects(first.train(), /crash at 23/);
    const latest = listCheckpoints(outputDir).at(-1)!;
    assert.equal(latest.step, 20);

    const resumed = tinySetup();
    const second = new Trainer({ model: resumed.model, args: baseArgs(outputDir), trainData: resumed.train, evalData: resumed.evaluation, task: resumed.task });
    second.resumeFrom(latest.path);
    assert.equal(second.state.globalStep, 20);
    await second.train();
    assert.deepEqual(weightsOf(resumed.model), weightsOf(reference.model));
    const evalSteps = second.state.logHistory.filter((e) => 'eval_loss' in e).map((e) => e.step);
    assert.deepEqual(evalSteps, [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
  });

  it('gives bit-identical weights for the same seed and different ones for another seed', async () => {
    const run = async (seed: number): Promise<Float32Array> => {
      const s = tinySetup();
      await new Trainer({ model: s.model, args: { ...baseArgs(freshDir()), seed, epochs: 1 }, trainData: s.train, task: s.task }).train();
      return weightsOf(s.model);
    };
    const a = await run(3);
    assert.deepEqual(await run(3), a);
    assert.notDeepEqual(await run(4), a);
  });

  it('accumulates gradients: 2 x 8 examples equals one batch of 16', async () => {
    const run = async (batchSize: number, gradAccumSteps: number): Promise<Float32Array> => {
      const s = tinySetup(240, 80, 0, 0);
      const args: TrainingOptions = { ...baseArgs(freshDir()), batchSize, gradAccumSteps, groupByLength: false, epochs: 1, evalEvery: 1000 };
      await new Trainer({ model: s.model, args, trainData: s.train, task: s.task }).train();
      return weightsOf(s.model);
    };
    const accumulated = await run(8, 2);
    const whole = await run(16, 1);
    const worst = accumulated.reduce((m, v, i) => Math.max(m, Math.abs(v - whole[i]!)), 0);
    assert.ok(worst < 1e-5, `largest difference ${worst}`);
  });

  it('trains only the head on cached features when the base is frozen', async () => {
    const s = tinySetup();
    s.model.freeze();
    s.model.unfreeze('classifier');
    const base = s.model.hidden.weight.toArray();
    const trainer = new Trainer({
      model: s.model,
      args: { ...baseArgs(freshDir()), learningRate: 0.1 },
      trainData: s.train,
      evalData: s.evaluation,
      task: s.task,
    });
    assert.equal(trainer.cachesFeatures, true);
    const before = trainer.evaluate().loss;
    await trainer.train();
    assert.deepEqual(s.model.hidden.weight.toArray(), base);
    assert.ok(trainer.evaluate().loss < before);
  });

  it('stops with a clear error when the loss turns NaN, leaving the checkpoints intact', async () => {
    const s = tinySetup();
    const outputDir = freshDir();
    // A NaN weight after step 12 stands in for a diverging run.
    const poison: TrainerCallback = {
      name: 'Poison',
      onStepEnd(context) {
        if (context.state.globalStep === 12) s.model.classifier.weight.data[0] = NaN;
      },
    };
    const trainer = new Trainer({ model: s.model, args: baseArgs(outputDir), trainData: s.train, evalData: s.evaluation, task: s.task, callbacks: [poison] });
    await assert.rejects(trainer.train(), (error: Error) => {
      assert.ok(error instanceof FinetuneError);
      assert.match(error.message, /^step 1[3-5]: the training loss is NaN .*diverged.*checkpoints up to checkpoints\/checkpoint-10 are intact$/);
      assert.ok(!error.message.includes('\n'));
      return true;
    });
    assert.deepEqual(
      listCheckpoints(outputDir).map((c) => c.step),
      [5, 10],
    );
    assert.deepEqual(readdirSync(join(outputDir, 'checkpoints')).sort(), ['checkpoint-10', 'checkpoint-5']);
  });

  it('refuses early stopping without evaluation data and training with everything frozen', () => {
    const s = tinySetup();
    const stopper: TrainerCallback = { name: 'EarlyStopping', requiresEvaluation: true };
    assert.throws(
      () => new Trainer({ model: s.model, args: baseArgs(freshDir()), trainData: s.train, task: s.task, callbacks: [stopper] }),
      /early stopping needs evaluation data/,
    );
    s.model.freeze();
    assert.throws(() => new Trainer({ model: s.model, args: baseArgs(freshDir()), trainData: s.train, task: s.task }), /nothing to train/);
    assert.ok(!existsSync(join(root, 'never')));
  });
});

describe('Trainer and the event loop', () => {
  it('yields between steps: a 20 ms timer keeps firing, at least 10 times per second of CPU time, while train() runs', async () => {
    const s = tinySetup();
    let fired = 0;
    const timer = setInterval(() => fired++, 20);
    // CPU time, not wall time: on a loaded machine the process waits for a core, and no timer can fire then either.
    const started = process.cpuUsage();
    try {
      await new Trainer({ model: s.model, args: { ...baseArgs(freshDir()), epochs: 8 }, trainData: s.train, task: s.task }).train();
    } finally {
      clearInterval(timer);
    }
    const used = process.cpuUsage(started);
    const seconds = (used.user + used.system) / 1e6;
    assert.ok(fired / seconds >= 10, `${fired} timer calls in ${seconds.toFixed(2)} s of CPU time`);
  });
});

describe('Trainer and an AbortSignal', () => {
  it('stops between steps with a checkpoint that resumes to the uninterrupted weights', async () => {
    const reference = tinySetup();
    await new Trainer({
      model: reference.model,
      args: baseArgs(freshDir()),
      trainData: reference.train,
      evalData: reference.evaluation,
      task: reference.task,
    }).train();

    const outputDir = freshDir();
    const stopped = tinySetup();
    const controller = new AbortController();
    const abortAt: TrainerCallback = {
      name: 'AbortAt17',
      onStepEnd(context) {
        // From a timer, as a caller would: the trainer sees it when it yields before the next step.
        if (context.state.globalStep === 17) setImmediate(() => controller.abort());
      },
    };
    const first = new Trainer({
      model: stopped.model,
      args: baseArgs(outputDir),
      trainData: stopped.train,
      evalData: stopped.evaluation,
      task: stopped.task,
      callbacks: [abortAt],
      signal: controller.signal,
    });
    const result = await first.train();
    assert.equal(result.aborted, true);
    const latest = listCheckpoints(outputDir).at(-1)!;
    assert.ok(latest.step >= 17 && latest.step <= 18, `stopped at ${latest.step}`);
    assert.equal(result.globalStep, latest.step);

    const resumed = tinySetup();
    const second = new Trainer({ model: resumed.model, args: baseArgs(outputDir), trainData: resumed.train, evalData: resumed.evaluation, task: resumed.task });
    second.resumeFrom(latest.path);
    const finished = await second.train();
    assert.equal(finished.aborted, false);
    assert.deepEqual(weightsOf(resumed.model), weightsOf(reference.model));
  });
});
