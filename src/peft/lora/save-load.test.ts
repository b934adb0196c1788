// Adapter files: PEFT's key names, a save/load round trip per architecture, bias keys, and every bad-file path.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { RawTensor } from '../../io/raw-tensor.js';
import { readSafetensors, writeSafetensors } from '../../io/safetensors.js';
import { applyLora } from './apply.js';
import { loraState } from './inject.js';
import { loadAdapter, parameterNameOfKey } from './load.js';
import { mergeAdapters } from './merge.js';
import { saveAdapter, saveAdapterModel } from './save.js';
import { logitsOf, maxAbsDiff, randomizeAdapters, tinyBatch, tinyModel, TINY_FAMILIES } from './test-support.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lora-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function trainedBert(options = {}): ReturnType<typeof tinyModel> {
  const model = tinyModel('bert');
  applyLora(model, options);
  randomizeAdapters(model);
  return model;
}

function weightsFile(): Map<string, RawTensor> {
  return readSafetensors(join(dir, 'adapter_model.safetensors')).tensors;
}

function rewrite(change: (tensors: Map<string, RawTensor>) => void): void {
  const tensors = weightsFile();
  change(tensors);
  writeSafetensors(join(dir, 'adapter_model.safetensors'), tensors, { format: 'pt' });
}

