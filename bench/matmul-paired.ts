// Times numpy and this project's gemm in strict alternation, one call each, and reports the median ratio per
// transpose combination: both sides of every pair see the same machine load, so a busy machine skews both alike.
// Usage: node dist/bench/matmul-paired.js [m k n] [--pairs N] [--threads T] [--backend native|native-builtin]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gemmLibrary, setBackend, type BackendName } from '../src/backend/index.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args.splice(at, 2)[1]! : fallback;
};
const pairs = Number(flag('pairs', '15'));
const threads = Number(flag('threads', '2'));
const backend = setBackend(flag('backend', 'native') as BackendName);
backend.setThreads(threads);
const [m, k, n] = args.length >= 3 ? (args.slice(0, 3).map(Number) as [number, number, number]) : [2048, 768, 3072];

const script = fileURLToPath(new URL('../../bench/matmul-numpy.py', import.meta.url));
const python = spawn('/usr/bin/python3', [script, String(m), String(k), String(n), '--serve'], {
  env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads) },
  stdio: ['pipe', 'pipe', 'inherit'],
});
const replies = createInterface({ input: python.stdout! })[Symbol.asyncIterator]();
async function numpyCall(label: string): Promise<number> {
  python.stdin!.write(`${label}\n`);
  const reply = await replies.next();
  if (reply.done) throw new Error('numpy side exited');
  return Number(reply.value);
}

function random(length: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.random();
  return out;
}
const a = random(m * k);
const b = random(k * n);
const c = new Float32Array(m * n);
function oursCall(transA: boolean, transB: boolean): number {
  const start = process.hrtime.bigint();
  backend.gemm(transA, transB, 1, m, n, k, 1, a, 0, transA ? m : k, b, 0, transB ? k : n, 0, c, 0, n);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const gflops = (ms: number): number => (2 * m * n * k) / (ms / 1000) / 1e9;

for (const [transA, transB] of [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const) {
  const label = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
  await numpyCall(label);
  oursCall(transA, transB);
  const ours: number[] = [];
  const theirs: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    // Alternate who goes first so that slow drifts in load cancel.
    let mine: number;
    let numpy: number;
    if (i % 2 === 0) {
      mine = oursCall(transA, transB);
      numpy = await numpyCall(label);
    } else {
      numpy = await numpyCall(label);
      mine = oursCall(transA, transB);
    }
    ours.push(mine);
    theirs.push(numpy);
    ratios.push(numpy / mine);
  }
  console.log(
    `${m}x${k}x${n} ${label} threads=${threads}: ours ${backend.name}(${gemmLibrary(backend)}) median ${gflops(median(ours)).toFixed(1)} ` +
      `best ${gflops(Math.min(...ours)).toFixed(1)} GFLOP/s; numpy median ${gflops(median(theirs)).toFixed(1)} ` +
      `best ${gflops(Math.min(...theirs)).toFixed(1)} GFLOP/s; ours/numpy median of pair ratios ${median(ratios).toFixed(3)}`,
  );
}
python.stdin!.end();
