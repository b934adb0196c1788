// Times training steps (forward, cross entropy, backward, AdamW) of ResNet-18 and MobileNetV2 on a synthetic image batch; one JSON line per model.
// Usage: node dist/bench/vision-step.js [--models resnet18,mobilenetv2] [--batch 32] [--size 112] [--steps 3] [--warmup 1] [--threads 2] [--profile]
import { getBackend, gemmLibrary, setThreads, startProfiling, stopProfiling } from '../src/backend/index.js';
import { defaultLabels } from '../src/models/labels.js';
import { createTaskModel } from '../src/models/load.js';
import { mobileNetFromTfjs, readNsfwjsMobileNet } from '../src/models/mobilenet-v2/index.js';
import type { TaskModel } from '../src/models/types.js';
import { recycleBuffers } from '../src/tensor/memory.js';
import { crossEntropy } from '../src/tensor/ops/losses.js';
import { manualSeed } from '../src/tensor/random.js';
import { Tensor } from '../src/tensor/tensor.js';
import { AdamW } from '../src/train/optim/adamw.js';
import { formatProfile, profileSummary } from '../src/train/bench/profile-summary.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1]! : fallback;
};
const batch = Number(flag('batch', '32'));
const size = Number(flag('size', '112'));
const steps = Number(flag('steps', '3'));
const warmup = Number(flag('warmup', '1'));
const classes = 10;
setThreads(Number(flag('threads', '2')));
manualSeed(0);

/** transformers' resnet-18 config (microsoft/resnet-18). */
const RESNET18 = {
  model_type: 'resnet',
  layer_type: 'basic',
  embedding_size: 64,
  hidden_sizes: [64, 128, 256, 512],
  depths: [2, 2, 2, 2],
  num_labels: classes,
};

function build(name: string): TaskModel {
  const labels = defaultLabels(classes);
  if (name === 'resnet18') return createTaskModel(RESNET18, { labels, headKind: 'image-classification' });
  if (name === 'mobilenetv2')
    return mobileNetFromTfjs(readNsfwjsMobileNet(), { kind: 'image-classification', labels, problemType: 'single_label_classification' }, 'random');
  throw new Error(`unknown model ${name}`);
}

for (const name of flag('models', 'resnet18,mobilenetv2').split(',')) {
  const model = build(name).train();
  // MobileNetV2's classifier dropout is random; both sides run it (transformers' default 0.2 too).
  const pixels = Tensor.randn([batch, 3, size, size]);
  const labels = new Tensor(
    Int32Array.from({ length: batch }, (_, i) => i % classes),
    [batch],
  );
  const optimizer = new AdamW(model.parameters(), { lr: 1e-4, weightDecay: 0.01 });
  const step = (): number =>
    recycleBuffers(() => {
      const loss = crossEntropy(model.forward({ pixelValues: pixels }), labels);
      loss.backward();
      optimizer.step();
      optimizer.zeroGrad();
      return loss.item();
    });
  for (let i = 0; i < warmup; i++) step();
  const profile = args.includes('--profile') ? startProfiling() : null;
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  if (profile) stopProfiling();
  const sorted = [...times].sort((a, b) => a - b);
  const ms = sorted[Math.floor(sorted.length / 2)]!;
  const backend = getBackend();
  console.log(
    JSON.stringify({
      side: 'ours',
      model: name,
      batch,
      size,
      ms,
      times,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      backend: `${backend.name}(${gemmLibrary(backend)})`,
      threads: backend.getThreads(),
    }),
  );
  if (profile) for (const line of formatProfile(profileSummary(profile, times))) console.error(line);
}
