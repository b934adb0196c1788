#!/usr/bin/env node
// Runs `finetune bench train` and its PyTorch twins (2.x with transformers, Debian's 1.13) alternating, and prints medians and ratios.
//
// Usage (after `npm run build`; check `uptime` first, the machine must be quiet):
//   node bench/compare.mjs [--rounds 3] [--threads 2] [--only small|base] [--lora] [--no-113]
// Each run is its own process, so each peak RSS is that run's alone.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '3'));
const threads = arg('threads', '2');
const only = arg('only', null);
const withLora = process.argv.includes('--lora');
const with113 = !process.argv.includes('--no-113');
const torch2 = arg('python', '/work/venv/bin/python');
const torch113 = arg('python113', '/usr/bin/python3');

const BENCHES = [
  { name: 'small', config: 'bench/configs/bert-small.json', batch: 16, seq: 128, steps: 10, warmup: 2 },
  { name: 'base', config: 'bench/configs/bert-base.json', batch: 8, seq: 128, steps: 5, warmup: 2 },
].filter((b) => only === null || b.name === only);

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

const shape = (b) => ['--model-config', b.config, '--batch-size', String(b.batch), '--seq-len', String(b.seq),
  '--steps', String(b.steps), '--warmup', String(b.warmup), '--threads', threads];
const sides = (b) => [
  { label: 'ours', go: () => run(process.execPath, ['bin/finetune.js', 'bench', 'train', ...shape(b), '--json']) },
  ...(withLora ? [{ label: 'ours --lora', go: () => run(process.execPath, ['bin/finetune.js', 'bench', 'train', ...shape(b), '--lora', '--json']) }] : []),
  { label: 'pytorch 2', go: () => run(torch2, ['bench/pytorch_train.py', ...shape(b)], { OMP_NUM_THREADS: threads }) },
  ...(with113 ? [{ label: 'pytorch 1.13', go: () => run(torch113, ['bench/pytorch_train.py', '--impl', 'torch', ...shape(b)], { OMP_NUM_THREADS: threads }) }] : []),
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const loads = [];
const table = [];
for (const b of BENCHES) {
  const results = new Map();
  for (let round = 1; round <= rounds; round++) {
    for (const side of sides(b)) {
      loads.push(loadavg()[0]);
      const r = side.go();
      if (!results.has(side.label)) results.set(side.label, []);
      results.get(side.label).push(r);
      console.log(`${b.name} round ${round} ${side.label.padEnd(13)} ${r.msPerStep.toFixed(1).padStart(8)} ms/step  peak RSS ${r.peakRssMiB.toFixed(0).padStart(5)} MiB  (load ${loadavg()[0].toFixed(2)})`);
    }
  }
  const summary = Object.fromEntries([...results].map(([label, rs]) => [label, {
    ms: median(rs.map((r) => r.msPerStep)), rss: median(rs.map((r) => r.peakRssMiB)),
    runs: rs.map((r) => +r.msPerStep.toFixed(1)), version: rs[0].torch ?? `${rs[0].backend} (${rs[0].library})`,
  }]));
  table.push({ bench: b, summary });
}

console.log(`\nload average (1 min) before the runs: min ${Math.min(...loads).toFixed(2)}, median ${median(loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}; ${threads} threads; medians of ${rounds} runs`);
console.log('\n| model | batch | ours ms/step | PyTorch 2 ms/step | PyTorch 1.13 ms/step | ours / PT2 | ours / PT1.13 | peak RSS ours / PT2 / PT1.13 (MiB) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const { bench: b, summary: s } of table) {
  const ours = s['ours'];
  const pt2 = s['pytorch 2'];
  const pt1 = s['pytorch 1.13'];
  const ratio = (x) => (x ? (ours.ms / x.ms).toFixed(2) : 'n/a');
  console.log(`| ${b.name} | ${b.batch} x ${b.seq} | ${ours.ms.toFixed(0)} | ${pt2.ms.toFixed(0)} | ${pt1 ? pt1.ms.toFixed(0) : 'n/a'} | ${ratio(pt2)} | ${ratio(pt1)} | ` +
    `${ours.rss.toFixed(0)} / ${pt2.rss.toFixed(0)} / ${pt1 ? pt1.rss.toFixed(0) : 'n/a'} |`);
  if (s['ours --lora']) console.log(`| ${b.name} --lora | ${b.batch} x ${b.seq} | ${s['ours --lora'].ms.toFixed(0)} | | | ${(s['ours --lora'].ms / ours.ms).toFixed(2)} of full | | ${s['ours --lora'].rss.toFixed(0)} |`);
}
console.log(`\n${JSON.stringify(table.map(({ bench: b, summary }) => ({ bench: b.name, batch: b.batch, seqLen: b.seq, threads: Number(threads), summary })))}`);
