#!/usr/bin/env node
// Training steps (`bench train`'s benchTrain) of two built checkouts side by side in one process, alternating.
//
// Usage: node bench/ab-train.mjs --old <checkout> [--new <checkout>] [--config bench/configs/bert-small.json]
//          [--batch 16] [--seq 128] [--rounds 8] [--steps 3] [--threads 2] [--bf16]
// Each checkout must have been built (see ab-predict.mjs). Every round runs, for each side in alternating order, a
// fresh benchTrain of one warm-up step and `--steps` timed steps (same seed, synthetic batch) and takes the median
// step; prints the median ms per step of each side and the median of the per-round ratios new / old (below 1: the new
// checkout is faster), and whether the two sides' losses agree to 1e-4.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternate, arg, checkouts, helpOnRequest, median, readConfig } from './ab-support.mjs';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
helpOnRequest(
  'Usage: node bench/ab-train.mjs --old <checkout> [--new <checkout>] [--config <config.json>] [--batch 16] [--seq 128] [--rounds 8] [--steps 3] [--threads 2] [--bf16]',
);
const roots = checkouts('ab-train', here, 'dist/src/train/bench/train-bench.js');
const configFile = resolve(here, arg('config', 'bench/configs/bert-small.json'));
const options = {
  config: readConfig('ab-train', configFile),
  configFile,
  batchSize: Number(arg('batch', '16')),
  seqLen: Number(arg('seq', '128')),
  steps: Number(arg('steps', '3')),
  warmup: 1,
  bf16: process.argv.includes('--bf16'),
};
const rounds = Number(arg('rounds', '8'));
const threads = Number(arg('threads', '2'));

async function load(root) {
  const dist = (path) => join(root, 'dist', 'src', path);
  const { setThreads } = await import(dist('backend/index.js'));
  const { benchTrain } = await import(dist('train/bench/train-bench.js'));
  setThreads(threads);
  return () => benchTrain(options);
}

const sides = { old: await load(roots.old), new: await load(roots.new) };
const losses = {};
const { ms, ratio } = await alternate(rounds, (name) => {
  const result = sides[name]();
  losses[name] = result.losses;
  return result.msPerStep;
});
const agree = losses.old.every((loss, i) => Math.abs(loss - losses.new[i]) <= 1e-4);
console.log(
  `${configFile} ${options.batchSize} x ${options.seqLen}${options.bf16 ? ' bf16' : ''}, ${threads} threads, ${rounds} rounds of ` +
    `${options.steps} steps: old ${median(ms.old).toFixed(1)} ms, new ${median(ms.new).toFixed(1)} ms, median new/old ` +
    `${ratio.toFixed(3)}; losses agree: ${agree}`,
);
