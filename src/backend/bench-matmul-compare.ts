// `finetune bench matmul --compare`: this project's gemm against PyTorch's and OpenBLAS's sgemm, one call each in
// alternation, so that every round sees the same machine load; the anchors run in bench/matmul-anchors.py.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FinetuneError } from '../errors.js';
import { checkSize } from './bench-matmul.js';
import { gemmLibrary, getBackend } from './index.js';

export interface MatmulCompareOptions {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** Threads for ours and for every anchor. Default: the backend's current count. */
  readonly threads?: number;
  /** Alternating rounds per transpose combination (one timed call of each side per round). Default 15. */
  readonly rounds?: number;
  /** Python interpreter for the anchors (needs numpy; torch for the PyTorch anchor). Default 'python3'. */
  readonly python?: string;
  /** The anchors script the interpreter runs. Default: bench/matmul-anchors.py of the repository. */
  readonly script?: string;
  /** Transpose combinations to run. Default all four: NN, NT, TN, TT. */
  readonly combinations?: readonly ('NN' | 'NT' | 'TN' | 'TT')[];
  /**
   * Milliseconds of rest before each timed call (default 300). The side that ran last leaves its threads spinning
   * for the next job (OpenMP's, OpenBLAS's for up to 2^28 cycles, and our pool's) and they would take the cores from the next side.
   */
  readonly settleMs?: number;
  /**
   * Untimed calls of the same side after the rest and just before its timed call (default 0). 0 times a product that
   * starts with every side's threads asleep; 1 or more, products back to back as in a training step, where each side's
   * threads are awake and the previous side's have been still for the rest.
   */
  readonly leadCalls?: number;
}

export interface MatmulCompareRow {
  /** 'NN', 'NT', 'TN' or 'TT': whether A, then B, is stored transposed. */
  readonly combination: string;
  /** Median GFLOP/s over the rounds, per side ('ours' and each anchor that loaded). */
  readonly gflops: Readonly<Record<string, number>>;
  /** Median over the rounds of (the fastest anchor's time in that round) / (our time): 1 = as fast as the best. */
  readonly oursOverBest: number;
  /**
   * The same with CPU time (all threads of each process) in place of wall-clock time: on a machine shared with
   * other work, time spent waiting for a core counts on neither side.
   */
  readonly oursOverBestCpu: number;
}

export interface MatmulCompareResult {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly threads: number;
  readonly rounds: number;
  /** What computed our side ('builtin', 'openblas', ...). */
  readonly library: string;
  /** Each anchor's own description (version, library, OpenBLAS core), or why it did not load. */
  readonly anchors: Readonly<Record<string, string>>;
  readonly rows: readonly MatmulCompareRow[];
}

/** One call's wall-clock and CPU milliseconds. */
interface Timing {
  readonly wall: number;
  readonly cpu: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function randomMatrix(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 4294967296 - 0.5;
  }
  return out;
}

/** Where the anchors script lies: bench/ at the repository root (dist/src/backend/ when compiled). */
export function anchorsScript(): string {
  return fileURLToPath(new URL('../../../bench/matmul-anchors.py', import.meta.url));
}

