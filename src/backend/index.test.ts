// Backend selection, thread settings, the js fallback notice, the addon's argument checks and benchMatmul.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FinetuneError } from '../errors.js';
import { availableBackends, getBackend, getThreads, loadNativeBackend, setBackend, setThreads } from './index.js';
import { benchMatmul } from './bench-matmul.js';

const indexModule = new URL('./index.js', import.meta.url).href;

/** Runs a snippet in a fresh process (selection state is per process) with the given environment. */
function runFresh(code: string, env: Record<string, string>): { stdout: string; stderr: string; status: number | null } {
  const script = `import * as backends from ${JSON.stringify(indexModule)};\n${code}`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, FINETUNE_BACKEND: '', FINETUNE_THREADS: '', FINETUNE_SKIP_NATIVE: '', ...env },
    encoding: 'utf8',
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

let nativeReason: string | null = null;
try {
  loadNativeBackend('blas');
} catch (error) {
  nativeReason = (error as Error).message;
}

test('availableBackends always lists js; getBackend returns a working backend', () => {
  const names = availableBackends();
  assert.ok(names.includes('js'));
  if (nativeReason === null) assert.deepEqual(names.slice(0, 1), ['native']);
  const be = getBackend();
  const y = new Float32Array(2);
  be.axpy(2, Float32Array.of(1, 2), y);
  assert.deepEqual(Array.from(y), [2, 4]);
});

test('setBackend switches, carries the thread count, and rejects unknown or unavailable names', () => {
  setThreads(3);
  assert.equal(getThreads(), 3);
  assert.equal(setBackend('js').name, 'js');
  assert.equal(getBackend().getThreads(), 3);
  assert.throws(
    () => setBackend('gpu' as never),
    (e: unknown) => e instanceof FinetuneError && /unknown backend 'gpu'/.test(e.message),
  );
  assert.throws(() => setThreads(0), FinetuneError);
  assert.throws(() => setThreads(1.5), FinetuneError);
  if (nativeReason === null) {
    const native = setBackend('native');
    assert.equal(native.name, 'native');
    assert.equal(native.getThreads(), 3);
  }
  setThreads(2);
});

test('without the addon: js with a one-line notice, once; asking for native names it', () => {
  const code = 'backends.getBackend(); backends.getBackend(); console.log(backends.getBackend().name);';
  const fallback = runFresh(code, { FINETUNE_SKIP_NATIVE: '1' });
  assert.equal(fallback.stdout.trim(), 'js');
  const notices = fallback.stderr.trim().split('\n');
  assert.equal(notices.length, 1, fallback.stderr);
  assert.match(notices[0]!, /^finetune: native addon not available \(.+\); using the js backend$/);
  const forced = runFresh('try { backends.getBackend(); } catch (e) { console.log(e.name + ": " + e.message); }', {
    FINETUNE_SKIP_NATIVE: '1',
    FINETUNE_BACKEND: 'native',
  });
  assert.match(forced.stdout, /^FinetuneError: FINETUNE_BACKEND: backend 'native' is not available: /);
  const bogus = runFresh('try { backends.getBackend(); } catch (e) { console.log(e.message); }', { FINETUNE_BACKEND: 'cuda' });
  assert.match(bogus.stdout, /FINETUNE_BACKEND: unknown backend 'cuda'/);
});

test('FINETUNE_BACKEND and FINETUNE_THREADS pick the defaults', () => {
  const js = runFresh('const b = backends.getBackend(); console.log(b.name, b.getThreads(), backends.getThreads());', {
    FINETUNE_BACKEND: 'js',
    FINETUNE_THREADS: '5',
  });
  assert.equal(js.stdout.trim(), 'js 5 5');
  assert.equal(js.stderr, '');
  const bad = runFresh('try { backends.getThreads(); } catch (e) { console.log(e.message); }', { FINETUNE_THREADS: 'many' });
  assert.match(bad.stdout, /FINETUNE_THREADS: 'many' is not a thread count/);
  if (nativeReason === null) {
    const builtin = runFresh('const b = backends.getBackend(); console.log(b.name, b.blas, b.getThreads());', {
      FINETUNE_BACKEND: 'native-builtin',
      FINETUNE_THREADS: '3',
    });
    assert.equal(builtin.stdout.trim(), 'native-builtin builtin 3');
  }
});

test('benchMatmul measures a small product and validates its options', () => {
  const result = benchMatmul({ m: 40, k: 30, n: 20, transA: true, backend: 'js', repeats: 3 });
  assert.equal(result.backend, 'js');
  assert.equal(result.library, 'js');
  assert.ok(result.gflops > 0 && result.msPerCall > 0);
  assert.throws(() => benchMatmul({ m: 0, k: 3, n: 3 }), /bench matmul: --m must be an integer >= 1/);
  if (nativeReason === null) {
    const native = benchMatmul({ m: 64, k: 64, n: 64, threads: 1, backend: 'native', repeats: 3 });
    assert.equal(native.threads, 1);
    assert.notEqual(getBackend().name, 'native-builtin');
  }
});

