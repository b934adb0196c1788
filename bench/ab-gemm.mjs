#!/usr/bin/env node
// The native addon's products (gemm or gemmBf16) of two built checkouts side by side in one process, alternating.
//
// Usage: node bench/ab-gemm.mjs --old <checkout> [--new <checkout>] [--bf16] [--threads 2] [--rounds 21] [--calls 6]
//          [--shapes NT:2048x256x256,TN:256x256x2048,...]
// Each checkout needs its native/build (`node scripts/build-native.mjs` there); both load their built-in-GEMM addon.
// A shape is transA transB : m x n x k (C[m, n] = op(A)[m, k] op(B)[k, n]); the default list is the products of the
// small BERT's training step (hidden 256, intermediate 1024, 16 x 128 tokens) and bert-base's (768, 3072, 8 x 128):
// forward x W^T (NT), input gradient g W (NN) and weight gradient g^T x (TN). Every round times `--calls` products of
// each side, in alternating order; prints per shape the median ms of each and the median of the per-round ratios new /
// old (below 1: the new checkout is faster).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alternate, arg, checkouts, helpOnRequest, median } from './ab-support.mjs';

const here = join(dirname(fileURLToPath(import.meta.url)), '..');
helpOnRequest('Usage: node bench/ab-gemm.mjs --old <checkout> [--new <checkout>] [--bf16] [--threads 2] [--rounds 21] [--calls 6] [--shapes NT:MxNxK,...]');
const addonFile = join('native', 'build', 'Release', 'finetune_native_builtin.node');
const roots = checkouts('ab-gemm', here, addonFile);
const kernel = process.argv.includes('--bf16') ? 'gemmBf16' : 'gemm';
const threads = Number(arg('threads', '2'));
const rounds = Number(arg('rounds', '21'));
const calls = Number(arg('calls', '6'));
const DEFAULT_SHAPES = [
  'NT:2048x256x256,NT:2048x1024x256,NT:2048x256x1024,NN:2048x256x256,NN:2048x256x1024,NN:2048x1024x256',
  'TN:256x256x2048,TN:1024x256x2048,TN:256x1024x2048',
  'NT:1024x768x768,NT:1024x3072x768,NT:1024x768x3072,NN:1024x768x768,NN:1024x768x3072,NN:1024x3072x768',
  'TN:768x768x1024,TN:3072x768x1024,TN:768x3072x1024',
].join(',');
const shapes = arg('shapes', DEFAULT_SHAPES)
  .split(',')
  .map((text) => {
    const match = /^([NT])([NT]):(\d+)x(\d+)x(\d+)$/.exec(text);
    if (!match) {
      console.error(`ab-gemm: --shapes entry "${text}" is not like NT:2048x256x256`);
      process.exit(2);
    }
    return { text, transA: match[1] === 'T', transB: match[2] === 'T', m: +match[3], n: +match[4], k: +match[5] };
  });

const load = (root) => {
  const addon = createRequire(import.meta.url)(join(root, addonFile));
  addon.setThreads(threads);
  return addon;
};
const addons = { old: load(roots.old), new: load(roots.new) };
/** Reproducible values in [-1, 1). */
const fill = (length, seed) => {
  const x = new Float32Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
};

console.log(`${kernel}, ${threads} threads, ${rounds} rounds of ${calls} calls; old ${roots.old}, new ${roots.new}`);
console.log('| shape | old ms | new ms | new / old |');
console.log('| --- | --- | --- | --- |');
for (const { text, transA, transB, m, n, k } of shapes) {
  const a = fill(m * k, 1);
  const b = fill(k * n, 2);
  const c = new Float32Array(m * n);
  const product = (addon) => addon[kernel](transA, transB, 1, m, n, k, 1, a, 0, transA ? m : k, b, 0, transB ? k : n, 0, c, 0, n);
  for (const addon of Object.values(addons)) product(addon);
  const { ms, ratio } = await alternate(rounds, (name) => {
    const start = performance.now();
    for (let i = 0; i < calls; i++) product(addons[name]);
    return (performance.now() - start) / calls;
  });
  console.log(`| ${text} | ${median(ms.old).toFixed(3)} | ${median(ms.new).toFixed(3)} | ${ratio.toFixed(3)} |`);
}
