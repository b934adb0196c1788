// Saving: the folder transformers writes (keys, shapes, config.json), and save -> reload -> the same logits.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readSafetensors } from '../../src/io/safetensors.js';
import { batchInputs } from '../../src/models/inputs.js';
import { labelList } from '../../src/models/labels.js';
import { loadTaskModel } from '../../src/models/load.js';
import { saveTaskModel } from '../../src/models/save.js';
import type { EncoderTaskModel } from '../../src/models/types.js';
import { expectedTensors, goldenDir, goldenInputs, maxAbsDiff } from './support.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-save-'));
after(() => rmSync(root, { recursive: true, force: true }));

const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('saving a classifier', () => {
  for (const arch of ['bert', 'distilbert', 'roberta', 'xlm-roberta']) {
    it(`${arch}: the keys, shapes and config.json transformers wrote, and the same logits after reloading`, async () => {
      const { model, tokenizer } = await loadTaskModel(goldenDir(arch));
      const dir = join(root, arch);
      await saveTaskModel(model, tokenizer, dir);

      const saved = readSafetensors(join(dir, 'model.safetensors'));
      const original = readSafetensors(join(goldenDir(arch), 'model.safetensors'));
      assert.deepEqual(saved.metadata, { format: 'pt' });
      assert.deepEqual([...saved.tensors.keys()].sort(), [...original.tensors.keys()].sort());
      for (const [key, tensor] of original.tensors) assert.deepEqual(saved.tensors.get(key)!.shape, tensor.shape, key);

      // config.json exactly as transformers' save_pretrained wrote it for this model (same keys, order, values).
      const ours = readJson(join(dir, 'config.json'));
      const theirs = readJson(join(goldenDir(arch), 'config.json'));
      assert.deepEqual(Object.keys(ours), Object.keys(theirs));
      assert.deepEqual(ours, theirs);

      const reloaded = await loadTaskModel(dir);
      assert.deepEqual(reloaded.warnings, []);
      const get = expectedTensors(arch);
      for (const batch of ['single', 'pair']) {
        const inputs = goldenInputs(get, batch);
        assert.equal(maxAbsDiff(reloaded.model.forward(inputs), model.forward(inputs)), 0, `${batch}: logits changed`);
      }
      // The tokenizer files come back and encode as before.
      assert.ok(existsSync(join(dir, 'tokenizer.json')) && existsSync(join(dir, 'tokenizer_config.json')));
      const text = 'A gorgeous, witty, seductive movie.';
      assert.deepEqual(reloaded.tokenizer!.encode(text).ids, tokenizer!.encode(text).ids);
    });
  }

  it('new labels round-trip through config.json; the trained head and other files survive', async () => {
    const labels = { id2label: { 0: 'ham', 1: 'spam', 2: 'café' }, label2id: { ham: 0, spam: 1, café: 2 } };
    const { model, tokenizer } = await loadTaskModel(goldenDir('bert-base-model'), { labels });
    const dir = join(root, 'labels');
    await saveTaskModel(model, tokenizer, dir);
    writeFileSync(join(dir, 'trainer_state.json'), '{}');
    await saveTaskModel(model, tokenizer, dir);
    assert.ok(existsSync(join(dir, 'trainer_state.json')), 'other files in the folder are kept');

    const text = readFileSync(join(dir, 'config.json'), 'utf8');
    assert.match(text, /"2": "caf\\u00e9"/, 'non-ASCII escaped as Python writes it');
    const config = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(config.architectures, ['BertForSequenceClassification']);
    assert.deepEqual(config.id2label, { 0: 'ham', 1: 'spam', 2: 'café' });
    assert.deepEqual(config.label2id, { ham: 0, spam: 1, café: 2 });
    assert.equal(config.dtype, 'float32');

    const reloaded = await loadTaskModel(dir);
    assert.deepEqual(reloaded.warnings, []);
    const classifier = reloaded.model as EncoderTaskModel;
    assert.deepEqual(labelList(classifier.labels), ['ham', 'spam', 'café']);
    const inputs = batchInputs(tokenizer!.encodeBatch(['great fun', 'dull'], undefined, {}), tokenizer!.padId);
    assert.equal(maxAbsDiff(reloaded.model.forward(inputs), model.forward(inputs)), 0);
  });

  it('two placeholder labels are left out of config.json, as transformers leaves them', async () => {
    const { model } = await loadTaskModel(goldenDir('bert-legacy'));
    const dir = join(root, 'default-labels');
    await saveTaskModel(model, null, dir);
    const config = readJson(join(dir, 'config.json'));
    assert.equal(config.id2label, undefined);
    assert.equal(config.label2id, undefined);
    assert.equal(config.torch_dtype, undefined);
    assert.equal(existsSync(join(dir, 'tokenizer.json')), false);
    const reloaded = await loadTaskModel(dir);
    assert.equal(reloaded.model.numLabels, 2);
    const get = expectedTensors('bert-legacy');
    assert.ok(maxAbsDiff((reloaded.model as EncoderTaskModel).lastHiddenState(goldenInputs(get, 'single')), get('single.last_hidden_state')!) < 1e-4);
  });

  it('an old config.json comes out as transformers 5 rewrites it: class defaults added, torch_dtype as dtype, extras kept', async () => {
    const source = join(root, 'old-config');
    mkdirSync(source);
    copyFileSync(join(goldenDir('bert-legacy'), 'model.safetensors'), join(source, 'model.safetensors'));
    writeFileSync(
      join(source, 'config.json'),
      JSON.stringify({
        architectures: ['BertForMaskedLM'],
        attention_probs_dropout_prob: 0.1,
        gradient_checkpointing: false,
        hidden_act: 'gelu',
        hidden_dropout_prob: 0.1,
        hidden_size: 32,
        initializer_range: 0.02,
        intermediate_size: 37,
        layer_norm_eps: 1e-12,
        max_position_embeddings: 64,
        model_type: 'bert',
        num_attention_heads: 4,
        num_hidden_layers: 2,
        pad_token_id: 0,
        position_embedding_type: 'absolute',
        transformers_version: '4.6.0.dev0',
        torch_dtype: 'float16',
        type_vocab_size: 2,
        use_cache: true,
        vocab_size: 500,
        foo_extra: 7,
      }),
    );
    const { model } = await loadTaskModel(source, { numLabels: 3 });
    const dir = join(root, 'old-config-saved');
    await saveTaskModel(model, null, dir);
    // What transformers 5.17 save_pretrained wrote for BertForSequenceClassification(num_labels=3) from this config.
    const expected = {
      add_cross_attention: false,
      architectures: ['BertForSequenceClassification'],
      attention_probs_dropout_prob: 0.1,
      bos_token_id: null,
      classifier_dropout: null,
      dtype: 'float32',
      eos_token_id: null,
      foo_extra: 7,
      gradient_checkpointing: false,
      hidden_act: 'gelu',
      hidden_dropout_prob: 0.1,
      hidden_size: 32,
      id2label: { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' },
      initializer_range: 0.02,
      intermediate_size: 37,
      is_decoder: false,
      label2id: { LABEL_0: 0, LABEL_1: 1, LABEL_2: 2 },
      layer_norm_eps: 1e-12,
      max_position_embeddings: 64,
      model_type: 'bert',
      num_attention_heads: 4,
      num_hidden_layers: 2,
      pad_token_id: 0,
      position_embedding_type: 'absolute',
      tie_word_embeddings: true,
      transformers_version: '4.6.0.dev0',
      type_vocab_size: 2,
      use_cache: true,
      vocab_size: 500,
    };
    const saved = readJson(join(dir, 'config.json'));
    assert.deepEqual(Object.keys(saved), Object.keys(expected));
    assert.deepEqual(saved, expected);
  });
});
