// Model code composes tensor ops only: forward and backward of every family run with host reads from src/models and src/nn refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headSpec, labelsFromNames } from '../../src/models/labels.js';
import { loadTaskModel } from '../../src/models/load.js';
import type { ModelInputs, SequenceClassifier } from '../../src/models/types.js';
import { loadBuiltinUseLite } from '../../src/models/use-lite/pretrained.js';
import { forbidHostReads } from '../../src/tensor/host-reads.js';
import { crossEntropy } from '../../src/tensor/ops/losses.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { idsBatch } from '../use-lite/support.js';
import { expectedTensors, goldenDir, goldenInputs } from './support.js';

/** Logits unguarded, then forward and backward under the guard: the same logits to the bit, a gradient in every parameter; then in training mode. */
function checkModel(model: SequenceClassifier, inputs: ModelInputs): void {
  model.eval();
  const before = model.forward(inputs).toArray();
  const targets = Tensor.from(Array.from({ length: inputs.inputIds.shape[0]! }, (_, i) => i % model.numLabels), undefined, { dtype: 'int32' });
  const logits = forbidHostReads(() => {
    const out = model.forward(inputs);
    crossEntropy(out, targets).backward();
    return out;
  });
  assert.deepEqual(logits.toArray(), before);
  for (const [name, p] of model.namedParameters()) assert.ok(p.grad !== null, `no gradient reached '${name}'`);
  // Training mode takes the dropout paths too.
  model.train();
  forbidHostReads(() => crossEntropy(model.forward(inputs), targets).backward());
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

  it('use-lite: forward and backward compose ops only, an all-padding row included', () => {
    const { model } = loadBuiltinUseLite({ head: headSpec(labelsFromNames(['ham', 'spam'])) });
    checkModel(model, idsBatch([[5, 17, 300, 42], [9, 8], []]));
  });
});
