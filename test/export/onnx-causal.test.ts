// ONNX Runtime (Node) on exported GPT-2, Llama and Qwen2: our logits within 1e-4 on the first step and on a step with the cache, our greedy ids, int8 argmax.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeOnnxModel } from '../../src/export/onnx/export-model.js';
import { generateTokenIds } from '../../src/generate/generate.js';
import { CAUSAL_GOLDEN } from '../../src/models/causal/test-support.js';
import type { CausalLMModel } from '../../src/models/causal/types.js';
import { createTaskModel, loadTaskModel } from '../../src/models/load.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { OnnxDecoder } from '../support/onnx-decoder.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-onnx-causal-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Our logits [B, T, V] on ids with mask (positions from the mask). */
function ours(model: CausalLMModel, ids: number[][], mask: number[][]): Float32Array {
  const shape = [ids.length, ids[0]!.length];
  const inputs = { inputIds: new Tensor(Int32Array.from(ids.flat()), shape), attentionMask: new Tensor(Int32Array.from(mask.flat()), shape) };
  return Float32Array.from(noGrad(() => model.forward(inputs)).data);
}

/** max |a - b| over the rows of [B, T, V] logits where `keep` [B, T] is 1; `a` may cover only the last `tn` of T. */
function maskedDiff(a: Float32Array, b: Float32Array, keep: number[][], v: number, tn: number): number {
  let worst = 0;
  keep.forEach((row, r) => {
    const t = row.length;
    for (let j = t - tn; j < t; j++) {
      if (!row[j]) continue;
      for (let c = 0; c < v; c++) worst = Math.max(worst, Math.abs(a[(r * tn + j - (t - tn)) * v + c]! - b[(r * t + j) * v + c]!));
    }
  });
  return worst;
}

function argmaxRows(logits: Float32Array, v: number): number[] {
  const out: number[] = [];
  for (let r = 0; r * v < logits.length; r++) {
    let best = 0;
    for (let c = 1; c < v; c++) if (logits[r * v + c]! > logits[r * v + best]!) best = c;
    out.push(best);
  }
  return out;
}

const shapeOf = (model: CausalLMModel): { kvHeads: number; headDim: number } => {
  const config = model.configJson() as Record<string, number>;
  const heads = config.n_head ?? config.num_attention_heads!;
  const headDim = config.head_dim ?? (config.n_embd ?? config.hidden_size!) / heads;
  return { kvHeads: config.num_key_value_heads ?? heads, headDim };
};

