// Model behaviour beyond the golden batches: dropout by mode, hidden_act, padding invariance, new weights, limits.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FinetuneError } from '../../src/errors.js';
import type { BertForSequenceClassification } from '../../src/models/bert/model.js';
import type { DistilBertForSequenceClassification } from '../../src/models/distilbert/model.js';
import { batchInputs } from '../../src/models/inputs.js';
import { createTaskModel, loadTaskModel } from '../../src/models/load.js';
import type { TextInputs } from '../../src/models/types.js';
import { manualSeed } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { goldenDir, maxAbsDiff } from './support.js';

const TEXTS = ['A gorgeous, witty, seductive movie.', 'dull', 'it is not a bad film , just an unremarkable one .'];
const bertConfig = (): Record<string, unknown> => JSON.parse(readFileSync(`${goldenDir('bert')}/config.json`, 'utf8')) as Record<string, unknown>;

function row(inputs: TextInputs, i: number): TextInputs {
  const t = inputs.inputIds.shape[1]!;
  const length = inputs.attentionMask
    .toArray()
    .slice(i * t, (i + 1) * t)
    .reduce((a, b) => a + b, 0);
  const cut = (x: Tensor): Tensor => new Tensor(x.i32().slice(i * t, i * t + length), [1, length]);
  return {
    inputIds: cut(inputs.inputIds),
    attentionMask: cut(inputs.attentionMask),
    ...(inputs.tokenTypeIds ? { tokenTypeIds: cut(inputs.tokenTypeIds) } : {}),
  };
}

