// TrainingArguments: the training loop's settings with their defaults, validated once; saved as training_args.json.
import { FinetuneError } from '../errors.js';
import { METRIC_NAMES, normalizeMetricName } from '../tasks/metric-names.js';

export type SchedulerName = 'linear' | 'cosine' | 'constant';
export const SCHEDULER_NAMES: readonly SchedulerName[] = ['linear', 'cosine', 'constant'];

/** When to evaluate (and checkpoint): at the end of every epoch, or every N optimizer steps. */
export type EvalEvery = 'epoch' | number;

/** When to checkpoint: at every evaluation (default), never, at the end of every epoch, or every saveSteps steps. */
export type SaveStrategy = 'eval' | 'no' | 'epoch' | 'steps';
export const SAVE_STRATEGIES: readonly SaveStrategy[] = ['eval', 'no', 'epoch', 'steps'];

/** How the loss weighs classes: 'balanced' (n / (classes * count), as scikit-learn) or explicit weights per class id. */
export type ClassWeightsOption = 'balanced' | readonly number[];

/**
 * What the Trainer takes. Every field is optional in `TrainingOptions`; `resolveTrainingArguments`
 * fills the defaults documented here (Hugging Face Trainer's where one exists).
 */
export interface TrainingArguments {
  /** Folder for checkpoints and (through the run helpers) the trained model. Required. */
  readonly outputDir: string;
  /** Passes over the training data (default 3, as HF). Ignored when maxSteps > 0. */
  readonly epochs: number;
  /** Stop after this many optimizer steps, whatever the epochs (default 0: no limit). */
  readonly maxSteps: number;
  /** Examples per forward pass (default 16). */
  readonly batchSize: number;
  /** Examples per batch in evaluation (default: batchSize, so evaluation never holds more activations than a training step). */
  readonly evalBatchSize: number;
  /** Peak learning rate of AdamW (default 5e-5, as HF). */
  readonly learningRate: number;
  /** Decoupled weight decay; never applied to biases and LayerNorm weights (default 0.01). */
  readonly weightDecay: number;
  /** AdamW betas (default [0.9, 0.999]). */
  readonly adamBetas: readonly [number, number];
  /** AdamW epsilon (default 1e-8). */
  readonly adamEpsilon: number;
  /** Fraction of the optimizer steps spent warming up linearly from 0 (default 0.1; HF's is 0). */
  readonly warmupRatio: number;
  /** Warm-up steps; overrides warmupRatio when set (default: from warmupRatio). */
  readonly warmupSteps?: number;
  /** Schedule after warm-up (default 'linear' decay to 0, as HF). */
  readonly scheduler: SchedulerName;
  /** Clip the global gradient norm to this (default 1.0, as HF; 0 turns clipping off). */
  readonly maxGradNorm: number;
  /** Batches whose gradients are summed before one optimizer step (default 1). */
  readonly gradAccumSteps: number;
  /** Seed of initialisation, dropout and data order (default 42, as HF). */
  readonly seed: number;
  /** When to evaluate and checkpoint (default 'epoch'). */
  readonly evalEvery: EvalEvery;
  /** Log the training loss every N optimizer steps (default: about 50 times per run, at most every 50 steps). */
  readonly loggingSteps?: number;
  /** Most recent checkpoints kept besides the best one (default 2; 0: no checkpoints, the final model only). */
  readonly saveTotalLimit: number;
  /**
   * When to write a checkpoint (default 'eval': at every evaluation and the last step). An abort always
   * writes one, to resume from. Best weights that fall on a step without a checkpoint are kept in memory.
   */
  readonly saveStrategy: SaveStrategy;
  /** Steps between checkpoints under saveStrategy 'steps' (required there). */
  readonly saveSteps?: number;
  /** Save the optimizer's moments in checkpoints (default true); without them a resumed run restarts the optimizer. */
  readonly saveOptimizer: boolean;
  /** Stop after this many evaluations without improvement of metricForBest (default: off). */
  readonly earlyStoppingPatience?: number;
  /** The least change of metricForBest that counts as an improvement (default 0). */
  readonly earlyStoppingMinDelta: number;
  /** Metric that picks the best checkpoint and drives early stopping (default 'f1_macro'). */
  readonly metricForBest: string;
  /** Restore the best checkpoint's weights at the end when there was evaluation (default true). */
  readonly loadBestModelAtEnd: boolean;
  /** Class weights of the loss (default: none, every class 1). */
  readonly classWeights?: ClassWeightsOption;
  /** Label smoothing of the loss, in [0, 1) (default 0). */
  readonly labelSmoothing: number;
  /** Batch examples of similar length together to pad less (default true; HF's group_by_length is false). */
  readonly groupByLength: boolean;
  /**
   * Run a frozen base once per example and train the head on its cached features (default 'auto':
   * when every trainable parameter belongs to the head). The base then runs in evaluation mode, without dropout.
   */
  readonly cacheFeatures: 'auto' | boolean;
  /**
   * bf16 mixed precision, as Hugging Face's bf16=True on the CPU (default false): the linear layers' products (forward
   * and both backward ones) in bfloat16 with float32 sums; weights, optimizer state, norms, softmax and losses stay
   * float32, and so do the saved weights. The native backend needs a CPU with AVX512-BF16; the js backend emulates it.
   */
  readonly bf16: boolean;
}

