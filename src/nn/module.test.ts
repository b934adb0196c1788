// Module trees: parameter names, freezing by pattern, state dicts with loud errors, train/eval mode.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from '../tensor/tensor.js';
import { Dropout, Embedding, LayerNorm, Linear } from './layers.js';
import { Module, matchesPattern } from './module.js';
import { Random } from '../tensor/random.js';

class Block extends Module {
  readonly query = new Linear(4, 4);
  readonly norm = new LayerNorm(4);
  readonly drop = new Dropout(0.1);
}

class Net extends Module {
  readonly embeddings = new Embedding(10, 4);
  readonly layer = [new Block(), new Block()];
  readonly classifier = new Linear(4, 2);
}

describe('Module', () => {
  it('names parameters by property path, arrays numbered', () => {
    const names = new Net().namedParameters().map(([n]) => n);
    assert.deepEqual(names, [
      'embeddings.weight',
      'layer.0.query.weight',
      'layer.0.query.bias',
      'layer.0.norm.weight',
      'layer.0.norm.bias',
      'layer.1.query.weight',
      'layer.1.query.bias',
      'layer.1.norm.weight',
      'layer.1.norm.bias',
      'classifier.weight',
      'classifier.bias',
    ]);
  });

  it('freezes and unfreezes by glob, prefix or predicate', () => {
    const net = new Net();
    assert.equal(net.freeze(), 11);
    assert.equal(net.parameterCount().trainable, 0);
    assert.equal(net.unfreeze('classifier'), 2);
    assert.equal(net.unfreeze('layer.*.norm'), 4);
    assert.equal(net.parameterCount().trainable, 2 * 4 + 2 + 4 * 4);
    assert.equal(
      net.freeze((n) => n.endsWith('.bias')),
      5,
    );
    assert.ok(matchesPattern('layer.1.query.weight', 'layer.1'));
    assert.ok(!matchesPattern('layer.10.query.weight', 'layer.1'));
    assert.ok(matchesPattern('a.b', /b$/));
  });

  it('propagates train and eval mode', () => {
    const net = new Net().eval();
    assert.ok(net.namedModules().every(([, m]) => !m.training));
    net.train();
    assert.ok(net.layer[1]!.drop.training);
  });

  it('round-trips a state dict and fails loudly on missing, misshapen or unexpected keys', () => {
    const a = new Net();
    const b = new Net();
    b.loadStateDict(a.stateDict());
    assert.deepEqual(b.classifier.weight.toArray(), a.classifier.weight.toArray());
    const state = a.stateDict();
    state.delete('classifier.bias');
    assert.throws(() => b.loadStateDict(state, { source: 'x.safetensors' }), /x\.safetensors: missing key 'classifier\.bias' \(expected shape \[2\]\)/);
    const wrong = a.stateDict();
    wrong.set('classifier.bias', Tensor.zeros([3]));
    assert.throws(() => b.loadStateDict(wrong), /key 'classifier\.bias' has shape \[3\], expected \[2\]/);
    const extra = a.stateDict();
    extra.set('pooler.weight', Tensor.zeros([1]));
    assert.throws(() => b.loadStateDict(extra), /unexpected key 'pooler\.weight'/);
    assert.deepEqual(b.loadStateDict(extra, { strict: false }), ['pooler.weight']);
  });

  it('initialises Linear like PyTorch (uniform within 1/sqrt(fan in)) and computes x W^T + b', () => {
    const layer = new Linear(16, 3, { rng: new Random(3) });
    const bound = 1 / Math.sqrt(16);
    assert.ok(layer.weight.toArray().every((v) => Math.abs(v) <= bound));
    const x = Tensor.randn([2, 16], { rng: new Random(4) });
    const y = layer.forward(x);
    for (let i = 0; i < 2; i++) {
      for (let o = 0; o < 3; o++) {
        let s = layer.bias!.data[o]!;
        for (let j = 0; j < 16; j++) s += x.data[i * 16 + j]! * layer.weight.data[o * 16 + j]!;
        assert.ok(Math.abs(y.data[i * 3 + o]! - s) < 1e-5);
      }
    }
  });
});
