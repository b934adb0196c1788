// Buffers (saved, never trained) and tied parameters (one object under two names) in module trees and state dicts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FinetuneError } from '../errors.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Embedding, Linear } from './layers.js';
import { Module, ModuleBuffer, Parameter } from './module.js';

/** Tracks a running mean of its inputs in training mode, as batch norm does; uses it in both modes. */
class RunningNorm extends Module {
  readonly weight = new Parameter(Float32Array.of(1, 1), [2]);
  readonly running_mean = new ModuleBuffer(new Float32Array(2), [2]);
  readonly num_batches_tracked = new ModuleBuffer(new Int32Array(1), []);
  readonly scratch = new ModuleBuffer(new Float32Array(2), [2], false);

  /** x [N, 2] -> [N, 2]. */
  forward(x: Tensor): Tensor {
    if (this.training) {
      const batchMean = x.mean(0).f32();
      const mean = this.running_mean.f32();
      for (let i = 0; i < 2; i++) mean[i] = 0.9 * mean[i]! + 0.1 * batchMean[i]!;
      this.num_batches_tracked.i32()[0]! += 1;
    }
    return x.sub(this.running_mean).mul(this.weight);
  }
}

class Net extends Module {
  readonly norm = new RunningNorm();
  readonly head = new Linear(2, 2, { rng: new Random(1) });
}

/** GPT-2's layout in small: the output projection's weight is the token embedding table. */
class Tied extends Module {
  readonly wte = new Embedding(5, 3, { rng: new Random(2) });
  readonly lm_head = new Linear(3, 5, { bias: false, rng: new Random(3) });
  constructor() {
    super();
    (this.lm_head as { weight: Parameter }).weight = this.wte.weight;
  }
}

describe('module buffers', () => {
  it('are found by name, kept out of parameters and counts, and never require a gradient', () => {
    const net = new Net();
    assert.deepEqual(
      net.namedBuffers().map(([n]) => n),
      ['norm.running_mean', 'norm.num_batches_tracked', 'norm.scratch'],
    );
    assert.deepEqual(
      net.namedParameters().map(([n]) => n),
      ['norm.weight', 'head.weight', 'head.bias'],
    );
    assert.equal(net.parameterCount().total, 2 + 4 + 2);
    assert.equal(net.freeze(), 3);
    assert.equal(net.unfreeze(), 3);
    assert.ok(net.buffers().every((b) => !b.requiresGrad));
    assert.throws(() => {
      net.norm.running_mean.requiresGrad = true;
    }, /a buffer never requires a gradient/);
    const x = new Tensor(Float32Array.of(1, 2, 3, 4), [2, 2], { requiresGrad: true });
    net.norm.forward(x).sum().backward();
    assert.equal(net.norm.running_mean.grad, null);
  });

  it('are in the state dict when persistent, with their type, and round-trip through loadStateDict', () => {
    const a = new Net();
    a.norm.forward(
      Tensor.from([
        [1, 2],
        [3, 4],
      ]),
    );
    const state = a.stateDict();
    assert.deepEqual([...state.keys()], ['norm.weight', 'norm.running_mean', 'norm.num_batches_tracked', 'head.weight', 'head.bias']);
    assert.equal(state.get('norm.num_batches_tracked')!.dtype, 'int32');
    const b = new Net();
    b.loadStateDict(state);
    assert.deepEqual(b.norm.running_mean.toArray(), a.norm.running_mean.toArray());
    assert.equal(b.norm.num_batches_tracked.item(), 1);
    const missing = new Map(state);
    missing.delete('norm.running_mean');
    assert.throws(() => b.loadStateDict(missing, { source: 'm.safetensors' }), /m\.safetensors: missing key 'norm\.running_mean' \(expected shape \[2\]\)/);
    const wrongType = new Map(state).set('norm.num_batches_tracked', Tensor.scalar(1));
    assert.throws(
      () => b.loadStateDict(wrongType),
      (e: Error) => e instanceof FinetuneError && /key 'norm\.num_batches_tracked' holds float32 values, expected int32/.test(e.message),
    );
    assert.throws(() => b.loadStateDict(new Map(state).set('norm.scratch', Tensor.zeros([2]))), /unexpected key 'norm\.scratch'/);
  });

  it('change only when the module changes them: train() and eval() leave them, an eval forward reads without updating', () => {
    const net = new Net();
    net.norm.forward(
      Tensor.from([
        [2, 4],
        [4, 8],
      ]),
    );
    const after = net.norm.running_mean.toArray();
    net.eval();
    net.train();
    net.eval();
    assert.deepEqual(net.norm.running_mean.toArray(), after);
    const y = net.norm.forward(Tensor.from([[10, 10]]));
    assert.deepEqual(net.norm.running_mean.toArray(), after);
    assert.equal(net.norm.num_batches_tracked.item(), 1);
    assert.deepEqual(y.toArray(), [10 - after[0]!, 10 - after[1]!].map(Math.fround));
    net.train();
    net.norm.forward(Tensor.from([[2, 4]]));
    assert.notDeepEqual(net.norm.running_mean.toArray(), after);
  });

  it('can be registered at run time, replacing a buffer but not another attribute', () => {
    const net = new Net();
    const ids = net.head.registerBuffer('position_ids', Tensor.arange(4), false);
    assert.ok(ids instanceof ModuleBuffer && !ids.persistent);
    assert.deepEqual(
      net
        .namedBuffers()
        .map(([n]) => n)
        .slice(-1),
      ['head.position_ids'],
    );
    assert.ok(!net.stateDict().has('head.position_ids'));
    net.head.registerBuffer('position_ids', Tensor.arange(4));
    assert.deepEqual(net.stateDict().get('head.position_ids')!.toArray(), [0, 1, 2, 3]);
    assert.throws(() => net.head.registerBuffer('weight', Tensor.zeros([2])), /'weight' is already an attribute of Linear that is not a buffer/);
    assert.throws(() => net.head.registerBuffer('forward', Tensor.zeros([2])), /'forward' is already an attribute of Linear/);
    assert.throws(() => new Linear(2, 2, { bias: false }).registerBuffer('bias', Tensor.zeros([2])), /'bias' is already an attribute/);
    assert.throws(() => net.head.registerBuffer('a.b', Tensor.zeros([2])), /'a\.b' is not a plain attribute name/);
  });
});

