#!/usr/bin/env node
// Checks that the benchmark measures the same computation on both sides: from the same saved weights and batch, dropout 0,
// the first 5 training losses of `finetune bench train` and of the PyTorch twins agree within 1e-4.
//
// Usage (after `npm run build`): node bench/check-losses.mjs [--model-config bench/configs/bert-small.json] [--batch-size 16] [--seq-len 128]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const config = arg('model-config', 'bench/configs/bert-small.json');
const common = [
  '--model-config',
  config,
  '--batch-size',
  arg('batch-size', '16'),
  '--seq-len',
  arg('seq-len', '128'),
  '--warmup',
  '2',
  '--steps',
  '3',
  '--dropout',
  '0',
  '--threads',
  arg('threads', '2'),
];
const TOLERANCE = 1e-4;

function losses(label, command, args) {
  const r = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 });
  const last = (r.stdout ?? '').trim().split('\n').pop();
  try {
    const result = JSON.parse(last);
    console.log(`${label.padEnd(34)} ${result.losses.map((l) => l.toFixed(7)).join('  ')}`);
    return result.losses;
  } catch {
    console.error(`${label}: failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
    process.exit(1);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'finetune-losses-'));
try {
  const weights = join(dir, 'init.safetensors');
  const batch = join(dir, 'batch.safetensors');
  const reference = losses('pytorch 2 (transformers), saves', arg('python', '/work/venv/bin/python'), [
    'bench/pytorch_train.py',
    ...common,
    '--save-weights',
    weights,
    '--save-batch',
    batch,
  ]);
  const runs = [
    ['finetune bench train', process.execPath, ['bin/finetune.js', 'bench', 'train', ...common, '--weights', weights, '--batch', batch, '--json']],
    [
      'pytorch 1.13 (torch-only BERT)',
      arg('python113', '/usr/bin/python3'),
      ['bench/pytorch_train.py', '--impl', 'torch', ...common, '--weights', weights, '--batch', batch],
    ],
  ];
  let worst = 0;
  for (const [label, command, args] of runs) {
    const ours = losses(label, command, args);
    for (let i = 0; i < 5; i++) worst = Math.max(worst, Math.abs(ours[i] - reference[i]));
  }
  console.log(`largest difference from PyTorch 2 over the first 5 losses: ${worst.toExponential(2)} (tolerance ${TOLERANCE})`);
  if (!(worst <= TOLERANCE)) process.exit(1);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
