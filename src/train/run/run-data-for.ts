// The run data of each task, from the run's options: one place that maps a task name to its reader.
import { FinetuneError } from '../../errors.js';
import type { TaskName } from '../../tasks/task.js';
import type { TrainingArguments } from '../training-args.js';
import { causalRunData } from './causal-data.js';
import { classificationRunData } from './classification-data.js';
import { multiLabelRunData, regressionRunData } from './multi-label-regression-data.js';
import type { DataOptions } from './prepare-data.js';
import type { RunData } from './run-data.js';
import { tokenRunData } from './token-data.js';

/** Options the task readers take beyond DataOptions. */
export interface TaskDataOptions extends DataOptions {
  readonly labelAllTokens?: boolean;
  readonly tokensColumn?: string;
  readonly threshold?: number;
  /** Causal LM: the model folder (a chat_template.jinja beside its tokenizer). */
  readonly model?: string;
}

/** Reads, splits and checks the data for `task`. */
export function runDataFor(task: TaskName, options: TaskDataOptions, args: Pick<TrainingArguments, 'classWeights' | 'labelSmoothing'>): Promise<RunData> {
  switch (task) {
    case 'classification':
      return classificationRunData(options, args);
    case 'token-classification':
      return tokenRunData(options);
    case 'multi-label':
      return multiLabelRunData(options, options.threshold);
    case 'regression':
      return regressionRunData(options);
    case 'causal-lm':
      return causalRunData(options);
    case 'image-classification':
      // Images need no tokenizer: their runs read data with imageRunData (image-data.ts) and train in train-images.ts.
      throw new FinetuneError(`${options.data}: image data is read by imageRunData, not as a table`);
  }
}
