// Each architecture against the real transformers: logits, hidden states and every gradient of the loss.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTaskModel } from '../../src/models/load.js';
import { BertForSequenceClassification } from '../../src/models/bert/model.js';
import { DistilBertForSequenceClassification } from '../../src/models/distilbert/model.js';
import { RobertaForSequenceClassification } from '../../src/models/roberta/model.js';
import type { EncoderTaskModel, TextInputs, TaskModel } from '../../src/models/types.js';
import { crossEntropy } from '../../src/tensor/ops/losses.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { expectedJson, expectedTensors, goldenDir, goldenInputs, maxAbsDiff, relativeError } from './support.js';

const ARCHS = ['bert', 'distilbert', 'roberta', 'xlm-roberta'] as const;

/** The embedding block's output (transformers' hidden_states[0]). */
function embeddingOutput(model: TaskModel, inputs: TextInputs): Tensor {
  if (model instanceof BertForSequenceClassification) return model.bert.embeddings.forward(inputs);
  if (model instanceof DistilBertForSequenceClassification) return model.distilbert.embeddings.forward(inputs);
  if (model instanceof RobertaForSequenceClassification) return model.roberta.embeddings.forward(inputs);
  throw new Error(`no embeddings in ${model.modelType}`);
}

const norm = (t: Tensor): number => Math.sqrt(t.toArray().reduce((sum, v) => sum + v * v, 0));

for (const arch of ARCHS) {
  describe(`${arch} against transformers`, () => {
    const get = expectedTensors(arch);
    const json = expectedJson(arch) as { param_names: string[]; has_grads: boolean; model_class: string };

    it("has transformers' parameter names and class", async () => {
      const { model, warnings } = await loadTaskModel(goldenDir(arch));
      // XLMRobertaForSequenceClassification declares its head first; names matter, order does not.
      assert.deepEqual(
        model
          .namedParameters()
          .map(([n]) => n)
          .sort(),
        [...json.param_names].sort(),
      );
      assert.equal((model as EncoderTaskModel).architecture, json.model_class);
      assert.deepEqual(warnings, []);
    });

    for (const batch of ['single', 'pair']) {
      it(`${batch}: logits, embedding output and last hidden state within 1e-4`, async () => {
        const { model } = await loadTaskModel(goldenDir(arch));
        const encoder = model as EncoderTaskModel;
        const inputs = goldenInputs(get, batch);
        const logits = model.forward(inputs);
        assert.ok(maxAbsDiff(logits, get(`${batch}.logits`)!) < 1e-4, `logits differ by ${maxAbsDiff(logits, get(`${batch}.logits`)!)}`);
        const embedded = embeddingOutput(model, inputs);
        assert.ok(
          maxAbsDiff(embedded, get(`${batch}.hidden_states.0`)!) < 1e-4,
          `embedding output differs by ${maxAbsDiff(embedded, get(`${batch}.hidden_states.0`)!)}`,
        );
        const hidden = encoder.lastHiddenState(inputs);
        const ref = get(`${batch}.last_hidden_state`)!;
        assert.deepEqual(hidden.shape, ref.shape);
        assert.ok(maxAbsDiff(hidden, ref) < 1e-4, `last hidden state differs by ${maxAbsDiff(hidden, ref)}`);
      });
    }

    if (json.has_grads) {
      it('gradients of the classification loss (dropout off) within 1e-3 relative, per tensor', async () => {
        const { model } = await loadTaskModel(goldenDir(arch));
        const loss = crossEntropy(model.forward(goldenInputs(get, 'single')), get('single.labels')!);
        assert.ok(Math.abs(loss.item() - get('single.loss')!.item()) < 1e-5, `loss ${loss.item()} vs ${get('single.loss')!.item()}`);
        loss.backward();
        let worst = 0;
        for (const [name, param] of model.namedParameters()) {
          const ref = get(`grad.${name}`);
          assert.ok(ref, `no golden gradient for ${name}`);
          assert.ok(param.grad, `no gradient for ${name}`);
          if (/(key|k_lin)\.bias$/.test(name)) {
            // The key bias adds one number to a whole row of scores, which softmax ignores: its gradient is
            // zero in exact arithmetic and rounding noise (~1e-8) on both sides, so a ratio means nothing.
            assert.ok(norm(param.grad) < 1e-6 && norm(ref) < 1e-6, `gradient of ${name} should vanish: ${norm(param.grad)} vs ${norm(ref)}`);
            continue;
          }
          const err = relativeError(param.grad, ref);
          worst = Math.max(worst, err);
          assert.ok(err <= 1e-3, `gradient of ${name}: relative error ${err}`);
        }
        assert.ok(worst < 1e-3);
      });
    }
  });
}