describe('LoRA adapter files', () => {
  it('names tensors as PEFT saves them for SEQ_CLS, with format=pt metadata', () => {
    saveAdapter(trainedBert(), dir, 'bert-base-uncased');
    const { tensors, metadata } = readSafetensors(join(dir, 'adapter_model.safetensors'));
    assert.deepEqual(metadata, { format: 'pt' });
    const keys = [...tensors.keys()].sort();
    assert.deepEqual(keys, [
      'base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight',
      'base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight',
      'base_model.model.bert.encoder.layer.0.attention.self.value.lora_A.weight',
      'base_model.model.bert.encoder.layer.0.attention.self.value.lora_B.weight',
      'base_model.model.bert.encoder.layer.1.attention.self.query.lora_A.weight',
      'base_model.model.bert.encoder.layer.1.attention.self.query.lora_B.weight',
      'base_model.model.bert.encoder.layer.1.attention.self.value.lora_A.weight',
      'base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight',
      'base_model.model.classifier.bias',
      'base_model.model.classifier.weight',
    ]);
    assert.deepEqual(tensors.get('base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight')!.shape, [8, 16]);
    assert.deepEqual(tensors.get('base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight')!.shape, [16, 8]);
    const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.base_model_name_or_path, 'bert-base-uncased');
    assert.deepEqual(config.target_modules, ['query', 'value']);
    assert.equal(config.task_type, 'SEQ_CLS');
  });

  it('saves trained biases under base_layer for wrapped layers', () => {
    saveAdapter(trainedBert({ bias: 'all' }), dir, null);
    const keys = [...weightsFile().keys()];
    assert.ok(keys.includes('base_model.model.bert.encoder.layer.0.attention.self.query.base_layer.bias'));
    assert.ok(keys.includes('base_model.model.bert.encoder.layer.0.attention.self.key.bias'));
    assert.ok(keys.includes('base_model.model.bert.embeddings.LayerNorm.bias'));
    assert.ok(!keys.some((k) => k.endsWith('query.bias')));
    rmSync(dir, { recursive: true });
    saveAdapter(trainedBert({ bias: 'lora_only' }), dir, null);
    const only = [...weightsFile().keys()].filter((k) => k.endsWith('bias'));
    assert.equal(only.length, 5, 'four wrapped layers and the classifier');
  });

  for (const family of TINY_FAMILIES) {
    it(`loads what it saved onto a fresh ${family} base with the same logits`, async () => {
      const model = tinyModel(family);
      const base = tinyModel(family);
      base.loadStateDict(model.stateDict());
      applyLora(model, { r: 3, alpha: 5, bias: 'lora_only', rslora: family === 'roberta' });
      randomizeAdapters(model);
      // Trained biases of wrapped layers travel with the adapter (bias 'lora_only').
      for (const [name, p] of model.namedParameters()) if (p.requiresGrad && name.endsWith('bias')) p.f32().fill(0.05);
      const inputs = tinyBatch();
      const expected = logitsOf(model, inputs);
      await saveAdapterModel(model, null, dir, null);
      const config = loadAdapter(base, dir);
      assert.equal(config.r, 3);
      assert.ok(maxAbsDiff(logitsOf(base, inputs), expected) < 1e-6);
      assert.deepEqual(
        base.namedParameters().map(([n, p]) => [n, p.requiresGrad]),
        model.namedParameters().map(([n, p]) => [n, p.requiresGrad]),
      );
      assert.ok(readFileSync(join(dir, 'config.json'), 'utf8').includes('"neu"'));
    });
  }

  it('maps the key forms PEFT versions write to parameter names', () => {
    assert.equal(
      parameterNameOfKey('base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight'),
      'bert.encoder.layer.0.attention.self.query.lora_A.weight',
    );
    assert.equal(
      parameterNameOfKey('base_model.model.bert.encoder.layer.0.attention.self.query.base_layer.bias'),
      'bert.encoder.layer.0.attention.self.query.bias',
    );
    assert.equal(parameterNameOfKey('base_model.model.classifier.modules_to_save.bias'), 'classifier.bias');
    assert.equal(parameterNameOfKey('base_model.model.classifier.original_module.bias'), null);
    assert.equal(parameterNameOfKey('classifier.weight'), 'classifier.weight');
  });

  it("ignores PEFT's copy of the original head and accepts its duplicate head keys when they agree", () => {
    const model = trainedBert({ bias: 'all' });
    saveAdapter(model, dir, null);
    rewrite((t) => {
      const bias = t.get('base_model.model.classifier.bias')!;
      t.set('base_model.model.classifier.modules_to_save.bias', { ...bias, data: bias.data.slice() });
      t.set('base_model.model.classifier.original_module.bias', { ...bias, data: new Float32Array(bias.data.length) });
    });
    const fresh = tinyModel('bert');
    loadAdapter(fresh, dir);
    rewrite((t) => {
      const bias = t.get('base_model.model.classifier.bias')!;
      t.set('base_model.model.classifier.modules_to_save.bias', { ...bias, data: bias.data.map((v) => v + 1) });
    });
    assert.throws(
      () => loadAdapter(tinyModel('bert'), dir),
      /keys '.*classifier.bias' and '.*classifier.modules_to_save.bias' both hold 'classifier.bias' with different values/,
    );
  });

  it('refuses bad adapter files with one line naming the file and key, leaving the model as it was', () => {
    saveAdapter(trainedBert(), dir, null);
    const file = join(dir, 'adapter_model.safetensors');
    const good = readFileSync(file);
    const check = (change: (t: Map<string, RawTensor>) => void, message: RegExp): void => {
      writeFileSync(file, good);
      rewrite(change);
      const model = tinyModel('bert');
      const inputs = tinyBatch();
      const before = logitsOf(model, inputs);
      const names = model.namedParameters().map(([n]) => n);
      assert.throws(() => loadAdapter(model, dir), message);
      assert.equal(loraState(model), null);
      assert.deepEqual(
        model.namedParameters().map(([n]) => n),
        names,
      );
      assert.equal(maxAbsDiff(logitsOf(model, inputs), before), 0);
    };
    check(
      (t) => t.delete('base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight'),
      /adapter_model.safetensors: missing key 'base_model.model.bert.encoder.layer.1.attention.self.value.lora_B.weight' \(expected shape \[16, 8\]\)/,
    );
    check((t) => t.delete('base_model.model.classifier.weight'), /missing key 'base_model.model.classifier.weight'/);
    check(
      (t) => t.set('base_model.model.classifier.weight', { dtype: 'float32', shape: [2, 16], data: new Float32Array(32) }),
      /key 'base_model.model.classifier.weight' has shape \[2, 16\], expected \[3, 16\]/,
    );
    check(
      (t) => t.set('base_model.model.bert.encoder.layer.0.attention.self.key.lora_A.weight', { dtype: 'float32', shape: [8, 16], data: new Float32Array(128) }),
      /key 'base_model.model.bert.encoder.layer.0.attention.self.key.lora_A.weight' names no parameter of the model/,
    );
    check(
      (t) => t.set('base_model.model.classifier.bias', { dtype: 'int32', shape: [3], data: new Int32Array(3) }),
      /key 'base_model.model.classifier.bias' holds integers/,
    );
    writeFileSync(file, good);
    const config = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ ...config, r: 4 }));
    assert.throws(() => loadAdapter(tinyModel('bert'), dir), /has shape \[8, 16\], expected \[4, 16\]/);
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ ...config, target_modules: ['q_lin'] }));
    assert.throws(() => loadAdapter(tinyModel('bert'), dir), /adapter_config.json: target_modules \(q_lin\) match no Linear layer/);
    rmSync(file);
    assert.throws(() => loadAdapter(tinyModel('bert'), dir), /no adapter weights \(looked for adapter_model.safetensors, adapter_model.bin\)/);
  });

  it('refuses to save a model without an adapter, or with merged layers', () => {
    assert.throws(() => saveAdapter(tinyModel('bert'), dir, null), /saving the adapter: the model has no LoRA adapter/);
    const model = trainedBert();
    mergeAdapters(model);
    assert.throws(() => saveAdapter(model, dir, null), /the LoRA layer 'bert.encoder.layer.0.attention.self.query' is merged into its base weight; unmerge it/);
  });
});
