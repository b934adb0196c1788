// `finetune bench`: matmul throughput (GFLOP/s) and training-step time (ms per step, tokens/s, peak RSS).
import { benchMatmul } from '../../backend/bench-matmul.js';
import { benchMatmulCompare } from '../../backend/bench-matmul-compare.js';
import { UsageError } from '../../errors.js';
import type { Command, CommandContext } from '../command.js';
import { benchPredictCommand } from './bench-predict.js';
import { BENCH_TRAIN_FLAGS, benchTrainCommand } from './bench-train.js';

/** Ours against the anchors (PyTorch, OpenBLAS), alternating, one line per transpose combination. */
async function matmulCompare(m: number, k: number, n: number, { flags, log }: CommandContext): Promise<unknown> {
  const rounds = flags.number('rounds');
  const python = flags.string('python');
  const leadCalls = flags.number('lead-calls');
  const result = await benchMatmulCompare({
    m,
    k,
    n,
    ...(rounds !== undefined ? { rounds } : {}),
    ...(python !== undefined ? { python } : {}),
    ...(leadCalls !== undefined ? { leadCalls } : {}),
  });
  const lead = leadCalls ? `, ${leadCalls} untimed call(s) of each side before its timed one` : '';
  log(`matmul ${m}x${k}x${n} (M x K x N), ${result.threads} threads, ${result.rounds} alternating rounds${lead}, ours: ${result.library}`);
  for (const [name, info] of Object.entries(result.anchors)) log(`  anchor ${name}: ${info}`);
  for (const row of result.rows) {
    const sides = Object.entries(row.gflops)
      .map(([side, g]) => `${side} ${g.toFixed(1)}`)
      .join(', ');
    const ratio = Number.isNaN(row.oursOverBest) ? 'no anchor' : `${row.oursOverBest.toFixed(3)}x the best (${row.oursOverBestCpu.toFixed(3)}x in CPU time)`;
    log(`  ${row.combination}: ${sides} GFLOP/s (medians); ours ${ratio}, medians of per-round ratios`);
  }
  return result;
}

async function matmul(context: CommandContext): Promise<unknown> {
  const { flags, log } = context;
  const m = flags.number('m') ?? 2048;
  const k = flags.number('k') ?? 768;
  const n = flags.number('n') ?? 3072;
  if (flags.boolean('compare')) return matmulCompare(m, k, n, context);
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
    '       finetune bench matmul --compare [--m --k --n] [--rounds 15] [--lead-calls 0] [--python python3] [--threads N] [--json]\n' +
    '       finetune bench train --model-config <config.json> [--batch-size 16 --seq-len 128 --steps 10] [--lora] [--bf16] [--profile] [--threads N] [--json]\n' +
    '       finetune bench predict --model-config <config.json> [--batch-size 32 --seq-len 128 --steps 5] [--quantize int8] [--profile] [--threads N] [--json]',
  flags: {
    m: { type: 'int', help: 'rows of op(A) and C', default: 2048 },
    k: { type: 'int', help: 'inner size', default: 768 },
    n: { type: 'int', help: 'columns of op(B) and C', default: 3072 },
    'trans-a': { type: 'boolean', help: 'A stored transposed' },
    'trans-b': { type: 'boolean', help: 'B stored transposed' },
    repeats: { type: 'int', help: 'timed calls (the median is reported)' },
    compare: { type: 'boolean', help: 'bench matmul: ours against PyTorch and OpenBLAS (bench/matmul-anchors.py), alternating' },
    rounds: { type: 'int', help: 'bench matmul --compare: alternating rounds per transpose combination', default: 15 },
    python: { type: 'string', help: 'bench matmul --compare: Python with numpy (and torch) for the anchors', default: 'python3' },
    'lead-calls': {
      type: 'int',
      help: 'bench matmul --compare: untimed calls of each side right before its timed one (1: back to back, as in a step)',
      default: 0,
    },
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
