// `bench train`: times full training steps (forward, backward, dense AdamW) of a classifier built from a config.json.
import { gemmLibrary, getBackend, startProfiling, stopProfiling, withProfileScope } from '../../backend/index.js';
import { FinetuneError } from '../../errors.js';
import { readStateDict } from '../../io/state-dict.js';
import type { ConfigJson } from '../../models/encoder/config-fields.js';
import { createTaskModel } from '../../models/load.js';
import { familyFor } from '../../models/registry.js';
import type { TaskModel } from '../../models/types.js';
import { applyLora, type LoraOptions } from '../../peft/lora/apply.js';
import { recycleBuffers } from '../../tensor/memory.js';
import { crossEntropy } from '../../tensor/ops/losses.js';
import { manualSeed } from '../../tensor/random.js';
import { AdamW } from '../optim/adamw.js';
import { readBatchFile, syntheticBatch, type BenchBatch } from './bench-batch.js';
import { profileSummary, type StepProfile } from './profile-summary.js';
import { requireBf16 } from '../../backend/bf16.js';
import { withBf16 } from '../../tensor/autocast.js';

export interface BenchTrainOptions {
  /** The model's config.json, parsed; `configFile` names it in errors. */
  readonly config: ConfigJson;
  readonly configFile: string;
  readonly batchSize: number;
  readonly seqLen: number;
  /** Timed steps after the warm-up. */
  readonly steps: number;
  /** Untimed steps first (default 2). */
  readonly warmup?: number;
  /** Classes of the head (default 2). */
  readonly numLabels?: number;
  /** Replaces every dropout rate of the config (hidden, attention, classifier) when given. */
  readonly dropout?: number;
  /** Train LoRA adapters instead of every weight (default: full fine-tuning). */
  readonly lora?: LoraOptions;
  /** safetensors file with the starting weights (default: transformers' random initialisation). */
  readonly weightsFile?: string;
  /** safetensors file with the batch (default: synthetic token ids). */
  readonly batchFile?: string;
  /** AdamW learning rate (default 1e-4) and weight decay for every parameter (default 0.01). */
  readonly lr?: number;
  readonly weightDecay?: number;
  /** Seed of the initial weights, the synthetic batch and dropout (default 0). */
  readonly seed?: number;
  /** Time each kind of kernel over the timed steps (default false). */
  readonly profile?: boolean;
  /** Linear layers in bf16 with float32 sums, as training's bf16 option (default false). */
  readonly bf16?: boolean;
}

export interface BenchTrainResult {
  /** Median wall time of a timed step, in milliseconds. */
  readonly msPerStep: number;
  /** Tokens (B x T) per second at the median step. */
  readonly tokensPerSecond: number;
  /** The process's peak resident memory, in MiB. */
  readonly peakRssMiB: number;
  readonly stepMs: number[];
  /** Median CPU time of a timed step (user + system, every thread of the process), in milliseconds: on a shared machine it moves less than wall time. */
  readonly cpuMsPerStep: number;
  /** Loss of every step, warm-up included, in order. */
  readonly losses: number[];
  readonly batchSize: number;
  readonly seqLen: number;
  readonly warmup: number;
  readonly lora: boolean;
  readonly bf16: boolean;
  readonly parameters: { readonly total: number; readonly trainable: number };
  readonly backend: string;
  readonly library: string;
  readonly threads: number;
  /** Milliseconds per timed step by kernel kind, when profiling. */
  readonly profile?: StepProfile;
}

function positiveInt(name: string, value: number, min = 1): void {
  if (!(Number.isInteger(value) && value >= min)) throw new FinetuneError(`--${name} must be an integer >= ${min}, got ${value}`);
}

function withDropout(config: ConfigJson, p: number | undefined): ConfigJson {
  if (p === undefined) return config;
  if (!(p >= 0 && p < 1)) throw new FinetuneError(`--dropout must be in [0, 1), got ${p}`);
  return {
    ...config,
    hidden_dropout_prob: p,
    attention_probs_dropout_prob: p,
    classifier_dropout: p,
    dropout: p,
    attention_dropout: p,
    seq_classif_dropout: p,
  };
}

