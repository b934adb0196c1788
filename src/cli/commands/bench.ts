// `finetune bench`: matmul throughput (GFLOP/s) and training-step time (ms per step, tokens/s, peak RSS).
import { benchMatmul } from '../../backend/bench-matmul.js';
import { UsageError } from '../../errors.js';
import type { Command, CommandContext } from '../command.js';
import { benchPredictCommand } from './bench-predict.js';
import { BENCH_TRAIN_FLAGS, benchTrainCommand } from './bench-train.js';

async function matmul({ flags, log }: CommandContext): Promise<unknown> {
  const m = flags.number('m') ?? 2048;
  const k = flags.number('k') ?? 768;
  const n = flags.number('n') ?? 3072;
  for (const [name, v] of [
    ['m', m],
    ['k', k],
    ['n', n],
  ] as const) {
    if (!(Number.isInteger(v) && v > 0)) throw new UsageError(`--${name} must be a positive integer`);
  }
  const result = benchMatmul({
    m,
    k,
    n,
    transA: flags.boolean('trans-a'),
    transB: flags.boolean('trans-b'),
    ...(flags.number('repeats') !== undefined ? { repeats: flags.number('repeats')! } : {}),
  });
  log(
    `matmul ${m}x${k}x${n}${flags.boolean('trans-a') ? ' transA' : ''}${flags.boolean('trans-b') ? ' transB' : ''}: ` +
      `${result.gflops.toFixed(1)} GFLOP/s (${result.msPerCall.toFixed(2)} ms per call, ${result.backend}, ${result.threads} threads)`,
  );
  return result;
}

export const benchCommand: Command = {
  name: 'bench',
  positional: { max: 1, name: 'one benchmark: matmul, train or predict' },
  summary: 'measure kernel and training-step speed',
  usage:
    'Usage: finetune bench matmul [--m 2048 --k 768 --n 3072] [--trans-a] [--trans-b] [--threads N] [--json]\n' +
    '       finetune bench train --model-config <config.json> [--batch-size 16 --seq-len 128 --steps 10] [--lora] [--bf16] [--profile] [--threads N] [--json]\n' +
    '       finetune bench predict --model-config <config.json> [--batch-size 32 --seq-len 128 --steps 5] [--quantize int8] [--threads N] [--json]',
  flags: {
    m: { type: 'int', help: 'rows of op(A) and C', default: 2048 },
    k: { type: 'int', help: 'inner size', default: 768 },
    n: { type: 'int', help: 'columns of op(B) and C', default: 3072 },
    'trans-a': { type: 'boolean', help: 'A stored transposed' },
    'trans-b': { type: 'boolean', help: 'B stored transposed' },
    repeats: { type: 'int', help: 'timed calls (the median is reported)' },
    ...BENCH_TRAIN_FLAGS,
    quantize: { type: 'string', help: 'bench predict: int8 linear layers (as predict --quantize int8)' },
  },
  async run(context) {
    const [sub] = context.positional;
    if (sub === 'matmul') return matmul(context);
    if (sub === 'train') return benchTrainCommand(context);
    if (sub === 'predict') return benchPredictCommand(context);
    throw new UsageError(`bench: unknown benchmark '${sub ?? ''}' (expected: matmul, train, predict)`);
  },
};
