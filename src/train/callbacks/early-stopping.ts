// Early stopping: ends training after `patience` evaluations without improvement of the chosen metric.
import { FinetuneError } from '../../errors.js';
import { isImprovement, normalizeMetricName } from '../../tasks/metric-names.js';
import type { CallbackContext, Evaluation, TrainerCallback } from './callback.js';

export interface EarlyStoppingOptions {
  /** Evaluations without improvement tolerated before stopping. Required, >= 1. */
  readonly patience: number;
  /** The least change that counts as an improvement (default 0). */
  readonly minDelta?: number;
  /** The metric watched (default: the trainer's metricForBest). */
  readonly metric?: string;
}

interface EarlyStoppingState {
  readonly best: number | null;
  readonly waited: number;
}

export class EarlyStopping implements TrainerCallback {
  readonly name = 'EarlyStopping';
  readonly requiresEvaluation = true;
  readonly patience: number;
  readonly minDelta: number;
  private readonly metric: string | undefined;
  private best: number | null = null;
  /** Evaluations since the last improvement. */
  private waited = 0;

  constructor(options: EarlyStoppingOptions) {
    if (!Number.isInteger(options.patience) || options.patience < 1) {
      throw new FinetuneError(`early stopping: patience ${options.patience} must be an integer >= 1`);
    }
    const minDelta = options.minDelta ?? 0;
    if (!(minDelta >= 0)) throw new FinetuneError(`early stopping: min delta ${minDelta} must be a number >= 0`);
    if (options.metric !== undefined && normalizeMetricName(options.metric) === undefined) {
      throw new FinetuneError(`early stopping: unknown metric '${options.metric}'`);
    }
    this.patience = options.patience;
    this.minDelta = minDelta;
    this.metric = options.metric === undefined ? undefined : normalizeMetricName(options.metric);
  }

  onEvaluate(context: CallbackContext, evaluation: Evaluation): void {
    const metric = this.metric ?? context.args.metricForBest;
    const value = evaluation.metrics[`eval_${metric}`];
    if (value === undefined) throw new FinetuneError(`early stopping: the evaluation has no metric '${metric}'`);
    if (isImprovement(metric, value, this.best, this.minDelta)) {
      this.best = value;
      this.waited = 0;
      return;
    }
    this.waited++;
    if (this.waited >= this.patience) {
      context.control.shouldStop = true;
      context.state.shouldTrainingStop = true;
    }
  }

  /** Evaluations since the last improvement. */
  get evaluationsWithoutImprovement(): number {
    return this.waited;
  }

  stateDict(): EarlyStoppingState {
    return { best: this.best, waited: this.waited };
  }

  loadStateDict(state: unknown): void {
    const s = state as Partial<EarlyStoppingState> | null;
    if (s === null || typeof s !== 'object' || !Number.isInteger(s.waited)) throw new FinetuneError('trainer state: early stopping state is malformed');
    this.best = typeof s.best === 'number' ? s.best : null;
    this.waited = s.waited as number;
  }
}
