#!/usr/bin/env node
// Alternates training steps of ours (dist/bench/vision-step.js) and PyTorch 2.13 (bench/vision-step.py), one process per side and
// model per round (A B A B ...), and prints per model the median step time of each side, the median of the per-round ratios
// ours / PyTorch, and peak RSS.
// Usage: node bench/vision-compare.mjs [rounds=5] [threads=2] [steps=2]   (after the build; PYTHON=/work/venv/bin/python by default)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.argv[2] ?? 5);
const threads = String(process.argv[3] ?? 2);
const steps = String(process.argv[4] ?? 2);
const python = process.env.PYTHON ?? '/work/venv/bin/python';
const models = (process.env.MODELS ?? 'resnet18,mobilenetv2').split(',');
const command = (side, model) =>
  side === 'ours'
    ? [process.execPath, [join(root, 'dist/bench/vision-step.js'), '--models', model, '--threads', threads, '--steps', steps, '--warmup', '1']]
    : [python, [join(root, 'bench/vision-step.py'), model, '32', '112', steps, '1', threads]];
const results = new Map(models.map((m) => [m, []]));
for (let round = 1; round <= rounds; round++) {
  for (const model of models) {
    const pair = {};
    for (const side of ['ours', 'torch']) {
      const [cmd, args] = command(side, model);
      const run = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, FINETUNE_THREADS: threads, OMP_NUM_THREADS: threads } });
      if (run.status !== 0) throw new Error(`${side} ${model} failed: ${run.stderr}`);
      const line = run.stdout.trim().split('\n').at(-1);
      console.log(`round ${round} ${line}`);
      pair[side] = JSON.parse(line);
    }
    results.get(model).push(pair);
  }
}
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const [model, pairs] of results) {
  const ours = median(pairs.map((p) => p.ours.ms));
  const torch = median(pairs.map((p) => p.torch.ms));
  const ratio = median(pairs.map((p) => p.ours.ms / p.torch.ms));
  const rss = median(pairs.map((p) => p.ours.peakRssMiB / p.torch.peakRssMiB));
  console.log(
    `${model} batch 32 x 3 x 112 x 112, threads ${threads}, ${rounds} rounds: ours ${ours.toFixed(0)} ms, PyTorch ${torch.toFixed(0)} ms per step (medians); ` +
      `median per-round ratio ours / PyTorch ${ratio.toFixed(2)}; peak RSS ours ${median(pairs.map((p) => p.ours.peakRssMiB)).toFixed(0)} MiB / PyTorch ${median(pairs.map((p) => p.torch.peakRssMiB)).toFixed(0)} MiB (median ratio ${rss.toFixed(2)})`,
  );
}
