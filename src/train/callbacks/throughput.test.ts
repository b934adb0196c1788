// The throughput recorder: one point per logging interval, the tokens of those steps over their wall time.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderReport } from '../../report/report.js';
import { resolveTrainingArguments } from '../training-args.js';
import { TrainerState } from '../trainer-state.js';
import { ThroughputRecorder } from './throughput.js';

describe('ThroughputRecorder', () => {
  it('gives tokens per second over each logging interval, and report.html charts them', () => {
    let now = 0;
    const recorder = new ThroughputRecorder(() => now);
    const state = new TrainerState();
    state.loggingSteps = 2;
    const context = {
      args: resolveTrainingArguments({ outputDir: 'x' }),
      state,
      control: { shouldStop: false, shouldEvaluate: false, shouldSave: false, shouldLog: false },
      hasEvalData: false,
    };
    recorder.onTrainBegin(context);
    for (let step = 1; step <= 5; step++) {
      now += step <= 2 ? 500 : 250;
      state.globalStep = step;
      recorder.onStepEnd(context, { loss: 1, learningRate: 1e-4, tokens: 1000, gradNorm: 1 });
    }
    // Steps 1-2: 2,000 tokens in 1 s; steps 3-4: 2,000 tokens in 0.5 s; step 5 waits for its interval.
    assert.deepEqual(recorder.points, [
      { step: 2, perSecond: 2000 },
      { step: 4, perSecond: 4000 },
    ]);
    const html = renderReport({ title: 't', summary: [], logHistory: [], throughput: recorder.points.map((p) => [p.step, p.perSecond] as const) });
    assert.match(html, /aria-label="Throughput \(tokens\/s\)"/);
    assert.doesNotMatch(renderReport({ title: 't', summary: [], logHistory: [] }), /Throughput/);
  });
});
