// `finetune eval`: a trained model on a labelled file: loss, accuracy, precision, recall, F1 (macro, weighted, per class), confusion matrix.
import { UsageError } from '../../errors.js';
import { evalResultsJson } from '../../train/eval-results.js';
import { evalClassifier } from '../../train/run/eval-classifier.js';
import type { Command } from '../command.js';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'evaluate a trained model on labelled data',
  usage: 'Usage: finetune eval --model <dir> [--adapter <dir>] --data <file> [--text-column ...] [--label-column ...] [--json]',
  flags: {
    model: { type: 'string', help: 'model folder (a training run output) or Hub id' },
    adapter: { type: 'string', help: 'LoRA adapter folder to put on --model' },
    data: { type: 'string', help: "labelled data: CSV, TSV, JSONL, JSON or Parquet, or 'spam-assassin' (its held-out test split)" },
    'text-column': { type: 'string', help: 'column of the text (detected when omitted)' },
    'text-pair-column': { type: 'string', help: 'column of the second text of a pair (detected when omitted)' },
    'label-column': { type: 'string', help: 'column of the label (detected when omitted); CoNLL-U: the tag column' },
    'tokens-column': { type: 'string', help: 'token classification: the word column of CoNLL-U or JSON Lines data' },
    threshold: { type: 'number', help: 'multi-label models: probability above which a label is given', default: 0.5 },
    'batch-size': { type: 'int', help: 'examples per batch', default: 16 },
    'max-length': { type: 'int', help: 'longest input in tokens (default: the length the model was trained with, else 128)' },
    'skip-bad-images': { type: 'boolean', help: 'image models: skip unreadable image files (counted) instead of stopping at the first' },
    'image-column': { type: 'string', help: 'image models: the path column of a CSV/JSONL image list (detected when omitted)' },
  },
  async run({ flags, log }) {
    const model = flags.string('model');
    const data = flags.string('data');
    if (model === undefined) throw new UsageError('eval: --model is required');
    if (data === undefined) throw new UsageError('eval: --data is required');
    const opt = (name: string): string | undefined => flags.string(name);
    const { result, task } = await evalClassifier({
      model,
      data,
      ...(opt('adapter') === undefined ? {} : { adapter: opt('adapter')! }),
      ...(opt('text-column') === undefined ? {} : { textColumn: opt('text-column')! }),
      ...(opt('text-pair-column') === undefined ? {} : { textPairColumn: opt('text-pair-column')! }),
      ...(opt('label-column') === undefined ? {} : { labelColumn: opt('label-column')! }),
      ...(opt('tokens-column') === undefined ? {} : { tokensColumn: opt('tokens-column')! }),
      ...(flags.number('threshold') === undefined ? {} : { threshold: flags.number('threshold')! }),
      ...(flags.number('batch-size') === undefined ? {} : { batchSize: flags.number('batch-size')! }),
      ...(flags.number('max-length') === undefined ? {} : { maxLength: flags.number('max-length')! }),
      ...(flags.boolean('skip-bad-images') ? { skipBadImages: true } : {}),
      ...(opt('image-column') === undefined ? {} : { imageColumn: opt('image-column')! }),
    });
    log(`${model} on ${data}:`);
    for (const line of task.describe(result)) log(line);
    return evalResultsJson(task, result);
  },
};
