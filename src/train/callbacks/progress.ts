// Progress: a redrawn bar on a terminal (step, epoch, loss, learning rate, tokens/s, time left), plain log lines otherwise.
import type { LogEntry } from '../trainer-state.js';
import type { CallbackContext, Evaluation, StepInfo, TrainerCallback, TrainerOutput } from './callback.js';

export interface ProgressOptions {
  readonly output: TrainerOutput;
  /** Clock in milliseconds (default performance.now; tests pass their own). */
  readonly now?: () => number;
  /** Width of the bar in characters (default 24). */
  readonly barWidth?: number;
}

/** `3h04m`, `4m05s`, `7s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

const fmtLoss = (v: unknown): string => (typeof v === 'number' ? v.toFixed(4) : String(v));
const fmtLr = (v: number): string => v.toExponential(2);

export class ProgressCallback implements TrainerCallback {
  readonly name = 'Progress';
  private readonly output: TrainerOutput;
  private readonly now: () => number;
  private readonly barWidth: number;
  private startTime = 0;
  private startStep = 0;
  private tokens = 0;
  private lastStep: StepInfo | null = null;

  constructor(options: ProgressOptions) {
    this.output = options.output;
    this.now = options.now ?? (() => performance.now());
    this.barWidth = options.barWidth ?? 24;
  }

  onTrainBegin(context: CallbackContext): void {
    this.startTime = this.now();
    this.startStep = context.state.globalStep;
    this.tokens = 0;
  }

  private rates(context: CallbackContext): { tokensPerSecond: number; secondsLeft: number } {
    const elapsed = (this.now() - this.startTime) / 1000;
    const done = context.state.globalStep - this.startStep;
    const left = context.state.maxSteps - context.state.globalStep;
    return {
      tokensPerSecond: elapsed > 0 ? this.tokens / elapsed : 0,
      secondsLeft: done > 0 ? (elapsed / done) * left : NaN,
    };
  }

  /** `123 tok/s` (`tokens/s` in full); inputs without tokens (images) count examples instead. */
  private throughput(context: CallbackContext, full: boolean): string {
    if (this.tokens > 0) return `${Math.round(this.rates(context).tokensPerSecond)} ${full ? 'tokens' : 'tok'}/s`;
    const elapsed = (this.now() - this.startTime) / 1000;
    const { args, state } = context;
    const examples = (state.globalStep - this.startStep) * args.batchSize * args.gradAccumSteps;
    return `${elapsed > 0 ? (examples / elapsed).toFixed(1) : '0'} ${full ? 'examples' : 'ex'}/s`;
  }

  onStepEnd(context: CallbackContext, step: StepInfo): void {
    this.tokens += step.tokens;
    this.lastStep = step;
    const redraw = this.output.redraw;
    if (!redraw) return;
    const { state } = context;
    const { secondsLeft } = this.rates(context);
    const filled = Math.round((this.barWidth * state.globalStep) / Math.max(1, state.maxSteps));
    const bar = '#'.repeat(filled) + '-'.repeat(Math.max(0, this.barWidth - filled));
    const epochs = Math.ceil(state.numTrainEpochs);
    redraw.call(
      this.output,
      `epoch ${Math.min(epochs, state.epochIndex + 1)}/${epochs} |${bar}| ${state.globalStep}/${state.maxSteps} ` +
        `loss ${fmtLoss(step.loss)} lr ${fmtLr(step.learningRate)} ${this.throughput(context, false)} ${formatDuration(secondsLeft)} left`,
    );
  }

  onLog(context: CallbackContext, entry: LogEntry): void {
    // On a terminal the bar shows the same figures; plain output gets one line per logging step.
    if (this.output.redraw || !('loss' in entry)) return;
    const { secondsLeft } = this.rates(context);
    const gradNorm = typeof entry.grad_norm === 'number' ? `, grad norm ${entry.grad_norm.toFixed(3)}` : '';
    this.output.line(
      `step ${entry.step}/${context.state.maxSteps} (epoch ${entry.epoch.toFixed(2)}): loss ${fmtLoss(entry.loss)}, ` +
        `lr ${fmtLr(Number(entry.learning_rate))}${gradNorm}, ${this.throughput(context, true)}, ${formatDuration(secondsLeft)} left`,
    );
  }

  onEvaluate(context: CallbackContext, evaluation: Evaluation): void {
    const m = evaluation.metrics;
    const train = Number.isFinite(evaluation.trainLoss) ? evaluation.trainLoss.toFixed(4) : '-';
    this.output.line(
      `eval step ${context.state.globalStep} (epoch ${context.state.epoch.toFixed(2)}): train loss ${train} | ` +
        `val loss ${fmtLoss(m.eval_loss)}${evaluation.shown.map(([key, label]) => ` | ${label} ${fmtLoss(m[`eval_${key}`])}`).join('')}`,
    );
  }

  onTrainEnd(): void {
    if (this.output.redraw && this.lastStep) this.output.redraw('');
  }
}
