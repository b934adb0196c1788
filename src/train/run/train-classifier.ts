// trainClassifier: a whole run from options (what `finetune train` does): data, model, training, and the output folder.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { writeJsonAtomic } from '../../io/atomic-write.js';
import { withOutputErrors } from '../../io/output-errors.js';
import type { FreezeSpec } from '../../models/freeze.js';
import type { LoraOptions } from '../../peft/lora/apply.js';
import { manualSeed } from '../../tensor/random.js';
import type { TrainerCallback, TrainerOutput } from '../callbacks/callback.js';
import { EarlyStopping } from '../callbacks/early-stopping.js';
import { OverfittingMonitor } from '../callbacks/overfitting.js';
import { MetricsFiles, parseReportTo, type ReportTarget } from '../callbacks/metrics-files.js';
import { ProgressCallback } from '../callbacks/progress.js';
import { CHECKPOINTS_FOLDER } from '../checkpoint.js';
import { Trainer, type TrainResult } from '../trainer.js';
import { resolveTrainingArguments, type OptionNamer, type TrainingArguments } from '../training-args.js';
import { isGridThreshold } from '../../tasks/multi-label/index.js';
import type { TaskName } from '../../tasks/task.js';
import { lockOutputFolder, planOutput } from './output-folder.js';
import { DEFAULT_EVAL_SPLIT, type DataOptions } from './prepare-data.js';
import { runDataFor } from './run-data-for.js';
import { chooseTask } from './task-choice.js';
import { trainImagesInFolder } from './train-images.js';
import { prepareModel } from './prepare-model.js';
import { ThroughputRecorder } from '../callbacks/throughput.js';
import { writeRunOutputs, type EvalResultsJson } from './run-outputs.js';
import { EventCallback, eventsOf, type TrainEvent } from './train-events.js';
import { resumeAndTrain } from './run-training.js';

/** Everything a run takes; `training` holds the loop's settings (see TrainingArguments for defaults). */
export interface TrainRunOptions extends Omit<DataOptions, 'seed' | 'labelKind'> {
  /** The task (default: the model's, else detected from the data; see chooseTask). */
  readonly task?: TaskName;
  /** Token classification: label every sub-token of a word, not only the first (default false). */
  readonly labelAllTokens?: boolean;
  /** Token classification: the word column of CoNLL-U or JSON Lines data (detected when absent). */
  readonly tokensColumn?: string;
  /** Multi-label: the probability above which a label is predicted, a multiple of 0.05 (default 0.5). */
  readonly threshold?: number;
  /** Model folder, Hub id, or a config.json file with init 'random'. */
  readonly model: string;
  /** 'pretrained' (default) or 'random'. */
  readonly init?: 'pretrained' | 'random';
  /** Output folder (default runs/<timestamp>). */
  readonly output?: string;
  /** Continue the output folder's latest checkpoint (true), or the given checkpoint or output folder. */
  readonly resume?: boolean | string;
  /** Allow a non-empty output folder that is not resumed; its old checkpoints are removed (default false). */
  readonly overwrite?: boolean;
  /** Longest input in tokens (default 128, or the model's limit if lower). */
  readonly maxLength?: number;
  /** What stays fixed: 'none' (default), 'base', 'embeddings' or N lowest layers. */
  readonly freeze?: FreezeSpec;
  /** Train a new LoRA adapter instead of the whole model (default: none); the output is a PEFT adapter folder. */
  readonly lora?: LoraOptions;
  /** Recompute each decoder layer's activations in backward to save memory (causal language models; default false). */
  readonly gradientCheckpointing?: boolean;
  /** Early stopping patience in evaluations (default: off). */
  readonly earlyStopping?: number;
  /** Training-loop settings; outputDir comes from `output`. */
  readonly training?: Partial<Omit<TrainingArguments, 'outputDir'>>;
  /** How errors name a training option (the CLI passes its flag names). */
  readonly optionNames?: OptionNamer;
  /** Callbacks added after the built-in ones (progress, overfitting, early stopping); default none. */
  readonly callbacks?: readonly TrainerCallback[];
  /** Aborting it stops the run between two steps with a checkpoint that `resume` continues; no final model is written. */
  readonly signal?: AbortSignal;
  /** Metrics files written as the run logs: 'csv' (metrics.csv), 'jsonl' (metrics.jsonl), 'tensorboard' (tensorboard/events.out.tfevents.*) (default: none). */
  readonly reportTo?: readonly ReportTarget[];
  /** Receives the run's progress: every step, log entry, evaluation and checkpoint, then `end` (default: none). */
  readonly onEvent?: (event: TrainEvent) => void;
  /** Images: the model's input size, height = width (default: the model's preprocessor_config.json). */
  readonly imageSize?: number;
  /** Images: random resized crops and horizontal flips when training (default true; off when a frozen base's features are cached). */
  readonly augment?: boolean;
  /** Images: train on a stratified subset of this many images (default: all). */
  readonly maxTrainImages?: number;
  /** Images: evaluate on a stratified subset of this many images (default: all). */
  readonly maxEvalImages?: number;
  /** Images: the batch norms' momentum, PyTorch's sense (default: the model's; Keras models such as nsfwjs's MobileNetV2 have 0.001). */
  readonly bnMomentum?: number;
  /** Images: skip undecodable image files, counting them, instead of failing on the first (default false). */
  readonly skipBadImages?: boolean;
  /** Images: the path column of a CSV/JSONL image list (detected when absent). */
  readonly imageColumn?: string;
}

