// `finetune train`: flags and config files into TrainRunOptions, then trainClassifier; the result as JSON.
import { UsageError, FinetuneError } from '../../errors.js';
import { parseFreezeSpec } from '../../models/freeze.js';
import { parseReportTo } from '../../train/callbacks/metrics-files.js';
import { streamOutput } from '../../train/callbacks/terminal-output.js';
import { parseTaskName } from '../../train/run/task-choice.js';
import { trainClassifier, type TrainRunOptions } from '../../train/run/train-classifier.js';
import { TRAINING_DEFAULTS, type ClassWeightsOption, type EvalEvery, type TrainingArguments } from '../../train/training-args.js';
import type { Flags } from '../args.js';
import type { Command } from '../command.js';
import { DEFAULT_RUN, defaultRunFlags } from './default-run.js';
import { abortOnSigint, InterruptedError, resumeCommand } from './interrupt.js';
import { LORA_FLAGS, loraFromFlags } from './lora-flags.js';
import { defaultImageModel, IMAGE_TRAIN_FLAGS, imageOptionsFromFlags } from './image-flags.js';

/** Flag name of each training argument, for error messages. */
const FLAG_OF: Partial<Record<keyof TrainingArguments, string>> = {
  epochs: 'epochs',
  maxSteps: 'max-steps',
  batchSize: 'batch-size',
  evalBatchSize: 'eval-batch-size',
  learningRate: 'lr',
  weightDecay: 'weight-decay',
  warmupRatio: 'warmup-ratio',
  warmupSteps: 'warmup-steps',
  scheduler: 'scheduler',
  maxGradNorm: 'max-grad-norm',
  gradAccumSteps: 'grad-accum',
  seed: 'seed',
  evalEvery: 'eval-every',
  loggingSteps: 'logging-steps',
  saveTotalLimit: 'save-total-limit',
  saveStrategy: 'save-strategy',
  saveSteps: 'save-steps',
  saveOptimizer: 'save-optimizer',
  earlyStoppingPatience: 'early-stopping',
  earlyStoppingMinDelta: 'min-delta',
  metricForBest: 'metric-for-best',
  classWeights: 'class-weights',
  labelSmoothing: 'label-smoothing',
  groupByLength: 'group-by-length',
  adamBetas: 'adam-beta1 / --adam-beta2',
  adamEpsilon: 'adam-epsilon',
  loadBestModelAtEnd: 'load-best-model-at-end',
  cacheFeatures: 'cache-features',
  bf16: 'bf16',
};

function parseEvalEvery(value: string | undefined): EvalEvery | undefined {
  if (value === undefined) return undefined;
  if (value === 'epoch') return 'epoch';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new FinetuneError(`--eval-every ${value}: expected 'epoch' or a number of steps >= 1`);
  return n;
}

function parseClassWeights(value: string | undefined): ClassWeightsOption | undefined {
  if (value === undefined || value === 'none') return undefined;
  if (value === 'balanced') return 'balanced';
  const weights = value.split(',').map((w) => Number(w.trim()));
  if (weights.length === 0 || weights.some((w) => !Number.isFinite(w) || w < 0)) {
    throw new FinetuneError(`--class-weights ${value}: expected 'balanced' or numbers >= 0 separated by commas, one per class`);
  }
  return weights;
}

function parseCacheFeatures(value: string | undefined): TrainingArguments['cacheFeatures'] | undefined {
  if (value === undefined || value === 'auto') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new FinetuneError(`--cache-features ${value}: expected auto, true or false`);
}

/** --adam-beta1 and --adam-beta2 as the pair the library takes (the default for the one not given). */
function adamBetas(flags: Flags): readonly [number, number] | undefined {
  const [beta1, beta2] = [flags.number('adam-beta1'), flags.number('adam-beta2')];
  if (beta1 === undefined && beta2 === undefined) return undefined;
  return [beta1 ?? TRAINING_DEFAULTS.adamBetas[0], beta2 ?? TRAINING_DEFAULTS.adamBetas[1]];
}

function parseInit(value: string | undefined): 'pretrained' | 'random' {
  if (value === undefined || value === 'pretrained' || value === 'random') return value ?? 'pretrained';
  throw new FinetuneError(`--init ${value}: expected pretrained or random`);
}