test('native addon: argument checks throw JS errors instead of crashing', { skip: nativeReason ?? false }, () => {
  for (const variant of ['blas', 'builtin'] as const) {
    const be = loadNativeBackend(variant);
    const f = new Float32Array(4);
    assert.throws(() => (be.gemm as (...args: unknown[]) => void)(false, false), /gemm: expected 17 arguments, got 2/);
    assert.throws(() => be.gemm(false, false, 1, 2, 2, 2, 1, new Float32Array(3), 0, 2, f, 0, 2, 0, f, 0, 2), /gemm: A needs 4 elements, has 3/);
    assert.throws(() => be.gemm(false, false, 2, 2, 2, 2, 1, f, 4, 2, f, 0, 2, 0, f, 0, 2), /gemm: A needs 8 elements/);
    assert.throws(() => be.gemm(false, false, 1, 2, 2, 2, 1, f, 0, 1, f, 0, 2, 0, f, 0, 2), /leading dimension too small/);
    assert.throws(() => be.unary(1, [1, 2] as never, f, 0), /unary: argument 2 \(x\) must be a Float32Array/);
    assert.throws(() => be.unary(99 as never, f, f, 0), /unary: unknown op 99/);
    assert.throws(() => be.unary(1, f, new Float32Array(2), 0), /unary: out needs 4 elements, has 2/);
    assert.throws(() => be.binary(0, Int32Array.of(2, 2), f, Int32Array.of(2, 1), f, Int32Array.of(3, 1), f), /b: strided view reaches/);
    assert.throws(() => be.binary(0, Int32Array.of(2, 2), f, Int32Array.of(2), f, Int32Array.of(2, 1), f), /aStrides has 1 entries/);
    assert.throws(() => be.copyStrided(Int32Array.of(4), f, 1, Int32Array.of(1), f, 0), /src: strided view reaches elements 1\.\.4/);
    assert.throws(() => be.copyStrided(Int32Array.of(4), f, 0, Int32Array.of(1), new Float64Array(4) as never, 0), /Float32Array or an Int32Array/);
    assert.throws(() => be.softmax(f, 2, 2, f, 0, false, f), /softmax: argument 5 \(group\) must be an integer >= 1/);
    assert.throws(() => be.layerNorm(f, f, f, 2, 4, 1e-5, f, f, f), /layerNorm: x needs 8 elements, has 4/);
    assert.throws(() => be.adamw([f], [f, f], [f], [f], f, 1, 0.9, 0.99, 1e-8, 1), /adamw: grads has 2 arrays for 1 parameters/);
    assert.throws(() => be.adamw([f], [new Float32Array(3)], [f], [f], f, 1, 0.9, 0.99, 1e-8, 1), /grads\[0\] has 3 elements, parameter has 4/);
    assert.throws(() => be.adamw([f], [f], [f], [f], f, 1, 0.9, 0.99, 1e-8, 0), /step must be >= 1/);
    assert.throws(() => be.sgd([f], [f], [], 0.1, 0.9, 0, 0, false, true), /sgd: momentumBuffers has 0 arrays for 1 parameters/);
    assert.throws(() => be.sumSquares([f, 'x' as never]), /element 1 is not/);
    assert.throws(() => be.embedding(f, 2, 4, Int32Array.of(0), f), /embedding: table needs 8 elements, has 4/);
    assert.throws(() => be.setThreads(0), /setThreads: argument 1 \(threads\) must be an integer >= 1/);
  }
});

test('every GEMM engine and built-in micro-kernel this machine has agrees with the js backend', { skip: nativeReason ?? false }, () => {
  const child = fileURLToPath(new URL('./gemm-kernel-check.js', import.meta.url));
  const linked = loadNativeBackend('blas').blas;
  const runs: Record<string, string>[] = [
    { FINETUNE_GEMM_KERNEL: 'generic' },
    { FINETUNE_GEMM_KERNEL: 'avx2' },
    { FINETUNE_GEMM_KERNEL: 'avx512' },
    { FINETUNE_CHECK_VARIANT: 'blas', FINETUNE_GEMM: 'builtin' },
    { FINETUNE_CHECK_VARIANT: 'blas', FINETUNE_GEMM: 'blas' },
  ];
  for (const env of runs) {
    const result = spawnSync(process.execPath, [child], { env: { ...process.env, ...env }, encoding: 'utf8' });
    assert.equal(result.status, 0, `${JSON.stringify(env)}: ${result.stdout} ${result.stderr}`);
    const engine = env.FINETUNE_GEMM === 'blas' ? linked : 'builtin';
    assert.match(result.stdout, new RegExp(`^ok ${engine} `), result.stdout);
  }
});
