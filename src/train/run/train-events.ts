// Progress of a run for library callers: the events trainClassifier's onEvent receives, and trainEvents, the same as an async iterator.
import type { CallbackContext, Evaluation, StepInfo, TrainerCallback } from '../callbacks/callback.js';
import type { LogEntry } from '../trainer-state.js';
import type { RunIO, TrainRunOptions, TrainRunResult } from './train-classifier.js';

/** One thing that happened in a run, in order: steps, logs, evaluations, checkpoints, then `end` (or the error). */
export type TrainEvent =
  | {
      readonly type: 'step';
      readonly step: number;
      readonly maxSteps: number;
      readonly epoch: number;
      /** Mean training loss of the step's batches. */
      readonly loss: number;
      readonly learningRate: number;
      /** Global gradient norm before clipping. */
      readonly gradNorm: number;
    }
  /** A trainer_state.json log entry (the loss averaged since the last one, or the run's totals at the end). */
  | { readonly type: 'log'; readonly step: number; readonly entry: LogEntry }
  /** Validation scores (`eval_loss`, `eval_<metric>`) at a step. */
  | { readonly type: 'eval'; readonly step: number; readonly epoch: number; readonly metrics: Readonly<Record<string, number>> }
  | { readonly type: 'checkpoint'; readonly step: number; readonly path: string }
  | { readonly type: 'end'; readonly result: TrainRunResult };

/** Turns the trainer's hooks into events for `listener`. */
export class EventCallback implements TrainerCallback {
  readonly name = 'TrainEvents';
  constructor(private readonly listener: (event: TrainEvent) => void) {}

  onStepEnd({ state }: CallbackContext, info: StepInfo): void {
    this.listener({
      type: 'step',
      step: state.globalStep,
      maxSteps: state.maxSteps,
      epoch: state.epoch,
      loss: info.loss,
      learningRate: info.learningRate,
      gradNorm: info.gradNorm,
    });
  }

  onLog({ state }: CallbackContext, entry: LogEntry): void {
    this.listener({ type: 'log', step: state.globalStep, entry });
  }

  onEvaluate({ state }: CallbackContext, evaluation: Evaluation): void {
    this.listener({ type: 'eval', step: state.globalStep, epoch: state.epoch, metrics: evaluation.metrics });
  }

  onSave({ state }: CallbackContext, path: string): void {
    this.listener({ type: 'checkpoint', step: state.globalStep, path });
  }
}

/** The run function trainEvents drives (trainClassifier; a parameter so this module does not import it back). */
type Run = (options: TrainRunOptions, io?: RunIO) => Promise<TrainRunResult>;

/**
 * A run as an async iterator of its events, ending with `end`; an error of the run is thrown by the
 * iterator. Leaving the loop early (`break`) aborts the run, which stops with a resumable checkpoint.
 */
export async function* eventsOf(run: Run, options: TrainRunOptions, io?: RunIO): AsyncGenerator<TrainEvent, void, undefined> {
  const queue: TrainEvent[] = [];
  let wake: (() => void) | undefined;
  let failure: { error: unknown } | undefined;
  let done = false;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const push = (event: TrainEvent): void => {
    queue.push(event);
    wake?.();
  };
  // The run's last event is `end`, pushed by the run itself.
  const finished = run({ ...options, signal, onEvent: push }, io).then(
    () => undefined,
    (error: unknown) => {
      failure = { error };
    },
  );
  void finished.finally(() => {
    done = true;
    wake?.();
  });
  try {
    while (true) {
      const event = queue.shift();
      if (event !== undefined) {
        yield event;
        if (event.type === 'end') return;
        continue;
      }
      if (failure) throw failure.error;
      if (done) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    // A consumer that leaves early stops the run cleanly, and the iterator settles with it.
    if (!done) {
      stop.abort();
      await finished;
    }
  }
}