/** Options accepted where TrainingArguments are built: outputDir plus any field to override. */
export type TrainingOptions = Partial<TrainingArguments> & { readonly outputDir: string };

/** Every default; evalBatchSize is left undefined here because it follows batchSize. */
export const TRAINING_DEFAULTS: Omit<TrainingArguments, 'outputDir' | 'evalBatchSize'> & { readonly evalBatchSize: undefined } = {
  epochs: 3,
  maxSteps: 0,
  batchSize: 16,
  evalBatchSize: undefined,
  learningRate: 5e-5,
  weightDecay: 0.01,
  adamBetas: [0.9, 0.999],
  adamEpsilon: 1e-8,
  warmupRatio: 0.1,
  scheduler: 'linear',
  maxGradNorm: 1,
  gradAccumSteps: 1,
  seed: 42,
  evalEvery: 'epoch',
  saveTotalLimit: 2,
  saveStrategy: 'eval',
  saveOptimizer: true,
  earlyStoppingMinDelta: 0,
  metricForBest: 'f1_macro',
  loadBestModelAtEnd: true,
  labelSmoothing: 0,
  groupByLength: true,
  cacheFeatures: 'auto',
  bf16: false,
};

/** How an option is named in errors: `training option batchSize` by default; the CLI passes its flag names. */
export type OptionNamer = (key: keyof TrainingArguments) => string;

