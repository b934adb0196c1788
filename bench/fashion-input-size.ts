// The cost of MobileNetV2 (nsfwjs) per input size: a training step and an evaluation pass of batch 32, sizes alternated per round.
// Usage: node dist/bench/fashion-input-size.js [sizes, default 32,48,64] [rounds, default 3]
import { labelsFromNames } from '../src/models/labels.js';
import { loadTaskModel } from '../src/models/load.js';
import { noGrad } from '../src/tensor/autograd.js';
import { crossEntropy } from '../src/tensor/ops/losses.js';
import { Random } from '../src/tensor/random.js';
import { Tensor } from '../src/tensor/tensor.js';

const sizes = (process.argv[2] ?? '32,48,64').split(',').map(Number);
const rounds = Number(process.argv[3] ?? 3);
const B = 32;
const labels = labelsFromNames(Array.from({ length: 10 }, (_, i) => `c${i}`));
const { model } = await loadTaskModel('nsfwjs-mobilenet-v2', { headKind: 'image-classification', labels });
const rng = new Random(1);
const inputs = new Map(
  sizes.map((s) => [
    s,
    new Tensor(
      Float32Array.from({ length: B * 3 * s * s }, () => rng.normal()),
      [B, 3, s, s],
    ),
  ]),
);
const targets = new Tensor(
  Int32Array.from({ length: B }, (_, i) => i % 10),
  [B],
);
const times = new Map(sizes.map((s) => [s, { train: [] as number[], evaluate: [] as number[] }]));
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

for (let round = 0; round < rounds + 1; round++) {
  for (const s of sizes) {
    const x = { pixelValues: inputs.get(s)! };
    model.train();
    let t = performance.now();
    crossEntropy(model.forward(x), targets).backward();
    const train = performance.now() - t;
    for (const p of model.parameters()) p.grad = null;
    model.eval();
    t = performance.now();
    noGrad(() => model.forward(x));
    const evaluate = performance.now() - t;
    // Round 0 warms up (allocations, JIT) and is not counted.
    if (round > 0) {
      times.get(s)!.train.push(train);
      times.get(s)!.evaluate.push(evaluate);
    }
  }
}
console.log(`MobileNetV2 (nsfwjs), batch ${B}, ${rounds} rounds alternating sizes; medians in ms`);
for (const s of sizes) {
  const t = times.get(s)!;
  console.log(
    `${s} x ${s}: train step ${median(t.train).toFixed(0)} ms (${(median(t.train) / B).toFixed(1)} ms/image), evaluation ${median(t.evaluate).toFixed(0)} ms; ` +
      `60,000 images: ${((median(t.train) / B) * 60).toFixed(0)} s per epoch; all rounds: train ${t.train.map((v) => v.toFixed(0)).join(' ')}`,
  );
}
