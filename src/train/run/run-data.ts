// What a run needs from its data, whatever the task: the task itself, the head's labels, tokenization, notices, and a baseline.
import type { ClassCount } from '../../data/types.js';
import type { HeadSpec } from '../../models/types.js';
import type { EncodedInputs, Task } from '../../tasks/task.js';
import type { TextTokenizer } from '../../tokenizers/types.js';

/** The data sets of a run, tokenized. */
export interface EncodedRunData<D> {
  readonly train: D;
  readonly evaluation: D | undefined;
  /** The test data, scored once after training. */
  readonly test: D | undefined;
  /** Notices from tokenization (e.g. labels lost to truncation). */
  readonly warnings: readonly string[];
  /** Lines describing the encoded data (e.g. packed blocks), for the log. Default none. */
  readonly notes?: readonly string[];
}

/** A run's data, read and checked, before the model's tokenizer is known. */
export interface RunData<D = EncodedInputs> {
  readonly task: Task<D, unknown>;
  /** The head the task needs, with its labels in id order. */
  readonly head: HeadSpec;
  /** Lines describing the data (rows, drops, classes), for the log. */
  readonly description: readonly string[];
  /** Things the user should know: drops, imbalance, leakage. */
  readonly warnings: readonly string[];
  /** How the evaluation data is named in logs and the report (undefined: none). */
  readonly evaluationName: string | undefined;
  /** How the test data is named (undefined: none); it is scored once, after training. */
  readonly testName: string | undefined;
  readonly trainCount: number;
  readonly evalCount: number;
  readonly testCount: number;
  /** Training examples per class, tag or label, for the report (empty for regression). */
  readonly classCounts: readonly ClassCount[];
  /** The columns the data was read from, for the report (absent: not a table). */
  readonly columns?: string;
  /** Examples per class or label of each split, for the report (absent or empty: none, e.g. regression). */
  readonly splitCounts?: readonly { readonly split: string; readonly counts: readonly ClassCount[] }[];
  /** The validation examples with their classes, for the report's most confidently wrong predictions (single-label classification only). */
  evaluationExamples?(): readonly { readonly text: string; readonly textPair?: string; readonly label: string }[];
  /** Every training text, for a word-level vocabulary when a random model comes without a tokenizer. */
  trainTexts(): string[];
  /** Tokenizes the training, evaluation and test data. */
  encode(tokenizer: TextTokenizer, maxLength: number): EncodedRunData<D>;
  /** One line: what a trivial predictor (the majority class, the mean, ...) scores on the evaluation data. */
  baseline(evaluation: D): string | undefined;
}
