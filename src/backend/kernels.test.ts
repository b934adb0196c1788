// Kernel tests on every available backend: gemm, element-wise, broadcasting, strided copies and reductions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Binary, Reduce, Unary } from './backend.js';
import { erf } from './js/erf.js';
import { assertClose, backendsUnderTest, randomF32, rng } from './test-support.js';

/** float64 C = alpha op(A) op(B) + beta C0 for one matrix of the batch. */
function referenceGemm(
  tA: boolean,
  tB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  aOff: number,
  lda: number,
  b: Float32Array,
  bOff: number,
  ldb: number,
  beta: number,
  c0: Float32Array,
  cOff: number,
  ldc: number,
  out: Float64Array,
): void {
  const aAt = (i: number, p: number): number => (tA ? a[aOff + p * lda + i]! : a[aOff + i * lda + p]!);
  const bAt = (p: number, j: number): number => (tB ? b[bOff + j * ldb + p]! : b[bOff + p * ldb + j]!);
  const opA = new Float64Array(m * k);
  const opB = new Float64Array(k * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) opA[i * k + p] = aAt(i, p);
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) opB[p * n + j] = bAt(p, j);
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const av = opA[i * k + p]!;
      for (let j = 0; j < n; j++) row[j] += av * opB[p * n + j]!;
    }
    for (let j = 0; j < n; j++) {
      out[cOff + i * ldc + j] = alpha * row[j]! + (beta === 0 ? 0 : beta * c0[cOff + i * ldc + j]!);
    }
  }
}

const ERF_FROM_PYTHON: readonly (readonly [number, number])[] = [
  [0.1, 0.1124629160182849],
  [0.5, 0.5204998778130465],
  [-1.3, -0.9340079449406524],
  [2.2, 0.9981371537020182],
  [3.1, 0.9999883513426328],
  [-4.5, -0.9999999998033839],
];

const UNARY_REFERENCE: Record<number, (x: number, alpha: number) => number> = {
  [Unary.Neg]: (x) => -x,
  [Unary.Exp]: (x) => Math.exp(x),
  [Unary.Log]: (x) => Math.log(x),
  [Unary.Sqrt]: (x) => Math.sqrt(x),
  [Unary.Rsqrt]: (x) => 1 / Math.sqrt(x),
  [Unary.Abs]: (x) => Math.abs(x),
  [Unary.Tanh]: (x) => Math.tanh(x),
  [Unary.Sigmoid]: (x) => 1 / (1 + Math.exp(-x)),
  [Unary.Relu]: (x) => Math.max(x, 0),
  [Unary.GeluErf]: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  [Unary.GeluTanh]: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  [Unary.Pow]: (x, alpha) => x ** alpha,
  [Unary.Scale]: (x, alpha) => x * alpha,
  [Unary.AddScalar]: (x, alpha) => x + alpha,
};
/** Ops whose domain is x > 0. */
const POSITIVE_ONLY = new Set<number>([Unary.Log, Unary.Sqrt, Unary.Rsqrt, Unary.Pow]);

test('js erf matches Python math.erf', () => {
  for (const [x, expected] of ERF_FROM_PYTHON) assert.ok(Math.abs(erf(x) - expected) < 1e-14, `erf(${x})`);
  assert.equal(erf(7), 1);
  assert.ok(Number.isNaN(erf(NaN)));
});

