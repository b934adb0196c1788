// Shared by the kernel tests: the backends to run on, a seeded RNG, float64 references and closeness checks.
import assert from 'node:assert/strict';
import type { Backend } from './backend.js';
import { createJsBackend } from './js/index.js';
import { loadNativeBackend } from './native/index.js';

/** A backend to test, or the reason it cannot be. */
export interface BackendUnderTest {
  readonly name: string;
  readonly backend: Backend | null;
  readonly skip: string | null;
}

/** js always; native and native-builtin when their addon loads (otherwise a skip reason). */
export function backendsUnderTest(): BackendUnderTest[] {
  const list: BackendUnderTest[] = [{ name: 'js', backend: createJsBackend(), skip: null }];
  for (const [name, variant] of [
    ['native', 'blas'],
    ['native-builtin', 'builtin'],
  ] as const) {
    try {
      const backend = loadNativeBackend(variant);
      backend.setThreads(2);
      list.push({ name, backend, skip: null });
    } catch (error) {
      list.push({ name, backend: null, skip: `native addon not built: ${(error as Error).message}` });
    }
  }
  return list;
}

/** Mulberry32: small, fast, reproducible. */
export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n uniform values in [lo, hi). */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** Asserts |actual - expected| <= atol + rtol |expected| everywhere, naming the first index that fails. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, rtol = 1e-5, atol = 1e-6): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (a === e) continue;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${label}: index ${i}: got ${a}, expected ${e}`);
    }
  }
}
