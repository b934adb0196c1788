// ONNX Runtime (Node) on each exported family and head gives our logits within 1e-4 (fp32) and our argmax (int8).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeOnnxModel } from '../../src/export/onnx/export-model.js';
import { createTaskModel, loadTaskModel } from '../../src/models/load.js';
import { quantizeLinearLayers } from '../../src/nn/quantized-linear.js';
import type { HeadKind, ProblemType, TaskModel } from '../../src/models/types.js';
import { idBatch, maxAbsDiff, onnxLogits, ourLogits, rowArgmax } from '../support/onnx-run.js';

const GOLDEN = join(import.meta.dirname, '..', '..', '..', 'test', 'golden', 'models');
const root = mkdtempSync(join(tmpdir(), 'finetune-onnx-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Case {
  readonly name: string;
  readonly load: () => Promise<TaskModel>;
  readonly vocab: number;
  readonly pad: number;
}

const golden = (folder: string, headKind: HeadKind, problemType?: ProblemType) => async () =>
  (await loadTaskModel(join(GOLDEN, folder), { headKind, ...(problemType ? { problemType } : {}) })).model;

const USE_LITE = { model_type: 'use-lite', vocab_size: 300, embedding_size: 16, hidden_size: 24, intermediate_size: 32, num_attention_heads: 2 };

const CASES: readonly Case[] = [
  { name: 'BERT sequence classification', load: golden('bert', 'sequence-classification'), vocab: 500, pad: 0 },
  { name: 'BERT token classification', load: golden('bert', 'token-classification'), vocab: 500, pad: 0 },
  { name: 'BERT multi-label', load: golden('bert', 'sequence-classification', 'multi_label_classification'), vocab: 500, pad: 0 },
  {
    name: 'BERT regression',
    load: async () => (await loadTaskModel(join(GOLDEN, 'bert'), { problemType: 'regression', numLabels: 1 })).model,
    vocab: 500,
    pad: 0,
  },
  { name: 'DistilBERT sequence classification', load: golden('distilbert', 'sequence-classification'), vocab: 500, pad: 0 },
  { name: 'DistilBERT token classification', load: golden('distilbert', 'token-classification'), vocab: 500, pad: 0 },
  { name: 'RoBERTa sequence classification', load: golden('roberta', 'sequence-classification'), vocab: 500, pad: 1 },
  { name: 'RoBERTa token classification', load: golden('roberta', 'token-classification'), vocab: 500, pad: 1 },
  { name: 'XLM-RoBERTa sequence classification', load: golden('xlm-roberta', 'sequence-classification'), vocab: 500, pad: 1 },
  { name: 'use-lite sequence classification', load: async () => createTaskModel(USE_LITE, { numLabels: 3 }), vocab: 300, pad: 0 },
  {
    name: 'use-lite token classification',
    load: async () => createTaskModel(USE_LITE, { numLabels: 4, headKind: 'token-classification' }),
    vocab: 300,
    pad: 0,
  },
];

describe('ONNX export run by ONNX Runtime', () => {
  for (const c of CASES) {
    it(`${c.name}: fp32 logits within 1e-4 of ours, int8 with our argmax and our int8 logits`, async () => {
      const model = await c.load();
      const batch = idBatch([7, 4, 1], c.vocab, c.pad);
      const ours = ourLogits(model, batch);
      const fp32 = join(root, `${c.name.replaceAll(' ', '-')}.onnx`);
      writeOnnxModel(model, fp32);
      const got = await onnxLogits(fp32, batch);
      const tokens = model.head.kind === 'token-classification';
      assert.deepEqual(got.dims, tokens ? [3, 7, model.numLabels] : [3, model.numLabels]);
      assert.ok(maxAbsDiff(got.logits, ours) < 1e-4, `max difference ${maxAbsDiff(got.logits, ours)}`);
      const int8 = join(root, `${c.name.replaceAll(' ', '-')}-int8.onnx`);
      writeOnnxModel(model, int8, { weights: 'int8' });
      const q = await onnxLogits(int8, batch);
      assert.ok(maxAbsDiff(q.logits, ours) < 0.1, `int8 max difference ${maxAbsDiff(q.logits, ours)}`);
      if (model.numLabels > 1 && !tokens) assert.deepEqual(rowArgmax(q.logits, model.numLabels), rowArgmax(ours, model.numLabels));
      // Our own int8 path (predict --quantize int8) computes what model_quantized.onnx does.
      quantizeLinearLayers(model);
      const ours8 = ourLogits(model, batch);
      assert.ok(maxAbsDiff(q.logits, ours8) < 1e-4, `our int8 vs ONNX Runtime's: max difference ${maxAbsDiff(q.logits, ours8)}`);
    });
  }

  it('takes the inputs transformers.js feeds: token_type_ids only where the family reads them', async () => {
    const batch = idBatch([3], 500, 0);
    const inputsOf = async (folder: string): Promise<readonly string[]> => {
      const file = join(root, `inputs-${folder}.onnx`);
      writeOnnxModel((await loadTaskModel(join(GOLDEN, folder))).model, file);
      return (await onnxLogits(file, batch)).inputs;
    };
    assert.deepEqual(await inputsOf('bert'), ['input_ids', 'attention_mask', 'token_type_ids']);
    assert.deepEqual(await inputsOf('distilbert'), ['input_ids', 'attention_mask']);
    assert.deepEqual(await inputsOf('xlm-roberta'), ['input_ids', 'attention_mask']);
  });

  it('puts the weights in model.onnx_data when asked (as past 2 GiB) and ONNX Runtime reads them from there', async () => {
    const model = await golden('bert', 'sequence-classification')();
    const file = join(root, 'external', 'model.onnx');
    mkdirSync(join(root, 'external'));
    const written = writeOnnxModel(model, file, { externalData: 'always' });
    assert.equal(written.dataFile, `${file}_data`);
    assert.ok(existsSync(`${file}_data`));
    const batch = idBatch([5, 2], 500, 0);
    assert.ok(maxAbsDiff((await onnxLogits(file, batch)).logits, ourLogits(model, batch)) < 1e-4);
    const small = writeOnnxModel(model, join(root, 'external', 'auto.onnx'), { externalThreshold: 1000 });
    assert.notEqual(small.dataFile, null);
  });
});
