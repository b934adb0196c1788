#!/usr/bin/env node
// Times the native fused attention (forward + backward) for several query x key block sizes, alternating, to pick the default.
//
// Usage (after building): node bench/attention-blocks.mjs [--rounds 5] [--threads 2] [--seq 1024] [--blocks 64x128,64x64,...]
// Shape: bert-base attention, batch 2, 12 heads of 64, causal off, dropout 0.1. Each block size runs in its own process
// (FINETUNE_ATTENTION_BLOCKS is read by the addon); the table gives medians over rounds of the per-call medians.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const threads = Number(arg('threads', '2'));
const seq = Number(arg('seq', '1024'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

if (process.argv.includes('--child')) {
  const { loadNativeBackend } = await import(join(root, 'dist/src/backend/native/index.js'));
  const be = loadNativeBackend('blas');
  be.setThreads(threads);
  const [b, heads, d] = [2, 12, 64];
  const n = b * seq * heads * d;
  const fill = (seed) => {
    const x = new Float32Array(n);
    let s = seed;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      x[i] = s / 4294967296 - 0.5;
    }
    return x;
  };
  const [q, k, v, dOut] = [1, 2, 3, 4].map(fill);
  const mask = new Float32Array(b * seq);
  const stats = new Float32Array(b * heads * seq * 2);
  const out = new Float32Array(n);
  const grads = [0, 1, 2].map(() => new Float32Array(n));
  const args = [b, heads, heads, seq, seq, d, false, 0.125, 0.1, 7];
  const fwd = [];
  const bwd = [];
  for (let rep = 0; rep < 4; rep++) {
    const t0 = performance.now();
    be.attention(q, k, v, mask, ...args, stats, out, null, false);
    const t1 = performance.now();
    be.attentionGrad(q, k, v, mask, out, stats, dOut, ...args, ...grads, false);
    const t2 = performance.now();
    if (rep > 0) {
      fwd.push(t1 - t0);
      bwd.push(t2 - t1);
    }
  }
  console.log(JSON.stringify({ forwardMs: median(fwd), backwardMs: median(bwd) }));
} else {
  const rounds = Number(arg('rounds', '5'));
  const blocks = arg('blocks', '64x128,64x64,32x128,64x256,128x128').split(',');
  const results = new Map(blocks.map((x) => [x, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const block of blocks) {
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', '--threads', String(threads), '--seq', String(seq)], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, FINETUNE_ATTENTION_BLOCKS: block },
      });
      const line = JSON.parse(r.stdout.trim().split('\n').pop());
      results.get(block).push(line);
      console.log(
        `round ${round} ${block.padEnd(8)} forward ${line.forwardMs.toFixed(1).padStart(8)} ms  backward ${line.backwardMs.toFixed(1).padStart(8)} ms`,
      );
    }
  }
  console.log(`\nbatch 2 x ${seq} tokens, 12 heads of 64, ${threads} threads: medians over ${rounds} rounds`);
  for (const [block, rs] of results) {
    const f = median(rs.map((r) => r.forwardMs));
    const g = median(rs.map((r) => r.backwardMs));
    console.log(
      `${block.padEnd(8)} forward ${f.toFixed(1).padStart(8)} ms  backward ${g.toFixed(1).padStart(8)} ms  total ${(f + g).toFixed(1).padStart(8)} ms`,
    );
  }
}
