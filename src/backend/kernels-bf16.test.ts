// gemmBf16 on every backend: bf16 rounding (nearest even), all transposes, odd sizes, batches, beta, bad input; the native
// kernels (AVX512-BF16 and portable C) against the js emulation.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { roundArrayBf16, roundBf16 } from './js/gemm-bf16.js';
import { createJsBackend } from './js/index.js';
import { backendsUnderTest, randomF32 } from './test-support.js';

/** float64 C = alpha op(A) op(B) + beta C0 per batch matrix, with A and B as given (round them first for bf16). */
function reference(
  tA: boolean,
  tB: boolean,
  batch: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  sA: number,
  lda: number,
  b: Float32Array,
  sB: number,
  ldb: number,
  beta: number,
  c0: Float32Array,
  sC: number,
  ldc: number,
): { value: Float64Array; scale: Float64Array } {
  const value = Float64Array.from(c0);
  const scale = new Float64Array(c0.length);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const av = tA ? a[t * sA + p * lda + i]! : a[t * sA + i * lda + p]!;
          const bv = tB ? b[t * sB + j * ldb + p]! : b[t * sB + p * ldb + j]!;
          sum += av * bv;
          abs += Math.abs(av * bv);
        }
        const at = t * sC + i * ldc + j;
        value[at] = alpha * sum + (beta === 0 ? 0 : beta * c0[at]!);
        scale[at] = Math.abs(alpha) * abs + Math.abs(beta * c0[at]!);
      }
    }
  }
  return { value, scale };
}

/** Asserts |actual - expected| <= tol * scale + 1e-6 elementwise, naming the first index that fails. */
function assertWithin(actual: Float32Array, expected: Float64Array, scale: Float64Array, tol: number, label: string): void {
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    if (!(err <= tol * scale[i]! + 1e-6)) assert.fail(`${label}: index ${i}: ${actual[i]} vs ${expected[i]} (error ${err}, scale ${scale[i]})`);
  }
}

const SHAPES: readonly (readonly [boolean, boolean, number, number, number])[] = [
  [false, true, 37, 45, 29],
  [false, false, 13, 70, 33],
  [true, false, 50, 33, 17],
  [true, true, 25, 40, 64],
  [false, true, 1, 1, 1],
  [false, true, 130, 97, 256],
];