const defaultNamer: OptionNamer = (key) => `training option ${key}`;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Fills defaults and checks every value; a bad one is a FinetuneError naming the option. */
export function resolveTrainingArguments(options: TrainingOptions, nameOf: OptionNamer = defaultNamer): TrainingArguments {
  const check = (ok: boolean, key: keyof TrainingArguments, value: unknown, expected: string): void => {
    if (!ok) throw new FinetuneError(`${nameOf(key)}: ${JSON.stringify(value)} ${expected}`);
  };
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const withDefaults = { ...TRAINING_DEFAULTS, ...defined };
  const a = { ...withDefaults, evalBatchSize: withDefaults.evalBatchSize ?? withDefaults.batchSize } as TrainingArguments;
  check(typeof a.outputDir === 'string' && a.outputDir !== '', 'outputDir', a.outputDir, 'must name a folder');
  check(isNum(a.epochs) && a.epochs > 0, 'epochs', a.epochs, 'must be a number > 0');
  check(isInt(a.maxSteps) && a.maxSteps >= 0, 'maxSteps', a.maxSteps, 'must be an integer >= 0');
  check(isInt(a.batchSize) && a.batchSize >= 1, 'batchSize', a.batchSize, 'must be an integer >= 1');
  check(isInt(a.evalBatchSize) && a.evalBatchSize >= 1, 'evalBatchSize', a.evalBatchSize, 'must be an integer >= 1');
  check(isNum(a.learningRate) && a.learningRate > 0, 'learningRate', a.learningRate, 'must be a number > 0');
  check(isNum(a.weightDecay) && a.weightDecay >= 0, 'weightDecay', a.weightDecay, 'must be a number >= 0');
  check(a.adamBetas.length === 2 && a.adamBetas.every((b) => isNum(b) && b >= 0 && b < 1), 'adamBetas', a.adamBetas, 'must be two numbers in [0, 1)');
  check(isNum(a.adamEpsilon) && a.adamEpsilon > 0, 'adamEpsilon', a.adamEpsilon, 'must be a number > 0');
  check(isNum(a.warmupRatio) && a.warmupRatio >= 0 && a.warmupRatio < 1, 'warmupRatio', a.warmupRatio, 'must be in [0, 1)');
  if (a.warmupSteps !== undefined) check(isInt(a.warmupSteps) && a.warmupSteps >= 0, 'warmupSteps', a.warmupSteps, 'must be an integer >= 0');
  check(SCHEDULER_NAMES.includes(a.scheduler), 'scheduler', a.scheduler, `is not one of ${SCHEDULER_NAMES.join(', ')}`);
  check(isNum(a.maxGradNorm) && a.maxGradNorm >= 0, 'maxGradNorm', a.maxGradNorm, 'must be a number >= 0');
  check(isInt(a.gradAccumSteps) && a.gradAccumSteps >= 1, 'gradAccumSteps', a.gradAccumSteps, 'must be an integer >= 1');
  check(isInt(a.seed) && a.seed >= 0 && a.seed <= 0xffffffff, 'seed', a.seed, 'must be an integer from 0 to 4294967295');
  check(a.evalEvery === 'epoch' || (isInt(a.evalEvery) && a.evalEvery >= 1), 'evalEvery', a.evalEvery, "must be 'epoch' or a number of steps >= 1");
  if (a.loggingSteps !== undefined) check(isInt(a.loggingSteps) && a.loggingSteps >= 1, 'loggingSteps', a.loggingSteps, 'must be an integer >= 1');
  check(isInt(a.saveTotalLimit) && a.saveTotalLimit >= 0, 'saveTotalLimit', a.saveTotalLimit, 'must be an integer >= 0');
  check(SAVE_STRATEGIES.includes(a.saveStrategy), 'saveStrategy', a.saveStrategy, `is not one of ${SAVE_STRATEGIES.join(', ')}`);
  if (a.saveSteps !== undefined) check(isInt(a.saveSteps) && a.saveSteps >= 1, 'saveSteps', a.saveSteps, 'must be an integer >= 1');
  if (a.saveStrategy === 'steps' && a.saveSteps === undefined) throw new FinetuneError(`${nameOf('saveSteps')} is needed with ${nameOf('saveStrategy')} steps`);
  check(typeof a.saveOptimizer === 'boolean', 'saveOptimizer', a.saveOptimizer, 'must be true or false');
  if (a.earlyStoppingPatience !== undefined) {
    check(isInt(a.earlyStoppingPatience) && a.earlyStoppingPatience >= 1, 'earlyStoppingPatience', a.earlyStoppingPatience, 'must be an integer >= 1');
  }
  check(isNum(a.earlyStoppingMinDelta) && a.earlyStoppingMinDelta >= 0, 'earlyStoppingMinDelta', a.earlyStoppingMinDelta, 'must be a number >= 0');
  const metric = normalizeMetricName(a.metricForBest);
  check(metric !== undefined, 'metricForBest', a.metricForBest, `is not one of ${METRIC_NAMES.join(', ')}`);
  if (a.classWeights !== undefined && a.classWeights !== 'balanced') {
    check(
      Array.isArray(a.classWeights) && a.classWeights.every((w) => isNum(w) && w >= 0),
      'classWeights',
      a.classWeights,
      "must be 'balanced' or numbers >= 0",
    );
  }
  check(isNum(a.labelSmoothing) && a.labelSmoothing >= 0 && a.labelSmoothing < 1, 'labelSmoothing', a.labelSmoothing, 'must be in [0, 1)');
  check(typeof a.groupByLength === 'boolean', 'groupByLength', a.groupByLength, 'must be true or false');
  check(typeof a.loadBestModelAtEnd === 'boolean', 'loadBestModelAtEnd', a.loadBestModelAtEnd, 'must be true or false');
  check(a.cacheFeatures === 'auto' || typeof a.cacheFeatures === 'boolean', 'cacheFeatures', a.cacheFeatures, "must be 'auto', true or false");
  check(typeof a.bf16 === 'boolean', 'bf16', a.bf16, 'must be true or false');
  return { ...a, metricForBest: metric as string };
}