/** Reads the run's options from parsed flags. */
export function trainOptionsFromFlags(flags: Flags): TrainRunOptions {
  // Neither --model nor --data: the built-in default run (use-lite on spam-assassin); other flags still apply.
  const builtinDefault = !flags.has('model') && !flags.has('data');
  const data = builtinDefault ? DEFAULT_RUN.data : flags.string('data');
  // Image data without --model: the built-in image backbone.
  const model = builtinDefault ? DEFAULT_RUN.model : (flags.string('model') ?? defaultImageModel(data));
  if (model === undefined) throw new UsageError('train: --model is required (a model folder, a Hub id, or a config.json with --init random)');
  if (data === undefined) throw new UsageError('train: --data is required (a CSV, TSV, JSONL or Parquet file, or a built-in data set)');
  const num = (name: string): number | undefined => flags.number(name);
  const str = (name: string): string | undefined => flags.string(name);
  // The library reads maxSteps 0 as "no limit"; on the command line that is leaving the flag out.
  const maxSteps = num('max-steps');
  if (maxSteps !== undefined && maxSteps < 1) throw new FinetuneError(`--max-steps ${maxSteps}: must be >= 1 (leave it out to train for --epochs)`);
  const training: Partial<Record<keyof TrainingArguments, unknown>> = {
    epochs: num('epochs'),
    maxSteps: num('max-steps'),
    batchSize: num('batch-size'),
    evalBatchSize: num('eval-batch-size'),
    learningRate: num('lr'),
    weightDecay: num('weight-decay'),
    warmupRatio: num('warmup-ratio'),
    warmupSteps: num('warmup-steps'),
    scheduler: str('scheduler'),
    maxGradNorm: num('max-grad-norm'),
    gradAccumSteps: num('grad-accum'),
    seed: num('seed'),
    evalEvery: parseEvalEvery(str('eval-every')),
    loggingSteps: num('logging-steps'),
    saveTotalLimit: num('save-total-limit'),
    saveStrategy: str('save-strategy'),
    saveSteps: num('save-steps'),
    ...(flags.has('save-optimizer') ? { saveOptimizer: flags.boolean('save-optimizer') } : {}),
    earlyStoppingMinDelta: num('min-delta'),
    metricForBest: str('metric-for-best'),
    classWeights: parseClassWeights(str('class-weights')),
    labelSmoothing: num('label-smoothing'),
    ...(flags.has('group-by-length') ? { groupByLength: flags.boolean('group-by-length') } : {}),
    adamBetas: adamBetas(flags),
    adamEpsilon: num('adam-epsilon'),
    ...(flags.has('load-best-model-at-end') ? { loadBestModelAtEnd: flags.boolean('load-best-model-at-end') } : {}),
    cacheFeatures: parseCacheFeatures(str('cache-features')),
    ...(flags.has('bf16') ? { bf16: flags.boolean('bf16') } : {}),
  };
  const defined = Object.fromEntries(Object.entries(training).filter(([, v]) => v !== undefined)) as TrainRunOptions['training'];
  const resume = flags.values.resume;
  const early = num('early-stopping');
  const lora = loraFromFlags(flags);
  return {
    model,
    data,
    init: parseInit(str('init')),
    ...(str('eval-data') === undefined ? {} : { evalData: str('eval-data')! }),
    ...(str('test-data') === undefined ? {} : { testData: str('test-data')! }),
    ...(num('eval-split') === undefined ? {} : { evalSplit: num('eval-split')! }),
    ...(num('max-eval-samples') === undefined ? {} : { maxEvalSamples: num('max-eval-samples')! }),
    ...(str('text-column') === undefined ? {} : { textColumn: str('text-column')! }),
    ...(str('text-pair-column') === undefined ? {} : { textPairColumn: str('text-pair-column')! }),
    ...(str('label-column') === undefined ? {} : { labelColumn: str('label-column')! }),
    ...(str('task') === undefined ? {} : { task: parseTaskName(str('task')!) }),
    ...(str('tokens-column') === undefined ? {} : { tokensColumn: str('tokens-column')! }),
    ...(flags.boolean('label-all-tokens') ? { labelAllTokens: true } : {}),
    ...(str('label-separator') === undefined ? {} : { labelSeparator: str('label-separator')! }),
    ...(num('threshold') === undefined ? {} : { threshold: num('threshold')! }),
    ...(str('output') === undefined ? {} : { output: str('output')! }),
    ...(flags.list('report-to') === undefined ? {} : { reportTo: parseReportTo(flags.list('report-to')!) }),
    ...(resume === undefined || resume === false ? {} : { resume: resume === true ? true : String(resume) }),
    ...(flags.boolean('overwrite') ? { overwrite: true } : {}),
    ...(num('max-length') === undefined ? (builtinDefault ? { maxLength: DEFAULT_RUN.maxLength } : {}) : { maxLength: num('max-length')! }),
    ...(str('freeze') === undefined ? {} : { freeze: parseFreezeSpec(str('freeze')!) }),
    ...(early === undefined ? {} : { earlyStopping: early }),
    ...(lora === undefined ? {} : { lora }),
    ...(flags.boolean('gradient-checkpointing') ? { gradientCheckpointing: true } : {}),
    ...imageOptionsFromFlags(flags),
    ...(builtinDefault ? { training: { ...DEFAULT_RUN.training, ...defined } } : defined === undefined ? {} : { training: defined }),
    optionNames: (key) => `--${FLAG_OF[key] ?? key}`,
  };
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'fine-tune a model on labelled text (evaluation, early stopping, checkpoints, resume)',
  usage:
    'Usage: finetune train --model <dir|hub id|config.json> --data <file|built-in> [--eval-data <file> | --eval-split 0.1] [--output <dir>] [options]\n' +
    `Without --model and --data: the built-in default, ${defaultRunFlags()} (flags given override it)`,
  flags: {
    model: {
      type: 'string',
      help: 'model folder, Hub id, built-in name, or config.json (with --init random); image folders and IDX data default to nsfwjs-mobilenet-v2',
    },
    data: { type: 'string', help: 'training data: CSV, TSV, JSONL, JSON or Parquet; CoNLL or CoNLL-U for tagging; or a built-in data set' },
    'eval-data': { type: 'string', help: 'validation data: picks the best checkpoint, drives early stopping (default: a split of --data)' },
    'test-data': { type: 'string', help: "test data file, scored once after training and reported as test (default: a built-in data set's test split)" },
    'eval-split': { type: 'number', help: 'fraction of --data held out when no --eval-data (stratified by class for classification; 0: none)', default: 0.1 },
    'max-eval-samples': { type: 'int', help: 'evaluate on a subset of about this many validation examples, stratified by class (default: all)' },
    'text-column': { type: 'string', help: 'column of the text (detected per file when omitted)' },
    'text-pair-column': { type: 'string', help: 'column of the second text of a pair (detected when omitted)' },
    'label-column': { type: 'string', help: 'column of the label (detected per file when omitted); CoNLL-U: the tag column (upos, xpos, deprel, ...)' },
    task: {
      type: 'string',
      help: "classification | token-classification | multi-label | regression | causal-lm (default: the model's, else detected from the data)",
    },
    'tokens-column': { type: 'string', help: 'token classification: the word column of CoNLL-U or JSON Lines data (detected when omitted)' },
    'label-all-tokens': { type: 'boolean', help: 'token classification: label every sub-token of a word, not only the first' },
    'label-separator': { type: 'string', help: 'multi-label: the separator of labels in a text cell', default: '|' },
    threshold: { type: 'number', help: 'multi-label: probability above which a label is predicted (0.05 .. 0.95)', default: 0.5 },
    output: { type: 'string', help: 'output folder (default runs/<timestamp>; never overwrites a previous run)' },
    overwrite: { type: 'boolean', help: 'allow a non-empty --output folder (its old checkpoints are removed)' },
    init: { type: 'string', help: 'pretrained (read the weights) or random (fresh weights from config.json)', default: 'pretrained' },
    epochs: { type: 'number', help: 'passes over the training data', default: 3 },
    'max-steps': { type: 'int', help: 'stop after this many optimizer steps (overrides --epochs)' },
    'batch-size': { type: 'int', help: 'examples per batch', default: 16 },
    'eval-batch-size': { type: 'int', help: 'examples per evaluation batch', default: 'the --batch-size' },
    lr: { type: 'number', help: 'peak learning rate of AdamW', default: 5e-5 },
    'weight-decay': { type: 'number', help: 'AdamW weight decay (never on biases and LayerNorm)', default: 0.01 },
    'warmup-ratio': { type: 'number', help: 'fraction of steps warming up from 0', default: 0.1 },
    'warmup-steps': { type: 'int', help: 'warm-up steps (overrides --warmup-ratio)' },
    scheduler: { type: 'string', help: 'linear | cosine | constant after warm-up', default: 'linear' },
    'max-length': { type: 'int', help: 'longest input in tokens (longer texts are truncated)', default: 128 },
    'grad-accum': { type: 'int', help: 'batches accumulated per optimizer step', default: 1 },
    'max-grad-norm': { type: 'number', help: 'clip the gradient norm to this (0: no clipping)', default: 1 },
    seed: { type: 'int', help: 'seed of initialisation, dropout, data order and the validation split', default: 42 },
    freeze: { type: 'string', help: 'none | base (train the head on cached features) | embeddings | N lowest layers', default: 'none' },
    lora: { type: 'boolean', help: 'train a LoRA adapter (base frozen, head trained in full); the output is a PEFT adapter folder' },
    ...LORA_FLAGS,
    'gradient-checkpointing': {
      type: 'boolean',
      help: 'recompute each layer in backward instead of keeping its activations (causal LMs: less memory, every layer runs forward twice)',
    },
    'early-stopping': { type: 'int', help: 'stop after this many evaluations without improvement' },
    'min-delta': { type: 'number', help: 'least change that counts as an improvement', default: 0 },
    'metric-for-best': {
      type: 'string',
      help: "the task's: classification f1_macro (default), accuracy, loss, ...; token-classification f1 (entity, default), accuracy; multi-label f1_micro (default), f1_macro, subset_accuracy; regression spearman (default), pearson, mse",
    },
    'eval-every': { type: 'string', help: "evaluate and checkpoint every N steps or 'epoch'", default: 'epoch' },
    'logging-steps': { type: 'int', help: 'log the training loss every N steps (default: about 50 times per run)' },
    'save-total-limit': { type: 'int', help: 'recent checkpoints kept besides the best (0: no checkpoints, the final model only)', default: 2 },
    'save-strategy': {
      type: 'string',
      help: 'eval (checkpoint at every evaluation) | no | epoch | steps (every --save-steps); Ctrl-C always leaves one',
      default: 'eval',
    },
    'save-steps': { type: 'int', help: 'steps between checkpoints under --save-strategy steps' },
    'save-optimizer': { type: 'boolean', help: "keep the optimizer's state in checkpoints (false: smaller; a resume restarts the optimizer)", default: true },
    resume: { type: 'boolean', optionalValue: true, help: "continue --output's latest checkpoint, or the given checkpoint or run folder" },
    'class-weights': { type: 'string', help: 'balanced, or one weight per class: 1,3.5' },
    'label-smoothing': { type: 'number', help: 'label smoothing of the loss', default: 0 },
    'group-by-length': { type: 'boolean', help: 'batch texts of similar length together (--no-group-by-length to turn off)', default: true },
    'adam-beta1': { type: 'number', help: 'AdamW beta1', default: 0.9 },
    'adam-beta2': { type: 'number', help: 'AdamW beta2', default: 0.999 },
    'adam-epsilon': { type: 'number', help: 'AdamW epsilon', default: 1e-8 },
    'load-best-model-at-end': { type: 'boolean', help: "end with the best checkpoint's weights (--no-load-best-model-at-end: the last step's)", default: true },
    bf16: {
      type: 'boolean',
      help: 'bf16 mixed precision: linear layers multiply in bfloat16 with float32 sums (needs AVX512-BF16; weights stay float32)',
    },
    'cache-features': { type: 'string', help: 'auto | true | false: train the head on features a frozen base computed once', default: 'auto' },
    'report-to': { type: 'list', help: 'metrics files besides trainer_state.json: csv, jsonl, tensorboard (or all, none)', default: 'none' },
    progress: { type: 'boolean', help: 'progress bar on a terminal, step lines otherwise (--no-progress for none)', default: true },
    ...IMAGE_TRAIN_FLAGS,
  },
  async run({ flags, log }) {
    const options = trainOptionsFromFlags(flags);
    if (!flags.has('model') && !flags.has('data')) log(`no --model or --data: the built-in default run, ${defaultRunFlags()}`);
    const json = flags.boolean('json');
    const stream = json ? process.stderr : process.stdout;
    const output = stream.isTTY ? streamOutput(stream) : { line: log, warn: (text: string) => log(`warning: ${text}`) };
    const progress = !flags.has('progress') || flags.boolean('progress');
    const result = await abortOnSigint((signal) => trainClassifier({ ...options, signal }, { output, progress }), output.line);
    if (result.train.aborted) {
      throw new InterruptedError(
        `interrupted at step ${result.train.globalStep}, checkpoint saved; resume with: ${resumeCommand(flags.values, result.outputDir)}`,
      );
    }
    const evaluation = result.evaluation;
    return {
      output: result.outputDir,
      global_step: result.train.globalStep,
      train_loss: result.train.trainLoss,
      stopped_early: result.train.stoppedEarly,
      best_checkpoint: result.train.bestCheckpoint,
      restored_best: result.train.restoredBest,
      train_runtime: result.train.runtimeSeconds,
      ...(evaluation ?? {}),
      ...(result.test ?? {}),
    };
  },
};
