// The task contract the trainer runs: how a batch is collated, the loss, streaming metrics, and how results read.
import type { HeadKind, ModelInputs, ProblemType, TextInputs } from '../models/types.js';
import type { Tensor } from '../tensor/tensor.js';

/** The tasks `--task` names. */
export const TASK_NAMES = ['classification', 'token-classification', 'multi-label', 'regression', 'causal-lm', 'image-classification'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** A tokenized data set: one unpadded row of ids per example (batches pad later), and the task's targets. */
export interface EncodedInputs {
  readonly inputIds: readonly Int32Array[];
  /** Segment ids per example; null when every example is a single text. */
  readonly typeIds: readonly Int32Array[] | null;
  readonly padId: number;
  /** Token counts guessed without tokenizing, for data tokenized when a batch reads it (default: each row's length). */
  readonly estimatedLengths?: () => number[];
}

/** A padded batch with its targets. Shapes: B examples, T the longest example's tokens. `I`: text or image inputs. */
export interface TaskBatch<I extends ModelInputs = TextInputs> {
  readonly inputs: I;
  /** The task's targets: class ids int32 [B], multi-hot [B, L], values [B, 1], or token labels int32 [B, T] (-100: no label). */
  readonly targets: Tensor;
  /** What the loss averages over: examples, or labelled tokens. */
  readonly items: number;
  /** Non-padding tokens. */
  readonly tokens: number;
  readonly indices: readonly number[];
}

/**
 * An evaluation as it streams: batches in, metrics out. It keeps counts, never every logit
 * (a metric that needs the values, such as Spearman's rank correlation, keeps one number per example).
 */
export interface MetricStream<M> {
  add(logits: Tensor, batch: TaskBatch<ModelInputs>): void;
  result(): M;
}

/** One evaluation's outcome: the mean loss, the number of examples, and the task's metrics. */
export interface TaskEvaluation<M = unknown> {
  readonly loss: number;
  readonly count: number;
  readonly metrics: M;
}

/** A table report.html shows: a header row, then rows whose first cell names them. */
export interface TaskTable {
  readonly title: string;
  readonly columns: readonly string[];
  /** Numbers are scores (shown with 4 decimals); counts and names are strings, shown as they are. */
  readonly rows: readonly (readonly (string | number)[])[];
  /** A confusion matrix: cells shaded by their share of the row (rows: true, columns: predicted). */
  readonly confusion?: boolean;
}

/** What report.html shows of an evaluation. */
export interface TaskReport {
  /** The headline scores: [display name, value]. */
  readonly scores: readonly (readonly [string, number])[];
  readonly tables: readonly TaskTable[];
}

/**
 * A task: what the trainer, `eval` and the report need to know beyond the model. `D` is the encoded
 * data set it trains on, `M` its full metrics (per class, per entity type, ...).
 */
export interface Task<D = EncodedInputs, M = unknown, I extends ModelInputs = TextInputs> {
  readonly name: TaskName;
  /** The head the model needs. */
  readonly headKind: HeadKind;
  readonly problemType: ProblemType;
  /** The head's output names (class or tag names; one 'LABEL_0' for regression). */
  readonly labels: readonly string[];
  /** Scalar metrics it reports (without 'eval_'), besides the loss. */
  readonly metricNames: readonly string[];
  /** What picks the best checkpoint unless `--metric-for-best` says otherwise. */
  readonly defaultMetric: string;
  /** Examples in an encoded data set. */
  size(data: D): number;
  /** Token count of each example, for length-grouped batches. */
  lengths(data: D): number[];
  /** The examples at `indices`, padded to the longest. */
  collate(data: D, indices: readonly number[]): TaskBatch<I>;
  /** Called as each training epoch starts (resumed runs included), for data that draws per epoch (image augmentation). */
  setEpoch?(data: D, epoch: number): void;
  /** The batch's mean training loss over its items (a scalar with gradient). */
  loss(logits: Tensor, batch: TaskBatch<I>): Tensor;
  /** The batch's evaluation loss as a sum and the weight it divides by (summed over batches, then divided). */
  evalLoss(logits: Tensor, batch: TaskBatch<I>): readonly [sum: number, weight: number];
  metrics(): MetricStream<M>;
  /** The scalar metrics by name (metricNames), as logged with an 'eval_' prefix. */
  scalars(metrics: M): Record<string, number>;
  /** Metrics charted over training ('eval_' + metric) with their display names. */
  readonly curves: readonly (readonly [metric: string, label: string])[];
  /** One line of the headline scores, for logs: `loss 0.1067, accuracy 0.9586, ...`. */
  headline(evaluation: TaskEvaluation<M>): string;
  /** Lines for the terminal: the headline scores, then details (per class, per entity type, ...). */
  describe(evaluation: TaskEvaluation<M>): string[];
  /** What report.html shows of the evaluation. */
  report(evaluation: TaskEvaluation<M>): TaskReport;
  /** eval_results.json beyond the scalars (per-class scores, confusion matrix, thresholds...). */
  details(metrics: M): Record<string, unknown>;
}

/** Any task, whatever its data and metrics (for code that only passes them through). */
// biome-ignore lint/suspicious/noExplicitAny: a task of any data and metrics, for code that only hands it on (Task's parameters are in both positions, so unknown does not fit).
export type AnyTask = Task<any, any, any>;
