// Times conv2d forward + backward on ResNet-18's first layers (see conv-compare.mjs): one line per layer, median ms of the reps.
// Usage: node dist/bench/conv-ours.js [--backend native|native-builtin|js] [--threads N] [--reps R] [--warmup W] [--batch N]
import { setBackend, setThreads, gemmLibrary, getBackend, type BackendName } from '../src/backend/index.js';
import { recycleBuffers } from '../src/tensor/memory.js';
import { conv2d } from '../src/tensor/ops/conv.js';
import { Tensor } from '../src/tensor/tensor.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1]! : fallback;
};
setBackend(flag('backend', 'native') as BackendName, '--backend');
setThreads(Number(flag('threads', '2')));
const reps = Number(flag('reps', '3'));
const warmup = Number(flag('warmup', '1'));
const batch = Number(flag('batch', '32'));

/** The two layers; the stem's input is an image batch, so only its weight gets a gradient (as in training). */
const layers = [
  { name: 'stem 3->64 7x7/2', x: [batch, 3, 112, 112], w: [64, 3, 7, 7], stride: 2, padding: 3, inputGrad: false },
  { name: 'conv 64->64 3x3', x: [batch, 64, 56, 56], w: [64, 64, 3, 3], stride: 1, padding: 1, inputGrad: true },
];

for (const layer of layers) {
  const x = Tensor.randn(layer.x, { requiresGrad: layer.inputGrad });
  const w = Tensor.randn(layer.w, { requiresGrad: true, std: 0.05 });
  const b = Tensor.zeros([layer.w[0]!], { requiresGrad: true });
  let upstream: Tensor | null = null;
  const step = (): void =>
    recycleBuffers(() => {
      const y = conv2d(x, w, b, { stride: layer.stride, padding: layer.padding });
      upstream ??= Tensor.randn(y.shape);
      y.backward(upstream);
      x.zeroGrad();
      w.zeroGrad();
      b.zeroGrad();
    });
  for (let r = 0; r < warmup; r++) step();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  times.sort((p, q) => p - q);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`ours ${getBackend().name}(${gemmLibrary()}) ${layer.name} N=${batch}: ${median.toFixed(1)} ms`);
}
