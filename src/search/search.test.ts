// The search loop with ASHA, on a scripted executor: paused trials are promoted before new ones start, and resume past their rung.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AshaJudge, type MemoryRungStore } from './asha.js';
import type { TrialExecutor } from './local-executor.js';
import { runSearch } from './search.js';
import { parseSearchSettings } from './space.js';
import type { TrialOutcome, TrialPoint, TrialSpec } from './trial.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-search-loop-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Trials of 90 steps evaluated every 10; trial i scores `quality[i]` at every evaluation. Runs as a trial process would. */
function scriptedExecutor(rungs: MemoryRungStore, quality: readonly number[], runs: { index: number; from: number; to: number }[]): TrialExecutor {
  const progress = new Map<number, { step: number; history: TrialPoint[] }>();
  return {
    async run(spec: TrialSpec): Promise<TrialOutcome> {
      const judge = spec.asha ? new AshaJudge(spec.asha, spec.direction, rungs, spec.index, spec.passedRung) : undefined;
      const at = progress.get(spec.index) ?? { step: 0, history: [] };
      const from = at.step;
      const reached: Record<string, number> = {};
      let status: TrialOutcome['status'] = 'complete';
      while (at.step < 90) {
        at.step += 10;
        const value = quality[spec.index]!;
        at.history.push({ step: at.step, epoch: at.step / 90, value });
        const decision = await judge?.report(at.step, value);
        if (decision) reached[String(decision.rung)] = value;
        if (decision && !decision.continues && at.step < 90) {
          status = 'pruned';
          break;
        }
      }
      progress.set(spec.index, at);
      runs.push({ index: spec.index, from, to: at.step });
      return { index: spec.index, status, value: quality[spec.index], globalStep: at.step, startStep: from, history: [...at.history], rungs: reached };
    },
    stopAll() {},
    async close() {},
  };
}

describe('search with ASHA', () => {
  it('pauses the first trials at a rung, promotes the best once eta have reported, resumes it past the rung, and finishes the leader', async () => {
    const settings = parseSearchSettings(
      {
        space: { lr: { type: 'log-uniform', low: 1e-5, high: 1e-3 } },
        metric: 'accuracy',
        direction: 'maximize',
        sampler: 'random',
        trials: 4,
        asha: { unit: 'steps', min_resource: 10, reduction_factor: 3 },
      },
      'search.yaml',
    );
    const runs: { index: number; from: number; to: number }[] = [];
    const lines: string[] = [];
    const result = await runSearch({
      folder: join(root, 's'),
      base: { model: 'tiny', data: 'train.csv' },
      settings,
      executor: (rungs) => scriptedExecutor(rungs, [0.9, 0.5, 0.6, 0.7], runs),
      log: (line) => lines.push(line),
    });
    // Trials 0 and 1 pause at rung 0 (alone, then 2 of eta 3); trial 2 pauses (not the top 1 of 3); trial 0 is then the top 1 of 3:
    // promoted, it goes on from step 10 and pauses at rung 1 (30 steps) where it is alone; trial 3 pauses at rung 0 (top 1 of 4 is 0.9).
    assert.deepEqual(runs, [
      { index: 0, from: 0, to: 10 },
      { index: 1, from: 0, to: 10 },
      { index: 2, from: 0, to: 10 },
      { index: 0, from: 10, to: 30 },
      { index: 3, from: 0, to: 10 },
      { index: 0, from: 30, to: 90 },
    ]);
    assert.ok(
      lines.some((l) => /^trial 0: promoted from rung 0 \(accuracy 0\.9000\), goes on from step 10$/.test(l)),
      lines.join('\n'),
    );
    const trial0 = result.state.trials[0]!;
    // Every trial started, none complete: the leader (trial 0, the only one at rung 1) runs to its end without ASHA.
    assert.ok(
      lines.some((l) => /^trial 0: no trial is complete; the leader goes on from step 30 to its end$/.test(l)),
      lines.join('\n'),
    );
    assert.deepEqual([trial0.status, trial0.globalStep, trial0.startSteps, trial0.rungs], ['complete', 90, [0, 10, 30], { 0: 0.9, 1: 0.9 }]);
    assert.equal(
      result.state.trials.reduce((sum, t) => sum + t.globalStep, 0),
      120,
    );
    assert.equal(result.best?.index, 0);
  });
});