export interface TrainRunResult {
  readonly outputDir: string;
  readonly train: TrainResult;
  /** The final evaluation (of the restored best weights), when there was evaluation data. */
  readonly evaluation: EvalResultsJson | null;
  /** The test scores (`test_loss`, `test_<metric>`, ...), from one evaluation of the test data after training; null without test data. */
  readonly test: Readonly<Record<string, unknown>> | null;
}

/** How the run talks to the user. */
export interface RunIO {
  readonly output: TrainerOutput;
  /** Show the progress bar / step lines (default true). */
  readonly progress?: boolean;
}

/**
 * Runs a training from options. Every input is checked (and every file read) before the output
 * folder is touched, so a bad input never damages an existing folder. The folder receives the
 * model (Hugging Face layout), tokenizer, training_args.json, trainer_state.json,
 * eval_results.json, report.html and checkpoints/.
 */
export async function trainClassifier(options: TrainRunOptions, io: RunIO = SILENT): Promise<TrainRunResult> {
  // One writer per output folder for the whole run (see io/folder-lock); released on any exit.
  const lock = lockOutputFolder(options, 'train');
  if (lock.notice) io.output.warn(lock.notice);
  let result: TrainRunResult;
  try {
    result = await withOutputErrors(lock.folder, `--output ${lock.folder}`, () => trainInFolder({ ...options, output: lock.folder }, io));
  } finally {
    lock.release({ removeFolderIfEmpty: true });
  }
  options.onEvent?.({ type: 'end', result });
  return result;
}

/** A library caller's default: no lines and no progress display. */
const SILENT: RunIO = { output: { line() {}, warn() {} }, progress: false };

/**
 * trainClassifier as an async iterator of its events (`for await (const e of trainEvents(options))`),
 * ending with `end`, which carries the result. Leaving the loop early aborts the run with a resumable checkpoint.
 */
export function trainEvents(options: TrainRunOptions, io?: RunIO): AsyncGenerator<TrainEvent, void, undefined> {
  return eventsOf(trainClassifier, options, io);
}