function buildModel(o: BenchTrainOptions, config: ConfigJson): TaskModel {
  const model = createTaskModel(config, { numLabels: o.numLabels ?? 2 }, o.configFile);
  if (o.weightsFile !== undefined) {
    const file = o.weightsFile;
    const report = familyFor(config.model_type, o.configFile).loadWeights(model, readStateDict(file), file);
    const missing = [...report.newModules, ...report.mismatched.map(([name]) => name)];
    if (missing.length > 0) throw new FinetuneError(`${file}: does not hold every weight of the model (missing or misshapen: ${missing.join(', ')})`);
  }
  if (o.lora !== undefined) applyLora(model, o.lora);
  return model.train();
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One training step in recycled buffers; returns the loss. */
function step(model: TaskModel, batch: BenchBatch, optimizer: AdamW, bf16: boolean): number {
  return recycleBuffers(() => {
    const loss = withBf16(bf16, () => {
      const value = crossEntropy(model.forward(batch.inputs), batch.labels);
      value.backward();
      return value;
    });
    withProfileScope('optimizer', () => {
      optimizer.step();
      optimizer.zeroGrad();
    });
    return loss.item();
  });
}

/** Builds the model and batch, runs warm-up and timed steps, and reports times, losses and memory. */
export function benchTrain(o: BenchTrainOptions): BenchTrainResult {
  positiveInt('batch-size', o.batchSize);
  positiveInt('seq-len', o.seqLen);
  positiveInt('steps', o.steps);
  const warmup = o.warmup ?? 2;
  positiveInt('warmup', warmup, 0);
  if (o.bf16) requireBf16();
  manualSeed(o.seed ?? 0);
  const config = withDropout(o.config, o.dropout);
  const model = buildModel(o, config);
  const vocab = typeof config.vocab_size === 'number' ? config.vocab_size : 30522;
  const batch =
    o.batchFile !== undefined
      ? readBatchFile(o.batchFile, [o.batchSize, o.seqLen])
      : syntheticBatch(o.batchSize, o.seqLen, vocab, model.numLabels, o.seed ?? 0);
  // Every parameter in one group: the same dense update PyTorch's AdamW(model.parameters()) makes.
  const trainable = model.parameters().filter((p) => p.requiresGrad);
  const optimizer = new AdamW(trainable, { lr: o.lr ?? 1e-4, weightDecay: o.weightDecay ?? 0.01 });
  const losses: number[] = [];
  for (let i = 0; i < warmup; i++) losses.push(step(model, batch, optimizer, o.bf16 ?? false));
  const profile = o.profile ? startProfiling() : null;
  const stepMs: number[] = [];
  const cpuMs: number[] = [];
  try {
    for (let i = 0; i < o.steps; i++) {
      const start = performance.now();
      const cpu = process.cpuUsage();
      losses.push(step(model, batch, optimizer, o.bf16 ?? false));
      const used = process.cpuUsage(cpu);
      stepMs.push(performance.now() - start);
      cpuMs.push((used.user + used.system) / 1000);
    }
  } finally {
    if (profile) stopProfiling();
  }
  const ms = median(stepMs);
  const backend = getBackend();
  return {
    msPerStep: ms,
    tokensPerSecond: (o.batchSize * o.seqLen) / (ms / 1000),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    stepMs,
    cpuMsPerStep: median(cpuMs),
    losses,
    batchSize: o.batchSize,
    seqLen: o.seqLen,
    warmup,
    lora: o.lora !== undefined,
    bf16: o.bf16 ?? false,
    parameters: model.parameterCount(),
    backend: backend.name,
    library: gemmLibrary(backend),
    threads: backend.getThreads(),
    ...(profile ? { profile: profileSummary(profile, stepMs) } : {}),
  };
}
