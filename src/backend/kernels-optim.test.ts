// Optimizer kernel tests on every available backend: AdamW and SGD against steps computed by hand in float64.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, backendsUnderTest, randomF32 } from './test-support.js';

for (const { name, backend, skip } of backendsUnderTest()) {
  describe(`optimizer kernels on ${name}`, { skip: skip ?? false }, () => {
    const be = backend!;

    test('adamw: one hand-computed step, then many parameters over several steps', () => {
      const p = Float32Array.of(1, -2);
      const g = Float32Array.of(0.5, 0.25);
      const m = Float32Array.of(0.1, 0);
      const v = Float32Array.of(0.01, 0);
      be.adamw([p], [g], [m], [v], Float32Array.of(0.1), 0.01, 0.9, 0.999, 1e-8, 2);
      // m = 0.9*0.1 + 0.1*0.5 = 0.14; v = 0.999*0.01 + 0.001*0.25 = 0.01024; decay p = 1 - 0.01*0.1*1 = 0.999
      // update = 0.01 * (0.14 / (1 - 0.81)) / (sqrt(0.01024 / (1 - 0.998001)) + 1e-8)
      const u0 = (0.01 * (0.14 / 0.19)) / (Math.sqrt(0.01024 / (1 - 0.999 ** 2)) + 1e-8);
      const u1 = (0.01 * (0.025 / 0.19)) / (Math.sqrt(0.0000625 / (1 - 0.999 ** 2)) + 1e-8);
      assertClose(m, [0.14, 0.025], 'm', 1e-6, 1e-8);
      assertClose(v, [0.01024, 0.0000625], 'v', 1e-6, 1e-10);
      assertClose(p, [0.999 - u0, -2 * 0.999 - u1], 'p', 1e-6, 1e-7);

      const sizes = [300_000, 7, 1, 4096];
      const params = sizes.map((n, i) => randomF32(n, 40 + i));
      const grads = sizes.map((n, i) => randomF32(n, 50 + i));
      const ms = sizes.map((n) => new Float32Array(n));
      const vs = sizes.map((n) => new Float32Array(n));
      const decay = Float32Array.of(0.01, 0, 0.5, 0.01);
      const eP = params.map((a) => Float64Array.from(a));
      const eM = sizes.map((n) => new Float64Array(n));
      const eV = sizes.map((n) => new Float64Array(n));
      const [lr, b1, b2, eps] = [1e-3, 0.9, 0.98, 1e-6];
      for (let step = 1; step <= 3; step++) {
        be.adamw(params, grads, ms, vs, decay, lr, b1, b2, eps, step);
        for (let t = 0; t < sizes.length; t++) {
          for (let i = 0; i < sizes[t]!; i++) {
            const gi = grads[t]![i]!;
            eM[t]![i] = b1 * eM[t]![i]! + (1 - b1) * gi;
            eV[t]![i] = b2 * eV[t]![i]! + (1 - b2) * gi * gi;
            eP[t]![i] = eP[t]![i]! * (1 - lr * decay[t]!);
            eP[t]![i] -= (lr * eM[t]![i]!) / (1 - b1 ** step) / (Math.sqrt(eV[t]![i]! / (1 - b2 ** step)) + eps);
          }
        }
      }
      for (let t = 0; t < sizes.length; t++) {
        assertClose(params[t]!, eP[t]!, `adamw param ${t}`, 1e-5, 1e-6);
        assertClose(ms[t]!, eM[t]!, `adamw m ${t}`, 1e-5, 1e-7);
        assertClose(vs[t]!, eV[t]!, `adamw v ${t}`, 1e-4, 1e-9);
      }
    });

    test('sgd: plain, weight decay, momentum with dampening, nesterov; grads untouched', () => {
      for (const [momentum, dampening, weightDecay, nesterov] of [
        [0, 0, 0, false],
        [0, 0, 0.1, false],
        [0.9, 0, 0, false],
        [0.9, 0.3, 0.05, false],
        [0.8, 0, 0.01, true],
      ] as const) {
        const sizes = [70_001, 5];
        const params = sizes.map((n, i) => randomF32(n, 60 + i));
        const grads = sizes.map((n, i) => randomF32(n, 70 + i));
        const gradsBefore = grads.map((g) => Float32Array.from(g));
        const buffers = momentum === 0 ? [] : sizes.map((n) => new Float32Array(n));
        const eP = params.map((a) => Float64Array.from(a));
        const eB = sizes.map((n) => new Float64Array(n));
        for (let step = 0; step < 2; step++) {
          be.sgd(params, grads, buffers, 0.05, momentum, dampening, weightDecay, nesterov, step === 0);
          for (let t = 0; t < sizes.length; t++) {
            for (let i = 0; i < sizes[t]!; i++) {
              let d = grads[t]![i]! + weightDecay * eP[t]![i]!;
              if (momentum !== 0) {
                eB[t]![i] = step === 0 ? d : momentum * eB[t]![i]! + (1 - dampening) * d;
                d = nesterov ? d + momentum * eB[t]![i]! : eB[t]![i]!;
              }
              eP[t]![i] -= 0.05 * d;
            }
          }
        }
        const label = `sgd momentum=${momentum} dampening=${dampening} wd=${weightDecay} nesterov=${nesterov}`;
        for (let t = 0; t < sizes.length; t++) {
          assertClose(params[t]!, eP[t]!, `${label} param ${t}`, 1e-5, 1e-6);
          if (momentum !== 0) assertClose(buffers[t]!, eB[t]!, `${label} buffer ${t}`, 1e-5, 1e-6);
          assert.deepEqual(grads[t], gradsBefore[t], `${label}: grads unchanged`);
        }
      }
    });
  });
}
