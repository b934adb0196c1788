#!/usr/bin/env node
// Alternates finetune's and PyTorch's LoRA step on a causal LM (bench/causal-lora-step.{ts,py}), one process per run, and prints
// each round's ms/step and peak RSS with the median of the per-round ratios (finetune / PyTorch).
//
// Usage (after `npx tsc -p tsconfig.json`):
//   node bench/causal-compare.mjs [--rounds 5] [--config bench/configs/smollm2-135m.json] [--batch 4] [--seq 256] [--steps 2]
//     [--warmup 1] [--threads 2] [--python /work/venv/bin/python]
import { execFileSync, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '5'));
const python = arg('python', '/work/venv/bin/python');
const common = ['--config', arg('config', 'bench/configs/smollm2-135m.json'), '--batch', arg('batch', '4'), '--seq', arg('seq', '256')];
common.push('--steps', arg('steps', '2'), '--warmup', arg('warmup', '1'), '--threads', arg('threads', '2'));

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${result.stderr}`);
  const line = result.stdout.trim().split('\n').pop();
  return JSON.parse(line);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cpu = execFileSync('sh', ['-c', "lscpu | grep 'Model name'"], { encoding: 'utf8' }).trim();
console.log(`# ${new Date().toISOString()} ${cpu}; node ${process.version}; settings ${common.join(' ')}`);
const time = [];
const rss = [];
for (let round = 1; round <= rounds; round++) {
  const load = loadavg()[0].toFixed(1);
  const ours = run('node', ['dist/bench/causal-lora-step.js', ...common]);
  const torch = run(python, ['bench/causal-lora-step.py', ...common]);
  time.push(ours.medianMs / torch.medianMs);
  rss.push(ours.peakRssMiB / torch.peakRssMiB);
  console.log(JSON.stringify({ round, loadavg1: Number(load), finetune: ours, pytorch: torch }));
  console.log(
    `round ${round}: finetune ${ours.medianMs} ms/step ${ours.peakRssMiB} MiB | pytorch ${torch.medianMs} ms/step ${torch.peakRssMiB} MiB | time ratio ${time.at(-1).toFixed(3)} rss ratio ${rss.at(-1).toFixed(3)}`,
  );
}
console.log(`median of per-round ratios (finetune / pytorch) over ${rounds} rounds: time ${median(time).toFixed(3)}, peak RSS ${median(rss).toFixed(3)}`);
