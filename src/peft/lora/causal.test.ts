// LoRA on causal LMs in PEFT's format: PEFT's adapters (GPT-2 Conv1D with fan_in_fan_out, Llama q/v, Qwen2 all-linear) give PEFT's logits, merges equal merge_and_unload.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CAUSAL_GOLDEN, CAUSAL_NAMES, goldenTensors, loadGoldenModel, maskedMaxDiff, relativeDiff } from '../../models/causal/test-support.js';
import { noGrad } from '../../tensor/autograd.js';
import { Tensor } from '../../tensor/tensor.js';
import { applyLora } from './apply.js';
import { loraState, removeLora } from './inject.js';
import { loadClassifierWithAdapter } from './load-model.js';
import { mergeAdapters } from './merge.js';
import { saveAdapterModel } from './save.js';
import { readSafetensors } from '../../io/safetensors.js';

function rightBatch(name: string): { inputIds: Tensor; attentionMask: Tensor } {
  const golden = goldenTensors(name);
  return {
    inputIds: new Tensor(Int32Array.from(golden.get('right.input_ids')!.data), [2, 9]),
    attentionMask: new Tensor(Int32Array.from(golden.get('right.attention_mask')!.data), [2, 9]),
  };
}

describe('LoRA on causal language models', () => {
  for (const name of CAUSAL_NAMES) {
    it(`${name}: PEFT's adapter gives PEFT's logits, and merging gives merge_and_unload's logits and weights`, async () => {
      const loaded = await loadClassifierWithAdapter(join(CAUSAL_GOLDEN, name), { adapter: join(CAUSAL_GOLDEN, `${name}-lora`) });
      const model = loaded.model;
      assert.equal(model.head.kind, 'causal-lm');
      assert.equal(loaded.adapter?.taskType, 'CAUSAL_LM');
      const golden = goldenTensors(name);
      const inputs = rightBatch(name);
      const logits = noGrad(() => model.forward(inputs));
      assert.ok(maskedMaxDiff(logits, golden.get('lora.logits')!, inputs.attentionMask) < 1e-4);
      mergeAdapters(model);
      assert.ok(
        maskedMaxDiff(
          noGrad(() => model.forward(inputs)),
          golden.get('merged.logits')!,
          inputs.attentionMask,
        ) < 1e-4,
      );
      const params = new Map(model.namedParameters());
      let compared = 0;
      for (const [key, expected] of golden) {
        if (!key.startsWith('merged.') || key === 'merged.logits') continue;
        assert.ok(relativeDiff(params.get(key.slice('merged.'.length))!, expected) < 1e-5, key);
        compared++;
      }
      assert.ok(compared >= 2);
    });

    it(`${name}: the adapter finetune trained (scripts/train-causal-adapter.mjs, checked in PEFT) loads back with its logits`, async () => {
      const loaded = await loadClassifierWithAdapter(join(CAUSAL_GOLDEN, `${name}-ours`));
      const ours = readSafetensors(join(CAUSAL_GOLDEN, `${name}-ours.safetensors`)).tensors;
      const inputs = rightBatch(name);
      const expected = new Tensor(ours.get('ours.logits')!.data, ours.get('ours.logits')!.shape);
      assert.ok(
        maskedMaxDiff(
          noGrad(() => loaded.model.forward(inputs)),
          expected,
          inputs.attentionMask,
        ) < 1e-5,
      );
    });
  }

  it("uses PEFT's defaults: GPT-2's c_attn with fan_in_fan_out, Llama's q_proj / v_proj; all-linear leaves the lm_head out", async () => {
    const gpt2 = await loadGoldenModel('gpt2');
    applyLora(gpt2);
    assert.deepEqual([...loraState(gpt2)!.layers.keys()], ['transformer.h.0.attn.c_attn', 'transformer.h.1.attn.c_attn']);
    assert.equal(loraState(gpt2)!.config.fanInFanOut, true);
    assert.equal(loraState(gpt2)!.config.taskType, 'CAUSAL_LM');
    assert.deepEqual(loraState(gpt2)!.config.modulesToSave, []);
    const llama = await loadGoldenModel('llama');
    applyLora(llama);
    assert.deepEqual(
      [...loraState(llama)!.layers.keys()].map((n) => n.split('.').slice(-1)[0]),
      ['q_proj', 'v_proj', 'q_proj', 'v_proj'],
    );
    assert.equal(loraState(llama)!.config.fanInFanOut ?? false, false);
    removeLora(llama);
    applyLora(llama, { targets: 'all-linear' });
    const names = [...loraState(llama)!.layers.keys()];
    assert.equal(names.length, 2 * 7);
    assert.ok(!names.includes('lm_head'));
    const gpt2All = await loadGoldenModel('gpt2');
    applyLora(gpt2All, { targets: 'all-linear' });
    assert.deepEqual(
      [...new Set([...loraState(gpt2All)!.layers.keys()].map((n) => n.split('.').slice(-2).join('.')))],
      ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'],
    );
  });

  it('saves an adapter that loads back with the same logits, and writes fan_in_fan_out and CAUSAL_LM for GPT-2', async () => {
    const model = await loadGoldenModel('gpt2');
    applyLora(model, { r: 2 });
    model.eval();
    for (const layer of loraState(model)!.layers.values()) layer.lora_B.weight.f32().forEach((_, i, a) => (a[i] = Math.sin(i + 1) * 0.1));
    const inputs = rightBatch('gpt2');
    const before = noGrad(() => model.forward(inputs));
    const dir = mkdtempSync(join(tmpdir(), 'finetune-causal-lora-'));
    try {
      await saveAdapterModel(model, null, dir, join(CAUSAL_GOLDEN, 'gpt2'));
      const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
      assert.deepEqual([config.task_type, config.fan_in_fan_out, config.target_modules], ['CAUSAL_LM', true, ['c_attn']]);
      const again = await loadClassifierWithAdapter(dir);
      assert.ok(
        maskedMaxDiff(
          noGrad(() => again.model.forward(inputs)),
          before,
          inputs.attentionMask,
        ) < 1e-6,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
