// trainClassifier's progress: onEvent and the trainEvents iterator see every step, log, evaluation and checkpoint, then end; leaving the loop aborts with a checkpoint.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { syntheticExamples } from '../../../test/support/tiny-classifier.js';
import { TINY_BERT_CONFIG } from '../../../test/support/run-cli.js';
import { trainClassifier, trainEvents, type TrainRunOptions } from './train-classifier.js';
import type { TrainEvent } from './train-events.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-train-events-'));
after(() => rmSync(root, { recursive: true, force: true }));
const at = (name: string): string => join(root, name);

before(() => {
  mkdirSync(at('model'));
  writeFileSync(at('model/config.json'), JSON.stringify(TINY_BERT_CONFIG));
  const tsv = (rows: { text: string; label: string }[]): string => `text\tlabel\n${rows.map((e) => `${e.text}\t${e.label}`).join('\n')}\n`;
  writeFileSync(at('train.tsv'), tsv(syntheticExamples(80, 41)));
  writeFileSync(at('dev.tsv'), tsv(syntheticExamples(20, 42)));
});

const options = (output: string): TrainRunOptions => ({
  model: at('model'),
  init: 'random',
  data: at('train.tsv'),
  evalData: at('dev.tsv'),
  output: at(output),
  maxLength: 24,
  training: { maxSteps: 12, evalEvery: 4, loggingSteps: 2, batchSize: 8, learningRate: 3e-3 },
});

const count = (events: readonly TrainEvent[], type: TrainEvent['type']): number => events.filter((e) => e.type === type).length;

describe('train events', () => {
  it('onEvent receives each step with its loss and learning rate, the logs, evaluations and checkpoints, then end', async () => {
    const events: TrainEvent[] = [];
    const result = await trainClassifier({ ...options('callback'), onEvent: (e) => events.push(e) });
    assert.equal(count(events, 'step'), 12);
    const steps = events.filter((e) => e.type === 'step');
    assert.deepEqual(
      steps.map((e) => e.step),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    // The first step of the warm-up runs at learning rate 0.
    assert.ok(steps.every((e) => Number.isFinite(e.loss) && e.learningRate >= 0 && e.maxSteps === 12 && Number.isFinite(e.gradNorm)));
    assert.ok(steps[5]!.learningRate > 0);
    assert.equal(count(events, 'eval'), 3);
    assert.ok(events.filter((e) => e.type === 'eval').every((e) => typeof e.metrics.eval_loss === 'number' && typeof e.metrics.eval_f1_macro === 'number'));
    assert.equal(count(events, 'checkpoint'), 3);
    assert.ok(count(events, 'log') >= 6);
    const last = events.at(-1)!;
    assert.equal(last.type, 'end');
    assert.equal(last.type === 'end' ? last.result : undefined, result);
  });

  it('for await over trainEvents gives the same events; the run is silent by default', async () => {
    const seen: TrainEvent['type'][] = [];
    let end: TrainEvent | undefined;
    for await (const event of trainEvents(options('iterator'))) {
      seen.push(event.type);
      if (event.type === 'end') end = event;
    }
    assert.equal(seen.filter((t) => t === 'step').length, 12);
    assert.equal(seen.at(-1), 'end');
    assert.ok(end?.type === 'end' && end.result.train.globalStep === 12 && !end.result.train.aborted);
    assert.ok(existsSync(at('iterator/model.safetensors')));
  });

  it('leaving the loop early aborts the run with a checkpoint that resume continues', async () => {
    let last = 0;
    for await (const event of trainEvents(options('left'))) {
      if (event.type === 'step') last = event.step;
      if (last === 5) break;
    }
    assert.ok(existsSync(at('left/checkpoints/checkpoint-5')), 'a checkpoint of the step where the loop was left');
    assert.ok(!existsSync(at('left/model.safetensors')));
    const resumed = await trainClassifier({ ...options('left'), resume: true });
    assert.equal(resumed.train.globalStep, 12);
  });

  it('an error of the run is thrown by the iterator', async () => {
    const iterate = async (): Promise<void> => {
      for await (const _ of trainEvents({ ...options('bad'), data: at('missing.tsv') })) {
        // no events before the error
      }
    };
    await assert.rejects(iterate(), /missing\.tsv/);
  });
});
