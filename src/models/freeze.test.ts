// Tests for --freeze: which parameters train under none, base, embeddings and N layers, and bad values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FinetuneError } from '../errors.js';
import { applyFreeze, parseFreezeSpec } from './freeze.js';
import { createTaskModel } from './load.js';

const CONFIG = {
  model_type: 'bert',
  vocab_size: 50,
  hidden_size: 8,
  num_hidden_layers: 3,
  num_attention_heads: 2,
  intermediate_size: 12,
  max_position_embeddings: 16,
  type_vocab_size: 2,
};

function trainable(spec: Parameters<typeof applyFreeze>[1]): string[] {
  const model = createTaskModel(CONFIG, { numLabels: 3 });
  applyFreeze(model, 'base');
  applyFreeze(model, spec);
  return model
    .namedParameters()
    .filter(([, p]) => p.requiresGrad)
    .map(([n]) => n);
}

describe('applyFreeze', () => {
  const model = createTaskModel(CONFIG, { numLabels: 3 });
  const all = model.namedParameters().map(([n]) => n);
  const count = (names: string[]): number =>
    model
      .namedParameters()
      .filter(([n]) => names.includes(n))
      .reduce((s, [, p]) => s + p.size, 0);

  it('none trains everything, and undoes an earlier freeze', () => {
    assert.deepEqual(trainable('none'), all);
  });

  it('base trains only the classifier (the pooler belongs to the base)', () => {
    assert.deepEqual(trainable('base'), ['classifier.weight', 'classifier.bias']);
    const counts = applyFreeze(model, 'base');
    assert.deepEqual(counts, { total: count(all), trainable: 8 * 3 + 3 });
  });

  it('embeddings freezes the embeddings only', () => {
    assert.deepEqual(
      trainable('embeddings'),
      all.filter((n) => !n.startsWith('bert.embeddings.')),
    );
  });

  it('N freezes the embeddings and the N lowest layers', () => {
    assert.deepEqual(
      trainable(2),
      all.filter((n) => !n.startsWith('bert.embeddings.') && !/^bert\.encoder\.layer\.[01]\./.test(n)),
    );
    assert.deepEqual(trainable(0), trainable('embeddings'));
    assert.ok(trainable(3).every((n) => !n.startsWith('bert.encoder.')));
    assert.throws(
      () => applyFreeze(model, 4),
      (e: Error) => e instanceof FinetuneError && /--freeze 4: the model has 3 layers/.test(e.message),
    );
  });

  it('parses --freeze values', () => {
    assert.equal(parseFreezeSpec('base'), 'base');
    assert.equal(parseFreezeSpec('4'), 4);
    assert.equal(parseFreezeSpec(0), 0);
    for (const bad of ['-1', '1.5', 'all', '']) {
      assert.throws(() => parseFreezeSpec(bad), /--freeze: '.*' is not none, base, embeddings or a number of layers/);
    }
  });
});
