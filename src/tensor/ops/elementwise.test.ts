// Gradient checks of the element-wise ops (unary, binary with broadcasting, where, masked fill) on every backend.
import { input, runOnEveryBackend, type CaseInput, type OpCase } from '../../../test/support/gradcheck.js';
import * as R from '../../../test/support/reference64.js';
import { maximum, where } from './elementwise.js';

const unary: [string, (t: import('../tensor.js').Tensor) => import('../tensor.js').Tensor, (x: number) => number, number, number][] = [
  ['neg', (t) => t.neg(), (x) => -x, -2, 2],
  ['exp', (t) => t.exp(), Math.exp, -2, 2],
  ['log', (t) => t.log(), Math.log, 0.2, 3],
  ['sqrt', (t) => t.sqrt(), Math.sqrt, 0.2, 3],
  ['rsqrt', (t) => t.rsqrt(), (x) => 1 / Math.sqrt(x), 0.2, 3],
  ['pow 3', (t) => t.pow(3), (x) => x ** 3, -2, 2],
  ['pow -0.5', (t) => t.pow(-0.5), (x) => x ** -0.5, 0.3, 2],
  ['abs', (t) => t.abs(), Math.abs, -2, 2],
  ['tanh', (t) => t.tanh(), Math.tanh, -3, 3],
  ['sigmoid', (t) => t.sigmoid(), (x) => 1 / (1 + Math.exp(-x)), -4, 4],
  ['relu', (t) => t.relu(), (x) => Math.max(0, x), -2, 2],
  ['gelu erf', (t) => t.gelu(), R.geluErf, -4, 4],
  ['gelu tanh', (t) => t.gelu('tanh'), R.geluTanh, -4, 4],
  ['add scalar', (t) => t.add(1.5), (x) => x + 1.5, -2, 2],
  ['mul scalar', (t) => t.mul(-0.25), (x) => x * -0.25, -2, 2],
  ['div scalar', (t) => t.div(4), (x) => x / 4, -2, 2],
];

const cases: OpCase[] = [];
unary.forEach(([name, ours, f, lo, hi], i) => {
  // Keep |x| away from the kinks of abs and relu where finite differences are meaningless.
  const avoidKink = name === 'abs' || name === 'relu';
  const make = (shape: number[], seed: number): CaseInput => {
    const raw = input(shape, seed, lo, hi);
    return avoidKink ? { shape, data: Array.from(raw.data, (v) => (Math.abs(v) < 0.05 ? v + 0.1 : v)) } : raw;
  };
  cases.push({ name, inputs: [make([3, 5], 10 + i)], ours: ([x]) => ours(x!), reference: ([x]) => R.map(x!, f) });
  // 70k elements: large enough for the threaded kernels; finite differences on a sample.
  cases.push({ name: `${name} (large)`, inputs: [make([70, 1000], 50 + i)], ours: ([x]) => ours(x!), reference: ([x]) => R.map(x!, f), probes: 6 });
});

const binary: [
  string,
  (a: import('../tensor.js').Tensor, b: import('../tensor.js').Tensor) => import('../tensor.js').Tensor,
  (x: number, y: number) => number,
][] = [
  ['add', (a, b) => a.add(b), (x, y) => x + y],
  ['sub', (a, b) => a.sub(b), (x, y) => x - y],
  ['mul', (a, b) => a.mul(b), (x, y) => x * y],
  ['div', (a, b) => a.div(b), (x, y) => x / y],
  ['maximum', (a, b) => maximum(a, b), (x, y) => Math.max(x, y)],
];
const shapes: [number[], number[]][] = [
  [
    [4, 3],
    [4, 3],
  ],
  [[2, 4, 3], [3]],
  [
    [2, 1, 3],
    [4, 1],
  ],
  [
    [5, 1],
    [1, 6],
  ],
  [[], [2, 3]],
  [
    [32, 64, 16],
    [64, 1],
  ],
];
binary.forEach(([name, ours, f], i) => {
  shapes.forEach(([sa, sb], j) => {
    cases.push({
      name: `${name} [${sa}] with [${sb}]`,
      // Divisors stay away from zero.
      inputs: [input(sa, 100 + i * 10 + j), input(sb, 200 + i * 10 + j, name === 'div' ? 0.5 : -1, name === 'div' ? 2 : 1)],
      ours: ([a, b]) => ours(a!, b!),
      reference: ([a, b]) => R.zip(a!, b!, f),
      probes: j === shapes.length - 1 ? 6 : 16,
    });
  });
});

cases.push({
  name: 'where with broadcast condition',
  inputs: [{ shape: [2, 1, 4], data: [1, 0, 1, 0, 0, 0, 1, 1], noGrad: true }, input([2, 3, 4], 300), input([4], 301)],
  ours: ([c, a, b]) => where(c!, a!, b!),
  reference: ([c, a, b]) => R.where3(c!, a!, b!),
});
cases.push({
  name: 'maskedFill',
  inputs: [input([3, 4], 310), { shape: [1, 4], data: [0, 1, 0, 1], noGrad: true }],
  ours: ([x, m]) => x!.maskedFill(m!, -5),
  reference: ([x, m]) => R.where3(m!, R.arr([], [-5]), x!),
});

runOnEveryBackend('element-wise ops', cases);