for (const { name, backend, skip } of backendsUnderTest()) {
  describe(`kernels on ${name}`, { skip: skip ?? false }, () => {
    const be = backend!;

    test('gemm: 4 transpose combinations, padded leading dimensions, beta 0 over NaN and beta 1.5', () => {
      const m = 300,
        k = 300,
        n = 500; // k over one 256-deep block of the built-in GEMM
      for (const [tA, tB, beta] of [
        [false, false, 0],
        [false, true, 1.5],
        [true, false, 1.5],
        [true, true, 0],
      ] as const) {
        const lda = (tA ? m : k) + 3,
          ldb = (tB ? k : n) + 1,
          ldc = n + 2;
        const a = randomF32((tA ? k : m) * lda, 1);
        const b = randomF32((tB ? n : k) * ldb, 2);
        const product = new Float64Array(m * ldc);
        referenceGemm(tA, tB, m, n, k, 1, a, 0, lda, b, 0, ldb, 0, product as unknown as Float32Array, 0, ldc, product);
        {
          const c = randomF32(m * ldc, 3);
          if (beta === 0) for (let i = 0; i < m; i++) c.fill(NaN, i * ldc, i * ldc + n);
          const expected = Float64Array.from(c);
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              const at = i * ldc + j;
              expected[at] = 0.75 * product[at]! + (beta === 0 ? 0 : beta * c[at]!);
            }
          be.gemm(tA, tB, 1, m, n, k, 0.75, a, 0, lda, b, 0, ldb, beta, c, 0, ldc);
          assertClose(c, expected, `gemm tA=${tA} tB=${tB} beta=${beta}`, 1e-4, 1e-4);
        }
      }
    });

    test('gemm: batched, stride 0 broadcasts B, small and degenerate sizes', () => {
      for (const [batch, m, n, k] of [
        [7, 33, 17, 65],
        [12, 64, 64, 48],
        [3, 1, 1, 1],
        [2, 5, 3, 0],
      ] as const) {
        for (const [tA, tB] of [
          [false, false],
          [true, true],
          [false, true],
          [true, false],
        ] as const) {
          const a = randomF32(batch * m * k, 4);
          const b = randomF32(k * n, 5);
          const c = randomF32(batch * m * n, 6);
          const expected = new Float64Array(c);
          for (let i = 0; i < batch; i++) {
            referenceGemm(tA, tB, m, n, k, 1, a, i * m * k, tA ? m : k, b, 0, tB ? k : n, 0.5, c, i * m * n, n, expected);
          }
          be.gemm(tA, tB, batch, m, n, k, 1, a, m * k, tA ? m : k, b, 0, tB ? k : n, 0.5, c, m * n, n);
          assertClose(c, expected, `batched gemm ${batch}x${m}x${n}x${k} tA=${tA} tB=${tB}`, 1e-4, 1e-4);
        }
      }
    });

    test('unary: every op against float64, small and large', () => {
      for (const size of [37, 100_003]) {
        for (const [opName, reference] of Object.entries(UNARY_REFERENCE)) {
          const op = Number(opName) as Unary;
          const x = POSITIVE_ONLY.has(op) ? randomF32(size, 7, 0.05, 4) : randomF32(size, 7, -6, 6);
          const alpha = op === Unary.Pow ? 1.7 : 0.37;
          const out = new Float32Array(size);
          be.unary(op, x, out, alpha);
          const expected = Array.from(x, (v) => reference(v, alpha));
          assertClose(out, expected, `unary ${opName} n=${size}`, 2e-6, 2e-6);
          const inPlace = Float32Array.from(x);
          be.unary(op, inPlace, inPlace, alpha);
          assertClose(inPlace, out, `unary ${opName} in place`, 0, 0);
        }
      }
    });

    test('unaryGrad: every op against central differences of the float64 forward', () => {
      for (const size of [29, 70_001]) {
        for (const [opName, reference] of Object.entries(UNARY_REFERENCE)) {
          const op = Number(opName) as Unary;
          const x = POSITIVE_ONLY.has(op) ? randomF32(size, 8, 0.05, 4) : randomF32(size, 8, -5, 5);
          const alpha = op === Unary.Pow ? 2.5 : 0.37;
          const y = new Float32Array(size);
          be.unary(op, x, y, alpha);
          const dy = randomF32(size, 9);
          const dx = new Float32Array(size);
          be.unaryGrad(op, x, y, dy, dx, alpha);
          const h = 1e-6;
          const expected = Array.from(x, (v, i) => (dy[i]! * (reference(v + h, alpha) - reference(v - h, alpha))) / (2 * h));
          assertClose(dx, expected, `unaryGrad ${opName} n=${size}`, 2e-4, 1e-5);
          const aliased = Float32Array.from(dy);
          be.unaryGrad(op, x, y, aliased, aliased, alpha);
          assertClose(aliased, dx, `unaryGrad ${opName} dx aliasing dy`, 0, 0);
        }
      }
    });

    test('binary: broadcasting through zero strides, every op, large shape', () => {
      const shapes: [number[], number[], number[]][] = [
        // shape, a strides, b strides
        [
          [3, 4, 5],
          [20, 5, 1],
          [0, 5, 1],
        ],
        [
          [3, 4, 5],
          [1, 0, 3],
          [5, 0, 1],
        ],
        [
          [64, 96, 33],
          [96 * 33, 33, 1],
          [0, 1, 0],
        ],
        [
          [2, 1, 6],
          [6, 6, 1],
          [0, 0, 0],
        ],
        [[], [], []],
      ];
      for (const [shape, aS, bS] of shapes) {
        const total = shape.reduce((p, s) => p * s, 1);
        const a = randomF32(total * 2, 10, -2, 2);
        const b = randomF32(total * 2, 11, -2, 2);
        for (let i = 0; i < a.length; i += 7) b[i] = a[i]!; // some exact ties for Equal / Maximum
        for (const [op, f] of [
          [Binary.Add, (x: number, y: number) => x + y],
          [Binary.Sub, (x: number, y: number) => x - y],
          [Binary.Mul, (x: number, y: number) => x * y],
          [Binary.Div, (x: number, y: number) => x / y],
          [Binary.Equal, (x: number, y: number) => (x === y ? 1 : 0)],
          [Binary.Greater, (x: number, y: number) => (x > y ? 1 : 0)],
          [Binary.Maximum, (x: number, y: number) => Math.max(x, y)],
        ] as const) {
          const out = new Float32Array(total);
          be.binary(op, Int32Array.from(shape), a, Int32Array.from(aS), b, Int32Array.from(bS), out);
          const expected = new Float64Array(total);
          forEachIndex(shape, (flat, idx) => {
            expected[flat] = f(a[dot(idx, aS)]!, b[dot(idx, bS)]!);
          });
          assertClose(out, expected, `binary op ${op} shape [${shape}]`, 1e-6, 1e-7);
        }
      }
      const a = new Float32Array([1, NaN, 3]);
      const out = new Float32Array(3);
      be.binary(Binary.Maximum, Int32Array.of(3), a, Int32Array.of(1), new Float32Array([NaN, 0, 5]), Int32Array.of(1), out);
      assert.ok(Number.isNaN(out[0]!) && Number.isNaN(out[1]!) && out[2] === 5, 'maximum propagates NaN');
      const inPlace = Float32Array.of(1, 2, 3, 4);
      be.binary(Binary.Mul, Int32Array.of(2, 2), inPlace, Int32Array.of(2, 1), Float32Array.of(10, 100), Int32Array.of(1, 0), inPlace);
      assert.deepEqual(Array.from(inPlace), [10, 20, 300, 400]);
    });

    test('where with broadcast condition', () => {
      for (const shape of [
        [4, 5],
        [50, 40, 30],
      ]) {
        const total = shape.reduce((p, s) => p * s, 1);
        const inner = shape[shape.length - 1]!;
        const cond = Float32Array.from({ length: inner }, (_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : -2));
        const cS = shape.map((_, d) => (d === shape.length - 1 ? 1 : 0));
        const aS = shape.map((_, d) => shape.slice(d + 1).reduce((p, s) => p * s, 1));
        const a = randomF32(total, 12);
        const b = Float32Array.of(-7);
        const out = new Float32Array(total);
        be.where(Int32Array.from(shape), cond, Int32Array.from(cS), a, Int32Array.from(aS), b, Int32Array.from(shape.map(() => 0)), out);
        const expected = new Float64Array(total);
        forEachIndex(shape, (flat, idx) => {
          expected[flat] = cond[dot(idx, cS)] !== 0 ? a[flat]! : -7;
        });
        assertClose(out, expected, `where [${shape}]`, 0, 0);
      }
    });

    test('copyStrided: permute, slice with offsets, broadcast, int32, NaN bits', () => {
      const src = randomF32(2 * 3 * 4 + 5, 13);
      const dst = new Float32Array(2 * 3 * 4 + 3).fill(99);
      // permute [2,3,4] -> [4,2,3] reading from offset 5, writing at offset 3.
      be.copyStrided(Int32Array.of(4, 2, 3), src, 5, Int32Array.of(1, 12, 4), dst, 3);
      const expected = new Float64Array(dst.length).fill(99);
      forEachIndex([4, 2, 3], (flat, [i, j, l]) => {
        expected[3 + flat] = src[5 + i! + 12 * j! + 4 * l!]!;
      });
      assertClose(dst, expected, 'permute', 0, 0);

      const ids = Int32Array.from({ length: 300 * 70 }, (_, i) => i * 7 - 1000);
      const transposed = new Int32Array(ids.length);
      be.copyStrided(Int32Array.of(70, 300), ids, 0, Int32Array.of(1, 70), transposed, 0);
      for (let i = 0; i < 70; i++) for (let j = 0; j < 300; j++) assert.equal(transposed[i * 300 + j], ids[j * 70 + i]);

      const row = Int32Array.of(5, -6, 7);
      const expanded = new Int32Array(12);
      be.copyStrided(Int32Array.of(4, 3), row, 0, Int32Array.of(0, 1), expanded, 0);
      assert.deepEqual(Array.from(expanded), [5, -6, 7, 5, -6, 7, 5, -6, 7, 5, -6, 7]);

      const bits = Int32Array.of(0x7fc01234, 0x7f801001);
      const nanSource = new Float32Array(bits.buffer);
      const nanCopy = new Float32Array(2);
      be.copyStrided(Int32Array.of(2), nanSource, 0, Int32Array.of(1), nanCopy, 0);
      assert.deepEqual(Array.from(new Int32Array(nanCopy.buffer)), Array.from(bits));
    });

    test('axpy and fill', () => {
      const n = 200_001;
      const x = randomF32(n, 14);
      const y = randomF32(n, 15);
      const expected = Array.from(y, (v, i) => v + 0.3 * x[i]!);
      be.axpy(0.3, x, y);
      assertClose(y, expected, 'axpy', 1e-6, 1e-7);
      be.fill(y, -2.5);
      assert.ok(y.every((v) => v === -2.5));
    });

    test('reduce sum / max with argmax over the middle axis', () => {
      for (const [outer, size, inner] of [
        [3, 7, 1],
        [2, 5, 9],
        [1, 1, 4],
        [40, 300, 64],
        [5000, 1, 3],
      ] as const) {
        const x = randomF32(outer * size * inner, 16);
        for (let i = 0; i < x.length; i += 11) x[i] = 0.99; // ties: the first wins
        const sum = new Float32Array(outer * inner);
        const max = new Float32Array(outer * inner);
        const arg = new Int32Array(outer * inner).fill(-9);
        be.reduce(Reduce.Sum, x, outer, size, inner, sum, null);
        be.reduce(Reduce.Max, x, outer, size, inner, max, arg);
        const eSum = new Float64Array(outer * inner);
        const eMax = new Float64Array(outer * inner).fill(-Infinity);
        const eArg = new Int32Array(outer * inner);
        for (let o = 0; o < outer; o++)
          for (let s = 0; s < size; s++)
            for (let i = 0; i < inner; i++) {
              const v = x[(o * size + s) * inner + i]!;
              eSum[o * inner + i] += v;
              if (v > eMax[o * inner + i]!) {
                eMax[o * inner + i] = v;
                eArg[o * inner + i] = s;
              }
            }
        assertClose(sum, eSum, `sum ${outer}x${size}x${inner}`, 1e-5, 1e-5);
        assertClose(max, eMax, `max ${outer}x${size}x${inner}`, 0, 0);
        assert.deepEqual(Array.from(arg), Array.from(eArg), `argmax ${outer}x${size}x${inner}`);
      }
    });

    test('sumSquares in float64 over several arrays', () => {
      const arrays = [randomF32(100_000, 17), randomF32(3, 18), new Float32Array(0), randomF32(70_000, 19)];
      let expected = 0;
      for (const a of arrays) for (const v of a) expected += v * v;
      assert.ok(Math.abs(be.sumSquares(arrays) - expected) <= 1e-9 * expected);
      assert.equal(be.sumSquares([]), 0);
    });

    test('threads can be set and read', () => {
      const before = be.getThreads();
      be.setThreads(3);
      assert.equal(be.getThreads(), 3);
      be.setThreads(before);
      void rng;
    });
  });
}

function dot(idx: readonly number[], strides: readonly number[]): number {
  let s = 0;
  for (let d = 0; d < idx.length; d++) s += idx[d]! * strides[d]!;
  return s;
}

function forEachIndex(shape: readonly number[], visit: (flat: number, idx: number[]) => void): void {
  const total = shape.reduce((p, s) => p * s, 1);
  const idx = shape.map(() => 0);
  for (let flat = 0; flat < total; flat++) {
    visit(flat, idx);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}
