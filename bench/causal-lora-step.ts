// Times LoRA training steps (forward, shifted loss, backward, AdamW on the adapters) of a causal LM built from a config.json with random weights.
// Usage: node dist/bench/causal-lora-step.js --config bench/configs/smollm2-135m.json [--batch 4] [--seq 256] [--steps 3]
//          [--warmup 1] [--threads 2] [--gradient-checkpointing] [--zero-weights]
// --zero-weights skips transformers' random initialisation (minutes for a 1B model on a loaded machine): the weights stay
// zero placeholders, which changes no shape and no allocation, so peak RSS is the same; the times are not meaningful then.
// Prints one JSON line: ms per step (each timed step and the median), peak RSS in MiB, the settings.
import { readFileSync } from 'node:fs';
import { getBackend, setThreads } from '../src/backend/index.js';
import { CAUSAL_LM_HEAD } from '../src/models/causal/base.js';
import { createTaskModel } from '../src/models/load.js';
import { familyFor } from '../src/models/registry.js';
import type { CausalLMModel } from '../src/models/causal/types.js';
import { applyLora } from '../src/peft/lora/apply.js';
import { recycleBuffers } from '../src/tensor/memory.js';
import { crossEntropy } from '../src/tensor/ops/losses.js';
import { manualSeed, Random } from '../src/tensor/random.js';
import { Tensor } from '../src/tensor/tensor.js';
import { AdamW } from '../src/train/optim/adamw.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1]! : fallback;
};
const configPath = flag('config', 'bench/configs/smollm2-135m.json');
const batch = Number(flag('batch', '4'));
const seq = Number(flag('seq', '256'));
const steps = Number(flag('steps', '3'));
const warmup = Number(flag('warmup', '1'));
setThreads(Number(flag('threads', '2')));
const checkpointing = args.includes('--gradient-checkpointing');
const zeroWeights = args.includes('--zero-weights');

manualSeed(0);
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const model = (zeroWeights ? familyFor(config.model_type, configPath).create(config, configPath, CAUSAL_LM_HEAD) : createTaskModel(config)) as CausalLMModel;
model.gradientCheckpointing = checkpointing;
// PEFT's defaults for Llama (q_proj, v_proj), r 8, alpha 16, dropout 0.1: the same adapter as causal-lora-step.py.
const counts = applyLora(model, { r: 8, alpha: 16, dropout: 0.1 });
model.train();
const optimizer = new AdamW(
  model.parameters().filter((p) => p.requiresGrad),
  { lr: 1e-4, weightDecay: 0.01 },
);
const rng = new Random(1);
const ids = new Tensor(
  Int32Array.from({ length: batch * seq }, () => rng.int(model.vocabSize)),
  [batch, seq],
);
const mask = new Tensor(new Int32Array(batch * seq).fill(1), [batch, seq]);
// Position t predicts token t + 1 (transformers' ForCausalLMLoss with labels = input_ids).
const targets = new Tensor(
  Int32Array.from({ length: batch * (seq - 1) }, (_, i) => ids.i32()[Math.floor(i / (seq - 1)) * seq + (i % (seq - 1)) + 1]!),
  [batch * (seq - 1)],
);

const times: number[] = [];
let loss = 0;
for (let step = 0; step < warmup + steps; step++) {
  const start = performance.now();
  loss = recycleBuffers(() => {
    const logits = model.forward({ inputIds: ids, attentionMask: mask });
    const value = crossEntropy(logits.slice(1, 0, seq - 1).reshape([batch * (seq - 1), model.vocabSize]), targets);
    value.backward();
    optimizer.step();
    optimizer.zeroGrad();
    return value.item();
  });
  if (step >= warmup) times.push(performance.now() - start);
}
const sorted = [...times].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    side: 'finetune',
    config: configPath,
    batch,
    seq,
    gradientCheckpointing: checkpointing,
    zeroWeights,
    trainable: counts.trainable,
    total: counts.total,
    backend: getBackend().name,
    threads: getBackend().getThreads(),
    loss,
    stepMs: times.map((t) => Math.round(t)),
    medianMs: Math.round(sorted[Math.floor(sorted.length / 2)]!),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
