// LoRA on models with shared layers and tied weights: one adapter per shared layer, refused where two adapters would meet one weight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Linear } from '../../nn/layers.js';
import type { Module, Parameter } from '../../nn/module.js';
import type { TaskModel } from '../../models/types.js';
import { applyLora } from './apply.js';
import { loraState, removeLora, replaceModule } from './inject.js';
import { LoraLinear } from './layer.js';
import { mergeAdapters, unmergeAdapters } from './merge.js';
import { copyAdapterTensors } from './load.js';
import { adapterTensors } from './save.js';
import { logitsOf, maxAbsDiff, randomizeAdapters, tinyBatch, tinyModel } from './test-support.js';

const self = (i: number): string => `bert.encoder.layer.${i}.attention.self`;
const moduleAt = (model: Module, name: string): Module => model.namedModules('', { removeDuplicate: false }).find(([n]) => n === name)![1];

/** Tiny BERT whose layer 1 uses layer 0's query layer itself (one module under two names). */
function sharedQueryModel(): TaskModel {
  const model = tinyModel('bert');
  replaceModule(model, `${self(1)}.query`, moduleAt(model, `${self(0)}.query`));
  return model;
}

describe('LoRA with shared layers and tied weights', () => {
  it('gives a layer shared under two names one adapter, put at both, and takes it out of both', () => {
    const model = sharedQueryModel();
    const query = moduleAt(model, `${self(0)}.query`);
    applyLora(model);
    const state = loraState(model)!;
    assert.deepEqual([...state.layers.keys()], [`${self(0)}.query`, `${self(0)}.value`, `${self(1)}.value`]);
    const wrapped = moduleAt(model, `${self(0)}.query`);
    assert.ok(wrapped instanceof LoraLinear);
    assert.equal(moduleAt(model, `${self(1)}.query`), wrapped);
    assert.equal([...adapterTensors(model).keys()].filter((n) => n.includes('query.lora_')).length, 2);
    randomizeAdapters(model);
    const inputs = tinyBatch();
    const before = logitsOf(model, inputs);
    mergeAdapters(model);
    assert.ok(maxAbsDiff(logitsOf(model, inputs), before) < 1e-5, 'merging the shared layer once keeps the outputs');
    unmergeAdapters(model);
    removeLora(model);
    assert.equal(moduleAt(model, `${self(0)}.query`), query);
    assert.equal(moduleAt(model, `${self(1)}.query`), query);
  });

  it('wraps a layer whose weight is tied to a module it does not target: one adapter, the tied weight frozen', () => {
    const model = tinyModel('bert');
    const key = moduleAt(model, `${self(0)}.key`) as Linear;
    const query = moduleAt(model, `${self(0)}.query`) as Linear;
    (key as unknown as { weight: Parameter }).weight = query.weight;
    applyLora(model);
    assert.equal(loraState(model)!.layers.size, 4);
    assert.equal(query.weight.requiresGrad, false);
    assert.equal((moduleAt(model, `${self(0)}.query`) as LoraLinear).weight, key.weight);
    const names = model.namedParameters().map(([n]) => n);
    assert.ok(names.includes(`${self(0)}.query.weight`) && !names.includes(`${self(0)}.key.weight`), 'the tied weight is listed once, under its first name');
  });

  it('refuses two target layers that share one weight, naming both, and changes nothing', () => {
    const model = tinyModel('bert');
    const q0 = moduleAt(model, `${self(0)}.query`) as Linear;
    (moduleAt(model, `${self(1)}.query`) as unknown as { weight: Parameter }).weight = q0.weight;
    assert.throws(
      () => applyLora(model),
      /LoRA options: target modules 'bert\.encoder\.layer\.0\.attention\.self\.query' and 'bert\.encoder\.layer\.1\.attention\.self\.query' share one \(tied\) weight; LoRA can wrap only one of them/,
    );
    assert.equal(loraState(model), null);
    assert.ok(moduleAt(model, `${self(0)}.query`) instanceof Linear && !(moduleAt(model, `${self(0)}.query`) instanceof LoraLinear));
  });

  it('trains a tied parameter when modules_to_save covers any of its names, not only its first', () => {
    const model = tinyModel('bert');
    const key = moduleAt(model, `${self(0)}.key`) as Linear;
    // value.bias is key.bias: its first name, key's, is outside the module saved whole.
    (moduleAt(model, `${self(0)}.value`) as unknown as { bias: Parameter }).bias = key.bias!;
    applyLora(model, { targets: ['query'], modulesToSave: ['value'] });
    assert.equal(key.bias!.requiresGrad, true);
    assert.equal(key.weight.requiresGrad, false);
    // Saved once, under the name the rule selected, and loaded back through it.
    const saved = adapterTensors(model);
    assert.deepEqual(saved.get(`${self(0)}.key.bias`)?.key, `base_model.model.${self(0)}.value.bias`);
    assert.equal([...saved.values()].filter((e) => e.tensor.data === key.bias!.data).length, 1);
    const file = new Map(
      [...saved.values()].map(({ key: k, tensor }) => [k, { ...tensor, data: Float32Array.from(tensor.data as Float32Array, (v) => v + 1) }]),
    );
    copyAdapterTensors(model, file, 'adapter_model.safetensors');
    assert.deepEqual(key.bias!.toArray(), Array.from(file.get(`base_model.model.${self(0)}.value.bias`)!.data));
  });
});
