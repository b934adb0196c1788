// applyLora / injectLora: which layers are wrapped and what trains per architecture, bias modes, errors, removal, and training memory.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Linear } from '../../nn/layers.js';
import { crossEntropy } from '../../tensor/ops/losses.js';
import { Tensor } from '../../tensor/tensor.js';
import { AdamW } from '../../train/optim/adamw.js';
import { weightDecayGroups } from '../../train/param-groups.js';
import { applyLora, loraConfigFromOptions } from './apply.js';
import { injectLora, loraState, removeLora } from './inject.js';
import { LoraLinear } from './layer.js';
import { logitsOf, maxAbsDiff, randomizeAdapters, tinyBatch, tinyModel } from './test-support.js';

const trainableNames = (model: { namedParameters(): [string, { requiresGrad: boolean }][] }): string[] =>
  model
    .namedParameters()
    .filter(([, p]) => p.requiresGrad)
    .map(([n]) => n);

describe('applyLora', () => {
  it("wraps BERT's query and value by default, trains only the adapters and the head, and changes no output yet", () => {
    const model = tinyModel('bert');
    const inputs = tinyBatch();
    const before = logitsOf(model, inputs);
    const counts = applyLora(model);
    assert.deepEqual(
      [...loraState(model)!.layers.keys()],
      [0, 1].flatMap((i) => ['query', 'value'].map((m) => `bert.encoder.layer.${i}.attention.self.${m}`)),
    );
    assert.ok(model.namedModules().some(([n, m]) => n === 'bert.encoder.layer.0.attention.self.query' && m instanceof LoraLinear));
    assert.deepEqual(trainableNames(model), [
      ...[0, 1].flatMap((i) => ['query', 'value'].flatMap((m) => ['A', 'B'].map((x) => `bert.encoder.layer.${i}.attention.self.${m}.lora_${x}.weight`))),
      'classifier.weight',
      'classifier.bias',
    ]);
    // r 8: each of 4 layers adds 8 * (16 + 16); the head is 16 * 3 + 3.
    assert.equal(counts.trainable, 4 * 8 * 32 + 51);
    assert.equal(counts.total, model.parameterCount().total);
    assert.equal(maxAbsDiff(logitsOf(model, inputs), before), 0);
    const { config } = loraState(model)!;
    assert.deepEqual([config.r, config.loraAlpha, config.loraDropout, config.modulesToSave], [8, 16, 0.1, ['classifier', 'score']]);
  });

  it("trains DistilBERT's pre_classifier and classifier whole, and wraps q_lin and v_lin", () => {
    const model = tinyModel('distilbert');
    applyLora(model, { r: 2 });
    const names = trainableNames(model);
    assert.ok(['pre_classifier.weight', 'pre_classifier.bias', 'classifier.weight', 'classifier.bias'].every((n) => names.includes(n)));
    assert.deepEqual(
      [...loraState(model)!.layers.keys()].map((n) => n.split('.').pop()),
      ['q_lin', 'v_lin', 'q_lin', 'v_lin'],
    );
    assert.deepEqual(loraState(model)!.savedModules, ['pre_classifier', 'classifier']);
  });

  it("leaves RoBERTa's head whole when a target name also names a head layer", () => {
    const model = tinyModel('roberta');
    applyLora(model, { targets: ['dense'] });
    const wrapped = [...loraState(model)!.layers.keys()];
    assert.equal(wrapped.length, 6);
    assert.ok(wrapped.every((n) => n.startsWith('roberta.encoder.')));
    assert.ok(trainableNames(model).includes('classifier.dense.weight'));
  });

  it("targets every Linear layer outside the head with 'all-linear', recording full names as PEFT does", () => {
    const model = tinyModel('bert');
    applyLora(model, { targets: 'all-linear' });
    const targets = loraState(model)!.config.targetModules as string[];
    assert.equal(targets.length, 2 * 6 + 1);
    assert.ok(targets.includes('bert.pooler.dense') && !targets.includes('classifier'));
    assert.deepEqual([...loraState(model)!.layers.keys()], targets);
  });

  it("trains the biases the 'bias' setting names: all of them, or those of wrapped layers", () => {
    const all = tinyModel('bert');
    applyLora(all, { bias: 'all' });
    const biases = all.namedParameters().filter(([n]) => n.endsWith('bias'));
    assert.ok(biases.every(([, p]) => p.requiresGrad));
    const only = tinyModel('bert');
    applyLora(only, { bias: 'lora_only' });
    const trained = trainableNames(only).filter((n) => n.endsWith('bias'));
    assert.deepEqual(
      trained,
      [0, 1].flatMap((i) => ['query', 'value'].map((m) => `bert.encoder.layer.${i}.attention.self.${m}.bias`)).concat('classifier.bias'),
    );
  });

  it('uses rank and alpha patterns and rsLoRA per layer', () => {
    const model = tinyModel('bert');
    applyLora(model, { r: 4, alpha: 8, rslora: true, rankPattern: { 'layer.1.attention.self.value': 2 }, alphaPattern: { query: 16 } });
    const layers = loraState(model)!.layers;
    assert.deepEqual(
      [layers.get('bert.encoder.layer.1.attention.self.value')!.r, layers.get('bert.encoder.layer.1.attention.self.value')!.scale],
      [2, 8 / Math.sqrt(2)],
    );
    assert.deepEqual([layers.get('bert.encoder.layer.0.attention.self.query')!.r, layers.get('bert.encoder.layer.0.attention.self.query')!.scale], [4, 8]);
  });

  it('refuses bad options and targets, naming them, and leaves the model as it was', () => {
    const model = tinyModel('bert');
    const names = model.namedParameters().map(([n]) => n);
    assert.throws(() => applyLora(model, { r: 0 }), /--lora-r: the rank must be a positive integer, got 0/);
    assert.throws(() => applyLora(model, { alpha: -1 }), /--lora-alpha: must be a positive number, got -1/);
    assert.throws(() => applyLora(model, { dropout: 1 }), /--lora-dropout: must be in \[0, 1\), got 1/);
    assert.throws(() => applyLora(model, { targets: [] }), /--lora-targets: give at least one module name/);
    assert.throws(() => applyLora(model, { bias: 'some' as never }), /LoRA bias: must be one of none, all, lora_only/);
    assert.throws(
      () => applyLora(model, { targets: ['LayerNorm'] }),
      /target module 'bert.embeddings.LayerNorm' is a LayerNorm; LoRA wraps Linear layers only/,
    );
    assert.throws(() => applyLora(model, { targets: ['q_lin'] }), /target_modules \(q_lin\) match no Linear layer of the model outside its head/);
    assert.throws(() => applyLora(model, { targets: ['classifier'] }), /match no Linear layer of the model outside its head/);
    assert.throws(() => applyLora(model, { rankPattern: { '(?P<x>q)': 2 } }), /rank_pattern key: '\(\?P<x>q\)'/);
    assert.deepEqual(
      model.namedParameters().map(([n]) => n),
      names,
    );
    assert.ok(model.parameters().every((p) => p.requiresGrad));
    applyLora(model);
    assert.throws(() => applyLora(model), /the model already has a LoRA adapter/);
  });

  it('refuses modules_to_save that would leave part of the head untrained', () => {
    const model = tinyModel('distilbert');
    const config = { ...loraConfigFromOptions(model, {}), modulesToSave: ['score'] };
    assert.throws(() => injectLora(model, config, { source: 'a.json' }), /a.json: modules_to_save \(score\) does not cover the head module 'pre_classifier'/);
    assert.equal(loraState(model), null);
  });

  it('is removed whole: the original layers are back and train as before', () => {
    const model = tinyModel('bert');
    model.freeze('bert.embeddings');
    const query = model.namedModules().find(([n]) => n === 'bert.encoder.layer.0.attention.self.query')![1];
    applyLora(model);
    assert.ok(removeLora(model));
    assert.equal(loraState(model), null);
    assert.equal(model.namedModules().find(([n]) => n === 'bert.encoder.layer.0.attention.self.query')![1], query);
    assert.ok(query instanceof Linear);
    assert.deepEqual(
      model
        .namedParameters()
        .filter(([, p]) => !p.requiresGrad)
        .map(([n]) => n.split('.')[1]),
      Array(5).fill('embeddings'),
    );
    assert.equal(removeLora(model), null);
  });
});

