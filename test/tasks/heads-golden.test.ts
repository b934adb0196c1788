// Token classification, multi-label and regression heads of BERT, DistilBERT and RoBERTa against the real transformers: logits, loss, every gradient, word alignment.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '../../src/io/safetensors.js';
import { loadTaskModel } from '../../src/models/load.js';
import type { TextInputs, TaskModel } from '../../src/models/types.js';
import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss } from '../../src/tensor/ops/losses.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { alignLabels, bToIMap } from '../../src/tasks/token-classification/align.js';
import { maxAbsDiff, relativeError } from '../models/support.js';

const TASKS = fileURLToPath(new URL('../../../test/golden/tasks/', import.meta.url));
const ARCHS = ['bert', 'distilbert', 'roberta'] as const;

function golden(folder: string): { get: (key: string) => Tensor; json: Record<string, unknown>; dir: string } {
  const dir = `${TASKS}${folder}`;
  const tensors = readSafetensors(`${dir}/expected.safetensors`).tensors;
  const get = (key: string): Tensor => {
    const raw = tensors.get(key);
    assert.ok(raw, `${folder}: no golden tensor ${key}`);
    return new Tensor(raw.data, raw.shape);
  };
  return { get, json: JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8')) as Record<string, unknown>, dir };
}

function inputs(get: (key: string) => Tensor, json: Record<string, unknown>): TextInputs {
  return { inputIds: get('input_ids'), attentionMask: get('attention_mask'), ...('token_type_ids' in json ? { tokenTypeIds: get('token_type_ids') } : {}) };
}

/** The loss transformers computes for the head: token CE over labelled tokens, BCE for multi-label, MSE for regression. */
function headLoss(model: TaskModel, logits: Tensor, labels: Tensor): Tensor {
  if (model.head.kind === 'token-classification') return crossEntropy(logits.reshape([-1, model.numLabels]), labels.reshape([-1]));
  if (model.head.problemType === 'multi_label_classification') return binaryCrossEntropyWithLogits(logits, labels);
  return mseLoss(logits, labels.reshape([labels.size, 1]));
}

const norm = (t: Tensor): number => Math.sqrt(t.toArray().reduce((s, v) => s + v * v, 0));

for (const arch of ARCHS) {
  for (const task of ['token', 'multi', 'regression'] as const) {
    describe(`${arch}-${task} against transformers`, () => {
      const { get, json, dir } = golden(`${arch}-${task}`);

      it("loads with transformers' class, problem_type and parameter names, and gives its logits within 1e-4", async () => {
        const { model, warnings } = await loadTaskModel(dir);
        assert.equal(model.architecture, json.model_class);
        assert.equal(model.head.problemType, json.problem_type ?? 'single_label_classification');
        assert.deepEqual(
          model
            .namedParameters()
            .map(([n]) => n)
            .sort(),
          [...(json.param_names as string[])].sort(),
        );
        assert.deepEqual(warnings, []);
        const logits = model.forward(inputs(get, json));
        assert.deepEqual(logits.shape, get('logits').shape);
        assert.ok(maxAbsDiff(logits, get('logits')) < 1e-4, `logits differ by ${maxAbsDiff(logits, get('logits'))}`);
      });

      it("gives transformers' loss within 1e-5 and every gradient within 1e-3 relative", async () => {
        const { model } = await loadTaskModel(dir);
        const loss = headLoss(model, model.forward(inputs(get, json)), get('labels'));
        assert.ok(Math.abs(loss.item() - get('loss').item()) < 1e-5, `loss ${loss.item()} vs ${get('loss').item()}`);
        loss.backward();
        for (const [name, param] of model.namedParameters()) {
          const ref = get(`grad.${name}`);
          assert.ok(param.grad, `no gradient for ${name}`);
          if (/(key|k_lin)\.bias$/.test(name)) {
            // Softmax ignores a constant added to a row of scores: this gradient is rounding noise on both sides.
            assert.ok(norm(param.grad) < 1e-6 && norm(ref) < 1e-6, `gradient of ${name} should vanish`);
            continue;
          }
          assert.ok(relativeError(param.grad, ref) <= 1e-3, `gradient of ${name}: relative error ${relativeError(param.grad, ref)}`);
        }
      });

      if (task === 'token') {
        it("splits words into sub-words and aligns their labels as transformers' run_ner does (first sub-token, and all tokens)", async () => {
          const { model, tokenizer } = await loadTaskModel(dir);
          const names = Object.values(json.id2label as Record<string, string>);
          const words = json.words as string[][];
          const tags = json.tags as string[][];
          const maxLength = (json.encode as { max_length: number }).max_length;
          const ids = get('input_ids').i32();
          const expected = get('labels').i32();
          const expectedAll = get('labels_all_tokens').i32();
          const t = get('input_ids').shape[1]!;
          words.forEach((sentence, row) => {
            const encoding = tokenizer!.encodeWords(sentence, { maxLength });
            assert.deepEqual(encoding.ids, Array.from(ids.subarray(row * t, row * t + encoding.ids.length)), `sentence ${row}: ids`);
            assert.deepEqual(encoding.wordIds, (json.word_ids as (number | null)[][])[row]!.slice(0, encoding.ids.length));
            const wordLabels = tags[row]!.map((tag) => names.indexOf(tag));
            const first = alignLabels(encoding.wordIds, wordLabels, { labelAllTokens: false });
            const all = alignLabels(encoding.wordIds, wordLabels, { labelAllTokens: true, bToI: bToIMap(names) });
            assert.deepEqual([...first], Array.from(expected.subarray(row * t, row * t + encoding.ids.length)));
            assert.deepEqual([...all], Array.from(expectedAll.subarray(row * t, row * t + encoding.ids.length)));
          });
          const lossAll = headLoss(model, model.forward(inputs(get, json)), get('labels_all_tokens'));
          assert.ok(Math.abs(lossAll.item() - get('loss_all_tokens').item()) < 1e-5);
        });
      }
    });
  }
}

describe('a sequence-classification checkpoint loaded as a token classifier', () => {
  it("keeps the classifier of the same shape, ignores the pooler, and gives transformers' logits", async () => {
    const { get, json } = golden('bert-token-legacy-head');
    const { model, warnings } = await loadTaskModel(fileURLToPath(new URL('../../../test/golden/models/bert', import.meta.url)), {
      headKind: 'token-classification',
    });
    assert.equal(model.architecture, 'BertForTokenClassification');
    assert.ok(
      warnings.some((w) => /ignored 2 keys that BertForTokenClassification does not use: bert\.pooler\.dense\.bias, bert\.pooler\.dense\.weight/.test(w)),
      warnings.join('\n'),
    );
    const logits = model.forward(inputs(get, json));
    assert.ok(maxAbsDiff(logits, get('logits')) < 1e-4, `logits differ by ${maxAbsDiff(logits, get('logits'))}`);
  });
});
