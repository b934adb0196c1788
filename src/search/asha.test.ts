// ASHA: rung positions, the top-1/eta rule, and a judge that decides once per rung, fed by evaluations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AshaJudge, continuesAtRung, highestRung, MemoryRungStore, promotable, rungOf, rungResource } from './asha.js';

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

  it('lets a trial go on only within the top floor(n / eta) of its rung: none while fewer than eta have reported', () => {
    assert.equal(continuesAtRung(0.5, [0.5], 3, 'maximize'), false);
    assert.equal(continuesAtRung(0.6, [0.5, 0.6], 3, 'maximize'), false);
    assert.equal(continuesAtRung(0.3, [0.5, 0.4, 0.3], 3, 'maximize'), false);
    assert.equal(continuesAtRung(0.6, [0.5, 0.4, 0.6], 3, 'maximize'), true);
    assert.equal(continuesAtRung(0.5, [0.5, 0.4, 0.6, 0.1, 0.2, 0.3], 3, 'maximize'), true);
    assert.equal(continuesAtRung(0.2, [0.5, 0.4, 0.2], 3, 'minimize'), true);
    assert.equal(continuesAtRung(0.5, [0.5, 0.4, 0.2], 3, 'minimize'), false);
    assert.equal(continuesAtRung(Number.NaN, [0.5, 0.1, 0.2], 3, 'maximize'), false);
  });

  it('promotes the best paused trial that now ranks in its rung, from the highest rung down', () => {
    const trial = (index: number, status: string, rungs: Record<string, number>) => ({ index, status, rungs });
    // Rung 0 holds 3 values: the top 1 may go on. Trial 0 (0.7) paused when it was alone there.
    const three = [trial(0, 'pruned', { 0: 0.7 }), trial(1, 'pruned', { 0: 0.5 }), trial(2, 'pruned', { 0: 0.6 })];
    assert.equal(promotable(three, 3, 'maximize')?.index, 0);
    assert.equal(promotable(three, 3, 'minimize')?.index, 1);
    assert.equal(promotable(three.slice(0, 2), 3, 'maximize'), undefined, 'fewer than eta values');
    // A trial that went on (running or complete) is not promoted again; a higher rung is looked at first.
    const mixed = [
      trial(0, 'complete', { 0: 0.9 }),
      ...three.slice(1),
      trial(3, 'pruned', { 0: 0.8, 1: 0.85 }),
      trial(4, 'pruned', { 0: 0.95, 1: 0.7 }),
      trial(5, 'complete', { 0: 0.85, 1: 0.75 }),
    ];
    assert.equal(promotable(mixed, 3, 'maximize')?.index, 3);
    assert.equal(highestRung(mixed[3]!), 1);
    assert.equal(highestRung(trial(6, 'running', {})), -1);
  });

  it('judges each rung once, a repeated report of the same trial replacing its value, and skips rungs an earlier attempt passed', async () => {
    const store = new MemoryRungStore();
    for (const [trial, value] of [
      [0, 0.9],
      [1, 0.8],
    ] as const) {
      assert.equal((await new AshaJudge(options, 'maximize', store, trial).report(10, value))?.continues, false);
    }
    const judge = new AshaJudge(options, 'maximize', store, 2);
    assert.equal(await judge.report(5, 0.1), undefined, 'before the first rung');
    assert.deepEqual(await judge.report(12, 0.5), { rung: 0, continues: false });
    assert.equal(await judge.report(20, 0.99), undefined, 'rung 0 was judged already');
    // Trial 2 resumed from a checkpoint reports rung 0 again: its value replaces its own, the rung still holds 3 values.
    assert.deepEqual(await new AshaJudge(options, 'maximize', store, 2).report(10, 0.95), { rung: 0, continues: true });
    assert.deepEqual([...(await store.record(0, 2, 0.95))].sort(), [0.8, 0.9, 0.95]);
    // Promoted past rung 0, trial 0 is judged next at rung 1.
    const promoted = new AshaJudge(options, 'maximize', store, 0, 0);
    assert.equal(await promoted.report(20, 0.1), undefined);
    assert.deepEqual(await promoted.report(30, 0.91), { rung: 1, continues: false });
  });
});
