// Finite-difference gradient checks: our float32 op and its backward against a float64 reference function.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { Tensor } from '../../src/tensor/tensor.js';
import { setBackend, type BackendName } from '../../src/backend/index.js';
import { backendsUnderTest } from '../../src/backend/test-support.js';
import { arr, type Arr } from './reference64.js';

/** One input of a checked op: float inputs get gradients unless `noGrad`; int inputs never do. */
export interface CaseInput {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
  readonly int?: boolean;
  readonly noGrad?: boolean;
}

export interface OpCase {
  readonly name: string;
  readonly inputs: readonly CaseInput[];
  /** Our op on tensors made from the inputs. */
  readonly ours: (inputs: Tensor[]) => Tensor;
  /** The same function in float64. */
  readonly reference: (inputs: Arr[]) => Arr;
  /** Forward tolerance (absolute + relative), default 1e-5. */
  readonly tolerance?: number;
  /** Gradient tolerance relative to the largest gradient entry, default 2e-3. */
  readonly gradTolerance?: number;
  /** How many coordinates per input to check by finite differences (default all, at most 40). */
  readonly probes?: number;
}

/** Seeded uniform data in [lo, hi). */
export function uniform(n: number, seed: number, lo = -1, hi = 1): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(lo + ((hi - lo) * s) / 4294967296);
  }
  return out;
}

export function input(shape: readonly number[], seed: number, lo = -1, hi = 1): CaseInput {
  return {
    shape,
    data: uniform(
      shape.reduce((a, b) => a * b, 1),
      seed,
      lo,
      hi,
    ),
  };
}

/**
 * Checks forward values and, for every float input, the gradient of sum(out * R) for a fixed random R
 * against central differences of the float64 reference (step 1e-6, exact enough in float64).
 */
export function checkOp(c: OpCase): void {
  const tensors = c.inputs.map((i) =>
    i.int ? Tensor.from(Array.from(i.data), i.shape, { dtype: 'int32' }) : new Tensor(Float32Array.from(i.data), i.shape, { requiresGrad: !i.noGrad }),
  );
  // References see float32-rounded inputs so both sides compute on the same numbers.
  const refInputs = c.inputs.map((i) => arr(i.shape, i.int ? Array.from(i.data) : Float32Array.from(i.data)));
  const out = c.ours(tensors);
  const expected = c.reference(refInputs);
  assert.deepEqual([...out.shape], [...expected.shape], `${c.name}: output shape`);
  const tol = c.tolerance ?? 1e-5;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i]!;
    const a = out.data[i]!;
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e))) && !(Number.isNaN(a) && Number.isNaN(e))) {
      assert.fail(`${c.name}: forward index ${i}: got ${a}, expected ${e}`);
    }
  }
  if (!out.requiresGrad) return;
  const weights = Float32Array.from(uniform(out.size, 99, -1, 1));
  const loss = out.mul(new Tensor(weights, out.shape)).sum();
  loss.backward();
  const lossOf = (xs: Arr[]): number => {
    const y = c.reference(xs);
    let s = 0;
    for (let i = 0; i < y.data.length; i++) s += y.data[i]! * weights[i]!;
    return s;
  };
  c.inputs.forEach((spec, which) => {
    if (spec.int || spec.noGrad) return;
    const grad = tensors[which]!.grad;
    assert.ok(grad, `${c.name}: input ${which} got no gradient`);
    const n = refInputs[which]!.data.length;
    const probes = Math.min(c.probes ?? 40, n);
    const picks = probes >= n ? [...Array(n).keys()] : uniform(probes, 7 + which, 0, n).map(Math.floor);
    let scale = 0;
    for (const v of grad.data) scale = Math.max(scale, Math.abs(v));
    const gtol = (c.gradTolerance ?? 2e-3) * Math.max(scale, 1e-3);
    for (const j of picks) {
      const h = 1e-6;
      const plus = refInputs.map((r) => arr(r.shape, r.data));
      const minus = refInputs.map((r) => arr(r.shape, r.data));
      plus[which]!.data[j]! += h;
      minus[which]!.data[j]! -= h;
      const numeric = (lossOf(plus) - lossOf(minus)) / (2 * h);
      const analytic: number = grad.data[j]!;
      if (!(Math.abs(analytic - numeric) <= gtol)) {
        assert.fail(`${c.name}: d/d input${which}[${j}]: analytic ${analytic}, numeric ${numeric} (tolerance ${gtol})`);
      }
    }
  });
}

/**
 * Declares one test per case on every backend (js, native, native-builtin); backends whose addon
 * is not built are skipped with the reason.
 */
export function runOnEveryBackend(title: string, cases: readonly OpCase[]): void {
  for (const b of backendsUnderTest()) {
    describe(`${title} [${b.name}]`, { skip: b.skip ?? false }, () => {
      beforeEach(() => void setBackend(b.name as BackendName));
      for (const c of cases) it(c.name, () => checkOp(c));
    });
  }
}
