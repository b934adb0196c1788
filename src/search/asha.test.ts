// ASHA: rung positions, the top-1/eta rule, and a judge that decides once per rung, fed by evaluations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AshaJudge, continuesAtRung, MemoryRungStore, rungOf, rungResource } from './asha.js';

const options = { unit: 'steps', minResource: 10, reductionFactor: 3 } as const;

describe('ASHA', () => {
  it('places rungs at minResource * eta^k', () => {
    assert.equal(rungOf(9, options), -1);
    assert.equal(rungOf(10, options), 0);
    assert.equal(rungOf(29, options), 0);
    assert.equal(rungOf(30, options), 1);
    assert.equal(rungOf(90, options), 2);
    assert.equal(rungResource(2, options), 90);
    assert.equal(rungOf(2.9999999999, { unit: 'epoch', minResource: 1, reductionFactor: 3 }), 1);
  });

  it('lets the first trial of a rung through, then the best so far, then only the top floor(n / eta)', () => {
    assert.equal(continuesAtRung(0.5, [0.5], 3, 'maximize'), true);
    assert.equal(continuesAtRung(0.4, [0.5, 0.4], 3, 'maximize'), false);
    assert.equal(continuesAtRung(0.6, [0.5, 0.6], 3, 'maximize'), true);
    assert.equal(continuesAtRung(0.3, [0.5, 0.4, 0.3], 3, 'maximize'), false);
    assert.equal(continuesAtRung(0.6, [0.5, 0.4, 0.6], 3, 'maximize'), true);
    assert.equal(continuesAtRung(0.2, [0.5, 0.4, 0.2], 3, 'minimize'), true);
    assert.equal(continuesAtRung(0.5, [0.5, 0.4, 0.2], 3, 'minimize'), false);
    assert.equal(continuesAtRung(Number.NaN, [0.5], 3, 'maximize'), false);
  });

  it('judges each rung once, and a repeated report of the same trial replaces its value', async () => {
    const store = new MemoryRungStore();
    for (const [trial, value, continues] of [
      [0, 0.9, true],
      [1, 0.8, false],
    ] as const) {
      assert.equal((await new AshaJudge(options, 'maximize', store, trial).report(10, value))?.continues, continues);
    }
    const judge = new AshaJudge(options, 'maximize', store, 2);
    assert.equal(await judge.report(5, 0.1), undefined, 'before the first rung');
    assert.deepEqual(await judge.report(12, 0.5), { rung: 0, continues: false });
    assert.equal(await judge.report(20, 0.99), undefined, 'rung 0 was judged already');
    // Trial 2 resumed from a checkpoint reports rung 0 again: its value replaces its own, the rung still holds 3 values.
    assert.deepEqual(await new AshaJudge(options, 'maximize', store, 2).report(10, 0.95), { rung: 0, continues: true });
    assert.deepEqual([...(await store.record(0, 2, 0.95))].sort(), [0.8, 0.9, 0.95]);
  });
});
