// LoRA with the Trainer: the base stays bit for bit, frozen weights get no gradients and no optimizer state (in memory
// and in checkpoints), and a resumed LoRA run ends with the weights of an uninterrupted one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { TaskModel } from '../../src/models/types.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { applyLora } from '../../src/peft/lora/apply.js';
import { randomizeAdapters, tinyModel } from '../../src/peft/lora/test-support.js';
import { Random } from '../../src/tensor/random.js';
import type { TrainerCallback } from '../../src/train/callbacks/callback.js';
import { checkpointPath } from '../../src/train/checkpoint.js';
import { classificationTask, type ClassificationData } from '../../src/tasks/classification/index.js';
import { Trainer } from '../../src/train/trainer.js';
import type { TrainingOptions } from '../../src/train/training-args.js';

const root = mkdtempSync(join(tmpdir(), 'lora-trainer-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** 32 sequences of 4 to 8 ids whose label is their first id mod 3. */
function dataset(): ClassificationData {
  const rng = new Random(11);
  const inputIds = Array.from({ length: 32 }, () => Int32Array.from({ length: 4 + rng.int(5) }, () => 3 + rng.int(47)));
  return { inputIds, typeIds: null, labels: Int32Array.from(inputIds, (ids) => ids[0]! % 3), padId: 0 };
}

const args = (outputDir: string, maxSteps: number): TrainingOptions => ({
  outputDir,
  maxSteps,
  batchSize: 8,
  learningRate: 0.01,
  warmupRatio: 0,
  evalEvery: 2,
  seed: 3,
  saveTotalLimit: 4,
});

/** A tiny BERT with fixed base weights (the same for every call) and a new LoRA adapter. */
function loraModel(baseState: Map<string, Float32Array>): TaskModel {
  const model = tinyModel('bert');
  for (const [name, p] of model.namedParameters()) p.f32().set(baseState.get(name)!);
  applyLora(model, { r: 4, rng: new Random(9) });
  return model;
}

const snapshot = (model: TaskModel): Map<string, Float32Array> => new Map(model.namedParameters().map(([n, p]) => [n, p.f32().slice()]));

describe('LoRA training with the Trainer', () => {
  const baseState = snapshot(tinyModel('bert'));
  const data = dataset();
  const task = classificationTask({ labels: ['a', 'b', 'c'] });

  it('changes only the adapters and the head; frozen weights have no gradient and no optimizer state', async () => {
    const model = loraModel(baseState);
    const outputDir = join(root, 'full');
    const trainer = new Trainer({ model, args: args(outputDir, 4), trainData: data, task });
    const trainableNames = model
      .namedParameters()
      .filter(([, p]) => p.requiresGrad)
      .map(([n]) => n);
    const optimized = new Set(trainer.optimizer.allParams());
    assert.ok(
      model.parameters().every((p) => optimized.has(p) === p.requiresGrad),
      'the optimizer holds the trainable parameters only',
    );
    await trainer.train();
    for (const [name, p] of model.namedParameters()) {
      const before = baseState.get(name);
      if (p.requiresGrad) continue;
      assert.equal(p.grad, null, `${name} has no gradient buffer`);
      assert.ok(before && p.f32().every((v, i) => v === before[i]), `${name} is unchanged`);
    }
    assert.ok(
      model.namedParameters().some(([n, p]) => n.endsWith('lora_B.weight') && p.f32().some((v) => v !== 0)),
      'B trained',
    );
    const state = trainer.optimizer.stateDict();
    assert.equal(state.m.length, trainableNames.length);
    assert.ok(state.m.every((m) => m !== null));
    const moments = [...readSafetensors(join(checkpointPath(outputDir, 4), 'optimizer.safetensors')).tensors.keys()];
    assert.deepEqual(
      moments
        .filter((k) => k.startsWith('exp_avg.'))
        .map((k) => k.slice('exp_avg.'.length))
        .sort(),
      [...trainableNames].sort(),
      'checkpoints hold moments of the trainable parameters only',
    );
  });

  it('resumes a LoRA run from a checkpoint to the weights of the uninterrupted run', async () => {
    const full = loraModel(baseState);
    await new Trainer({ model: full, args: args(join(root, 'a'), 4), trainData: data, task }).train();
    const first = loraModel(baseState);
    const outputDir = join(root, 'b');
    const crash: TrainerCallback = {
      name: 'CrashAt3',
      onStepEnd(context) {
        if (context.state.globalStep === 3) throw new Error('killed at step 3');
      },
    };
    await assert.rejects(new Trainer({ model: first, args: args(outputDir, 4), trainData: data, task, callbacks: [crash] }).train(), /killed/);
    const resumed = loraModel(baseState);
    randomizeAdapters(resumed, 5);
    const trainer = new Trainer({ model: resumed, args: args(outputDir, 4), trainData: data, task });
    trainer.resumeFrom(checkpointPath(outputDir, 2));
    await trainer.train();
    const expected = snapshot(full);
    for (const [name, p] of resumed.namedParameters())
      assert.ok(
        p.f32().every((v, i) => v === expected.get(name)![i]),
        name,
      );
  });
});
