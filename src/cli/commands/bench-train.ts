// `finetune bench train`: flags to BenchTrainOptions, and the human-readable report of the run.
import { existsSync, statSync } from 'node:fs';
import { FinetuneError, UsageError } from '../../errors.js';
import { readJsonObject } from '../../io/json-file.js';
import { readConfigJson } from '../../models/load.js';
import { benchTrain, type BenchTrainResult } from '../../train/bench/train-bench.js';
import { formatProfile } from '../../train/bench/profile-summary.js';
import type { FlagSpecs } from '../args.js';
import type { CommandContext } from '../command.js';

export const BENCH_TRAIN_FLAGS: FlagSpecs = {
  'model-config': { type: 'string', help: 'config.json of the model (a file, or a folder holding one)' },
  'batch-size': { type: 'int', help: 'rows per batch', default: 16 },
  'seq-len': { type: 'int', help: 'tokens per row', default: 128 },
  steps: { type: 'int', help: 'timed training steps', default: 10 },
  warmup: { type: 'int', help: 'untimed steps before them', default: 2 },
  lora: { type: 'boolean', help: "train LoRA adapters (on the architecture's default targets: BERT's query and value) instead of every weight" },
  'lora-r': { type: 'int', help: 'LoRA rank', default: 8 },
  profile: { type: 'boolean', help: 'print the time per op kind (matmul, attention, layer norm, ...)' },
  bf16: { type: 'boolean', help: 'linear layers in bfloat16 with float32 sums, as train --bf16 (needs AVX512-BF16)' },
  dropout: { type: 'number', help: 'replace every dropout rate of the config (0 for a deterministic run)' },
  weights: { type: 'string', help: 'safetensors file with the starting weights (default: random, as transformers)' },
  batch: { type: 'string', help: 'safetensors file with input_ids, attention_mask, token_type_ids, labels (default: synthetic)' },
  lr: { type: 'number', help: 'AdamW learning rate', default: 1e-4 },
  seed: { type: 'int', help: 'seed of weights, batch and dropout', default: 0 },
};

/** The config.json named by --model-config: the file itself, or config.json inside a folder. */
function readModelConfig(path: string | undefined): { config: Record<string, unknown>; file: string } {
  if (path === undefined) throw new UsageError('bench train: --model-config is required');
  if (!existsSync(path)) throw new FinetuneError(`${path}: no such file or folder (--model-config)`);
  if (statSync(path).isDirectory()) return readConfigJson(path) as { config: Record<string, unknown>; file: string };
  return { config: readJsonObject(path), file: path };
}

function report(r: BenchTrainResult, log: (line: string) => void): void {
  const kind = `${r.lora ? 'LoRA' : 'full fine-tuning'}${r.bf16 ? ', bf16' : ''}`;
  log(
    `bench train: batch ${r.batchSize} x ${r.seqLen}, ${kind}, ${r.parameters.trainable.toLocaleString('en-US')} of ${r.parameters.total.toLocaleString('en-US')} parameters trained; ` +
      `${r.backend} (${r.library}), ${r.threads} threads`,
  );
  log(
    `  ${r.msPerStep.toFixed(1)} ms per step (median of ${r.stepMs.length}, after ${r.warmup} warm-up), ` +
      `${Math.round(r.tokensPerSecond).toLocaleString('en-US')} tokens/s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB`,
  );
  log(`  losses: ${r.losses.map((l) => l.toFixed(6)).join(' ')}`);
  if (r.profile) for (const line of formatProfile(r.profile)) log(line);
}

/** Runs `bench train` from parsed flags. */
export async function benchTrainCommand({ flags, log }: CommandContext): Promise<BenchTrainResult> {
  const { config, file } = readModelConfig(flags.string('model-config'));
  const dropout = flags.number('dropout');
  const result = benchTrain({
    config,
    configFile: file,
    batchSize: flags.number('batch-size') ?? 16,
    seqLen: flags.number('seq-len') ?? 128,
    steps: flags.number('steps') ?? 10,
    warmup: flags.number('warmup') ?? 2,
    lr: flags.number('lr') ?? 1e-4,
    seed: flags.number('seed') ?? 0,
    profile: flags.boolean('profile'),
    bf16: flags.boolean('bf16'),
    ...(dropout !== undefined ? { dropout } : {}),
    ...(flags.boolean('lora') ? { lora: { r: flags.number('lora-r') ?? 8, alpha: 16, ...(dropout !== undefined ? { dropout } : {}) } } : {}),
    ...(flags.string('weights') !== undefined ? { weightsFile: flags.string('weights')! } : {}),
    ...(flags.string('batch') !== undefined ? { batchFile: flags.string('batch')! } : {}),
  });
  report(result, log);
  return result;
}
