// PEFT's name rules: target/exclude matching, layers_to_transform, modules_to_save, and rank/alpha patterns (values from PEFT 0.21).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoraConfig } from './config.js';
import { checkPatterns, isModuleToSave, isTargetModule, rankAndScale } from './patterns.js';

function config(overrides: Partial<LoraConfig>): LoraConfig {
  return {
    r: 4,
    loraAlpha: 8,
    loraDropout: 0,
    targetModules: ['query', 'value'],
    excludeModules: null,
    modulesToSave: ['classifier', 'score'],
    bias: 'none',
    useRslora: false,
    rankPattern: {},
    alphaPattern: {},
    layersToTransform: null,
    layersPattern: null,
    taskType: 'SEQ_CLS',
    baseModelNameOrPath: null,
    revision: null,
    ...overrides,
  };
}

const layer = (i: number, rest: string): string => `bert.encoder.layer.${i}.${rest}`;

describe('LoRA target matching (PEFT check_target_module_exists)', () => {
  it('matches a list entry as the whole name or a dotted suffix', () => {
    const c = config({ targetModules: ['query', 'output.dense', 'pooler.dense'] });
    assert.equal(isTargetModule(layer(0, 'attention.self.query'), c), true);
    assert.equal(isTargetModule(layer(0, 'attention.self.key'), c), false);
    assert.equal(isTargetModule(layer(0, 'attention.output.dense'), c), true);
    assert.equal(isTargetModule(layer(0, 'output.dense'), c), true);
    assert.equal(isTargetModule(layer(0, 'intermediate.dense'), c), false);
    assert.equal(isTargetModule('bert.pooler.dense', c), true);
    assert.equal(isTargetModule('query', c), true, 'a whole name');
    assert.equal(isTargetModule(layer(0, 'attention.self.subquery'), c), false, 'suffixes start at a dot');
  });

  it('matches a string as one regular expression over the whole name', () => {
    const c = config({ targetModules: '.*layer\\.1\\..*(query|key)' });
    assert.equal(isTargetModule(layer(1, 'attention.self.query'), c), true);
    assert.equal(isTargetModule(layer(1, 'attention.self.key'), c), true);
    assert.equal(isTargetModule(layer(0, 'attention.self.query'), c), false);
    assert.equal(isTargetModule(layer(1, 'attention.self.query.x'), config({ targetModules: '.*query' })), false, 'anchored at the end');
  });

  it('never matches excluded modules or anything inside a module saved whole', () => {
    const c = config({ targetModules: ['dense'], excludeModules: ['output.dense'] });
    assert.equal(isTargetModule(layer(0, 'intermediate.dense'), c), true);
    assert.equal(isTargetModule(layer(0, 'output.dense'), c), false);
    assert.equal(isTargetModule('classifier.dense', c), false, "RoBERTa's head stays whole");
    assert.equal(isTargetModule(layer(0, 'intermediate.dense'), config({ targetModules: ['dense'], excludeModules: '.*intermediate.*' })), false);
  });

  it('keeps listed layers only with layers_to_transform, counting the first numbered segment or the named one', () => {
    const c = config({ layersToTransform: [1] });
    assert.equal(isTargetModule(layer(1, 'attention.self.query'), c), true);
    assert.equal(isTargetModule(layer(0, 'attention.self.query'), c), false);
    assert.equal(isTargetModule('query', c), true, 'an exact name skips the layer check, as in PEFT');
    const named = config({ layersToTransform: [0], layersPattern: ['layer'] });
    assert.equal(isTargetModule(layer(0, 'attention.self.value'), named), true);
    assert.equal(isTargetModule(layer(1, 'attention.self.value'), named), false);
    assert.equal(isTargetModule('bert.encoder.block.0.attention.self.value', named), false);
  });

  it("treats modules_to_save entries as plain suffixes: DistilBERT's pre_classifier is saved by 'classifier'", () => {
    assert.equal(isModuleToSave('pre_classifier', ['classifier', 'score']), true);
    assert.equal(isModuleToSave('classifier', ['classifier', 'score']), true);
    assert.equal(isModuleToSave('classifier.dense', ['classifier', 'score']), false);
  });
});

describe('LoRA rank and alpha patterns (PEFT get_pattern_key)', () => {
  it('gives the ranks and rsLoRA scales PEFT 0.21 computed for the same config', () => {
    const c = config({
      r: 4,
      loraAlpha: 8,
      useRslora: true,
      targetModules: ['query', 'value', 'output.dense'],
      rankPattern: { 'layer.1.attention.self.query': 2, '^bert.encoder.layer.0.attention.self.value$': 3 },
      alphaPattern: { value: 5 },
    });
    const peft: [string, number, number, number][] = [
      [layer(0, 'attention.self.query'), 4, 8, 4.0],
      [layer(0, 'attention.self.value'), 3, 5, 2.886751345948129],
      [layer(0, 'attention.output.dense'), 4, 8, 4.0],
      [layer(0, 'output.dense'), 4, 8, 4.0],
      [layer(1, 'attention.self.query'), 2, 8, 5.65685424949238],
      [layer(1, 'attention.self.value'), 4, 5, 2.5],
    ];
    for (const [name, r, alpha, scale] of peft) {
      const got = rankAndScale(name, c);
      assert.equal(got.r, r, name);
      assert.equal(got.alpha, alpha, name);
      assert.ok(Math.abs(got.scale - scale) < 1e-12, `${name}: ${got.scale}`);
    }
  });

  it('scales by alpha / r without rsLoRA, and matches patterns at a segment boundary only', () => {
    const c = config({ r: 8, loraAlpha: 16, rankPattern: { query: 2 } });
    assert.deepEqual(rankAndScale(layer(0, 'attention.self.query'), c), { r: 2, alpha: 16, scale: 8 });
    assert.deepEqual(rankAndScale(layer(0, 'attention.self.subquery'), c), { r: 8, alpha: 16, scale: 2 });
  });

  it('refuses, naming the file and key, a pattern in a syntax JavaScript reads differently', () => {
    assert.throws(
      () => checkPatterns(config({ rankPattern: { '(?P<q>query)': 2 } }), 'adapter_config.json'),
      /adapter_config.json: rank_pattern key: '\(\?P<q>query\)' is not a regular expression finetune can read/,
    );
    assert.throws(() => checkPatterns(config({ alphaPattern: { 'value\\Z': 2 } }), 'a.json'), /a.json: alpha_pattern key: 'value\\Z'/);
    assert.throws(() => checkPatterns(config({ targetModules: '(query' }), 'a.json'), /a.json: target_modules: '\(query'/);
    assert.throws(() => checkPatterns(config({ excludeModules: '[x' }), 'a.json'), /a.json: exclude_modules/);
    assert.throws(() => checkPatterns(config({ layersPattern: ['(x'] }), 'a.json'), /a.json: layers_pattern/);
    assert.throws(() => checkPatterns(config({ modulesToSave: ['(x'] }), 'a.json'), /a.json: modules_to_save/);
    checkPatterns(config({ rankPattern: { 'layer\\.\\d+\\.attention': 2 }, targetModules: '.*query' }), 'a.json');
  });
});
