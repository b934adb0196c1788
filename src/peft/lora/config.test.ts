// adapter_config.json: PEFT's defaults, the head names SEQ_CLS adds, refusals naming the key, and the text PEFT writes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loraConfigJson, loraConfigText, parseLoraConfig, readLoraConfig } from './config.js';

const minimal = { peft_type: 'LORA', target_modules: ['query'] };

describe('LoRA adapter_config.json', () => {
  it("reads PEFT's defaults when fields are absent", () => {
    const c = parseLoraConfig(minimal, 'a.json');
    assert.deepEqual(c, {
      r: 8,
      loraAlpha: 8,
      loraDropout: 0,
      targetModules: ['query'],
      excludeModules: null,
      modulesToSave: [],
      bias: 'none',
      useRslora: false,
      rankPattern: {},
      alphaPattern: {},
      layersToTransform: null,
      layersPattern: null,
      taskType: null,
      baseModelNameOrPath: null,
      revision: null,
    });
  });

  it('adds the head names classifier and score for SEQ_CLS, as PEFT does on load', () => {
    assert.deepEqual(parseLoraConfig({ ...minimal, task_type: 'SEQ_CLS' }, 'a.json').modulesToSave, ['classifier', 'score']);
    assert.deepEqual(parseLoraConfig({ ...minimal, task_type: 'SEQ_CLS', modules_to_save: ['pooler', 'classifier'] }, 'a.json').modulesToSave, [
      'pooler',
      'classifier',
      'score',
    ]);
  });

  it('reads every supported field', () => {
    const c = parseLoraConfig(
      {
        ...minimal,
        r: 4,
        lora_alpha: 32,
        lora_dropout: 0.05,
        target_modules: '.*query',
        exclude_modules: ['x'],
        bias: 'lora_only',
        use_rslora: true,
        rank_pattern: { value: 2 },
        alpha_pattern: { value: 3.5 },
        layers_to_transform: 1,
        layers_pattern: 'layer',
        base_model_name_or_path: 'bert-base-uncased',
        revision: 'v1',
        init_lora_weights: 'gaussian',
        use_dora: false,
        loftq_config: {},
        some_future_field: 3,
      },
      'a.json',
    );
    assert.equal(c.targetModules, '.*query');
    assert.deepEqual([c.r, c.loraAlpha, c.loraDropout, c.bias, c.useRslora], [4, 32, 0.05, 'lora_only', true]);
    assert.deepEqual([c.layersToTransform, c.layersPattern], [[1], ['layer']]);
    assert.deepEqual([c.rankPattern, c.alphaPattern], [{ value: 2 }, { value: 3.5 }]);
    assert.deepEqual([c.baseModelNameOrPath, c.revision], ['bert-base-uncased', 'v1']);
  });

  it('refuses, naming the key, adapters finetune would otherwise apply wrongly', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...minimal, peft_type: 'IA3' }, /a.json: 'peft_type' is "IA3"; finetune reads LORA adapters/],
      [{ ...minimal, use_dora: true }, /'use_dora' is true: DoRA adapters are not supported/],
      [{ ...minimal, lora_bias: true }, /'lora_bias' is true/],
      [{ ...minimal, fan_in_fan_out: 'yes' }, /'fan_in_fan_out' must be true or false/],
      [{ ...minimal, layer_replication: [[0, 2]] }, /'layer_replication'/],
      [{ ...minimal, target_parameters: ['w'] }, /'target_parameters'/],
      [{ ...minimal, trainable_token_indices: [1, 2] }, /'trainable_token_indices'/],
      [{ ...minimal, alora_invocation_tokens: [5] }, /'alora_invocation_tokens'/],
      [{ ...minimal, init_lora_weights: 'pissa' }, /'init_lora_weights' is "pissa": adapters initialised this way need a modified base model/],
      [{ ...minimal, init_lora_weights: 'loftq' }, /'init_lora_weights' is "loftq"/],
      [
        { ...minimal, task_type: 'QUESTION_ANS' },
        /'task_type' is 'QUESTION_ANS'; finetune loads classification and causal LM adapters \(SEQ_CLS, TOKEN_CLS, CAUSAL_LM\)/,
      ],
      [{ peft_type: 'LORA' }, /'target_modules' is missing/],
      [{ ...minimal, target_modules: [1] }, /'target_modules' must be a list of module names or one regular expression/],
      [{ ...minimal, r: 0 }, /'r' must be a positive integer, got 0/],
      [{ ...minimal, lora_alpha: 'x' }, /'lora_alpha' must be a number/],
      [{ ...minimal, lora_dropout: 1 }, /'lora_dropout' must be in \[0, 1\), got 1/],
      [{ ...minimal, bias: 'some' }, /'bias' must be one of none, all, lora_only, got "some"/],
      [{ ...minimal, use_rslora: 'yes' }, /'use_rslora' must be true or false/],
      [{ ...minimal, rank_pattern: { query: 0 } }, /'rank_pattern.query' must be a positive integer, got 0/],
      [{ ...minimal, alpha_pattern: [] }, /'alpha_pattern' must be an object/],
      [{ ...minimal, layers_to_transform: [-1] }, /'layers_to_transform' must be layer indices/],
      [{ ...minimal, modules_to_save: [3] }, /'modules_to_save' must be a list of names/],
      [{ ...minimal, base_model_name_or_path: 3 }, /'base_model_name_or_path' must be a string/],
    ];
    for (const [json, message] of cases) assert.throws(() => parseLoraConfig(json, 'a.json'), message, JSON.stringify(json));
    assert.throws(() => parseLoraConfig([1], 'a.json'), /a.json: expected a JSON object/);
  });

  it('reads the file from a folder, with one-line errors for a missing or broken file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lora-config-'));
    try {
      assert.throws(() => readLoraConfig(dir), /no adapter_config.json \(an adapter folder needs one\)/);
      writeFileSync(join(dir, 'adapter_config.json'), '{"peft_type": "LORA",');
      assert.throws(() => readLoraConfig(dir), /adapter_config.json: not valid JSON/);
      writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ ...minimal, r: 2 }));
      assert.equal(readLoraConfig(dir).r, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes every field PEFT 0.21 writes, sorted, and reads its own text back', () => {
    const c = parseLoraConfig({ ...minimal, task_type: 'SEQ_CLS', rank_pattern: { z: 2, a: 3 }, base_model_name_or_path: 'bert-base-uncased' }, 'a.json');
    const json = loraConfigJson(c);
    assert.deepEqual(Object.keys(json), [...Object.keys(json)].sort());
    assert.equal(Object.keys(json).length, 41);
    assert.deepEqual(Object.keys(json.rank_pattern as object), ['a', 'z']);
    assert.equal(json.peft_version, '0.21.0');
    assert.equal(json.inference_mode, true);
    const text = loraConfigText(c);
    assert.ok(text.startsWith('{\n  "alora_invocation_tokens": null,\n') && text.endsWith('\n}'));
    assert.deepEqual(parseLoraConfig(JSON.parse(text), 'b.json'), c);
  });
});
