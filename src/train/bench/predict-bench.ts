// `bench predict`: inference throughput (sequences/s) of a model configuration with random weights on synthetic tokens, fp32 or int8.
import { gemmLibrary, getBackend, startProfiling, stopProfiling } from '../../backend/index.js';
import type { ConfigJson } from '../../models/encoder/config-fields.js';
import { createTaskModel } from '../../models/load.js';
import { packLinearLayers } from '../../nn/packed-linear.js';
import { quantizeLinearLayers } from '../../nn/quantized-linear.js';
import { inferenceLogits } from '../../tasks/inference.js';
import { manualSeed } from '../../tensor/random.js';
import { syntheticBatch } from './bench-batch.js';
import { profileSummary, type StepProfile } from './profile-summary.js';

export interface BenchPredictOptions {
  readonly config: ConfigJson;
  /** Names the config in errors. */
  readonly configFile: string;
  /** Rows per forward pass (default 32). */
  readonly batchSize?: number;
  /** Tokens per row, no padding (default 128). */
  readonly seqLen?: number;
  /** Timed forward passes; the median is reported (default 5). */
  readonly steps?: number;
  /** Untimed passes first (default 1). */
  readonly warmup?: number;
  /** 'int8': linear layers quantised as `predict --quantize int8` runs them. Default fp32. */
  readonly quantize?: 'int8';
  /** Seed of weights and tokens (default 0). */
  readonly seed?: number;
  /** Time the timed passes' kernels by op kind (default false). */
  readonly profile?: boolean;
}

export interface BenchPredictResult {
  readonly batchSize: number;
  readonly seqLen: number;
  readonly quantize: 'fp32' | 'int8';
  readonly msPerBatch: number;
  readonly sequencesPerSecond: number;
  readonly batchMs: number[];
  readonly backend: string;
  readonly library: string;
  readonly threads: number;
  readonly parameters: number;
  /** Per-pass kernel times by op kind (with `profile`). */
  readonly profile?: StepProfile;
}

export function benchPredict(options: BenchPredictOptions): BenchPredictResult {
  const batchSize = options.batchSize ?? 32;
  const seqLen = options.seqLen ?? 128;
  const seed = options.seed ?? 0;
  manualSeed(seed);
  const model = createTaskModel(options.config, {}, options.configFile);
  const parameters = model.parameterCount().total;
  // As predict runs it: int8 layers, or float32 ones with their weights packed once.
  if (options.quantize === 'int8') quantizeLinearLayers(model);
  else packLinearLayers(model);
  const vocab = Number(options.config.vocab_size ?? 30522);
  const { inputs } = syntheticBatch(batchSize, seqLen, vocab, model.numLabels, seed);
  for (let i = 0; i < (options.warmup ?? 1); i++) inferenceLogits(model, inputs);
  const batchMs: number[] = [];
  const profile = options.profile ? startProfiling() : null;
  try {
    for (let i = 0; i < (options.steps ?? 5); i++) {
      const start = performance.now();
      inferenceLogits(model, inputs);
      batchMs.push(performance.now() - start);
    }
  } finally {
    if (profile) stopProfiling();
  }
  const sorted = [...batchMs].sort((a, b) => a - b);
  const msPerBatch = sorted[Math.floor(sorted.length / 2)]!;
  const backend = getBackend();
  return {
    batchSize,
    seqLen,
    quantize: options.quantize ?? 'fp32',
    msPerBatch,
    sequencesPerSecond: (batchSize * 1000) / msPerBatch,
    batchMs,
    backend: backend.name,
    library: gemmLibrary(),
    threads: backend.getThreads(),
    parameters,
    ...(profile ? { profile: profileSummary(profile, batchMs) } : {}),
  };
}
