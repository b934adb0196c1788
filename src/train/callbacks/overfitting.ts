// Warns when validation loss rises while training loss falls between two evaluations: the model starts to overfit.
import type { CallbackContext, Evaluation, TrainerCallback, TrainerOutput } from './callback.js';

interface OverfittingState {
  readonly trainLoss: number | null;
  readonly evalLoss: number | null;
}

export class OverfittingMonitor implements TrainerCallback {
  readonly name = 'OverfittingMonitor';
  private previous: OverfittingState = { trainLoss: null, evalLoss: null };
  /** Evaluations at which the warning was given (global steps). */
  readonly warnedAt: number[] = [];

  constructor(private readonly output: TrainerOutput) {}

  onEvaluate(context: CallbackContext, evaluation: Evaluation): void {
    const evalLoss = evaluation.metrics.eval_loss ?? NaN;
    const trainLoss = evaluation.trainLoss;
    const { trainLoss: prevTrain, evalLoss: prevEval } = this.previous;
    if (prevTrain !== null && prevEval !== null && Number.isFinite(trainLoss) && evalLoss > prevEval && trainLoss < prevTrain) {
      this.warnedAt.push(context.state.globalStep);
      this.output.warn(
        `step ${context.state.globalStep}: validation loss rose (${prevEval.toFixed(4)} -> ${evalLoss.toFixed(4)}) while training loss fell ` +
          `(${prevTrain.toFixed(4)} -> ${trainLoss.toFixed(4)}): the model is starting to overfit`,
      );
    }
    this.previous = { trainLoss: Number.isFinite(trainLoss) ? trainLoss : null, evalLoss: Number.isFinite(evalLoss) ? evalLoss : null };
  }

  stateDict(): OverfittingState {
    return this.previous;
  }

  loadStateDict(state: unknown): void {
    const s = state as Partial<OverfittingState> | null;
    this.previous = {
      trainLoss: typeof s?.trainLoss === 'number' ? s.trainLoss : null,
      evalLoss: typeof s?.evalLoss === 'number' ? s.evalLoss : null,
    };
  }
}
