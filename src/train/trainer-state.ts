// TrainerState: where training stands (step, epoch, data position, best checkpoint, log history); saved as trainer_state.json.
import { FinetuneError } from '../errors.js';
import type { RandomState } from '../tensor/random.js';

/** One entry of the log history: a training log, an evaluation or the final summary (HF's log_history). */
export type LogEntry = Readonly<Record<string, number | string | null>> & { readonly step: number; readonly epoch: number };

/** trainer_state.json as written: HF's keys, plus what an exact resume needs. */
export interface TrainerStateJson {
  readonly global_step: number;
  readonly max_steps: number;
  readonly epoch: number;
  readonly num_train_epochs: number;
  readonly logging_steps: number;
  readonly eval_steps: number | 'epoch';
  readonly train_batch_size: number;
  readonly num_input_tokens_seen: number;
  readonly best_metric: number | null;
  readonly best_global_step: number | null;
  readonly best_model_checkpoint: string | null;
  readonly metric_for_best_model: string;
  readonly log_history: readonly LogEntry[];
  readonly stateful_callbacks: Readonly<Record<string, unknown>>;
  /** Whether a callback (early stopping) ended training before its planned end. */
  readonly should_training_stop: boolean;
  /** Data position: the epoch being run (0-based) and optimizer steps done in it. */
  readonly epoch_index: number;
  readonly steps_in_epoch: number;
  /** The dropout generator after the last completed step. */
  readonly rng_state: RandomState | null;
  /** Training-loss sums since the last log and since the last evaluation (kept so resumed logs match). */
  readonly loss_since_log: readonly [number, number];
  readonly loss_since_eval: readonly [number, number];
  /** Training-loss sum and step count over the whole run (for the final train_loss). */
  readonly loss_total: readonly [number, number];
}

export class TrainerState {
  globalStep = 0;
  maxSteps = 0;
  /** Fractional epochs done (1.5 = halfway through the second epoch). */
  epoch = 0;
  numTrainEpochs = 0;
  loggingSteps = 0;
  evalSteps: number | 'epoch' = 'epoch';
  trainBatchSize = 0;
  numInputTokensSeen = 0;
  bestMetric: number | null = null;
  bestGlobalStep: number | null = null;
  bestModelCheckpoint: string | null = null;
  metricForBest = 'f1_macro';
  logHistory: LogEntry[] = [];
  statefulCallbacks: Record<string, unknown> = {};
  shouldTrainingStop = false;
  epochIndex = 0;
  stepsInEpoch = 0;
  rngState: RandomState | null = null;
  lossSinceLog: [number, number] = [0, 0];
  lossSinceEval: [number, number] = [0, 0];
  lossTotal: [number, number] = [0, 0];

  /** The latest evaluation entry in the log history, if any. */
  lastEvaluation(): LogEntry | undefined {
    for (let i = this.logHistory.length - 1; i >= 0; i--) if ('eval_loss' in this.logHistory[i]!) return this.logHistory[i];
    return undefined;
  }

  toJSON(): TrainerStateJson {
    return {
      global_step: this.globalStep,
      max_steps: this.maxSteps,
      epoch: this.epoch,
      num_train_epochs: this.numTrainEpochs,
      logging_steps: this.loggingSteps,
      eval_steps: this.evalSteps,
      train_batch_size: this.trainBatchSize,
      num_input_tokens_seen: this.numInputTokensSeen,
      best_metric: this.bestMetric,
      best_global_step: this.bestGlobalStep,
      best_model_checkpoint: this.bestModelCheckpoint,
      metric_for_best_model: this.metricForBest,
      log_history: this.logHistory,
      stateful_callbacks: this.statefulCallbacks,
      should_training_stop: this.shouldTrainingStop,
      epoch_index: this.epochIndex,
      steps_in_epoch: this.stepsInEpoch,
      rng_state: this.rngState,
      loss_since_log: this.lossSinceLog,
      loss_since_eval: this.lossSinceEval,
      loss_total: this.lossTotal,
    };
  }

  /** Rebuilds a state from trainer_state.json (`source` names the file in errors). */
  static fromJSON(value: unknown, source: string): TrainerState {
    const j = value as Partial<TrainerStateJson> | null;
    if (j === null || typeof j !== 'object' || Array.isArray(j)) throw new FinetuneError(`${source}: not a trainer state object`);
    const int = (key: keyof TrainerStateJson): number => {
      const v = j[key];
      if (!Number.isInteger(v) || (v as number) < 0) throw new FinetuneError(`${source}: '${key}' is missing or not a count`);
      return v as number;
    };
    const s = new TrainerState();
    s.globalStep = int('global_step');
    s.maxSteps = int('max_steps');
    s.epochIndex = int('epoch_index');
    s.stepsInEpoch = int('steps_in_epoch');
    s.loggingSteps = int('logging_steps');
    s.trainBatchSize = int('train_batch_size');
    s.numInputTokensSeen = int('num_input_tokens_seen');
    s.epoch = typeof j.epoch === 'number' ? j.epoch : 0;
    s.numTrainEpochs = typeof j.num_train_epochs === 'number' ? j.num_train_epochs : 0;
    s.evalSteps = j.eval_steps === 'epoch' || typeof j.eval_steps === 'number' ? j.eval_steps : 'epoch';
    s.bestMetric = typeof j.best_metric === 'number' ? j.best_metric : null;
    s.bestGlobalStep = typeof j.best_global_step === 'number' ? j.best_global_step : null;
    s.bestModelCheckpoint = typeof j.best_model_checkpoint === 'string' ? j.best_model_checkpoint : null;
    s.metricForBest = typeof j.metric_for_best_model === 'string' ? j.metric_for_best_model : 'f1_macro';
    if (!Array.isArray(j.log_history)) throw new FinetuneError(`${source}: 'log_history' is not a list`);
    s.logHistory = j.log_history.map((e) => ({ ...e }));
    s.statefulCallbacks = typeof j.stateful_callbacks === 'object' && j.stateful_callbacks !== null ? { ...j.stateful_callbacks } : {};
    s.shouldTrainingStop = j.should_training_stop === true;
    const rng = j.rng_state;
    if (rng !== null && rng !== undefined) {
      if (!Array.isArray(rng) || rng.length !== 4 || !rng.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
        throw new FinetuneError(`${source}: 'rng_state' is not four 32-bit words`);
      }
      s.rngState = [rng[0], rng[1], rng[2], rng[3]] as RandomState;
    }
    s.lossSinceLog = pair(j.loss_since_log);
    s.lossSinceEval = pair(j.loss_since_eval);
    s.lossTotal = pair(j.loss_total);
    return s;
  }
}

function pair(value: unknown): [number, number] {
  return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number') ? [value[0], value[1]] : [0, 0];
}
