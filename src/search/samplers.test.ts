// Samplers: random draws stay in the space and depend only on (seed, trial); TPE is seeded and moves towards the good region.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeSampler, RandomSampler, TpeSampler, type Observation } from './samplers.js';
import { parseSpace } from './space.js';

const space = parseSpace(
  {
    lr: { type: 'log-uniform', low: 1e-5, high: 1e-2 },
    epochs: { type: 'int', low: 1, high: 4 },
    'warmup-ratio': { low: 0, high: 0.3 },
    freeze: ['none', 'base', 1],
  },
  's',
);

describe('samplers', () => {
  it('random: every value inside the space; trial i the same whatever came before', () => {
    const sampler = new RandomSampler(space, 7);
    for (let i = 0; i < 200; i++) {
      const v = sampler.sample(i);
      assert.ok((v.lr as number) >= 1e-5 && (v.lr as number) <= 1e-2);
      assert.ok(Number.isInteger(v.epochs) && (v.epochs as number) >= 1 && (v.epochs as number) <= 4);
      assert.ok((v['warmup-ratio'] as number) >= 0 && (v['warmup-ratio'] as number) <= 0.3);
      assert.ok(['none', 'base', 1].includes(v.freeze as string | number));
    }
    assert.deepEqual(new RandomSampler(space, 7).sample(5), sampler.sample(5));
    assert.notDeepEqual(new RandomSampler(space, 8).sample(5), sampler.sample(5));
  });

  it('TPE: random for the start-up trials, then seeded draws that concentrate where the metric was good', () => {
    // The metric peaks at lr 1e-3 (log scale) and epochs 3; maximised.
    const objective = (v: Observation['params']): number => -((Math.log10(v.lr as number) + 3) ** 2) - 0.3 * Math.abs((v.epochs as number) - 3);
    const run = (kind: 'tpe' | 'random'): { history: Observation[]; tail: number } => {
      const sampler = makeSampler(kind, space, 3, 'maximize', 60);
      const history: Observation[] = [];
      for (let i = 0; i < 60; i++) {
        const params = sampler.sample(i, history);
        history.push({ params, value: objective(params), pruned: false });
      }
      const last = history.slice(30).map((o) => o.value!);
      return { history, tail: last.reduce((a, b) => a + b, 0) / last.length };
    };
    const tpe = run('tpe');
    const random = run('random');
    assert.deepEqual(run('tpe').history, tpe.history, 'the same seed gives the same trials');
    assert.deepEqual(tpe.history.slice(0, 10), random.history.slice(0, 10), 'start-up trials are the random ones');
    assert.ok(tpe.tail > random.tail + 0.3, `TPE's later trials (${tpe.tail.toFixed(3)}) beat random ones (${random.tail.toFixed(3)})`);
  });

  it('TPE never counts a pruned trial as good', () => {
    const sampler = new TpeSampler(space, 1, 'maximize', { startupTrials: 2, candidates: 64 });
    const good = { lr: 1e-5, epochs: 1, 'warmup-ratio': 0, freeze: 'none' };
    const pruned = { lr: 1e-2, epochs: 4, 'warmup-ratio': 0.3, freeze: 'base' };
    const history: Observation[] = [
      { params: good, value: 0.5, pruned: false },
      { params: pruned, value: 0.9, pruned: true },
      { params: { ...good, lr: 2e-5 }, value: 0.1, pruned: false },
    ];
    const next = sampler.sample(3, history);
    assert.ok((next.lr as number) < 1e-3, `drawn near the complete good trial, not the pruned one: lr ${next.lr}`);
  });
});
