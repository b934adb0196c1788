// Gradient checks of reductions, layout ops and matrix products on every backend.
import { input, runOnEveryBackend, type OpCase } from '../../../test/support/gradcheck.js';
import * as R from '../../../test/support/reference64.js';
import { concat, stack, unsqueeze } from './layout.js';
import { matmul } from './matmul.js';

const cases: OpCase[] = [];
const sum = (v: number[]): number => v.reduce((a, b) => a + b, 0);

// Reductions.
for (const [axes, keep] of [
  [[1], false],
  [[0, 2], true],
  [[-1], false],
  [undefined, false],
] as const) {
  const list = axes === undefined ? [0, 1, 2] : axes.map((a) => (a < 0 ? a + 3 : a));
  cases.push({
    name: `sum over ${axes ?? 'all'}${keep ? ' keepDims' : ''}`,
    inputs: [input([3, 4, 5], 1)],
    ours: ([x]) => x!.sum(axes as number[] | undefined, keep),
    reference: ([x]) => R.reduceAxes(x!, list, sum, keep),
  });
  cases.push({
    name: `mean over ${axes ?? 'all'}${keep ? ' keepDims' : ''}`,
    inputs: [input([3, 4, 5], 2)],
    ours: ([x]) => x!.mean(axes as number[] | undefined, keep),
    reference: ([x]) => R.reduceAxes(x!, list, (v) => sum(v) / v.length, keep),
  });
}
for (const unbiased of [true, false]) {
  cases.push({
    name: `variance over last axis (unbiased ${unbiased})`,
    inputs: [input([6, 7], 3)],
    ours: ([x]) => x!.variance(-1, { unbiased }),
    reference: ([x]) =>
      R.reduceAxes(x!, [1], (v) => {
        const m = sum(v) / v.length;
        return sum(v.map((a) => (a - m) ** 2)) / (v.length - (unbiased ? 1 : 0));
      }),
  });
}
cases.push({
  name: 'max over axis 1',
  inputs: [input([4, 6, 3], 4)],
  ours: ([x]) => x!.max(1),
  reference: ([x]) => R.reduceAxes(x!, [1], (v) => Math.max(...v)),
});
cases.push({ name: 'max over all', inputs: [input([5, 5], 5)], ours: ([x]) => x!.max(), reference: ([x]) => R.reduceAxes(x!, [0, 1], (v) => Math.max(...v)) });
cases.push({
  name: 'sum over rows (large)',
  inputs: [input([512, 300], 6)],
  ours: ([x]) => x!.sum(0),
  reference: ([x]) => R.reduceAxes(x!, [0], sum),
  probes: 8,
});

