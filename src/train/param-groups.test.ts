// AdamW's parameter groups: decay on weights only, buffers never, a tied parameter once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Embedding, LayerNorm, Linear } from '../nn/layers.js';
import { Module, ModuleBuffer, type Parameter } from '../nn/module.js';
import { Random } from '../tensor/random.js';
import { weightDecayGroups, trainableNamesInGroupOrder } from './param-groups.js';
import { AdamW } from './optim/adamw.js';
import { Tensor } from '../tensor/tensor.js';

class Net extends Module {
  readonly wte = new Embedding(6, 4, { rng: new Random(1) });
  readonly norm = new LayerNorm(4);
  readonly lm_head = new Linear(4, 6, { rng: new Random(2) });
  readonly running_mean = new ModuleBuffer(new Float32Array(4), [4]);
  constructor() {
    super();
    (this.lm_head as { weight: Parameter }).weight = this.wte.weight;
  }
}

describe('weightDecayGroups', () => {
  it('puts weights in the decayed group, biases and LayerNorm in the other, a tied weight once and no buffer', () => {
    const net = new Net();
    const groups = weightDecayGroups(net, 0.1);
    assert.deepEqual(trainableNamesInGroupOrder(net, groups), ['wte.weight', 'norm.weight', 'norm.bias', 'lm_head.bias']);
    assert.deepEqual(
      groups.map((g) => g.weightDecay),
      [0.1, 0],
    );
    const all = groups.flatMap((g) => g.params);
    assert.equal(all.filter((p) => p === net.wte.weight).length, 1);
    assert.ok(!all.some((p) => (p as unknown) === net.running_mean));
  });

  it('leaves out what is frozen, by either name of a tied weight; a step never touches a buffer', () => {
    const net = new Net();
    net.freeze('lm_head.weight');
    assert.deepEqual(trainableNamesInGroupOrder(net, weightDecayGroups(net, 0.1)), ['norm.weight', 'norm.bias', 'lm_head.bias']);
    net.unfreeze();
    net.running_mean.f32().fill(2);
    const optimizer = new AdamW(weightDecayGroups(net, 0.1), { lr: 0.1 });
    for (const p of net.parameters()) p.grad = Tensor.full(p.shape, 1);
    optimizer.step();
    assert.deepEqual(net.running_mean.toArray(), [2, 2, 2, 2]);
  });
});