describe('LoRA training memory', () => {
  it('computes and stores no gradient for frozen weights, and AdamW keeps no state for them', () => {
    const model = tinyModel('roberta');
    applyLora(model);
    randomizeAdapters(model);
    const frozen = model.parameters().filter((p) => !p.requiresGrad);
    assert.ok(frozen.length > 0);
    const groups = weightDecayGroups(model, 0.01);
    const inGroups = new Set(groups.flatMap((g) => g.params));
    assert.ok(
      frozen.every((p) => !inGroups.has(p)),
      'frozen weights are not handed to the optimizer',
    );
    // Even an optimizer given every parameter allocates moments only for those that get gradients.
    const everything = new AdamW(model.parameters(), { lr: 1e-3 });
    model.train();
    for (let step = 0; step < 2; step++) {
      const loss = crossEntropy(model.forward(tinyBatch(4, 6, step)), new Tensor(Int32Array.from([0, 1, 2, 0]), [4]));
      loss.backward();
      assert.ok(
        frozen.every((p) => p.grad === null),
        'no gradient buffers for frozen weights',
      );
      assert.ok(
        model
          .parameters()
          .filter((p) => p.requiresGrad)
          .every((p) => p.grad !== null),
      );
      everything.step();
      everything.zeroGrad();
    }
    const state = everything.stateDict();
    model.parameters().forEach((p, i) => {
      assert.equal(state.m[i] === null, !p.requiresGrad);
      assert.equal(state.v[i] === null, !p.requiresGrad);
    });
  });
});