// Layout.
cases.push({ name: 'reshape', inputs: [input([2, 3, 4], 10)], ours: ([x]) => x!.reshape([4, -1]), reference: ([x]) => R.arr([4, 6], x!.data) });
cases.push({ name: 'transpose', inputs: [input([2, 3, 4], 11)], ours: ([x]) => x!.transpose(0, 2), reference: ([x]) => R.permute(x!, [2, 1, 0]) });
cases.push({
  name: 'permute (attention heads)',
  inputs: [input([2, 5, 3, 4], 12)],
  ours: ([x]) => x!.permute([0, 2, 1, 3]),
  reference: ([x]) => R.permute(x!, [0, 2, 1, 3]),
});
cases.push({
  name: 'permute (large)',
  inputs: [input([16, 64, 4, 32], 13)],
  ours: ([x]) => x!.permute([0, 2, 1, 3]),
  reference: ([x]) => R.permute(x!, [0, 2, 1, 3]),
  probes: 6,
});
const sliceRef = (x: R.Arr, axis: number, start: number, end: number): R.Arr => {
  const shape = x.shape.map((d, i) => (i === axis ? end - start : d));
  const perm = R.permute(x, [axis, ...x.shape.keys()].filter((v, i, _all) => i === 0 || v !== axis) as number[]);
  const inner = perm.data.length / x.shape[axis]!;
  const picked = R.arr([end - start, ...perm.shape.slice(1)], perm.data.subarray(start * inner, end * inner));
  const back = [...x.shape.keys()].map((i) => (i === axis ? 0 : i < axis ? i + 1 : i));
  return { shape, data: R.permute(picked, back).data };
};
cases.push({ name: 'slice axis 1', inputs: [input([3, 6, 2], 14)], ours: ([x]) => x!.slice(1, 2, 5), reference: ([x]) => sliceRef(x!, 1, 2, 5) });
cases.push({ name: 'slice first token', inputs: [input([3, 6, 4], 15)], ours: ([x]) => x!.slice(1, 0, 1), reference: ([x]) => sliceRef(x!, 1, 0, 1) });
cases.push({ name: 'slice negative', inputs: [input([5, 4], 16)], ours: ([x]) => x!.slice(0, -2, 5), reference: ([x]) => sliceRef(x!, 0, 3, 5) });
cases.push({
  name: 'concat axis 1',
  inputs: [input([2, 3, 2], 17), input([2, 1, 2], 18), input([2, 2, 2], 19)],
  ours: (xs) => concat(xs, 1),
  reference: (xs) => {
    const parts = xs.map((x) => R.permute(x, [1, 0, 2]));
    const data = new Float64Array(parts.reduce((n, p) => n + p.data.length, 0));
    let off = 0;
    for (const p of parts) {
      data.set(p.data, off);
      off += p.data.length;
    }
    return R.permute(R.arr([6, 2, 2], data), [1, 0, 2]);
  },
});
cases.push({
  name: 'stack axis 0',
  inputs: [input([2, 3], 20), input([2, 3], 21)],
  ours: (xs) => stack(xs, 0),
  reference: (xs) => R.arr([2, 2, 3], [...xs[0]!.data, ...xs[1]!.data]),
});
cases.push({
  name: 'expand',
  inputs: [input([3, 1], 22)],
  ours: ([x]) => unsqueeze(x!, 0).expand([2, 3, 4]),
  reference: ([x]) => R.zip(x!, R.arr([2, 3, 4], new Float64Array(24)), (a, b) => a + b),
});

// Matrix products: every transpose combination, batched, broadcast, and sizes that take the threaded paths.
const T = (x: R.Arr): R.Arr =>
  R.permute(
    x,
    [...x.shape.keys()].map((i, _, all) => (i === all.length - 2 ? all.length - 1 : i === all.length - 1 ? all.length - 2 : i)),
  );
for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    const sa = transA ? [5, 4] : [4, 5];
    const sb = transB ? [3, 5] : [5, 3];
    cases.push({
      name: `matmul 2-D transA=${transA} transB=${transB}`,
      inputs: [input(sa, 30), input(sb, 31)],
      ours: ([a, b]) => matmul(a!, b!, { transA, transB }),
      reference: ([a, b]) => R.matmul(transA ? T(a!) : a!, transB ? T(b!) : b!),
    });
    const la = transA ? [96, 130] : [130, 96];
    const lb = transB ? [70, 96] : [96, 70];
    cases.push({
      name: `matmul large transA=${transA} transB=${transB}`,
      inputs: [input(la, 32), input(lb, 33)],
      ours: ([a, b]) => matmul(a!, b!, { transA, transB }),
      reference: ([a, b]) => R.matmul(transA ? T(a!) : a!, transB ? T(b!) : b!),
      probes: 5,
      tolerance: 1e-4,
    });
    cases.push({
      name: `matmul batched transA=${transA} transB=${transB}`,
      inputs: [input([2, 3, ...sa], 34), input([2, 3, ...sb], 35)],
      ours: ([a, b]) => matmul(a!, b!, { transA, transB }),
      reference: ([a, b]) => R.matmul(transA ? T(a!) : a!, transB ? T(b!) : b!),
    });
    cases.push({
      name: `matmul batch @ matrix transA=${transA} transB=${transB}`,
      inputs: [input([3, ...sa], 36), input(sb, 37)],
      ours: ([a, b]) => matmul(a!, b!, { transA, transB }),
      reference: ([a, b]) => R.matmul(transA ? T(a!) : a!, transB ? T(b!) : b!),
    });
  }
}
cases.push({
  name: 'matmul matrix @ batch',
  inputs: [input([4, 5], 38), input([2, 5, 3], 39)],
  ours: ([a, b]) => matmul(a!, b!),
  reference: ([a, b]) => R.matmul(a!, b!),
});

runOnEveryBackend('reductions, layout and matmul', cases);
