// Model code composes tensor ops only: forward and backward of every family run with host reads from src/models and src/nn refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headSpec, labelsFromNames } from '../../src/models/labels.js';
import { loadTaskModel } from '../../src/models/load.js';
import type { TextInputs, TaskModel } from '../../src/models/types.js';
import { loadBuiltinUseLite } from '../../src/models/use-lite/pretrained.js';
import { forbidHostReads } from '../../src/tensor/host-reads.js';
import { crossEntropy } from '../../src/tensor/ops/losses.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { idsBatch } from '../use-lite/support.js';
import { expectedTensors, goldenDir, goldenInputs } from './support.js';
import { goldenTensors, loadGoldenModel } from '../../src/models/causal/test-support.js';

/** Logits unguarded, then forward and backward under the guard: the same logits to the bit, a gradient in every parameter; then in training mode. */
function checkModel(model: TaskModel, inputs: TextInputs): void {
  model.eval();
  const before = model.forward(inputs).toArray();
  // Token heads give [B, T, C]: their loss runs over every token's row.
  const rows = model.head.kind === 'token-classification' || model.head.kind === 'causal-lm' ? inputs.inputIds.size : inputs.inputIds.shape[0]!;
  const targets = Tensor.from(
    Array.from({ length: rows }, (_, i) => i % model.numLabels),
    undefined,
    { dtype: 'int32' },
  );
  const loss = (out: Tensor): Tensor => crossEntropy(out.reshape([rows, model.numLabels]), targets);
  const logits = forbidHostReads(() => {
    const out = model.forward(inputs);
    loss(out).backward();
    return out;
  });
  assert.deepEqual(logits.toArray(), before);
  for (const [name, p] of model.namedParameters()) assert.ok(p.grad !== null, `no gradient reached '${name}'`);
  // Training mode takes the dropout paths too.
  model.train();
  forbidHostReads(() => loss(model.forward(inputs)).backward());
  model.eval();
}

describe('no host reads in model code', () => {
  for (const arch of ['bert', 'distilbert', 'roberta', 'xlm-roberta']) {
    it(`${arch}: forward and backward compose ops only`, async () => {
      const { model } = await loadTaskModel(goldenDir(arch));
      const get = expectedTensors(arch);
      checkModel(model, goldenInputs(get, get('pair.input_ids') ? 'pair' : 'single'));
    });
  }

  for (const arch of ['bert', 'distilbert', 'roberta']) {
    it(`${arch} with a token head: forward and backward compose ops only`, async () => {
      const { model } = await loadTaskModel(goldenDir(arch), { headKind: 'token-classification' });
      const get = expectedTensors(arch);
      checkModel(model, goldenInputs(get, 'single'));
    });
  }

  for (const name of ['gpt2', 'llama', 'qwen2']) {
    it(`${name} (causal LM, left padding, checkpointing on): forward and backward compose ops only`, async () => {
      const model = await loadGoldenModel(name);
      model.gradientCheckpointing = true;
      const golden = goldenTensors(name);
      const inputIds = new Tensor(Int32Array.from(golden.get('left.input_ids')!.data), [2, 9]);
      const attentionMask = new Tensor(Int32Array.from(golden.get('left.attention_mask')!.data), [2, 9]);
      checkModel(model, { inputIds, attentionMask });
    });
  }

  it('use-lite with a token head: forward and backward compose ops only', () => {
    const { model } = loadBuiltinUseLite({ head: headSpec(labelsFromNames(['O', 'B-X', 'I-X']), 'token-classification') });
    checkModel(
      model,
      idsBatch([
        [5, 17, 300, 42],
        [9, 8],
      ]),
    );
  });

  it('use-lite: forward and backward compose ops only, an all-padding row included', () => {
    const { model } = loadBuiltinUseLite({ head: headSpec(labelsFromNames(['ham', 'spam'])) });
    checkModel(model, idsBatch([[5, 17, 300, 42], [9, 8], []]));
  });
});
