#!/usr/bin/env node
// One 1024 x 768 x 768 product timed back to back and after a 300 ms rest, in this process: shows whether the pool's
// second thread takes part (about 6 ms on 2 threads) or the call runs as on one thread (12-14 ms).
// Usage (after the build): [FINETUNE_GEMM=builtin|openblas] node bench/gemm-rest.mjs [threads]
const { getBackend } = await import(new URL('../dist/src/backend/index.js', import.meta.url).href);
const backend = getBackend();
backend.setThreads(Number(process.argv[2] ?? 2));
const [m, k, n] = [1024, 768, 768];
const a = new Float32Array(m * k).fill(0.5);
const b = new Float32Array(k * n).fill(0.25);
const c = new Float32Array(m * n);
const call = () => {
  const start = process.hrtime.bigint();
  backend.gemm(false, false, 1, m, n, k, 1, a, 0, k, b, 0, n, 0, c, 0, n);
  return Number(process.hrtime.bigint() - start) / 1e6;
};
for (let i = 0; i < 3; i++) call();
const median = (values) => [...values].sort((x, y) => x - y)[values.length >> 1];
for (const rest of [0, 300, 0, 300]) {
  const times = [];
  for (let i = 0; i < 9; i++) {
    if (rest) await new Promise((resolve) => setTimeout(resolve, rest));
    times.push(call());
  }
  console.log(`rest ${rest} ms: median ${median(times).toFixed(2)} ms  [${times.map((t) => t.toFixed(1)).join(' ')}]`);
}
