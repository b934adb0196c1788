#!/usr/bin/env node
// The native fused attention (forward, backward) with float32 against bf16 block products (--bf16), alternating in one process.
//
// Usage (after building): node bench/attention-bf16.mjs [--rounds 21] [--threads 2] [--shapes 16x4x128,8x12x128,2x12x1024]
// A shape is batch x heads x tokens, heads of 64, dropout 0.1, a key mask of zeros: the first two are the attention of
// the small BERT's and bert-base's training steps (bench/configs), the third a long sequence. Each measurement is the
// mean of 10 calls; prints the median over rounds of each and the bf16 / float32 time.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '21'));
const threads = Number(arg('threads', '2'));
const shapes = arg('shapes', '16x4x128,8x12x128,2x12x1024')
  .split(',')
  .map((s) => s.split('x').map(Number));
const { loadNativeBackend } = await import(join(root, 'dist/src/backend/native/index.js'));
const be = loadNativeBackend('blas');
be.setThreads(threads);
console.log(`bf16 kernel ${be.bf16Kernel}, ${threads} threads, ${rounds} rounds`);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fill = (n, seed) => {
  const x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 4294967296 - 0.5;
  }
  return x;
};
const d = 64;
console.log('| batch x heads x tokens | forward fp32 ms | forward bf16 ms | bf16 / fp32 | backward fp32 ms | backward bf16 ms | bf16 / fp32 |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [b, heads, t] of shapes) {
  const n = b * t * heads * d;
  const [q, k, v, dOut] = [1, 2, 3, 4].map((seed) => fill(n, seed));
  const mask = new Float32Array(b * t);
  const stats = new Float32Array(b * heads * t * 2);
  const out = new Float32Array(n);
  const grads = [0, 1, 2].map(() => new Float32Array(n));
  const args = [b, heads, heads, t, t, d, false, 0.125, 0.1, 7];
  const forward = (bf16) => be.attention(q, k, v, mask, ...args, stats, out, null, bf16);
  const backward = (bf16) => be.attentionGrad(q, k, v, mask, out, stats, dOut, ...args, ...grads, bf16);
  const mean10 = (fn) => {
    const start = performance.now();
    for (let i = 0; i < 10; i++) fn();
    return (performance.now() - start) / 10;
  };
  const until = performance.now() + 1500;
  while (performance.now() < until) {
    for (const bf16 of [false, true]) {
      forward(bf16);
      backward(bf16);
    }
  }
  const times = { fwd: [[], []], bwd: [[], []] };
  for (let round = 0; round < rounds; round++) {
    for (const [i, bf16] of [false, true].entries()) {
      times.fwd[i].push(mean10(() => forward(bf16)));
      times.bwd[i].push(mean10(() => backward(bf16)));
    }
  }
  const [f32, f16, b32, b16] = [times.fwd[0], times.fwd[1], times.bwd[0], times.bwd[1]].map(median);
  console.log(
    `| ${b} x ${heads} x ${t} | ${f32.toFixed(2)} | ${f16.toFixed(2)} | ${(f16 / f32).toFixed(2)} | ${b32.toFixed(2)} | ${b16.toFixed(2)} | ${(b16 / b32).toFixed(2)} |`,
  );
}
