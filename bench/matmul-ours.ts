// Prints this project's gemm GFLOP/s for the four transpose combinations of one shape, one line each (see matmul.sh).
// Usage: node dist/bench/matmul-ours.js [m k n] [--backend native|native-builtin|js] [--threads N]
import { benchMatmul } from '../src/backend/bench-matmul.js';
import type { BackendName } from '../src/backend/index.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args.splice(at, 2)[1] : undefined;
};
const backend = flag('backend') as BackendName | undefined;
const threads = flag('threads');
const [m, k, n] = args.length >= 3 ? args.slice(0, 3).map(Number) : [2048, 768, 3072];
for (const [transA, transB] of [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const) {
  const result = benchMatmul({
    m: m!,
    k: k!,
    n: n!,
    transA,
    transB,
    ...(backend ? { backend } : {}),
    ...(threads ? { threads: Number(threads) } : {}),
  });
  const label = `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;
  console.log(
    `ours  ${result.backend}(${result.library}) ${m}x${k}x${n} ${label} threads=${result.threads}: ` +
      `${result.gflops.toFixed(1)} GFLOP/s (${result.msPerCall.toFixed(2)} ms)`,
  );
}