describe('model behaviour', () => {
  for (const arch of ['bert', 'distilbert', 'roberta', 'xlm-roberta']) {
    it(`${arch}: a padded batch of mixed lengths gives each text's own logits; dropout acts only in training`, async () => {
      const { model, tokenizer } = await loadTaskModel(goldenDir(arch));
      const inputs = batchInputs(tokenizer!.encodeBatch(TEXTS, ['short', 'a longer second text of the pair', ''], { maxLength: 24 }), tokenizer!.padId);
      const batch = model.forward(inputs);
      TEXTS.forEach((_, i) => {
        const alone = model.forward(row(inputs, i));
        assert.ok(maxAbsDiff(alone, batch.slice(0, i, i + 1)) < 1e-5, `row ${i} depends on the padding`);
      });
      assert.equal(maxAbsDiff(model.forward(inputs), batch), 0, 'evaluation mode is deterministic');
      model.train();
      manualSeed(1);
      const a = model.forward(inputs);
      const b = model.forward(inputs);
      manualSeed(1);
      const c = model.forward(inputs);
      assert.ok(maxAbsDiff(a, b) > 1e-3, 'dropout changes training-mode outputs');
      assert.equal(maxAbsDiff(a, c), 0, 'the same seed gives the same dropout');
      model.eval();
      assert.equal(maxAbsDiff(model.forward(inputs), batch), 0);
    });
  }

  it('dropout rates come from the config: all zero makes training mode deterministic', async () => {
    const config = { ...bertConfig(), hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
    const model = createTaskModel(config).train();
    const inputs = { inputIds: Tensor.from([[2, 7, 9, 3]], undefined, { dtype: 'int32' }), attentionMask: Tensor.ones([1, 4], { dtype: 'int32' }) };
    assert.equal(maxAbsDiff(model.forward(inputs), model.forward(inputs)), 0);
    const distil = createTaskModel({
      model_type: 'distilbert',
      vocab_size: 20,
      dim: 8,
      n_layers: 1,
      n_heads: 2,
      hidden_dim: 10,
      dropout: 0,
      attention_dropout: 0,
      seq_classif_dropout: 0.5,
    }).train();
    // Eight features at p = 0.5: two masks can agree on the surviving features by chance, so draw a few.
    const first = distil.forward(inputs);
    assert.ok(
      [0, 1, 2, 3].some(() => maxAbsDiff(distil.forward(inputs), first) > 0),
      'seq_classif_dropout applies to the head',
    );
  });

  it('hidden_act is honoured', async () => {
    const { model: gelu } = await loadTaskModel(goldenDir('bert'));
    const relu = createTaskModel({ ...bertConfig(), hidden_act: 'relu' }, {}) as BertForSequenceClassification;
    relu.loadStateDict(gelu.stateDict());
    const x = Tensor.randn([2, 3, 32]);
    const layer = relu.bert.encoder.layer[0]!;
    assert.deepEqual(layer.intermediate.forward(x).toArray(), layer.intermediate.dense.forward(x).relu().toArray());
    const inputs = { inputIds: Tensor.from([[2, 40, 41, 3]], undefined, { dtype: 'int32' }), attentionMask: Tensor.ones([1, 4], { dtype: 'int32' }) };
    assert.ok(maxAbsDiff(relu.forward(inputs), gelu.forward(inputs)) > 1e-3);
    const distil = createTaskModel({
      model_type: 'distilbert',
      vocab_size: 20,
      dim: 8,
      n_layers: 1,
      n_heads: 2,
      hidden_dim: 10,
      activation: 'relu',
    }) as DistilBertForSequenceClassification;
    const block = distil.distilbert.transformer.layer[0]!;
    const y = Tensor.randn([1, 2, 8]);
    assert.deepEqual(block.ffn.forward(y).toArray(), block.ffn.lin2.forward(block.ffn.lin1.forward(y).relu()).toArray());
  });

  it('new weights are drawn as transformers draws them: normal(0, initializer_range), zero biases, unit LayerNorms', () => {
    manualSeed(7);
    const model = createTaskModel(
      { ...bertConfig(), hidden_size: 256, num_attention_heads: 4, initializer_range: 0.05 },
      { numLabels: 64 },
    ) as BertForSequenceClassification;
    const w = model.classifier.weight.toArray();
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    assert.ok(Math.abs(mean) < 0.002, `mean ${mean}`);
    assert.ok(Math.abs(std - 0.05) < 0.0025, `std ${std}`);
    assert.ok(model.classifier.bias!.toArray().every((v) => v === 0));
    assert.ok(model.bert.embeddings.LayerNorm.weight.toArray().every((v) => v === 1));
    const emb = model.bert.embeddings.token_type_embeddings.weight.toArray();
    assert.ok(Math.abs(Math.sqrt(emb.reduce((a, b) => a + b * b, 0) / emb.length) - 0.05) < 0.01);
  });

  it("DistilBERT with sinusoidal_pos_embds starts from transformers' sinusoid table", () => {
    const model = createTaskModel({
      model_type: 'distilbert',
      vocab_size: 20,
      dim: 6,
      n_layers: 1,
      n_heads: 2,
      hidden_dim: 10,
      max_position_embeddings: 4,
      sinusoidal_pos_embds: true,
    }) as DistilBertForSequenceClassification;
    const table = model.distilbert.embeddings.position_embeddings.weight.toArray();
    const pos = 3;
    const j = 3;
    assert.ok(Math.abs(table[pos * 6 + j]! - Math.cos(pos / 10000 ** (2 / 6))) < 1e-6);
    assert.ok(Math.abs(table[pos * 6 + 4]! - Math.sin(pos / 10000 ** (4 / 6))) < 1e-6);
  });

  it('an input longer than the position table fails with one line', async () => {
    const { model } = await loadTaskModel(goldenDir('roberta'));
    const long = { inputIds: Tensor.full([1, 63], 5, { dtype: 'int32' }), attentionMask: Tensor.ones([1, 63], { dtype: 'int32' }) };
    assert.throws(
      () => model.forward(long),
      (e: Error) => e instanceof FinetuneError && /input of 63 tokens is longer than the model takes \(62, from max_position_embeddings 64\)/.test(e.message),
    );
    const fits = { inputIds: Tensor.full([1, 62], 5, { dtype: 'int32' }), attentionMask: Tensor.ones([1, 62], { dtype: 'int32' }) };
    assert.deepEqual(model.forward(fits).shape, [1, 3]);
  });

  it('RoBERTa with one token type ignores segment ids, as its tokenizer returns none', async () => {
    const { model } = await loadTaskModel(goldenDir('roberta'));
    const ids = Tensor.from([[0, 40, 2, 2, 41, 2]], undefined, { dtype: 'int32' });
    const mask = Tensor.ones([1, 6], { dtype: 'int32' });
    const types = Tensor.from([[0, 0, 0, 1, 1, 1]], undefined, { dtype: 'int32' });
    assert.equal(
      maxAbsDiff(model.forward({ inputIds: ids, attentionMask: mask, tokenTypeIds: types }), model.forward({ inputIds: ids, attentionMask: mask })),
      0,
    );
  });
});
