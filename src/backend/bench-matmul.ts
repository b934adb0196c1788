// `finetune bench matmul`: GFLOP/s of one backend's gemm on random matrices (warm-up, then the median of timed calls).
import { FinetuneError } from '../errors.js';
import type { Backend } from './backend.js';
import { gemmLibrary, getBackend, setBackend, type BackendName } from './index.js';

export interface BenchMatmulOptions {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** Multiply by A^T (A stored [k, m]). Default false. */
  readonly transA?: boolean;
  /** Multiply by B^T (B stored [n, k]). Default false. */
  readonly transB?: boolean;
  /** Threads for the run. Default: the backend's current count. */
  readonly threads?: number;
  /** Backend to measure. Default: the current one (getBackend()). */
  readonly backend?: BackendName;
  /** Timed calls. Default: as many as fit in about one second, between 3 and 50. */
  readonly repeats?: number;
}

export interface BenchMatmulResult {
  /** 2 m n k / median seconds per call / 1e9. */
  readonly gflops: number;
  readonly msPerCall: number;
  readonly backend: string;
  readonly threads: number;
  /** What computed the product: 'openblas', 'accelerate', 'builtin' or 'js'. */
  readonly library: string;
}

/** Throws the one-line error of `bench matmul` when an option given is not an integer >= min. */
export function checkSize(name: string, value: number | undefined, min: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min) throw new FinetuneError(`bench matmul: --${name} must be an integer >= ${min} (got ${value})`);
}

function randomMatrix(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 4294967296 - 0.5;
  }
  return out;
}

/** Times C = op(A) op(B) on one backend. Restores the backend's thread count afterwards. */
export function benchMatmul(o: BenchMatmulOptions): BenchMatmulResult {
  checkSize('m', o.m, 1);
  checkSize('k', o.k, 1);
  checkSize('n', o.n, 1);
  checkSize('threads', o.threads, 1);
  checkSize('repeats', o.repeats, 1);
  const previous = getBackend();
  const backend: Backend = o.backend ? setBackend(o.backend, 'bench matmul') : previous;
  const threadsBefore = backend.getThreads();
  try {
    if (o.threads !== undefined) backend.setThreads(o.threads);
    const { m, k, n } = o;
    const transA = o.transA ?? false;
    const transB = o.transB ?? false;
    const a = randomMatrix(m * k, 1);
    const b = randomMatrix(k * n, 2);
    const c = new Float32Array(m * n);
    const call = (): number => {
      const start = process.hrtime.bigint();
      backend.gemm(transA, transB, 1, m, n, k, 1, a, 0, transA ? m : k, b, 0, transB ? k : n, 0, c, 0, n);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const warm = Math.min(call(), call());
    const repeats = o.repeats ?? Math.max(3, Math.min(50, Math.ceil(1000 / Math.max(warm, 1e-3))));
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) times.push(call());
    times.sort((x, y) => x - y);
    const mid = times.length >> 1;
    const ms = times.length % 2 === 1 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
    return {
      gflops: (2 * m * n * k) / (ms / 1000) / 1e9,
      msPerCall: ms,
      backend: backend.name,
      threads: backend.getThreads(),
      library: gemmLibrary(backend),
    };
  } finally {
    backend.setThreads(threadsBefore);
    if (o.backend && previous !== backend) setBackend(previous.name as BackendName);
  }
}