describe('roundBf16', () => {
  test('rounds to the nearest bfloat16, ties to even, keeping NaN, infinities and signed zero', () => {
    assert.equal(roundBf16(1), 1);
    assert.equal(roundBf16(1 + 2 ** -8), 1, 'a tie goes to the even neighbour (1)');
    assert.equal(roundBf16(1 + 3 * 2 ** -8), 1 + 2 ** -6, 'a tie goes to the even neighbour (1 + 2^-6)');
    assert.equal(roundBf16(1 + 2 ** -8 + 2 ** -12), 1 + 2 ** -7, 'above the tie rounds up');
    assert.equal(roundBf16(-Math.PI), -3.140625);
    assert.ok(Number.isNaN(roundBf16(Number.NaN)));
    assert.equal(roundBf16(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
    assert.equal(roundBf16(3.4e38), Number.POSITIVE_INFINITY, 'past the largest bf16 rounds to infinity');
    assert.ok(Object.is(roundBf16(-0), -0));
    const x = Float32Array.of(1 + 2 ** -8, Number.NaN, -2.5e-3);
    const r = roundArrayBf16(x);
    assert.equal(r[0], 1);
    assert.ok(Number.isNaN(r[1]!));
    assert.equal(r[2], roundBf16(-2.5e-3));
  });
});

for (const { name, backend, skip } of backendsUnderTest()) {
  describe(`gemmBf16 on ${name}`, { skip: skip ?? false }, () => {
    const be = backend!;
    test('equals the exact product of the bf16-rounded operands (float32 sums), every transpose and odd sizes', () => {
      for (const [index, [tA, tB, m, n, k]] of SHAPES.entries()) {
        const a = randomF32(m * k, 10 + index);
        const b = randomF32(k * n, 20 + index);
        const c = new Float32Array(m * n).fill(Number.NaN);
        const lda = tA ? m : k;
        const ldb = tB ? k : n;
        be.gemmBf16(tA, tB, 1, m, n, k, 1, a, 0, lda, b, 0, ldb, 0, c, 0, n);
        const exact = reference(tA, tB, 1, m, n, k, 1, roundArrayBf16(a), 0, lda, roundArrayBf16(b), 0, ldb, 0, new Float32Array(m * n), 0, n);
        assertWithin(c, exact.value, exact.scale, 1e-5, `${tA ? 'T' : 'N'}${tB ? 'T' : 'N'} ${m}x${n}x${k}`);
        // Against the float32 operands, only bf16's precision (8 bits) holds.
        const f32 = reference(tA, tB, 1, m, n, k, 1, a, 0, lda, b, 0, ldb, 0, new Float32Array(m * n), 0, n);
        assertWithin(c, f32.value, f32.scale, 2 ** -7, `${m}x${n}x${k} against float32`);
      }
    });

    test('batches with strides (a broadcast B), alpha, beta and a wider ldc', () => {
      const [batch, m, n, k, ldc] = [3, 14, 35, 19, 40];
      const a = randomF32(batch * m * k, 1);
      const b = randomF32(k * n, 2);
      const c = randomF32(batch * m * ldc, 3);
      const c0 = Float32Array.from(c);
      be.gemmBf16(false, false, batch, m, n, k, 0.5, a, m * k, k, b, 0, n, 2, c, m * ldc, ldc);
      const exact = reference(false, false, batch, m, n, k, 0.5, roundArrayBf16(a), m * k, k, roundArrayBf16(b), 0, n, 2, c0, m * ldc, ldc);
      assertWithin(c, exact.value, exact.scale, 1e-5, 'batched');
      for (let t = 0; t < batch; t++) {
        for (let i = 0; i < m; i++) {
          for (let j = n; j < ldc; j++) assert.equal(c[t * m * ldc + i * ldc + j], c0[t * m * ldc + i * ldc + j], 'columns past n untouched');
        }
      }
    });

    test('k = 0 gives beta * C; NaN in an operand stays NaN in its row', () => {
      const c = Float32Array.of(1, 2, 3, 4);
      be.gemmBf16(false, false, 1, 2, 2, 0, 1, new Float32Array(0), 0, 0, new Float32Array(0), 0, 2, 3, c, 0, 2);
      assert.deepEqual([...c], [3, 6, 9, 12]);
      const a = Float32Array.of(Number.NaN, 1, 1, 1);
      const out = new Float32Array(4);
      be.gemmBf16(false, false, 1, 2, 2, 2, 1, a, 0, 2, Float32Array.of(1, 1, 1, 1), 0, 2, 0, out, 0, 2);
      assert.ok(Number.isNaN(out[0]!) && Number.isNaN(out[1]!));
      assert.deepEqual([...out.subarray(2)], [2, 2]);
    });

    if (name !== 'js') {
      test('rejects arrays too short for their shape and leading dimensions below a row', () => {
        const small = new Float32Array(4);
        assert.throws(() => be.gemmBf16(false, false, 1, 4, 4, 4, 1, small, 0, 4, new Float32Array(16), 0, 4, 0, new Float32Array(16), 0, 4), RangeError);
        assert.throws(() => be.gemmBf16(false, false, 1, 2, 2, 2, 1, small, 0, 1, small, 0, 2, 0, small, 0, 2), /leading dimension/);
      });

      test('matches the js emulation within float32 rounding of the sums', () => {
        const js = createJsBackend();
        const [m, n, k] = [96, 160, 300];
        const a = randomF32(k * m, 7);
        const b = randomF32(k * n, 8);
        const ours = new Float32Array(m * n);
        const emulated = new Float32Array(m * n);
        be.gemmBf16(true, false, 1, m, n, k, 1, a, 0, m, b, 0, n, 0, ours, 0, n);
        js.gemmBf16(true, false, 1, m, n, k, 1, a, 0, m, b, 0, n, 0, emulated, 0, n);
        const exact = reference(true, false, 1, m, n, k, 1, roundArrayBf16(a), 0, m, roundArrayBf16(b), 0, n, 0, new Float32Array(m * n), 0, n);
        assertWithin(ours, Float64Array.from(emulated), exact.scale, 1e-5, 'native vs js');
      });
    }
  });
}

describe('gemmBf16 without AVX512-BF16', () => {
  const script = fileURLToPath(new URL('./bf16-child.test-helper.js', import.meta.url));
  test('FINETUNE_CPU_FEATURES hides the instructions: the portable kernel runs and agrees with the js emulation', (t) => {
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, FINETUNE_CPU_FEATURES: 'avx512f' } });
    if (run.status === 3) {
      t.skip(`native addon not built: ${run.stdout.trim()}`);
      return;
    }
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { features: string[]; kernel: string; maxError: number };
    assert.ok(!report.features.includes('avx512_bf16'), `features ${report.features}`);
    assert.equal(report.kernel, 'generic');
    assert.ok(report.maxError <= 1e-5, `max relative error ${report.maxError}`);
  });
});
