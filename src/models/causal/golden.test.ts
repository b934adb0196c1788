// GPT-2, Llama (grouped-query, llama3 rope) and Qwen2 (q/k/v biases, tied) against transformers: logits, loss and gradients with left and right padding.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from '../../tensor/tensor.js';
import { CAUSAL_NAMES, goldenTensors, loadGoldenModel, maskedMaxDiff, relativeDiff, shiftedLoss } from './test-support.js';

for (const name of CAUSAL_NAMES) {
  describe(`${name} against transformers`, () => {
    for (const side of ['left', 'right']) {
      it(`gives transformers' logits, loss and gradients with ${side} padding`, async () => {
        const model = await loadGoldenModel(name);
        const golden = goldenTensors(name);
        const inputIds = golden.get(`${side}.input_ids`)!;
        const attentionMask = golden.get(`${side}.attention_mask`)!;
        const ids = new Tensor(Int32Array.from(inputIds.data), inputIds.shape);
        const mask = new Tensor(Int32Array.from(attentionMask.data), attentionMask.shape);
        const logits = model.forward({ inputIds: ids, attentionMask: mask });
        assert.deepEqual(logits.shape, [2, 9, model.vocabSize]);
        const diff = maskedMaxDiff(logits, golden.get(`${side}.logits`)!, mask);
        assert.ok(diff < 1e-4, `logits differ by ${diff}`);
        const loss = shiftedLoss(logits, ids, mask);
        assert.ok(Math.abs(loss.item() - golden.get(`${side}.loss`)!.item()) < 1e-5, `loss ${loss.item()} vs ${golden.get(`${side}.loss`)!.item()}`);
        loss.backward();
        let checked = 0;
        for (const [pname, p] of model.namedParameters()) {
          const expected = golden.get(`${side}.grad.${pname}`);
          assert.ok(expected, `no golden gradient for ${pname}`);
          assert.ok(p.grad, `no gradient for ${pname}`);
          const rel = relativeDiff(p.grad, expected);
          assert.ok(rel < 1e-3, `${pname}: gradient differs by ${rel} (relative)`);
          checked++;
        }
        assert.ok(checked > 10);
      });
    }
  });
}