describe('causal LM export run by ONNX Runtime', () => {
  for (const name of ['gpt2', 'llama', 'qwen2']) {
    it(`${name}: first step and cached step within 1e-4 of our logits (left padding), our greedy ids, int8 argmax`, async () => {
      const model = (await loadTaskModel(join(CAUSAL_GOLDEN, name))).model as CausalLMModel;
      const v = model.vocabSize;
      const { kvHeads, headDim } = shapeOf(model);
      const file = join(root, `${name}.onnx`);
      writeOnnxModel(model, file);
      const decoder = await OnnxDecoder.open(file);
      const layers = model.numLayers;
      assert.deepEqual(decoder.inputNames, [
        'input_ids',
        'attention_mask',
        'position_ids',
        ...Array.from({ length: layers }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat(),
      ]);
      assert.deepEqual(decoder.outputNames, ['logits', ...Array.from({ length: layers }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat()]);
      const ids = [
        [5, 17, 33, 8, 41, 12],
        [0, 0, 9, 27, 3, 60],
      ];
      const mask = [
        [1, 1, 1, 1, 1, 1],
        [0, 0, 1, 1, 1, 1],
      ];
      const first = await decoder.step(ids, mask, decoder.emptyCache(2, kvHeads, headDim));
      assert.deepEqual(first.dims, [2, 6, v]);
      const expected = ours(model, ids, mask);
      const d1 = maskedDiff(first.logits, expected, mask, v, 6);
      assert.ok(d1 < 1e-4, `first step: max difference ${d1}`);
      // The second step feeds two new tokens and the cache; our full forward on all eight gives the reference.
      const more = [
        [22, 7],
        [14, 50],
      ];
      const longMask = mask.map((row) => [...row, 1, 1]);
      const second = await decoder.step(more, longMask, first.cache);
      assert.deepEqual(second.dims, [2, 2, v]);
      assert.deepEqual(second.cache['past_key_values.0.key']!.dims, [2, kvHeads, 8, headDim]);
      const full = ours(
        model,
        ids.map((row, r) => [...row, ...more[r]!]),
        longMask,
      );
      const d2 = maskedDiff(second.logits, full, longMask, v, 2);
      assert.ok(d2 < 1e-4, `cached step: max difference ${d2}`);
      const prompt = [4, 19, 33, 7];
      const eos = new Set(model.eosTokenIds);
      const expectedIds = [...generateTokenIds(model, prompt, { maxNewTokens: 6 })];
      assert.deepEqual(await decoder.greedy(prompt, 6, eos, kvHeads, headDim), expectedIds);
      await decoder.release();
      const int8 = join(root, `${name}-int8.onnx`);
      writeOnnxModel(model, int8, { weights: 'int8' });
      const q = await OnnxDecoder.open(int8);
      const qFirst = await q.step(ids.slice(0, 1), mask.slice(0, 1), q.emptyCache(1, kvHeads, headDim));
      assert.deepEqual(argmaxRows(qFirst.logits, v), argmaxRows(expected.subarray(0, 6 * v), v));
      await q.release();
    });
  }

  it('mistral (a sliding window wider than the sequence): first step within 1e-4 of our logits', async () => {
    const model = createTaskModel({
      model_type: 'mistral',
      vocab_size: 64,
      hidden_size: 32,
      intermediate_size: 48,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      max_position_embeddings: 64,
      sliding_window: 16,
      initializer_range: 0.2,
    }) as CausalLMModel;
    const file = join(root, 'mistral.onnx');
    writeOnnxModel(model, file);
    const decoder = await OnnxDecoder.open(file);
    const ids = [
      [5, 17, 33, 8, 41, 12],
      [0, 0, 9, 27, 3, 60],
    ];
    const mask = [
      [1, 1, 1, 1, 1, 1],
      [0, 0, 1, 1, 1, 1],
    ];
    const got = await decoder.step(ids, mask, decoder.emptyCache(2, 2, 8));
    await decoder.release();
    const diff = maskedDiff(got.logits, ours(model, ids, mask), mask, 64, 6);
    assert.ok(diff < 1e-4, `max difference ${diff}`);
  });

  it('puts the weights in model.onnx_data when asked (as past 2 GiB) and ONNX Runtime reads them from there', async () => {
    const model = (await loadTaskModel(join(CAUSAL_GOLDEN, 'qwen2'))).model as CausalLMModel;
    mkdirSync(join(root, 'external'));
    const file = join(root, 'external', 'model.onnx');
    const written = writeOnnxModel(model, file, { externalData: 'always' });
    assert.equal(written.dataFile, `${file}_data`);
    assert.ok(existsSync(`${file}_data`));
    const { kvHeads, headDim } = shapeOf(model);
    const decoder = await OnnxDecoder.open(file);
    const ids = [[5, 17, 33, 8]];
    const mask = [[1, 1, 1, 1]];
    const got = await decoder.step(ids, mask, decoder.emptyCache(1, kvHeads, headDim));
    await decoder.release();
    const diff = maskedDiff(got.logits, ours(model, ids, mask), mask, model.vocabSize, 4);
    assert.ok(diff < 1e-4, `max difference ${diff}`);
  });

  it('refuses a causal family with a head other than the lm_head, naming the head', () => {
    const model = createTaskModel({ model_type: 'gpt2', vocab_size: 40, n_embd: 8, n_layer: 1, n_head: 2, n_positions: 16 });
    const other = Object.assign(Object.create(Object.getPrototypeOf(model) as object) as object, model, {
      head: { ...model.head, kind: 'sequence-classification' },
    }) as typeof model;
    assert.throws(() => writeOnnxModel(other, join(root, 'bad.onnx')), /has a sequence-classification head; only causal-lm exports/);
  });
});