describe('tied parameters', () => {
  it('are listed once under the first name unless duplicates are asked for, and counted once', () => {
    const m = new Tied();
    assert.deepEqual(
      m.namedParameters().map(([n]) => n),
      ['wte.weight'],
    );
    assert.deepEqual(
      m.namedParameters('', { removeDuplicate: false }).map(([n]) => n),
      ['wte.weight', 'lm_head.weight'],
    );
    assert.equal(m.parameterCount().total, 15);
    assert.equal(m.parameters().length, 1);
  });

  it('freeze and unfreeze by either name, affecting the one object', () => {
    const m = new Tied();
    assert.equal(m.freeze('lm_head'), 1);
    assert.equal(m.wte.weight.requiresGrad, false);
    assert.equal(m.unfreeze('wte'), 1);
    assert.equal(m.lm_head.weight.requiresGrad, true);
    assert.equal(m.freeze(), 1);
  });

  it('are saved under the first name only, and load from either name or both when they agree', () => {
    const a = new Tied();
    const state = a.stateDict();
    assert.deepEqual([...state.keys()], ['wte.weight']);
    const b = new Tied();
    b.loadStateDict(state);
    assert.deepEqual(b.lm_head.weight.toArray(), a.wte.weight.toArray());
    const both = new Map(state).set('lm_head.weight', a.wte.weight.clone());
    new Tied().loadStateDict(both);
    const onlySecond = new Map([['lm_head.weight', a.wte.weight.clone()]]);
    const c = new Tied();
    c.loadStateDict(onlySecond);
    assert.deepEqual(c.wte.weight.toArray(), a.wte.weight.toArray());
    const differ = a.wte.weight.clone();
    differ.data[3] = 42;
    assert.throws(
      () => new Tied().loadStateDict(new Map(state).set('lm_head.weight', differ), { source: 'x.safetensors' }),
      /x\.safetensors: keys 'wte\.weight' and 'lm_head\.weight' name one tied tensor but hold different values/,
    );
    assert.throws(() => new Tied().loadStateDict(new Map()), /missing key 'wte\.weight'/);
  });

  it('get one gradient, the sum of both uses', () => {
    const m = new Tied();
    const ids = Tensor.from([[1, 4]], undefined, { dtype: 'int32' });
    m.lm_head.forward(m.wte.forward(ids)).sum().backward();
    assert.ok(m.wte.weight.grad !== null);
    assert.equal(m.lm_head.weight.grad, m.wte.weight.grad);
  });
});
