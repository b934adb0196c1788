// Throughput over a run, for report.html: tokens per second between log points, kept in memory only.
import type { CallbackContext, StepInfo, TrainerCallback } from './callback.js';

/** One point of the throughput curve: the rate over the steps since the previous point. */
export interface ThroughputPoint {
  readonly step: number;
  readonly perSecond: number;
}

/**
 * Measures wall-clock throughput every `every` steps. Kept out of trainer_state.json on purpose: timings
 * differ between identical runs, and that file must replay and resume to the same bytes.
 */
export class ThroughputRecorder implements TrainerCallback {
  readonly name = 'throughput';
  readonly points: ThroughputPoint[] = [];
  private since = 0;
  private amount = 0;
  private steps = 0;

  private every = 1;

  constructor(private readonly now: () => number = () => performance.now()) {}

  onTrainBegin(context: CallbackContext): void {
    // A point per logging interval, as the loss and gradient-norm curves have.
    this.every = Math.max(1, context.state.loggingSteps);
    this.since = this.now();
  }

  onStepEnd(context: CallbackContext, step: StepInfo): void {
    this.amount += step.tokens;
    this.steps++;
    if (this.steps < this.every) return;
    const seconds = (this.now() - this.since) / 1000;
    if (seconds > 0) this.points.push({ step: context.state.globalStep, perSecond: this.amount / seconds });
    this.since = this.now();
    this.amount = 0;
    this.steps = 0;
  }
}
