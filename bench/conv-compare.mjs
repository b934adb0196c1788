#!/usr/bin/env node
// Alternates conv2d forward + backward runs of native, js and PyTorch 2.13 (one process each per round) and prints
// each side's median over the rounds per layer, and the ratios to native. js runs one unwarmed step per round (it takes
// about a minute and a half at N = 32); the others take the median of 3 after one warm-up step.
// Usage: node bench/conv-compare.mjs [rounds=5] [threads=2]   (after the build; PYTHON=/work/venv/bin/python by default;
// SIDES=native,torch runs only those)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.argv[2] ?? 5);
const threads = String(process.argv[3] ?? 2);
const python = process.env.PYTHON ?? '/work/venv/bin/python';
const allSides = {
  native: [process.execPath, [join(root, 'dist/bench/conv-ours.js'), '--backend', 'native', '--threads', threads, '--reps', '3']],
  js: [process.execPath, [join(root, 'dist/bench/conv-ours.js'), '--backend', 'js', '--threads', threads, '--reps', '1', '--warmup', '0']],
  torch: [python, [join(root, 'bench/conv-torch.py'), threads, '3']],
};
const wanted = (process.env.SIDES ?? 'native,js,torch').split(',');
const sides = Object.fromEntries(Object.entries(allSides).filter(([side]) => wanted.includes(side)));
/** side -> layer -> ms per round */
const times = new Map();
for (let round = 1; round <= rounds; round++) {
  for (const [side, [command, args]] of Object.entries(sides)) {
    const run = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, FINETUNE_THREADS: threads } });
    if (run.status !== 0) throw new Error(`${side} failed: ${run.stderr}`);
    process.stdout.write(`round ${round} ${run.stdout}`);
    for (const line of run.stdout.trim().split('\n')) {
      const match = /(stem .*|conv .*) N=\d+: ([\d.]+) ms/.exec(line);
      if (!match) continue;
      const perLayer = times.get(side) ?? new Map();
      times.set(side, perLayer);
      perLayer.set(match[1], [...(perLayer.get(match[1]) ?? []), Number(match[2])]);
    }
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const layer of times.get('native').keys()) {
  const native = median(times.get('native').get(layer));
  const parts = Object.keys(sides).map((side) => {
    const m = median(times.get(side).get(layer));
    return `${side} ${m.toFixed(1)} ms (${(m / native).toFixed(2)}x native)`;
  });
  console.log(`median of ${rounds}, ${layer}, forward + backward, threads ${threads}: ${parts.join(', ')}`);
}
