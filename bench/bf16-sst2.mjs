#!/usr/bin/env node
// SST-2 with use-lite, float32 against --bf16 (same seed, runs alternating): the first 100 training losses and the dev accuracy after one epoch.
//
// Usage (after `npm run build`): node bench/bf16-sst2.mjs [--seeds 1,2,3] [--work /tmp/bf16-sst2] [--threads 2] [--data-dir ../shared/data]
// Trains the README's use-lite full fine-tuning (--epochs 1 --batch-size 32 --lr 1e-4 --max-length 64) on its 5,000-sentence
// subsample of ../shared/data/sst2_train.tsv (10% held out for validation), logging every step, then scores
// ../shared/data/sst2_dev.tsv. Prints each run, the per-step relative loss differences, and a table.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const seeds = arg('seeds', '1').split(',').map(Number);
const work = arg('work', '/tmp/bf16-sst2');
const threads = arg('threads', '2');
// ../shared/data beside a checkout (the README's path), or two levels up from a worktree under wt/.
const data = arg(
  'data-dir',
  [join(root, '..', 'shared', 'data'), join(root, '..', '..', 'shared', 'data')].find((d) => existsSync(d)),
);
const STEPS = 100;

mkdirSync(work, { recursive: true });
const subsample = join(work, 'sst2_train_5k.tsv');
if (!existsSync(subsample)) {
  // The README's draw: the same 5,000 sentences every time.
  const draw = `(head -1 ${data}/sst2_train.tsv; tail -n +2 ${data}/sst2_train.tsv | shuf -n 5000 --random-source=<(yes)) > ${subsample}`;
  const made = spawnSync('bash', ['-c', `set -o pipefail; ${draw}`], { stdio: 'inherit' });
  if (made.status !== 0) throw new Error(`could not draw the subsample from ${data}`);
}
const digest = createHash('sha256').update(readFileSync(subsample)).digest('hex');
console.log(`subsample ${subsample}: sha256 ${digest.slice(0, 16)} (README: 7be8b82d93703b84)`);

function cli(args) {
  const start = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'bin/finetune.js'), ...args, '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`finetune ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return { result: JSON.parse(r.stdout.trim().split('\n').at(-1)), seconds };
}

function losses(folder) {
  const state = JSON.parse(readFileSync(join(folder, 'trainer_state.json'), 'utf8'));
  return state.log_history.filter((e) => 'loss' in e).map((e) => e.loss);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const rows = [];
for (const seed of seeds) {
  const runs = {};
  for (const variant of ['fp32', 'bf16']) {
    const output = join(work, `${variant}-${seed}`);
    const train = cli([
      'train',
      '--model',
      'use-lite',
      '--data',
      subsample,
      '--eval-split',
      '0.1',
      '--max-length',
      '64',
      '--epochs',
      '1',
      '--batch-size',
      '32',
      '--lr',
      '1e-4',
      '--seed',
      String(seed),
      '--logging-steps',
      '1',
      '--threads',
      threads,
      '--no-progress',
      '--overwrite',
      '--output',
      output,
      ...(variant === 'bf16' ? ['--bf16'] : []),
    ]);
    const evaluation = cli(['eval', '--model', output, '--data', join(data, 'sst2_dev.tsv'), '--max-length', '64', '--threads', threads]);
    runs[variant] = { losses: losses(output), accuracy: evaluation.result.eval_accuracy, seconds: train.seconds, steps: train.result.global_step };
    console.log(
      `seed ${seed} ${variant}: ${train.result.global_step} steps in ${train.seconds.toFixed(0)} s, dev accuracy ${(100 * evaluation.result.eval_accuracy).toFixed(2)}%, ` +
        `first losses ${runs[variant].losses
          .slice(0, 5)
          .map((l) => l.toFixed(4))
          .join(' ')}`,
    );
  }
  const [a, b] = [runs.fp32.losses.slice(0, STEPS), runs.bf16.losses.slice(0, STEPS)];
  const rel = a.map((l, i) => Math.abs(b[i] - l) / Math.abs(l));
  const meanA = a.reduce((s, x) => s + x, 0) / a.length;
  const meanB = b.reduce((s, x) => s + x, 0) / b.length;
  console.log(`seed ${seed}: relative loss difference per step (first ${a.length}): ${rel.map((r) => (100 * r).toFixed(2)).join(' ')} (%)`);
  rows.push({
    seed,
    steps: a.length,
    maxRel: Math.max(...rel),
    medianRel: median(rel),
    meanRatio: meanB / meanA,
    accFp32: runs.fp32.accuracy,
    accBf16: runs.bf16.accuracy,
    secondsFp32: runs.fp32.seconds,
    secondsBf16: runs.bf16.seconds,
  });
}

console.log(
  `\n| seed | steps compared | max per-step loss difference | median | mean loss bf16 / fp32 | dev accuracy fp32 | dev accuracy bf16 | difference (points) | train wall s fp32 / bf16 |`,
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.seed} | ${r.steps} | ${(100 * r.maxRel).toFixed(2)}% | ${(100 * r.medianRel).toFixed(2)}% | ${r.meanRatio.toFixed(4)} | ${(100 * r.accFp32).toFixed(2)} | ${(100 * r.accBf16).toFixed(2)} | ` +
      `${(100 * (r.accBf16 - r.accFp32)).toFixed(2)} | ${r.secondsFp32.toFixed(0)} / ${r.secondsBf16.toFixed(0)} |`,
  );
}
console.log(`\n${JSON.stringify(rows)}`);
