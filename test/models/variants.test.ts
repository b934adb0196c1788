// Checkpoints as they come in practice: no prefix, old names and extra keys, pytorch_model.bin, F16/BF16, shards, other heads.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTaskModel } from '../../src/models/load.js';
import { labelList } from '../../src/models/labels.js';
import type { BertForSequenceClassification } from '../../src/models/bert/model.js';
import { expectedTensors, goldenDir, goldenInputs, maxAbsDiff } from './support.js';

async function load(name: string, options: Parameters<typeof loadTaskModel>[1] = {}) {
  const loaded = await loadTaskModel(goldenDir(name), options);
  const warnings = loaded.warnings.filter((w) => !w.includes('no tokenizer files'));
  return { ...loaded, warnings, model: loaded.model as BertForSequenceClassification };
}

/** The encoder's outputs (last hidden state, pooled output where recorded) against transformers', both batches. */
function assertEncoderMatches(model: BertForSequenceClassification, name: string): void {
  const get = expectedTensors(name);
  for (const batch of ['single', 'pair']) {
    const inputs = goldenInputs(get, batch);
    const hidden = model.lastHiddenState(inputs);
    assert.ok(maxAbsDiff(hidden, get(`${batch}.last_hidden_state`)!) < 1e-4, `${name} ${batch}: hidden states differ`);
    const reference = get(`${batch}.pooler_output`);
    if (reference) assert.ok(maxAbsDiff(model.features(inputs), reference) < 1e-4, `${name} ${batch}: pooled output differs`);
  }
}

function assertLogitsMatch(model: BertForSequenceClassification, name: string): void {
  const get = expectedTensors(name);
  for (const batch of ['single', 'pair']) {
    const logits = model.forward(goldenInputs(get, batch));
    const diff = maxAbsDiff(logits, get(`${batch}.logits`)!);
    assert.ok(diff < 1e-4, `${name} ${batch}: logits differ by ${diff}`);
  }
}

describe('checkpoint variants', () => {
  it('a base model saved without the bert. prefix (BertModel, sentence-transformers) gets a new head', async () => {
    const { model, warnings } = await load('bert-base-model', { numLabels: 4 });
    assertEncoderMatches(model, 'bert-base-model');
    assert.equal(model.numLabels, 4);
    assert.deepEqual(model.classifier.weight.shape, [4, 32]);
    assert.ok(
      model.classifier.bias!.toArray().every((v) => v === 0),
      'new head bias is zero',
    );
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /model\.safetensors: no classification head in the checkpoint; classifier newly initialised for 4 labels/);
  });

  it('old names (LayerNorm gamma/beta), cls.* heads and an int64 position_ids load with ONE warning listing what was ignored', async () => {
    const { model, warnings } = await load('bert-legacy');
    assertEncoderMatches(model, 'bert-legacy');
    const ignored = warnings.filter((w) => w.includes('ignored'));
    assert.equal(ignored.length, 1, warnings.join('\n'));
    assert.match(ignored[0]!, /model\.safetensors: ignored 9 keys that BertForSequenceClassification does not use: /);
    assert.match(ignored[0]!, /bert\.embeddings\.position_ids/);
    assert.match(ignored[0]!, /cls\.predictions\.\* \(6 keys\)/);
    assert.match(ignored[0]!, /cls\.seq_relationship\.weight/);
    assert.ok(!warnings.some((w) => /gamma|beta/.test(w)), 'renamed keys are not reported as ignored');
    assert.equal(warnings.length, 2, 'plus the new head');
  });

  for (const [name, what] of [
    ['bert-bin', 'pytorch_model.bin'],
    ['bert-f16', 'float16 weights'],
    ['bert-bf16', 'bfloat16 weights'],
    ['bert-sharded', 'two safetensors shards'],
  ] as const) {
    it(`${what} load and give transformers' logits`, async () => {
      const { model, warnings } = await load(name);
      assertLogitsMatch(model, name);
      assert.deepEqual(labelList(model.labels), ['neg', 'neu', 'pos']);
      assert.deepEqual(warnings, []);
    });
  }

  it('a 5-label classifier loads as it is, with its label names', async () => {
    const { model, warnings } = await load('bert-5labels');
    assertLogitsMatch(model, 'bert-5labels');
    assert.deepEqual(labelList(model.labels), ['very_neg', 'neg', 'neu', 'pos', 'very_pos']);
    assert.equal(model.labels.label2id.very_pos, 4);
    assert.deepEqual(warnings, []);
  });

  it('asking a 5-label checkpoint for 3 labels replaces its head, with a warning', async () => {
    const labels = { id2label: { 0: 'a', 1: 'b', 2: 'c' }, label2id: { a: 0, b: 1, c: 2 } };
    const { model, warnings } = await load('bert-5labels', { labels });
    assertEncoderMatches(model, 'bert-5labels');
    assert.deepEqual(model.classifier.weight.shape, [3, 32]);
    assert.ok(model.classifier.bias!.toArray().every((v) => v === 0));
    const replaced = warnings.filter((w) => w.includes('replaced'));
    assert.equal(replaced.length, 1, warnings.join('\n'));
    assert.match(
      replaced[0]!,
      /head does not fit 3 labels; replaced with a new one \(classifier\.weight \[5, 32\] -> \[3, 32\], classifier\.bias \[5\] -> \[3\]\)/,
    );
  });

  it('new label names on a head of the same size keep its weights, with a warning', async () => {
    const { model, warnings } = await load('bert', { labels: { id2label: { 0: 'x', 1: 'y', 2: 'z' }, label2id: { x: 0, y: 1, z: 2 } } });
    assertLogitsMatch(model, 'bert');
    assert.deepEqual(labelList(model.labels), ['x', 'y', 'z']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /keeping the head trained for labels \[neg, neu, pos\] under the new names \[x, y, z\]/);
  });

  it("numLabels equal to config.json's keeps its names; init random ignores the weights", async () => {
    const same = await load('bert', { numLabels: 3 });
    assert.deepEqual(labelList(same.model.labels), ['neg', 'neu', 'pos']);
    const random = await load('bert', { init: 'random' });
    const get = expectedTensors('bert');
    assert.ok(maxAbsDiff(random.model.forward(goldenInputs(get, 'single')), get('single.logits')!) > 1e-2);
    const word = random.model.namedParameters().find(([n]) => n === 'bert.embeddings.word_embeddings.weight')![1];
    assert.ok(
      word
        .toArray()
        .slice(0, 32)
        .every((v) => v === 0),
      'padding row (pad_token_id 0) starts at zero',
    );
  });
});
