// Memory stability: RSS of 1,000 forward/backward/AdamW steps of a small MLP, read at step 100 and step 1,000.
// Run: node dist/bench/memory-mlp.js [--steps 1000] [--backend native|js] [--no-recycle]
// Each step runs inside recycleBuffers (as `bench train` does) unless --no-recycle: then only the garbage collector frees op results.
import { setBackend, type BackendName } from '../src/backend/index.js';
import { Linear } from '../src/nn/layers.js';
import { Module } from '../src/nn/module.js';
import { crossEntropy } from '../src/tensor/ops/losses.js';
import { recycleBuffers } from '../src/tensor/memory.js';
import { Random } from '../src/tensor/random.js';
import { Tensor } from '../src/tensor/tensor.js';
import { AdamW } from '../src/train/optim/adamw.js';

class Mlp extends Module {
  readonly fc1 = new Linear(256, 512, { rng: new Random(1) });
  readonly fc2 = new Linear(512, 512, { rng: new Random(2) });
  readonly out = new Linear(512, 10, { rng: new Random(3) });

  forward(x: Tensor): Tensor {
    return this.out.forward(this.fc2.forward(this.fc1.forward(x).gelu()).gelu());
  }
}

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
setBackend(arg('backend', 'native') as BackendName);
const steps = Number(arg('steps', '1000'));
const model = new Mlp();
const optimizer = new AdamW(model.parameters(), { lr: 1e-3 });
const rng = new Random(0);
const x = Tensor.randn([64, 256], { rng });
const y = Tensor.from(
  Array.from({ length: 64 }, (_, i) => i % 10),
  [64],
  { dtype: 'int32' },
);
const mib = (): number => process.memoryUsage().rss / 2 ** 20;
let rssAt100 = 0;
let loss = 0;
const recycle = !process.argv.includes('--no-recycle');
const trainStep = (): number => {
  const l = crossEntropy(model.forward(x), y);
  l.backward();
  optimizer.step();
  optimizer.zeroGrad();
  return l.item();
};
for (let step = 1; step <= steps; step++) {
  loss = recycle ? recycleBuffers(trainStep) : trainStep();
  if (step === 100) rssAt100 = mib();
  if (process.env.MEMORY_TRACE && step % 100 === 0) {
    const u = process.memoryUsage();
    console.log(
      `step ${step}: rss ${(u.rss / 2 ** 20).toFixed(1)} heapUsed ${(u.heapUsed / 2 ** 20).toFixed(1)} heapTotal ${(u.heapTotal / 2 ** 20).toFixed(1)} arrayBuffers ${(u.arrayBuffers / 2 ** 20).toFixed(1)} MiB`,
    );
  }
}
const rssAtEnd = mib();
const result = {
  steps,
  recycle,
  rssAt100MiB: +rssAt100.toFixed(1),
  rssAtEndMiB: +rssAtEnd.toFixed(1),
  growth: +(rssAtEnd / rssAt100 - 1).toFixed(4),
  finalLoss: loss,
};
console.log(
  `RSS at step 100: ${result.rssAt100MiB} MiB; at step ${steps}: ${result.rssAtEndMiB} MiB (${(result.growth * 100).toFixed(2)}%); loss ${loss.toFixed(4)}`,
);
console.log(JSON.stringify(result));
