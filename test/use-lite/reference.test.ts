// Checks the float64 USE-lite reference against the real graph run by TF.js: golden embeddings of 8 sentences (live run: tfjs-live.test.ts).

import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { FinetuneError } from '../../src/errors.js';
import { readTfjsGraphModel, requireAttr, requireNode, requireWeight, type TfjsGraphModel } from '../../src/io/tfjs/graph-model.js';
import type { RawTensor } from '../../src/io/raw-tensor.js';
import { UseSentencePieceTokenizer } from '../../src/tokenizers/use-sentencepiece.js';
import { USE_LITE_KEYS, useLiteForward } from './reference.js';
import { decodeRows, maxDiff, MODEL_DIR, readGolden, type Golden } from './support.js';

const TOLERANCE = 1e-5;

describe('USE-lite float64 reference', () => {
  let model: TfjsGraphModel;
  let golden: Golden;
  let tokenizer: UseSentencePieceTokenizer;
  before(() => {
    model = readTfjsGraphModel(MODEL_DIR);
    golden = readGolden();
    tokenizer = UseSentencePieceTokenizer.fromFile(join(MODEL_DIR, 'vocab.json'));
  });

  it('finds every weight of the key map, with its shape, and the graph nodes the forward pass follows', () => {
    assert.equal(model.weights.size, 61);
    const K = USE_LITE_KEYS;
    requireWeight(model, K.embeddings, [8002, 256]);
    const omega = requireWeight(model, K.timingFrequencies, [1, 128]).data;
    omega.forEach((w, i) => assert.ok(Math.abs(w - Math.exp((-i * Math.log(1e4)) / 127)) < 1e-7, `omega ${i}`));
    requireWeight(model, K.tanhKernel, [512, 512]);
    for (const [l, keys] of K.layers.entries()) {
      const d = l === 0 ? 256 : 512;
      requireWeight(model, keys.qkvKernel, [1, 1, d, 3 * d]);
      requireWeight(model, keys.outKernel, [1, 1, d, 512]);
      requireWeight(model, keys.ffnInKernel, [512, 1536]);
      requireWeight(model, keys.ffnOutKernel, [1536, 512]);
      for (const key of [keys.attnNormScale, keys.attnNormBias]) requireWeight(model, key, [d]);
      for (const key of [keys.ffnNormScale, keys.ffnNormBias, keys.outBias, keys.ffnOutBias]) requireWeight(model, key, [512]);
    }
    requireWeight(model, K.layers[0].residualKernel!, [256, 512]);
    const scalars = [K.maxLength, K.layerNormEpsilon, K.maskBias, K.heads, K.l2Epsilon].map((k) => requireWeight(model, k, []).data[0]);
    assert.deepEqual(
      scalars.map((v) => Math.fround(v!)),
      [128, Math.fround(1e-6), -1e9, 4, Math.fround(1e-12)],
    );
    // Trained values: every float tensor but the scalars and the fixed timing frequencies.
    let trained = 0;
    for (const [key, t] of model.weights) if (t.dtype === 'float32' && t.shape.length > 0 && key !== K.timingFrequencies) trained += t.data.length;
    assert.equal(trained, 6_975_744);
    const A = 'module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/';
    requireNode(model, 'module_apply_default/Encoder_en/hidden_layers/l2_normalize', 'Mul');
    requireNode(model, `${A}Layer_0/add`, 'Add');
    requireNode(model, `${A}Layer_0/TransformerLayer/AdjustResidualInput/dense/MatMul`, 'MatMul');
    const conv = requireNode(model, `${A}Layer_1/TransformerLayer/MultiheadAttention/qkv_transform_single/Conv2D`, 'Conv2D');
    assert.equal(requireAttr(model, conv, 'padding', 'string').value, 'VALID');
    assert.deepEqual(requireAttr(model, conv, 'strides', 'ints').value, [1, 1, 1, 1]);
    const concat = requireNode(model, `${A}Layer_0/AddTimingSignal/TimingSignal/concat`, 'ConcatV2');
    assert.deepEqual(
      concat.inputs.slice(0, 2).map((i) => i.split('/').pop()),
      ['Sin', 'Cos'],
    );
  });

  it('tokenizes the golden sentences exactly as the package tokenizer did', () => {
    assert.deepEqual(
      golden.ids.map((s) => s.length),
      [4, 1, 20, 0, 23, 25, 21, 162],
    );
    assert.deepEqual(
      golden.sentences.map((s) => tokenizer.tokenize(s)),
      golden.ids,
    );
  });

  // One sentence at a time is checked on our model (model.test.ts); float64 JavaScript is slow enough to run this once.
  it(`matches the TF.js embeddings of the batch within ${TOLERANCE}`, (t) => {
    const batched = useLiteForward(model.weights, golden.ids);
    const batchedDiff = maxDiff(batched, decodeRows(golden.batched));
    t.diagnostic(`max |reference - TF.js|: ${batchedDiff.toExponential(2)}`);
    assert.ok(batchedDiff < TOLERANCE, `batched: ${batchedDiff}`);
    for (const row of batched) assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-12);
  });

  it('rejects a missing weight, a wrong shape and a token id outside the table', () => {
    const weights = new Map<string, RawTensor>(model.weights);
    weights.delete(USE_LITE_KEYS.tanhBias);
    assert.throws(() => useLiteForward(weights, [[11]]), /missing 'module\/Encoder_en\/hidden_layers\/tanh_layer_0\/bias'/);
    weights.set(USE_LITE_KEYS.tanhBias, { dtype: 'float32', shape: [511], data: new Float32Array(511) });
    assert.throws(
      () => useLiteForward(weights, [[11]]),
      (e: unknown) => e instanceof FinetuneError && /has shape \[511\], expected \[512\]/.test(e.message),
    );
    assert.throws(() => useLiteForward(model.weights, [[11], [8002]]), /sentence 1 position 0: token id 8002 outside 0\.\.8001/);
  });
});
