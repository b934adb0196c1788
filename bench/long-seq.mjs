#!/usr/bin/env node
// Long sequences: `finetune bench train` against PyTorch 2 + transformers (default sdpa attention) at 512, 1024 and 2048 tokens, alternating.
//
// Usage (after building): nice -n 5 node bench/long-seq.mjs [--rounds 5] [--threads 2] [--lengths 512,1024,2048]
//   [--steps 2] [--warmup 1] [--python /work/venv/bin/python]
// Model: bench/configs/bert-base-4l-2048.json (bert-base shape, 4 layers, 2048 positions), batch 2. Each run is its own
// process, so each peak RSS is that run's alone. Per length, the step-time ratio is the median of the per-round ratios
// (ours / PyTorch's, the two run back to back); the machine's load average is printed beside every run.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '5'));
const threads = arg('threads', '2');
const lengths = arg('lengths', '512,1024,2048').split(',').map(Number);
const steps = arg('steps', '2');
const warmup = arg('warmup', '1');
const python = arg('python', '/work/venv/bin/python');
const config = 'bench/configs/bert-base-4l-2048.json';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs one command; returns the JSON object of its last stdout line. */
function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const lines = (result.stdout ?? '').trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${(result.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  }
}

const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown';
console.log(`CPU: ${cpu}; ${threads} threads; ${config}, batch 2; ${warmup} warm-up + ${steps} timed steps per run (median step)`);
const shape = (seq) => ['--model-config', config, '--batch-size', '2', '--seq-len', String(seq), '--steps', steps, '--warmup', warmup, '--threads', threads];
const sides = [
  { label: 'ours', go: (seq) => run(process.execPath, ['bin/finetune.js', 'bench', 'train', ...shape(seq), '--json']) },
  { label: 'pytorch', go: (seq) => run(python, ['bench/pytorch_train.py', ...shape(seq)], { OMP_NUM_THREADS: threads }) },
];

const results = new Map(lengths.map((n) => [n, { ours: [], pytorch: [], ratios: [], loads: [] }]));
for (let round = 1; round <= rounds; round++) {
  for (const seq of lengths) {
    const r = results.get(seq);
    const pair = {};
    for (const side of sides) {
      const load = loadavg()[0];
      r.loads.push(load);
      const out = side.go(seq);
      pair[side.label] = out;
      r[side.label].push(out);
      const extra = side.label === 'pytorch' ? ` (${out.impl}, ${out.attention} attention, torch ${out.torch})` : ` (${out.backend}, ${out.library})`;
      console.log(
        `round ${round} ${String(seq).padStart(4)} tokens ${side.label.padEnd(7)} ${out.msPerStep.toFixed(0).padStart(7)} ms/step  peak RSS ${out.peakRssMiB.toFixed(0).padStart(5)} MiB  load ${load.toFixed(1)}${extra}`,
      );
    }
    r.ratios.push(pair.ours.msPerStep / pair.pytorch.msPerStep);
  }
}

console.log(`\nmedians over ${rounds} rounds (step-time ratio: median of per-round ratios)`);
console.log('| tokens | ours ms/step | PyTorch ms/step | ours / PyTorch | ours peak RSS MiB | PyTorch peak RSS MiB | load avg (min-max) |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [seq, r] of results) {
  const ms = (xs) => median(xs.map((x) => x.msPerStep)).toFixed(0);
  const rss = (xs) => median(xs.map((x) => x.peakRssMiB)).toFixed(0);
  console.log(
    `| ${seq} | ${ms(r.ours)} | ${ms(r.pytorch)} | ${median(r.ratios).toFixed(3)}x | ${rss(r.ours)} | ${rss(r.pytorch)} | ${Math.min(...r.loads).toFixed(1)}-${Math.max(...r.loads).toFixed(1)} |`,
  );
}
