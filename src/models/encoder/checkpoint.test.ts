// Tests for matching checkpoint keys to parameters: names, prefixes, optional parts, heads, duplicates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FinetuneError } from '../../errors.js';
import type { RawTensor } from '../../io/raw-tensor.js';
import { Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import { canonicalKey, loadCheckpoint, summarizeKeys, type CheckpointLayout } from './checkpoint.js';

const LAYOUT: CheckpointLayout = {
  basePrefix: 'base.', baseRoots: ['encoder.', 'pooler.'], legacySuffixes: [['.gamma', '.weight'], ['.beta', '.bias']],
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
    const report = loadCheckpoint(model, new Map([
      ['encoder.weight', raw([2, 2], 2)], ['encoder.bias', raw([2], 3)], ['extra.a', raw([1])],
    ]), LAYOUT, 'w.safetensors');
    assert.deepEqual(report.newModules, ['base.pooler', 'classifier']);
    assert.deepEqual(report.ignored, ['extra.a']);
    assert.equal(report.hadHead, false);
    assert.deepEqual(model.base.encoder.weight.toArray(), [2, 2, 2, 2]);
  });

  it('reports a head of another shape; fails on a partial head, duplicates and base shape errors', () => {
    const base = [['base.encoder.weight', raw([2, 2])], ['base.encoder.bias', raw([2])], ['base.pooler.weight', raw([2, 2])], ['base.pooler.bias', raw([2])]] as const;
    const report = loadCheckpoint(new Tiny(), new Map([...base, ['classifier.weight', raw([5, 2])], ['classifier.bias', raw([5])]]), LAYOUT, 'w');
    assert.deepEqual(report.mismatched.map(([n]) => n), ['classifier.weight', 'classifier.bias']);
    assert.equal(report.hadHead, true);
    assert.throws(() => loadCheckpoint(new Tiny(), new Map([...base, ['classifier.weight', raw([3, 2])]]), LAYOUT, 'w'),
      (e: Error) => e instanceof FinetuneError && e.message === "w: missing key 'classifier.bias' (expected shape [3])");
    assert.throws(() => loadCheckpoint(new Tiny(), new Map([...base, ['base.pooler.gamma', raw([2, 2])]]), LAYOUT, 'w'),
      /w: keys 'base\.pooler\.weight' and 'base\.pooler\.gamma' both hold 'base\.pooler\.weight'/);
    assert.throws(() => loadCheckpoint(new Tiny(), new Map([...base.slice(1), ['base.encoder.weight', raw([2, 3])]]), LAYOUT, 'w'),
      /w: key 'base\.encoder\.weight' has shape \[2, 3\], expected \[2, 2\]/);
  });

  it('summarises long key lists by their first two segments', () => {
    assert.equal(summarizeKeys(['a.b.c', 'a.b.d', 'a.b.e', 'a.x.y', 'z']), 'a.b.* (3 keys), a.x.y, z');
  });
});
