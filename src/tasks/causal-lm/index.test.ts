// The causal-lm task: padding and the label shift, the loss against a hand computation, #34191's normalisation across gradient accumulation, and the metrics.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TinyCausalLM } from '../../../test/support/tiny-causal-lm.js';
import { evaluateModel } from '../../train/evaluate.js';
import { Trainer } from '../../train/trainer.js';
import { noGrad } from '../../tensor/autograd.js';
import type { CausalLMData } from './index.js';
import { causalLMTask, shiftLabels } from './index.js';

const V = 11;
/** Two sequences: 4 tokens all targets (3 after the shift), 3 tokens whose first two labels are -100 (1 target). */
const data: CausalLMData = {
  inputIds: [Int32Array.of(1, 2, 3, 4), Int32Array.of(5, 6, 7)],
  labels: [Int32Array.of(1, 2, 3, 4), Int32Array.of(-100, -100, 7)],
  typeIds: null,
  padId: 0,
};

/** -log softmax(logits row)[target], in float64. */
function nll(row: Float32Array, target: number): number {
  const max = Math.max(...row);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return Math.log(sum) + max - row[target]!;
}

test('shiftLabels moves each row one left with -100 at its end', () => {
  assert.deepEqual([...shiftLabels(Int32Array.of(1, 2, 3, 4, 5, 6), 2, 3)], [2, 3, -100, 5, 6, -100]);
});

test('collate pads ids with the pad id and labels with -100; items are the target tokens after the shift', () => {
  const task = causalLMTask();
  const batch = task.collate(data, [0, 1]);
  assert.deepEqual([...batch.inputs.inputIds.i32()], [1, 2, 3, 4, 5, 6, 7, 0]);
  assert.deepEqual([...batch.inputs.attentionMask.i32()], [1, 1, 1, 1, 1, 1, 1, 0]);
  assert.deepEqual([...batch.targets.i32()], [1, 2, 3, 4, -100, -100, 7, -100]);
  assert.equal(batch.items, 4);
  assert.equal(batch.tokens, 7);
});

test('the loss is the mean next-token negative log-likelihood over target tokens, by hand', () => {
  const task = causalLMTask();
  const model = new TinyCausalLM(V, 8, 3);
  const batch = task.collate(data, [0, 1]);
  const logits = noGrad(() => model.forward(batch.inputs));
  const values = logits.f32();
  const row = (b: number, t: number): Float32Array => values.subarray((b * 4 + t) * V, (b * 4 + t + 1) * V);
  // Position t predicts the label at t + 1.
  const terms = [nll(row(0, 0), 2), nll(row(0, 1), 3), nll(row(0, 2), 4), nll(row(1, 1), 7)];
  const expected = terms.reduce((a, b) => a + b, 0) / 4;
  assert.ok(Math.abs(task.loss(logits, batch).item() - expected) < 1e-5);
  const [sum, weight] = task.evalLoss(logits, batch);
  assert.equal(weight, 4);
  assert.ok(Math.abs(sum - expected * 4) < 1e-4);
});

test('gradient accumulation sums token losses over micro-batches and divides by all their target tokens (transformers #34191)', async () => {
  const run = async (batchSize: number, gradAccumSteps: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'causal-accum-'));
    try {
      const model = new TinyCausalLM(V, 8, 5);
      const trainer = new Trainer({
        model,
        task: causalLMTask(),
        trainData: data,
        args: {
          outputDir: dir,
          maxSteps: 1,
          batchSize,
          gradAccumSteps,
          learningRate: 0.1,
          warmupRatio: 0,
          metricForBest: 'loss',
          maxGradNorm: 0,
          weightDecay: 0,
        },
      });
      const before = noGrad(() => {
        const batch = causalLMTask().collate(data, [0, 1]);
        return causalLMTask().loss(model.forward(batch.inputs), batch).item();
      });
      const result = await trainer.train();
      return { before, loss: result.trainLoss, weights: model.parameters().map((p) => [...p.f32()]) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const whole = await run(2, 1);
  const accumulated = await run(1, 2);
  // One batch of both sequences and two micro-batches of one each: the same loss (sum over 4 tokens / 4), the same update.
  assert.ok(Math.abs(whole.loss - whole.before) < 1e-5);
  assert.ok(Math.abs(accumulated.loss - whole.before) < 1e-5, `${accumulated.loss} vs ${whole.before}`);
  whole.weights.forEach((w, i) => w.forEach((v, j) => assert.ok(Math.abs(v - accumulated.weights[i]![j]!) < 1e-6, `parameter ${i}[${j}]`)));
});

test('evaluation reports loss, perplexity = exp(loss) and tokens per second', () => {
  const task = causalLMTask();
  const model = new TinyCausalLM(V, 8, 3);
  const evaluation = evaluateModel(model, task, data, { batchSize: 1 });
  const m = evaluation.metrics;
  assert.equal(m.targetTokens, 4);
  assert.equal(m.inputTokens, 7);
  assert.equal(m.sequences, 2);
  assert.ok(Math.abs(m.loss - evaluation.loss) < 1e-6);
  assert.ok(Math.abs(m.perplexity - Math.exp(evaluation.loss)) < 1e-6 * m.perplexity);
  assert.ok(m.tokensPerSecond > 0);
  assert.deepEqual(Object.keys(task.scalars(m)), ['perplexity', 'tokens_per_second']);
  assert.match(task.headline(evaluation), /^loss \d+\.\d{4}, perplexity \d+\.\d+, [\d,]+ tokens\/s$/);
  assert.equal(task.describe(evaluation).length, 2);
  assert.deepEqual(
    task.report(evaluation).scores.map(([name]) => name),
    ['loss', 'perplexity', 'tokens/s'],
  );
  assert.equal(task.details(m).target_tokens, 4);
});