async function trainInFolder(options: TrainRunOptions, io: RunIO): Promise<TrainRunResult> {
  const notices: string[] = [];
  const out: TrainerOutput = {
    line: (text) => io.output.line(text),
    warn: (text) => {
      notices.push(text);
      io.output.warn(text);
    },
    ...(io.output.redraw ? { redraw: (text: string) => io.output.redraw!(text) } : {}),
  };
  const plan = planOutput({
    ...(options.output === undefined ? {} : { output: options.output }),
    ...(options.resume === undefined ? {} : { resume: options.resume }),
    ...(options.overwrite === undefined ? {} : { overwrite: options.overwrite }),
  });
  let args = resolveTrainingArguments({ ...options.training, outputDir: plan.outputDir }, options.optionNames);
  if (options.threshold !== undefined && !isGridThreshold(options.threshold)) {
    throw new FinetuneError(`--threshold ${options.threshold}: must be one of 0.05, 0.10, ..., 0.95`);
  }

  const choice = await chooseTask(options);
  out.line(`task: ${choice.task} (from ${choice.reason})`);
  if (choice.hint !== undefined) out.warn(choice.hint);
  if (choice.task === 'image-classification') return trainImagesInFolder(options, { out, notices, plan, args, progress: io.progress !== false });
  const data = await runDataFor(choice.task, { ...options, seed: args.seed }, args);
  // Without --metric-for-best the task's own headline metric picks the best checkpoint (macro F1, entity F1, ...).
  if (options.training?.metricForBest === undefined) args = { ...args, metricForBest: data.task.defaultMetric };
  // The run's option and the training argument name one setting (the option wins), so neither is ignored.
  const patience = options.earlyStopping ?? args.earlyStoppingPatience;
  if (patience !== undefined) args = { ...args, earlyStoppingPatience: patience };
  const earlyStopping = patience === undefined ? undefined : new EarlyStopping({ patience, minDelta: args.earlyStoppingMinDelta, metric: args.metricForBest });
  for (const line of data.description) out.line(line);
  for (const warning of data.warnings) out.warn(warning);
  if (earlyStopping && data.evaluationName === undefined) {
    throw new FinetuneError('--early-stopping needs evaluation data: give --eval-data or an --eval-split above 0');
  }

  // Initial weights and the new head are drawn from the run's seed.
  manualSeed(args.seed);
  const prepared = await prepareModel({
    model: options.model,
    init: options.init ?? 'pretrained',
    head: data.head,
    freeze: options.freeze ?? 'none',
    trainTexts: () => data.trainTexts(),
    ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }),
    ...(options.lora === undefined ? {} : { lora: options.lora }),
    ...(options.gradientCheckpointing ? { gradientCheckpointing: true } : {}),
  });
  for (const warning of prepared.warnings) out.warn(warning);
  const { model, tokenizer, maxLength, parameters } = prepared;
  out.line(
    `model: ${model.modelType} from ${prepared.source}, ${parameters.total.toLocaleString('en-US')} parameters, ` +
      `${parameters.trainable.toLocaleString('en-US')} trained (${((100 * parameters.trainable) / Math.max(1, parameters.total)).toFixed(2)}%` +
      `${prepared.lora ? ', LoRA' : ''}), max length ${maxLength}`,
  );
  const encoded = data.encode(tokenizer, maxLength);
  for (const line of encoded.notes ?? []) out.line(line);
  for (const warning of encoded.warnings) out.warn(warning);
  const trainData = encoded.train;
  const evalData = encoded.evaluation;

  const callbacks: TrainerCallback[] = [];
  const throughput = new ThroughputRecorder();
  callbacks.push(throughput);
  if (io.progress !== false) callbacks.push(new ProgressCallback({ output: out }));
  callbacks.push(new OverfittingMonitor(out));
  if (earlyStopping) callbacks.push(earlyStopping);
  if (options.onEvent) callbacks.push(new EventCallback(options.onEvent));
  const reportTo = parseReportTo(options.reportTo ?? ['none'], 'reportTo');
  if (reportTo.length > 0) callbacks.push(new MetricsFiles(plan.outputDir, reportTo, plan.resumeFrom === undefined));
  callbacks.push(...(options.callbacks ?? []));
  const trainer = new Trainer({
    model,
    task: data.task,
    args,
    trainData,
    callbacks,
    output: out,
    ...(evalData ? { evalData } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (trainer.cachesFeatures) out.line('the base is frozen: computing its features once, then training the head on them');

  // Inputs are all checked: from here on the output folder is written.
  mkdirSync(plan.outputDir, { recursive: true });
  if (plan.notice) out.line(plan.notice);
  if (plan.resumeFrom === undefined && options.overwrite) rmSync(join(plan.outputDir, CHECKPOINTS_FOLDER), { recursive: true, force: true });
  const trainingArgs = {
    ...args,
    model: options.model,
    init: options.init ?? 'pretrained',
    data: options.data,
    task: data.task.name,
    eval_data: options.evalData ?? null,
    test_data: options.testData ?? null,
    eval_split: options.evalData === undefined ? (options.evalSplit ?? DEFAULT_EVAL_SPLIT) : null,
    ...(options.maxEvalSamples === undefined ? {} : { max_eval_samples: options.maxEvalSamples }),
    max_length: maxLength,
    freeze: options.freeze ?? 'none',
    lora: options.lora ? { ...options.lora, rng: undefined } : null,
    early_stopping_patience: patience ?? null,
    report_to: reportTo.length > 0 ? reportTo : null,
    text_column: options.textColumn ?? null,
    text_pair_column: options.textPairColumn ?? null,
    label_column: options.labelColumn ?? null,
    ...(choice.task === 'token-classification' ? { label_all_tokens: options.labelAllTokens ?? false, tokens_column: options.tokensColumn ?? null } : {}),
    ...(choice.task === 'multi-label' ? { threshold: options.threshold ?? 0.5, label_separator: options.labelSeparator ?? '|' } : {}),
  };
  writeJsonAtomic(join(plan.outputDir, 'training_args.json'), trainingArgs);
  const result = await resumeAndTrain(trainer, plan, out);
  if (result.aborted) return { outputDir: plan.outputDir, train: result, evaluation: null, test: null };
  const evaluation = evalData ? trainer.evaluate() : undefined;
  // The test data is touched here only: after the checkpoint was picked on the validation data.
  const test = encoded.test ? trainer.evaluate(encoded.test) : undefined;
  const baseline = evaluation && evalData ? data.baseline(evalData) : undefined;
  const scores = await writeRunOutputs({
    outputDir: plan.outputDir,
    model,
    tokenizer,
    trainer,
    result,
    data,
    parameters,
    ...(evaluation ? { evaluation } : {}),
    ...(test ? { test } : {}),
    modelSource: prepared.source,
    options,
    notices,
    lora: prepared.lora,
    hyperparameters: trainingArgs,
    maxLength,
    ...(baseline === undefined ? {} : { baseline }),
    throughput: throughput.points,
  });
  if (evaluation && evalData) {
    out.line(`final evaluation on ${data.evaluationName}: ${data.task.headline(evaluation)}`);
    if (baseline !== undefined) out.line(baseline);
  }
  if (test && encoded.test) {
    out.line(`test on ${data.testName}: ${data.task.headline(test)}`);
    const baseline = data.baseline(encoded.test);
    if (baseline !== undefined) out.line(`test ${baseline}`);
  }
  out.line(`saved the model, tokenizer, trainer_state.json and report.html to ${plan.outputDir}`);
  return { outputDir: plan.outputDir, train: result, evaluation: scores.evaluation, test: scores.test };
}
