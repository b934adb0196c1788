// The search block: a valid space parses; every bad one fails with one line naming the key at fault.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FinetuneError } from '../errors.js';
import { parseDuration, parseSearchSettings, parseSpace } from './space.js';

const fails = (fn: () => unknown, pattern: RegExp): void => {
  assert.throws(fn, (error: unknown) => error instanceof FinetuneError && pattern.test(error.message) && !error.message.includes('\n'));
};

describe('search space', () => {
  it('parses ranges, integer ranges, choices and lists, with flag names in any case', () => {
    const space = parseSpace(
      {
        lr: { type: 'log-uniform', low: 1e-5, high: 1e-3 },
        batchSize: [16, 32],
        epochs: { type: 'int', low: 1, high: 3 },
        freeze: ['none', 1, 'base'],
        lora: [true, false],
      },
      'space',
    );
    assert.deepEqual(space.lr, { kind: 'log-uniform', low: 1e-5, high: 1e-3 });
    assert.deepEqual(space['batch-size'], { kind: 'choice', choices: [16, 32] });
    assert.deepEqual(space.epochs, { kind: 'int', low: 1, high: 3 });
    assert.deepEqual(space.freeze, { kind: 'choice', choices: ['none', 1, 'base'] });
  });

  it('refuses an empty space, contradictory bounds and values a train flag would refuse', () => {
    fails(() => parseSpace({}, 's.space'), /^s\.space: the search space is empty/);
    fails(() => parseSearchSettings({ metric: 'accuracy' }, 's.yaml'), /^s\.yaml: search\.space: missing/);
    fails(() => parseSpace({ lr: { type: 'log-uniform', low: 1e-3, high: 1e-5 } }, 's'), /^s\.lr: low 0\.001 is above high 0\.00001/);
    fails(() => parseSpace({ lr: { type: 'log-uniform', low: 0, high: 1e-3 } }, 's'), /^s\.lr\.low: log-uniform needs low > 0/);
    fails(
      () => parseSpace({ 'warmup-ratio': { low: 0, high: 1.5 } }, 's'),
      /^s\.warmup-ratio\.high: 1\.5 is outside what warmup-ratio accepts \(in \[0, 1\)\)/,
    );
    fails(() => parseSpace({ epochs: { type: 'int', low: 1.5, high: 3 } }, 's'), /^s\.epochs: int bounds must be integers/);
    fails(() => parseSpace({ 'batch-size': { type: 'uniform', low: 8, high: 64 } }, 's'), /^s\.batch-size\.type: batch-size is an integer/);
    fails(() => parseSpace({ 'batch-size': [] }, 's'), /^s\.batch-size\.choices: expected a non-empty list/);
    fails(() => parseSpace({ 'batch-size': [16, 16] }, 's'), /^s\.batch-size\.choices: a value is listed twice/);
    fails(() => parseSpace({ 'batch-size': [16, 0.5] }, 's'), /^s\.batch-size\.choices\[1\]: batch-size is an integer/);
    fails(() => parseSpace({ freeze: ['none', 'most'] }, 's'), /^s\.freeze\.choices\[1\]/);
    fails(() => parseSpace({ lora: [false], 'lora-r': [4, 8] }, 's'), /^s\.lora: LoRA is never on/);
    fails(() => parseSpace({ epochs: [1, 2], 'max-steps': [10, 20] }, 's'), /epochs or max-steps, not both/);
    fails(() => parseSpace({ lr: { type: 'normal', low: 1, high: 2 } }, 's'), /^s\.lr\.type: 'normal' is not log-uniform, uniform or int/);
    fails(() => parseSpace({ lr: { low: 1e-5, hi: 1e-3 } }, 's'), /^s\.lr\.hi: unknown field/);
  });

  it('names an unknown parameter and suggests the closest one', () => {
    fails(() => parseSpace({ learning_rat: [1] }, 's'), /^s\.learning_rat: unknown parameter \(searchable: lr, batch-size/);
    fails(() => parseSpace({ batchsize: [1] }, 's'), /^s\.batchsize: unknown parameter; did you mean batch-size\?/);
  });

  it('reads metric, direction, sampler, trials, budget and ASHA, with defaults', () => {
    const s = parseSearchSettings({ space: { lr: [1e-4] }, metric: 'eval_loss', trials: 5, budget: '1h30m', asha: { unit: 'steps', min_resource: 20 } }, 'f');
    assert.equal(s.metric, 'loss');
    assert.equal(s.direction, 'minimize');
    assert.equal(s.sampler, 'tpe');
    assert.equal(s.trials, 5);
    assert.equal(s.parallel, 1);
    assert.equal(s.budgetSeconds, 5400);
    assert.deepEqual(s.asha, { unit: 'steps', minResource: 20, reductionFactor: 3 });
    assert.equal(parseSearchSettings({ space: { lr: [1e-4] }, metric: 'accuracy' }, 'f').direction, 'maximize');
    fails(() => parseSearchSettings({ space: { lr: [1e-4] }, metric: 'bleu' }, 'f'), /^f: search\.metric: 'bleu' is not a metric/);
    fails(() => parseSearchSettings({ space: { lr: [1e-4] }, direction: 'up' }, 'f'), /^f: search\.direction/);
    fails(() => parseSearchSettings({ space: { lr: [1e-4] }, sampler: 'grid' }, 'f'), /^f: search\.sampler/);
    fails(() => parseSearchSettings({ space: { lr: [1e-4] }, trials: 0 }, 'f'), /^f: search\.trials: expected an integer >= 1/);
    fails(() => parseSearchSettings({ space: { lr: [1e-4] }, asha: { reduction_factor: 1 } }, 'f'), /^f: search\.asha\.reduction_factor/);
    fails(() => parseSearchSettings({ space: { lr: [1e-4] }, patience: 3 }, 'f'), /^f: search\.patience: unknown key/);
  });

  it('reads durations', () => {
    assert.equal(parseDuration('30m', 'b'), 1800);
    assert.equal(parseDuration('2h', 'b'), 7200);
    assert.equal(parseDuration('90s', 'b'), 90);
    assert.equal(parseDuration('45', 'b'), 45);
    assert.equal(parseDuration(10, 'b'), 10);
    fails(() => parseDuration('soon', '--budget'), /^--budget: 'soon' is not a duration/);
    fails(() => parseDuration('0m', '--budget'), /^--budget: '0m' is not a duration/);
  });
});
