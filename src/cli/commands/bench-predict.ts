// `finetune bench predict`: flags to BenchPredictOptions, and the line it prints (sequences/s).
import { existsSync, statSync } from 'node:fs';
import { FinetuneError, UsageError } from '../../errors.js';
import { readJsonObject } from '../../io/json-file.js';
import { readConfigJson } from '../../models/load.js';
import { type BenchPredictResult, benchPredict } from '../../train/bench/predict-bench.js';
import { formatProfile } from '../../train/bench/profile-summary.js';
import type { CommandContext } from '../command.js';
import { checkQuantize } from './inference-flags.js';

/** Runs `bench predict` from parsed flags (it shares --model-config, --batch-size, --seq-len, --steps, --warmup, --seed with bench train). */
export async function benchPredictCommand({ flags, log }: CommandContext): Promise<BenchPredictResult> {
  const path = flags.string('model-config');
  if (path === undefined) throw new UsageError('bench predict: --model-config is required');
  if (!existsSync(path)) throw new FinetuneError(`${path}: no such file or folder (--model-config)`);
  const { config, file } = statSync(path).isDirectory() ? readConfigJson(path) : { config: readJsonObject(path), file: path };
  const quantize = flags.string('quantize');
  checkQuantize(quantize);
  const result = benchPredict({
    config,
    configFile: file,
    batchSize: flags.number('batch-size') ?? 32,
    seqLen: flags.number('seq-len') ?? 128,
    steps: flags.number('steps') ?? 5,
    warmup: flags.number('warmup') ?? 1,
    seed: flags.number('seed') ?? 0,
    profile: flags.boolean('profile'),
    ...(quantize === 'int8' ? { quantize: 'int8' as const } : {}),
  });
  log(
    `bench predict: batch ${result.batchSize} x ${result.seqLen}, ${result.quantize}, ${result.parameters.toLocaleString('en-US')} parameters; ` +
      `${result.backend} (${result.library}), ${result.threads} threads`,
  );
  log(`  ${result.sequencesPerSecond.toFixed(1)} sequences/s (${result.msPerBatch.toFixed(1)} ms per batch, median of ${result.batchMs.length})`);
  if (result.profile) for (const line of formatProfile(result.profile)) log(line);
  return result;
}
