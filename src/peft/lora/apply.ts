// applyLora: a new LoRA adapter on a classifier from user options (the --lora flags), with PEFT's defaults per architecture.
import { FinetuneError } from '../../errors.js';
import type { TaskModel } from '../../models/types.js';
import { Linear } from '../../nn/layers.js';
import type { Random } from '../../tensor/random.js';
import { CAUSAL_LM_TASK_TYPE, LORA_BIAS_VALUES, sortedKeys, withHeadNames, type LoraBias, type LoraConfig, type ModuleSelector } from './config.js';
import { injectLora, modulesToSaveIn } from './inject.js';
import { isTargetModule } from './patterns.js';

/** Targets every Linear layer outside the head (PEFT's 'all-linear'). */
export const ALL_LINEAR = 'all-linear';

/** What a new adapter is made with; every field is optional. */
export interface LoraOptions {
  /** Rank (default 8). */
  readonly r?: number;
  /** Scale numerator (default 16, so the update is scaled by 2 at rank 8). */
  readonly alpha?: number;
  /** Dropout on the adapter's input (default 0.1). */
  readonly dropout?: number;
  /**
   * Modules to wrap: names or dotted suffixes ('query'), one regular expression over whole names, or
   * 'all-linear' (default: the architecture's PEFT defaults, model.defaultLoraTargets).
   */
  readonly targets?: ModuleSelector;
  /** Modules never wrapped, same forms as targets (default: none). */
  readonly exclude?: ModuleSelector;
  /** Scale by alpha / sqrt(r) (rsLoRA) instead of alpha / r (default false). */
  readonly rslora?: boolean;
  /** Per-module ranks: pattern matched against the end of module names -> rank (default {}). */
  readonly rankPattern?: Readonly<Record<string, number>>;
  /** Per-module alphas (default {}). */
  readonly alphaPattern?: Readonly<Record<string, number>>;
  /** Biases that also train and are saved with the adapter (default 'none'). */
  readonly bias?: LoraBias;
  /** Wrap only modules in these layer indices (default: all). */
  readonly layersToTransform?: readonly number[];
  /** Extra modules to train in full and save whole; the head always is (default: none). */
  readonly modulesToSave?: readonly string[];
  /** Generator for the A matrices (default: the global seeded one). */
  readonly rng?: Random;
}

export const LORA_DEFAULTS = { r: 8, alpha: 16, dropout: 0.1 } as const;

/** Every Linear layer outside the head, by full name (what PEFT writes for 'all-linear'). */
function allLinearNames(model: TaskModel, modulesToSave: readonly string[]): string[] {
  const saved = modulesToSaveIn(model, modulesToSave);
  return model
    .namedModules()
    .filter(([name, m]) => m instanceof Linear && !saved.some((s) => name === s || name.startsWith(`${s}.`)))
    .map(([name]) => name);
}

/** The LoraConfig that `options` describe for `model` (checked; the option names appear in errors). */
export function loraConfigFromOptions(model: TaskModel, options: LoraOptions): LoraConfig {
  const r = options.r ?? LORA_DEFAULTS.r;
  const alpha = options.alpha ?? LORA_DEFAULTS.alpha;
  const dropout = options.dropout ?? LORA_DEFAULTS.dropout;
  if (!(Number.isInteger(r) && r >= 1)) throw new FinetuneError(`--lora-r: the rank must be a positive integer, got ${r}`);
  if (!(Number.isFinite(alpha) && alpha > 0)) throw new FinetuneError(`--lora-alpha: must be a positive number, got ${alpha}`);
  if (!(dropout >= 0 && dropout < 1)) throw new FinetuneError(`--lora-dropout: must be in [0, 1), got ${dropout}`);
  const bias = options.bias ?? 'none';
  if (!LORA_BIAS_VALUES.includes(bias)) throw new FinetuneError(`LoRA bias: must be one of ${LORA_BIAS_VALUES.join(', ')}, got '${String(bias)}'`);
  const causal = model.head.kind === 'causal-lm';
  const extra = [...new Set([...(options.modulesToSave ?? []), ...model.headModules])];
  // PEFT's CAUSAL_LM model saves no head; the classification models always save theirs (classifier, score).
  const modulesToSave = causal ? extra : withHeadNames(extra.filter((h) => !['classifier', 'score'].some((n) => h.endsWith(n))));
  let targets: ModuleSelector = options.targets ?? [...model.defaultLoraTargets];
  if (typeof targets !== 'string' && targets.length === 0) throw new FinetuneError('--lora-targets: give at least one module name');
  if (targets === ALL_LINEAR || (typeof targets !== 'string' && targets.length === 1 && targets[0] === ALL_LINEAR)) {
    // PEFT's all-linear leaves out the output layer (a causal model's lm_head).
    targets = allLinearNames(model, modulesToSave).filter((name) => !(causal && name === 'lm_head'));
  }
  const config: LoraConfig = {
    r,
    loraAlpha: alpha,
    loraDropout: dropout,
    targetModules: targets,
    excludeModules: options.exclude ?? null,
    modulesToSave,
    bias,
    useRslora: options.rslora ?? false,
    rankPattern: sortedKeys(options.rankPattern ?? {}),
    alphaPattern: sortedKeys(options.alphaPattern ?? {}),
    layersToTransform: options.layersToTransform && options.layersToTransform.length > 0 ? [...options.layersToTransform] : null,
    layersPattern: null,
    taskType: causal ? CAUSAL_LM_TASK_TYPE : model.head.kind === 'token-classification' ? 'TOKEN_CLS' : 'SEQ_CLS',
    baseModelNameOrPath: null,
    revision: null,
  };
  // Recorded as PEFT records it: true when the wrapped layers store W as [in, out] (GPT-2's Conv1D).
  const modules = new Map(model.namedModules());
  const fanInFanOut = [...modules].some(([name, m]) => name !== '' && m instanceof Linear && m.fanInFanOut && isTargetModule(name, config));
  return fanInFanOut ? { ...config, fanInFanOut } : config;
}

/**
 * Adds a new LoRA adapter to `model` (A random, B zero, so the outputs do not change), freezes the
 * base and leaves the adapters and the head trainable. Returns the parameter counts that result.
 */
export function applyLora(model: TaskModel, options: LoraOptions = {}): { trainable: number; total: number } {
  const config = loraConfigFromOptions(model, options);
  injectLora(model, config, { source: 'LoRA options', ...(options.rng ? { rng: options.rng } : {}) });
  return model.parameterCount();
}