export async function benchMatmulCompare(o: MatmulCompareOptions): Promise<MatmulCompareResult> {
  checkSize('m', o.m, 1);
  checkSize('k', o.k, 1);
  checkSize('n', o.n, 1);
  checkSize('threads', o.threads, 1);
  checkSize('rounds', o.rounds, 1);
  checkSize('lead-calls', o.leadCalls, 0);
  const script = o.script ?? anchorsScript();
  if (!existsSync(script)) throw new FinetuneError(`${script}: not found (bench matmul --compare runs from a clone of the repository)`);
  const backend = getBackend();
  const threadsBefore = backend.getThreads();
  const threads = o.threads ?? threadsBefore;
  const rounds = o.rounds ?? 15;
  const python = o.python ?? 'python3';
  const { m, k, n } = o;
  const child = spawn(python, [script, String(m), String(k), String(n), String(threads)], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.on('error', (error) => reject(new FinetuneError(`bench matmul: cannot run ${python} (--python): ${error.message}`)));
  });
  spawnError.catch(() => undefined); // raced below; never an unhandled rejection when the script ends first
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const line = await Promise.race([lines.next(), spawnError]);
    if (line.done) {
      const why = stderr.trim().split('\n').at(-1) ?? '';
      throw new FinetuneError(`bench matmul: ${script} exited early under ${python} (--python)${why ? `: ${why}` : ''}`);
    }
    return line.value;
  };
  try {
    const hello = JSON.parse(await nextLine()) as { anchors: string[]; info: Record<string, string> };
    const anchorNames = hello.anchors;
    const anchorCall = async (name: string, combination: string): Promise<Timing> => {
      child.stdin!.write(`${name} ${combination}\n`);
      const reply = await nextLine();
      const [wall, cpu] = reply.split(' ').map(Number);
      if (!(Number.isFinite(wall) && Number.isFinite(cpu))) {
        throw new FinetuneError(`bench matmul: anchor ${name} failed on ${combination}: ${reply}`);
      }
      return { wall: wall!, cpu: cpu! };
    };
    backend.setThreads(threads);
    const rows: MatmulCompareRow[] = [];
    for (const combination of o.combinations ?? (['NN', 'NT', 'TN', 'TT'] as const)) {
      const transA = combination[0] === 'T';
      const transB = combination[1] === 'T';
      const a = randomMatrix(m * k, 1);
      const b = randomMatrix(k * n, 2);
      const c = new Float32Array(m * n);
      const ours = (): Timing => {
        const cpu = process.cpuUsage();
        const start = process.hrtime.bigint();
        backend.gemm(transA, transB, 1, m, n, k, 1, a, 0, transA ? m : k, b, 0, transB ? k : n, 0, c, 0, n);
        const wall = Number(process.hrtime.bigint() - start) / 1e6;
        const used = process.cpuUsage(cpu);
        return { wall, cpu: (used.user + used.system) / 1000 };
      };
      const sides = ['ours', ...anchorNames];
      const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, o.settleMs ?? 300));
      const call = (side: string): Promise<Timing> | Timing => (side === 'ours' ? ours() : anchorCall(side, combination));
      const run = async (side: string): Promise<Timing> => {
        await settle();
        for (let lead = 0; lead < (o.leadCalls ?? 0); lead++) await call(side);
        return call(side);
      };
      for (const side of sides) await run(side); // warm-up: packing buffers, threads, first-touch pages
      const times: Record<string, number[]> = Object.fromEntries(sides.map((side) => [side, []]));
      const ratios: number[] = [];
      const cpuRatios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        // Who goes first alternates, so a slow drift in load falls on every side alike.
        const order = round % 2 === 0 ? sides : [...sides].reverse();
        const now: Record<string, Timing> = {};
        for (const side of order) now[side] = await run(side);
        for (const side of sides) times[side]!.push(now[side]!.wall);
        if (anchorNames.length > 0) {
          ratios.push(Math.min(...anchorNames.map((name) => now[name]!.wall)) / now.ours!.wall);
          cpuRatios.push(Math.min(...anchorNames.map((name) => now[name]!.cpu)) / Math.max(now.ours!.cpu, 1e-3));
        }
      }
      const flops = 2 * m * n * k;
      rows.push({
        combination,
        gflops: Object.fromEntries(sides.map((side) => [side, flops / (median(times[side]!) / 1000) / 1e9])),
        oursOverBest: ratios.length > 0 ? median(ratios) : Number.NaN,
        oursOverBestCpu: cpuRatios.length > 0 ? median(cpuRatios) : Number.NaN,
      });
    }
    return { m, k, n, threads, rounds, library: gemmLibrary(backend), anchors: hello.info, rows };
  } finally {
    backend.setThreads(threadsBefore);
    child.stdin!.end();
    child.kill();
  }
}
