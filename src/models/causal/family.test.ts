// The causal families' loading rules: random init, saving in transformers' layout, ignored buffers, refused configs, the cached step.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FinetuneError } from '../../errors.js';
import { readSafetensors, writeSafetensors } from '../../io/safetensors.js';
import { Tensor } from '../../tensor/tensor.js';
import { createTaskModel, loadTaskModel } from '../load.js';
import { saveTaskModel } from '../save.js';
import { CAUSAL_GOLDEN, CAUSAL_NAMES, goldenTensors, loadGoldenModel, maskedMaxDiff } from './test-support.js';
import { isCausalLM, setGradientCheckpointing, type CausalLMModel } from './types.js';

const configOf = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(CAUSAL_GOLDEN, name, 'config.json'), 'utf8'));

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'finetune-causal-'));
}

describe('causal model families', () => {
  for (const name of CAUSAL_NAMES) {
    it(`${name}: saves the checkpoint's keys and shapes (a tied lm_head once) and loads back the same logits`, async () => {
      const model = await loadGoldenModel(name);
      assert.ok(isCausalLM(model));
      assert.equal(model.head.kind, 'causal-lm');
      assert.equal(model.numLabels, model.vocabSize);
      assert.deepEqual(model.labels.id2label, {});
      const dir = tempDir();
      try {
        await saveTaskModel(model, null, dir);
        const saved = readSafetensors(join(dir, 'model.safetensors')).tensors;
        const original = readSafetensors(join(CAUSAL_GOLDEN, name, 'model.safetensors')).tensors;
        assert.deepEqual([...saved.keys()].sort(), [...original.keys()].sort());
        for (const [key, t] of original) assert.deepEqual(saved.get(key)!.shape, t.shape, key);
        const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
        assert.deepEqual(config.architectures, configOf(name).architectures);
        assert.equal(config.model_type, name);
        const again = (await loadTaskModel(dir)).model;
        const golden = goldenTensors(name);
        const ids = new Tensor(Int32Array.from(golden.get('right.input_ids')!.data), [2, 9]);
        const mask = new Tensor(Int32Array.from(golden.get('right.attention_mask')!.data), [2, 9]);
        assert.ok(maskedMaxDiff(again.forward({ inputIds: ids, attentionMask: mask }), golden.get('right.logits')!, mask) < 1e-4);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it(`${name}: --init random builds the model from config.json alone`, () => {
      const model = createTaskModel(configOf(name)) as CausalLMModel;
      assert.equal(model.head.kind, 'causal-lm');
      const logits = model.forward({ inputIds: new Tensor(Int32Array.of(3, 4, 5), [1, 3]), attentionMask: new Tensor(Int32Array.of(1, 1, 1), [1, 3]) });
      assert.deepEqual(logits.shape, [1, 3, model.vocabSize]);
      assert.ok(logits.toArray().every(Number.isFinite));
      assert.ok(logits.toArray().some((v) => v !== 0));
    });
  }

  it('ignores the attn.bias / attn.masked_bias buffers of older GPT-2 checkpoints without a warning, and reads keys without the transformer. prefix', async () => {
    const dir = tempDir();
    try {
      cpSync(join(CAUSAL_GOLDEN, 'gpt2'), dir, { recursive: true });
      const tensors = readSafetensors(join(dir, 'model.safetensors')).tensors;
      const renamed = new Map([...tensors].map(([k, v]) => [k.replace(/^transformer\./, ''), v]));
      renamed.set('h.0.attn.bias', { dtype: 'float32', shape: [1, 1, 64, 64], data: new Float32Array(64 * 64) });
      renamed.set('h.0.attn.masked_bias', { dtype: 'float32', shape: [], data: new Float32Array(1) });
      writeSafetensors(join(dir, 'model.safetensors'), renamed, { format: 'pt' });
      const loaded = await loadTaskModel(dir);
      assert.deepEqual(
        loaded.warnings.filter((w) => !w.includes('tokenizer')),
        [],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails naming the key when an untied lm_head is missing', async () => {
    const dir = tempDir();
    try {
      cpSync(join(CAUSAL_GOLDEN, 'llama'), dir, { recursive: true });
      const tensors = readSafetensors(join(dir, 'model.safetensors')).tensors;
      tensors.delete('lm_head.weight');
      writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
      await assert.rejects(loadTaskModel(dir), (e: Error) => e instanceof FinetuneError && /missing key 'lm_head\.weight'/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses configs it cannot run, naming the key', () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['gpt2', { tie_word_embeddings: false }, /tie_word_embeddings/],
      ['gpt2', { n_head: 5 }, /n_embd 32 is not divisible by n_head 5/],
      ['llama', { num_key_value_heads: 3 }, /num_key_value_heads 3/],
      ['llama', { rope_parameters: { rope_type: 'yarn', factor: 2 } }, /rope_type: 'yarn' is not supported/],
      ['llama', { hidden_act: 'mish' }, /hidden_act 'mish'/],
      ['qwen2', { use_sliding_window: true }, /use_sliding_window/],
      ['llama', { pretraining_tp: 2 }, /pretraining_tp/],
    ];
    for (const [name, change, pattern] of cases) {
      assert.throws(
        () => createTaskModel({ ...configOf(name), ...change }),
        (e: Error) => e instanceof FinetuneError && pattern.test(e.message),
        `${name} ${JSON.stringify(change)}`,
      );
    }
    assert.throws(
      () => createTaskModel(configOf('gpt2'), { headKind: 'sequence-classification' }),
      /model_type 'gpt2' is a causal language model; it has no sequence-classification head/,
    );
  });

  it('turns gradient checkpointing on for causal models and refuses it, naming the option, for encoders', async () => {
    const model = createTaskModel(configOf('gpt2')) as CausalLMModel;
    setGradientCheckpointing(model, true);
    assert.equal(model.gradientCheckpointing, true);
    const bert = createTaskModel({ model_type: 'bert', vocab_size: 50, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16 });
    setGradientCheckpointing(bert, false);
    assert.throws(() => setGradientCheckpointing(bert, true), /--gradient-checkpointing: the bert model does not support it/);
  });

  for (const name of CAUSAL_NAMES) {
    it(`${name}: the cached step gives the full forward's logits, token by token, with left padding`, async () => {
      const model = await loadGoldenModel(name);
      const golden = goldenTensors(name);
      const ids = new Tensor(Int32Array.from(golden.get('left.input_ids')!.data), [2, 9]);
      const mask = new Tensor(Int32Array.from(golden.get('left.attention_mask')!.data), [2, 9]);
      const full = golden.get('left.logits')!;
      const cache = model.createCache(2, 9);
      const first = model.forwardCached({ inputIds: ids.slice(1, 0, 5), attentionMask: mask.slice(1, 0, 5) }, cache);
      const pieces = [first];
      for (let t = 5; t < 9; t++) {
        pieces.push(model.forwardCached({ inputIds: ids.slice(1, t, t + 1), attentionMask: mask.slice(1, 0, t + 1) }, cache));
      }
      assert.equal(cache.length, 9);
      const v = model.vocabSize;
      for (let row = 0; row < 2; row++) {
        for (let t = 0; t < 9; t++) {
          if (mask.data[row * 9 + t] === 0) continue;
          const piece = t < 5 ? pieces[0]! : pieces[t - 4]!;
          const width = piece.shape[1]!;
          const at = t < 5 ? t : 0;
          for (let j = 0; j < v; j++) {
            const ours = piece.data[(row * width + at) * v + j]!;
            const theirs = full.data[(row * 9 + t) * v + j]!;
            assert.ok(Math.abs(ours - theirs) < 1e-4, `row ${row} token ${t}: ${ours} vs ${theirs}`);
          }
        }
      }
      assert.throws(() => model.forwardCached({ inputIds: ids.slice(1, 0, 1), attentionMask: mask.slice(1, 0, 1) }, cache), /attention mask/);
    });
  }
});
