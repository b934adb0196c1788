#!/usr/bin/env node
// gemmBf16 against the float32 gemm of the native addon on the products of a BERT step, alternating, timed in CPU time.
//
// Usage (after building the addon): node bench/matmul-bf16.mjs [--threads 1] [--rounds 7]
// CPU time (user + system of the process) moves far less than wall time on a shared machine; with 1 thread it is the
// work each product takes. Prints GFLOP/s of both and the median of the per-round ratios bf16 / float32 per shape.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const addon = createRequire(import.meta.url)(join(root, 'native', 'build', 'Release', 'finetune_native.node'));
addon.setThreads(Number(arg('threads', '1')));
const rounds = Number(arg('rounds', '7'));
console.log(`gemm engine ${addon.gemmEngine()}, bf16 kernel ${addon.bf16Kernel()}, cpu features ${addon.cpuFeatures()}, ${addon.getThreads()} threads`);

// [transA, transB, m, n, k]: forward x W^T, input gradient g W, weight gradient g^T x of hidden 256 (B x T = 2048) and bert-base (1024).
const SHAPES = [
  [false, true, 2048, 256, 256],
  [false, true, 2048, 1024, 256],
  [false, false, 2048, 256, 1024],
  [true, false, 1024, 256, 2048],
  [false, true, 1024, 768, 768],
  [false, true, 1024, 3072, 768],
  [false, false, 1024, 768, 3072],
  [true, false, 3072, 768, 1024],
];

const random = (n) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const cpuMs = (fn) => {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

console.log('| transA transB | m x n x k | fp32 GFLOP/s | bf16 GFLOP/s | bf16 / fp32 time |');
console.log('| --- | --- | --- | --- | --- |');
const ratios = [];
for (const [ta, tb, m, n, k] of SHAPES) {
  const a = random(m * k);
  const b = random(k * n);
  const c = new Float32Array(m * n);
  const lda = ta ? m : k;
  const ldb = tb ? k : n;
  const fp32 = () => addon.gemm(ta, tb, 1, m, n, k, 1, a, 0, lda, b, 0, ldb, 0, c, 0, n);
  const bf16 = () => addon.gemmBf16(ta, tb, 1, m, n, k, 1, a, 0, lda, b, 0, ldb, 0, c, 0, n);
  fp32();
  bf16();
  const t32 = [];
  const t16 = [];
  for (let r = 0; r < rounds; r++) {
    t32.push(cpuMs(fp32));
    t16.push(cpuMs(bf16));
  }
  const ratio = median(t16.map((t, i) => t / t32[i]));
  ratios.push(ratio);
  const gflop = (2 * m * n * k) / 1e9;
  console.log(
    `| ${ta ? 'T' : 'N'} ${tb ? 'T' : 'N'} | ${m} x ${n} x ${k} | ${(gflop / (median(t32) / 1000)).toFixed(1)} | ${(gflop / (median(t16) / 1000)).toFixed(1)} | ${ratio.toFixed(3)} |`,
  );
}
console.log(`median over the shapes: ${median(ratios).toFixed(3)}`);
