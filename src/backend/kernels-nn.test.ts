// Kernel tests on every available backend: softmax, layer norm, cross-entropy and embedding, forward and backward.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, backendsUnderTest, randomF32 } from './test-support.js';

/** float64 softmax / log-softmax of one row (all -Infinity gives zeros). */
function referenceSoftmaxRow(row: readonly number[], log: boolean): number[] {
  const max = Math.max(...row);
  if (max === -Infinity) return row.map(() => 0);
  const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
  return row.map((v) => (log ? v - max - Math.log(sum) : Math.exp(v - max) / sum));
}

/** float64 loss of one row with PyTorch's cross-entropy semantics. */
function referenceRowLoss(logits: readonly number[], t: number, w: readonly number[] | null, s: number): number {
  const logp = referenceSoftmaxRow(logits, true);
  const weight = (c: number): number => (w ? w[c]! : 1);
  let smooth = 0;
  for (let c = 0; c < logits.length; c++) smooth -= weight(c) * logp[c]!;
  return -(1 - s) * weight(t) * logp[t]! + (s / logits.length) * smooth;
}

for (const { name, backend, skip } of backendsUnderTest()) {
  describe(`nn kernels on ${name}`, { skip: skip ?? false }, () => {
    const be = backend!;

    test('softmax and log-softmax with a grouped mask and fully masked rows', () => {
      for (const [rows, cols, group] of [
        [12, 7, 3],
        [2 * 4 * 64, 64, 4 * 64],
        [600, 301, 1],
      ] as const) {
        const x = randomF32(rows * cols, 20, -5, 5);
        const maskRows = rows / group;
        const mask = new Float32Array(maskRows * cols);
        for (let r = 0; r < maskRows; r++) for (let c = 0; c < cols; c++) if ((c + r) % 5 === 4) mask[r * cols + c] = -1e9;
        mask.fill(-Infinity, 0, cols); // mask row 0 hides everything: its rows must come out as zeros
        for (const log of [false, true]) {
          for (const withMask of [true, false]) {
            const out = new Float32Array(rows * cols);
            be.softmax(x, rows, cols, withMask ? mask : null, group, log, out);
            const expected: number[] = [];
            for (let r = 0; r < rows; r++) {
              const mr = Math.floor(r / group);
              const row = Array.from(x.subarray(r * cols, (r + 1) * cols), (v, c) => v + (withMask ? mask[mr * cols + c]! : 0));
              expected.push(...referenceSoftmaxRow(row, log));
            }
            assertClose(out, expected, `softmax ${rows}x${cols} log=${log} mask=${withMask}`, 1e-5, 1e-6);
            if (withMask)
              assert.ok(
                out.subarray(0, cols).every((v) => v === 0),
                'fully masked row is zeros',
              );
          }
        }
      }
      const inPlace = Float32Array.of(1, 2, 3, -Infinity, -Infinity, -Infinity);
      be.softmax(inPlace, 2, 3, null, 1, false, inPlace);
      assertClose(inPlace, [...referenceSoftmaxRow([1, 2, 3], false), 0, 0, 0], 'softmax in place');
    });

    test('softmaxGrad for softmax and log-softmax, dx aliasing dy', () => {
      for (const [rows, cols] of [
        [5, 9],
        [700, 128],
      ] as const) {
        for (const log of [false, true]) {
          const y = new Float32Array(rows * cols);
          be.softmax(randomF32(rows * cols, 21, -3, 3), rows, cols, null, 1, log, y);
          const dy = randomF32(rows * cols, 22);
          const expected = new Float64Array(rows * cols);
          for (let r = 0; r < rows; r++) {
            let sum = 0;
            for (let c = 0; c < cols; c++) sum += log ? dy[r * cols + c]! : dy[r * cols + c]! * y[r * cols + c]!;
            for (let c = 0; c < cols; c++) {
              const i = r * cols + c;
              expected[i] = log ? dy[i]! - Math.exp(y[i]!) * sum : y[i]! * (dy[i]! - sum);
            }
          }
          const dx = new Float32Array(rows * cols);
          be.softmaxGrad(y, dy, rows, cols, log, dx);
          assertClose(dx, expected, `softmaxGrad ${rows}x${cols} log=${log}`, 1e-4, 1e-6);
          be.softmaxGrad(y, dy, rows, cols, log, dy);
          assertClose(dy, dx, 'softmaxGrad in place', 0, 0);
        }
      }
    });

    test('layerNorm forward and backward with dgamma / dbeta column sums', () => {
      for (const [rows, cols] of [
        [3, 10],
        [1000, 257],
      ] as const) {
        const x = randomF32(rows * cols, 23, -2, 3);
        const gamma = randomF32(cols, 24, 0.5, 1.5);
        const beta = randomF32(cols, 25);
        const eps = 1e-5;
        const out = new Float32Array(rows * cols);
        const mean = new Float32Array(rows);
        const rstd = new Float32Array(rows);
        be.layerNorm(x, gamma, beta, rows, cols, eps, out, mean, rstd);
        const dy = randomF32(rows * cols, 26);
        const eOut = new Float64Array(rows * cols),
          eMean = new Float64Array(rows),
          eRstd = new Float64Array(rows);
        const eDx = new Float64Array(rows * cols),
          eDgamma = new Float64Array(cols),
          eDbeta = new Float64Array(cols);
        for (let r = 0; r < rows; r++) {
          const row = x.subarray(r * cols, (r + 1) * cols);
          const mu = row.reduce((s, v) => s + v, 0) / cols;
          const variance = row.reduce((s, v) => s + (v - mu) ** 2, 0) / cols;
          const rs = 1 / Math.sqrt(variance + eps);
          eMean[r] = mu;
          eRstd[r] = rs;
          let g = 0,
            gx = 0;
          for (let c = 0; c < cols; c++) {
            const i = r * cols + c;
            const xhat = (x[i]! - mu) * rs;
            eOut[i] = xhat * gamma[c]! + beta[c]!;
            g += dy[i]! * gamma[c]!;
            gx += dy[i]! * gamma[c]! * xhat;
            eDgamma[c] += dy[i]! * xhat;
            eDbeta[c] += dy[i]!;
          }
          for (let c = 0; c < cols; c++) {
            const i = r * cols + c;
            eDx[i] = rs * (dy[i]! * gamma[c]! - g / cols - ((x[i]! - mu) * rs * gx) / cols);
          }
        }
        assertClose(out, eOut, `layerNorm out ${rows}x${cols}`, 1e-5, 1e-5);
        assertClose(mean, eMean, 'layerNorm mean', 1e-5, 1e-6);
        assertClose(rstd, eRstd, 'layerNorm rstd', 1e-5, 1e-6);
        const dx = new Float32Array(rows * cols);
        const dgamma = new Float32Array(cols).fill(123);
        const dbeta = new Float32Array(cols).fill(123);
        be.layerNormGrad(x, gamma, mean, rstd, dy, rows, cols, dx, dgamma, dbeta);
        assertClose(dx, eDx, `layerNormGrad dx ${rows}x${cols}`, 1e-4, 1e-5);
        assertClose(dgamma, eDgamma, 'layerNormGrad dgamma (overwritten)', 1e-4, 1e-4);
        assertClose(dbeta, eDbeta, 'layerNormGrad dbeta (overwritten)', 1e-4, 1e-4);
      }
    });

    test('crossEntropy with class weights, ignore index and label smoothing; gradient by finite differences', () => {
      for (const [rows, cols] of [
        [6, 5],
        [2000, 3],
      ] as const) {
        const logits = randomF32(rows * cols, 27, -4, 4);
        const targets = Int32Array.from({ length: rows }, (_, r) => (r % 4 === 3 ? -100 : (r * 7) % cols));
        for (const [weights, smoothing] of [
          [null, 0],
          [randomF32(cols, 28, 0.2, 2), 0],
          [randomF32(cols, 29, 0.2, 2), 0.1],
          [null, 0.2],
        ] as const) {
          const probs = new Float32Array(rows * cols);
          const rowLoss = new Float32Array(rows);
          const rowWeight = new Float32Array(rows);
          assert.equal(be.crossEntropy(logits, targets, rows, cols, weights, -100, smoothing, probs, rowLoss, rowWeight), -1);
          const w = weights ? Array.from(weights) : null;
          const eLoss: number[] = [],
            eWeight: number[] = [],
            eProbs: number[] = [];
          for (let r = 0; r < rows; r++) {
            const row = Array.from(logits.subarray(r * cols, (r + 1) * cols));
            eProbs.push(...referenceSoftmaxRow(row, false));
            const t = targets[r]!;
            eLoss.push(t === -100 ? 0 : referenceRowLoss(row, t, w, smoothing));
            eWeight.push(t === -100 ? 0 : w ? w[t]! : 1);
          }
          const label = `crossEntropy ${rows}x${cols} weights=${weights !== null} s=${smoothing}`;
          assertClose(probs, eProbs, `${label} probs`, 1e-5, 1e-7);
          assertClose(rowLoss, eLoss, `${label} loss`, 1e-5, 1e-6);
          assertClose(rowWeight, eWeight, `${label} weight`, 0, 0);
          const dlogits = new Float32Array(rows * cols);
          be.crossEntropyGrad(probs, targets, rows, cols, weights, -100, smoothing, 0.5, dlogits);
          const expected = new Float64Array(rows * cols);
          const h = 1e-6;
          for (let r = 0; r < Math.min(rows, 40); r++) {
            const t = targets[r]!;
            if (t === -100) continue;
            for (let c = 0; c < cols; c++) {
              const row = Array.from(logits.subarray(r * cols, (r + 1) * cols));
              row[c] = row[c]! + h;
              const up = referenceRowLoss(row, t, w, smoothing);
              row[c] = row[c]! - 2 * h;
              const down = referenceRowLoss(row, t, w, smoothing);
              expected[r * cols + c] = (0.5 * (up - down)) / (2 * h);
            }
          }
          const checked = Math.min(rows, 40) * cols;
          assertClose(dlogits.subarray(0, checked), expected.subarray(0, checked), `${label} grad`, 1e-3, 1e-5);
          for (let r = 3; r < rows; r += 4)
            assert.ok(
              dlogits.subarray(r * cols, (r + 1) * cols).every((v) => v === 0),
              'ignored row',
            );
        }
      }
    });

    test('crossEntropy reports the first bad target and writes nothing', () => {
      const probs = new Float32Array(6).fill(7);
      const rowLoss = new Float32Array(2).fill(7);
      const rowWeight = new Float32Array(2).fill(7);
      const logits = randomF32(6, 30);
      assert.equal(be.crossEntropy(logits, Int32Array.of(0, 3), 2, 3, null, -100, 0, probs, rowLoss, rowWeight), 1);
      assert.equal(be.crossEntropy(logits, Int32Array.of(-1, 2), 2, 3, null, -100, 0, probs, rowLoss, rowWeight), 0);
      assert.ok(probs.every((v) => v === 7) && rowLoss.every((v) => v === 7));
      assert.equal(be.crossEntropy(logits, Int32Array.of(-1, 2), 2, 3, null, -1, 0, probs, rowLoss, rowWeight), -1);
      assert.equal(rowWeight[0], 0);
    });

    test('embedding lookup with a bad id; scatter-add with repeated ids', () => {
      for (const [vocab, dim, count] of [
        [10, 4, 6],
        [3000, 96, 4096],
      ] as const) {
        const table = randomF32(vocab * dim, 31);
        const ids = Int32Array.from({ length: count }, (_, i) => (i * 37) % vocab);
        ids[1] = ids[0]!;
        const out = new Float32Array(count * dim);
        assert.equal(be.embedding(table, vocab, dim, ids, out), -1);
        for (let n = 0; n < count; n++) {
          assertClose(out.subarray(n * dim, (n + 1) * dim), table.subarray(ids[n]! * dim, (ids[n]! + 1) * dim), `row ${n}`, 0, 0);
        }
        const dy = randomF32(count * dim, 32);
        const dTable = randomF32(vocab * dim, 33);
        const expected = Float64Array.from(dTable);
        for (let n = 0; n < count; n++) for (let d = 0; d < dim; d++) expected[ids[n]! * dim + d] += dy[n * dim + d]!;
        be.embeddingGrad(ids, dy, dim, dTable);
        assertClose(dTable, expected, `embeddingGrad ${vocab}x${dim}`, 1e-5, 1e-5);
      }
      const table = randomF32(12, 34);
      const out = new Float32Array(12).fill(5);
      assert.equal(be.embedding(table, 3, 4, Int32Array.of(2, 3, 0), out), 1);
      assert.deepEqual(Array.from(out.subarray(0, 4)), Array.from(table.subarray(8, 12)));
      assert.ok(
        out.subarray(8).every((v) => v === 5),
        'nothing written past the bad id',
      );
      assert.equal(be.embedding(table, 3, 4, Int32Array.of(-1), out), 0);
      const dTable = new Float32Array(12);
      be.embeddingGrad(Int32Array.of(5, 1), Float32Array.of(1, 1, 1, 1, 2, 2, 2, 2), 4, dTable);
      assert.deepEqual(Array.from(dTable), [0, 0, 0, 0, 2, 2, 2, 2, 0, 0, 0, 0], 'out-of-range ids are skipped');
    });
  });
}
