// Tests for matching checkpoint keys to parameters: names, prefixes, optional parts, heads, duplicates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FinetuneError } from '../../errors.js';
import type { RawTensor } from '../../io/raw-tensor.js';
import { Linear } from '../../nn/layers.js';
import { Module, ModuleBuffer, type Parameter } from '../../nn/module.js';
import { Tensor } from '../../tensor/tensor.js';
import type { BertForSequenceClassification } from '../bert/model.js';
import { createTaskModel } from '../load.js';
import { checkpointTensors } from '../save.js';
import { canonicalKey, loadCheckpoint, summarizeKeys, type CheckpointLayout } from './checkpoint.js';

const LAYOUT: CheckpointLayout = {
  basePrefix: 'base.',
  baseRoots: ['encoder.', 'pooler.'],
  legacySuffixes: [
    ['.gamma', '.weight'],
    ['.beta', '.bias'],
  ],
  optional: ['base.pooler'],
};

class Base extends Module {
  encoder = new Linear(2, 2);
  pooler = new Linear(2, 2);
}
class Tiny extends Module {
  readonly headModules = ['classifier'];
  base = new Base();
  classifier = new Linear(2, 3);
}

const raw = (shape: number[], fill = 1): RawTensor => ({ dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill) });

describe('checkpoint matching', () => {
  it('maps old suffixes and adds a missing base prefix', () => {
    assert.equal(canonicalKey('encoder.gamma', LAYOUT), 'base.encoder.weight');
    assert.equal(canonicalKey('base.encoder.beta', LAYOUT), 'base.encoder.bias');
    assert.equal(canonicalKey('classifier.weight', LAYOUT), 'classifier.weight');
    assert.equal(canonicalKey('cls.x', LAYOUT), 'cls.x');
  });

  it('loads everything, reports ignored keys, a missing optional part and a missing head', () => {
    const model = new Tiny();
    const report = loadCheckpoint(
      model,
      new Map([
        ['encoder.weight', raw([2, 2], 2)],
        ['encoder.bias', raw([2], 3)],
        ['extra.a', raw([1])],
      ]),
      LAYOUT,
      'w.safetensors',
    );
    assert.deepEqual(report.newModules, ['base.pooler', 'classifier']);
    assert.deepEqual(report.ignored, ['extra.a']);
    assert.equal(report.hadHead, false);
    assert.deepEqual(model.base.encoder.weight.toArray(), [2, 2, 2, 2]);
  });

  it('reports a head of another shape; fails on a partial head, duplicates and base shape errors', () => {
    const base = [
      ['base.encoder.weight', raw([2, 2])],
      ['base.encoder.bias', raw([2])],
      ['base.pooler.weight', raw([2, 2])],
      ['base.pooler.bias', raw([2])],
    ] as const;
    const report = loadCheckpoint(new Tiny(), new Map([...base, ['classifier.weight', raw([5, 2])], ['classifier.bias', raw([5])]]), LAYOUT, 'w');
    assert.deepEqual(
      report.mismatched.map(([n]) => n),
      ['classifier.weight', 'classifier.bias'],
    );
    assert.equal(report.hadHead, true);
    assert.throws(
      () => loadCheckpoint(new Tiny(), new Map([...base, ['classifier.weight', raw([3, 2])]]), LAYOUT, 'w'),
      (e: Error) => e instanceof FinetuneError && e.message === "w: missing key 'classifier.bias' (expected shape [3])",
    );
    assert.throws(
      () => loadCheckpoint(new Tiny(), new Map([...base, ['base.pooler.gamma', raw([2, 2])]]), LAYOUT, 'w'),
      /w: keys 'base\.pooler\.weight' and 'base\.pooler\.gamma' both hold 'base\.pooler\.weight'/,
    );
    assert.throws(
      () => loadCheckpoint(new Tiny(), new Map([...base.slice(1), ['base.encoder.weight', raw([2, 3])]]), LAYOUT, 'w'),
      /w: key 'base\.encoder\.weight' has shape \[2, 3\], expected \[2, 2\]/,
    );
  });

  it('loads persistent buffers like parameters, with their integer type; a tied parameter from either of its keys', () => {
    class Stateful extends Tiny {
      steps = new ModuleBuffer(new Int32Array(1), [1]);
      scratch = new ModuleBuffer(new Float32Array(1), [1], false);
      constructor() {
        super();
        (this.base.pooler as { weight: Parameter }).weight = this.base.encoder.weight;
      }
    }
    const steps: RawTensor = { dtype: 'int32', shape: [1], data: Int32Array.of(12) };
    const rest = [
      ['base.encoder.bias', raw([2], 3)],
      ['base.pooler.bias', raw([2])],
      ['classifier.weight', raw([3, 2])],
      ['classifier.bias', raw([3])],
    ] as const;
    const model = new Stateful();
    assert.deepEqual(
      [...model.stateDict().keys()],
      ['steps', 'base.encoder.weight', 'base.encoder.bias', 'base.pooler.bias', 'classifier.weight', 'classifier.bias'],
    );
    const report = loadCheckpoint(
      model,
      new Map([...rest, ['base.encoder.weight', raw([2, 2], 2)], ['base.pooler.weight', raw([2, 2], 2)], ['steps', steps]]),
      LAYOUT,
      'w',
    );
    assert.deepEqual(report.ignored, []);
    assert.deepEqual(model.steps.toArray(), [12]);
    assert.deepEqual(model.base.pooler.weight.toArray(), [2, 2, 2, 2]);
    const onlyAlias = new Stateful();
    loadCheckpoint(onlyAlias, new Map([...rest, ['base.pooler.weight', raw([2, 2], 4)], ['steps', steps]]), LAYOUT, 'w');
    assert.deepEqual(onlyAlias.base.encoder.weight.toArray(), [4, 4, 4, 4]);
    assert.throws(
      () =>
        loadCheckpoint(
          new Stateful(),
          new Map([...rest, ['base.encoder.weight', raw([2, 2], 2)], ['base.pooler.weight', raw([2, 2], 5)], ['steps', steps]]),
          LAYOUT,
          'w',
        ),
      /w: keys 'base\.encoder\.weight' and 'base\.pooler\.weight' name one tied tensor but hold different values/,
    );
    assert.throws(
      () => loadCheckpoint(new Stateful(), new Map([...rest, ['base.encoder.weight', raw([2, 2])]]), LAYOUT, 'w'),
      /w: missing key 'steps' \(expected shape \[1\]\)/,
    );
    assert.throws(
      () => loadCheckpoint(new Stateful(), new Map([...rest, ['base.encoder.weight', raw([2, 2])], ['steps', raw([1])]]), LAYOUT, 'w'),
      /w: key 'steps' holds floating-point values, expected integers/,
    );
  });

  it("saves a classifier's persistent buffers with its parameters (checkpointState), non-persistent ones not", () => {
    const model = createTaskModel({
      model_type: 'bert',
      vocab_size: 20,
      hidden_size: 4,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      intermediate_size: 8,
      max_position_embeddings: 8,
    });
    (model as unknown as BertForSequenceClassification).bert.embeddings.registerBuffer('position_ids', Tensor.arange(8));
    (model as unknown as BertForSequenceClassification).bert.embeddings.registerBuffer('cache', Tensor.zeros([2]), false);
    const tensors = checkpointTensors(model);
    assert.deepEqual(tensors.get('bert.embeddings.position_ids'), { dtype: 'int32', shape: [8], data: Int32Array.from({ length: 8 }, (_, i) => i) });
    assert.ok(!tensors.has('bert.embeddings.cache'));
    assert.deepEqual(
      [...tensors.keys()].filter((k) => !k.startsWith('bert.embeddings.position_ids')),
      model.namedParameters().map(([n]) => n),
    );
  });

  it('summarises long key lists by their first two segments', () => {
    assert.equal(summarizeKeys(['a.b.c', 'a.b.d', 'a.b.e', 'a.x.y', 'z']), 'a.b.* (3 keys), a.x.y, z');
  });
});
