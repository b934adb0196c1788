// Adapters exchanged with the real PEFT (golden files of scripts/make-peft-golden.py): PEFT's load into finetune with
// PEFT's logits, finetune's load into PEFT with finetune's logits, and the files and counts are PEFT's.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadTaskModel } from '../../src/models/load.js';
import type { TextInputs, TaskModel } from '../../src/models/types.js';
import { applyLora, type LoraOptions } from '../../src/peft/lora/apply.js';
import { loraConfigText, readLoraConfig } from '../../src/peft/lora/config.js';
import { loadAdapter } from '../../src/peft/lora/load.js';
import { loadClassifierWithAdapter } from '../../src/peft/lora/load-model.js';
import { mergeLora } from '../../src/peft/lora/merge.js';
import { saveAdapter } from '../../src/peft/lora/save.js';
import { logitsOf, maxAbsDiff } from '../../src/peft/lora/test-support.js';
import { Tensor } from '../../src/tensor/tensor.js';

const GOLDEN = fileURLToPath(new URL('../../../test/golden/peft/', import.meta.url));

interface Expected {
  readonly inputs: { readonly input_ids: number[][]; readonly attention_mask: number[][] };
  readonly base_logits: number[][];
  readonly peft_adapter: { readonly logits: number[][]; readonly merged_logits: number[][]; readonly trainable: number; readonly all_params: number };
  readonly ours_adapter: {
    readonly options: LoraOptions;
    readonly logits: number[][];
    readonly finetune_logits: number[][];
    readonly trainable: number;
    readonly all_params: number;
    readonly finetune_trainable: number;
    readonly finetune_total: number;
  };
}

function expected(arch: string): Expected {
  return JSON.parse(readFileSync(join(GOLDEN, arch, 'expected.json'), 'utf8')) as Expected;
}

function inputsOf(e: Expected): TextInputs {
  const rows = e.inputs.input_ids.length;
  const length = e.inputs.input_ids[0]!.length;
  return {
    inputIds: new Tensor(Int32Array.from(e.inputs.input_ids.flat()), [rows, length]),
    attentionMask: new Tensor(Int32Array.from(e.inputs.attention_mask.flat()), [rows, length]),
  };
}

async function base(arch: string): Promise<TaskModel> {
  return (await loadTaskModel(join(GOLDEN, arch, 'base'))).model;
}

/** Parameters of the head, which PEFT counts twice (the original module and its trained copy). */
function headSize(model: TaskModel): number {
  return model
    .namedParameters()
    .filter(([n]) => model.headModules.some((h) => n === h || n.startsWith(`${h}.`)))
    .reduce((s, [, p]) => s + p.size, 0);
}

for (const arch of ['bert', 'distilbert', 'roberta']) {
  describe(`LoRA adapters and PEFT 0.21: ${arch}`, () => {
    const e = expected(arch);
    const inputs = inputsOf(e);

    it("loads PEFT's adapter and gives PEFT's logits, unmerged and merged", async () => {
      const model = await base(arch);
      assert.ok(maxAbsDiff(logitsOf(model, inputs), e.base_logits.flat()) < 1e-4, 'the base alone matches transformers');
      loadAdapter(model, join(GOLDEN, arch, 'peft-adapter'));
      const ours = logitsOf(model, inputs);
      assert.ok(maxAbsDiff(ours, e.base_logits.flat()) > 0.1, 'the adapter changes the logits');
      const diff = maxAbsDiff(ours, e.peft_adapter.logits.flat());
      assert.ok(diff < 1e-4, `max difference ${diff}`);
      mergeLora(model);
      assert.ok(!model.namedParameters().some(([n]) => n.includes('lora_')));
      const merged = maxAbsDiff(logitsOf(model, inputs), e.peft_adapter.merged_logits.flat());
      assert.ok(merged < 1e-4, `merged: max difference ${merged}`);
      if (arch === 'bert') {
        const fromBin = await base(arch);
        loadAdapter(fromBin, join(GOLDEN, arch, 'peft-adapter-bin'));
        assert.ok(maxAbsDiff(logitsOf(fromBin, inputs), e.peft_adapter.logits.flat()) < 1e-4, 'adapter_model.bin (torch.save) reads the same');
      }
    });

    it("gives PEFT's logits for the adapter finetune trained (PeftModel.from_pretrained reproduced finetune's)", async () => {
      const loaded = await loadClassifierWithAdapter(join(GOLDEN, arch, 'ours-adapter'));
      assert.ok(loaded.adapterDir !== null && loaded.adapter !== null);
      const ours = logitsOf(loaded.model, inputs);
      const diff = maxAbsDiff(ours, e.ours_adapter.logits.flat());
      assert.ok(diff < 1e-4, `max difference from PEFT ${diff}`);
      assert.ok(maxAbsDiff(ours, e.ours_adapter.finetune_logits.flat()) < 1e-5, 'the same logits as when it was trained');
      assert.ok(maxAbsDiff(e.ours_adapter.logits.flat(), e.ours_adapter.finetune_logits.flat()) < 1e-4);
    });

    it('trains the same parameters as PEFT: the adapters and the head', async () => {
      const model = await base(arch);
      const counts = applyLora(model, e.ours_adapter.options);
      assert.equal(counts.trainable, e.ours_adapter.trainable, 'PEFT counted the same trainable parameters');
      assert.equal(counts.total, e.ours_adapter.all_params - headSize(model), 'PEFT counts the head twice');
      assert.equal(counts.trainable, e.ours_adapter.finetune_trainable);
      const peft = await base(arch);
      loadAdapter(peft, join(GOLDEN, arch, 'peft-adapter'));
      assert.equal(peft.parameterCount().trainable, e.peft_adapter.trainable);
    });

    it('writes adapter_config.json as PEFT does, and saves a loaded adapter back byte for byte', async () => {
      for (const folder of ['peft-adapter', 'ours-adapter']) {
        const dir = join(GOLDEN, arch, folder);
        const text = readFileSync(join(dir, 'adapter_config.json'), 'utf8');
        assert.equal(loraConfigText(readLoraConfig(dir)), text, `${folder}/adapter_config.json`);
      }
      const out = mkdtempSync(join(tmpdir(), 'lora-golden-'));
      try {
        const model = await base(arch);
        const dir = join(GOLDEN, arch, 'ours-adapter');
        loadAdapter(model, dir);
        saveAdapter(model, out, '../base');
        for (const file of ['adapter_config.json', 'adapter_model.safetensors']) {
          assert.ok(readFileSync(join(out, file)).equals(readFileSync(join(dir, file))), file);
        }
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
}
