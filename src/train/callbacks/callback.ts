// The callback contract: hooks that read the saveable TrainerState and steer training through a control object.
import type { LogEntry, TrainerState } from '../trainer-state.js';
import type { TrainingArguments } from '../training-args.js';

/** Flags callbacks set to steer the loop; the trainer clears them after acting on them. */
export interface TrainerControl {
  /** End training after the current step (its evaluation and checkpoint still happen). */
  shouldStop: boolean;
  shouldEvaluate: boolean;
  shouldSave: boolean;
  shouldLog: boolean;
}

/** What every hook receives. */
export interface CallbackContext {
  readonly args: TrainingArguments;
  readonly state: TrainerState;
  readonly control: TrainerControl;
  /** Whether the trainer has evaluation data. */
  readonly hasEvalData: boolean;
}

/** One optimizer step as the progress display sees it. */
export interface StepInfo {
  /** Mean training loss of the step's batches. */
  readonly loss: number;
  /** Learning rate the step used. */
  readonly learningRate: number;
  /** Non-padding tokens the step processed. */
  readonly tokens: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
}

/** One evaluation: HF-style scalar metrics (`eval_loss`, `eval_accuracy`, ...) and the task's full metrics. */
export interface Evaluation {
  readonly metrics: Readonly<Record<string, number>>;
  /** The task's metrics (per class, per entity type, ...). */
  readonly details: unknown;
  /** The task's headline metrics for display: [metric key, display name] (its report curves). */
  readonly shown: readonly (readonly [string, string])[];
  /** Mean training loss since the previous evaluation (NaN before any step). */
  readonly trainLoss: number;
}

/**
 * A training callback. Every hook is optional. A callback with state (early stopping's patience
 * counter) implements stateDict/loadStateDict so a resumed run continues where it stopped; the
 * state is stored under `name` in trainer_state.json.
 */
export interface TrainerCallback {
  readonly name: string;
  /** Set by callbacks that cannot work without evaluation data (early stopping). */
  readonly requiresEvaluation?: boolean;
  onTrainBegin?(context: CallbackContext): void;
  onEpochBegin?(context: CallbackContext): void;
  onStepEnd?(context: CallbackContext, step: StepInfo): void;
  onLog?(context: CallbackContext, entry: LogEntry): void;
  onEvaluate?(context: CallbackContext, evaluation: Evaluation): void;
  onSave?(context: CallbackContext, checkpointDir: string): void;
  onEpochEnd?(context: CallbackContext): void;
  onTrainEnd?(context: CallbackContext): void;
  stateDict?(): unknown;
  loadStateDict?(state: unknown): void;
}

/** Where callbacks write their lines (the CLI sends them to stdout, or stderr under --json). */
export interface TrainerOutput {
  /** A complete line (no newline). */
  line(text: string): void;
  /** A warning line. */
  warn(text: string): void;
  /** Redraws the current terminal line (progress bar); absent when the output is not a terminal. */
  redraw?(text: string): void;
}
