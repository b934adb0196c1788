#!/usr/bin/env node
// Trains a LoRA adapter with finetune on each tiny causal checkpoint of test/golden/causal/ and saves it in PEFT's format,
// for scripts/check-causal-adapter.py to load with the real PEFT.
//
// Usage: node scripts/train-causal-adapter.mjs   (after `npx tsc -p tsconfig.json`; a few seconds)
// Writes test/golden/causal/<name>-ours/ (adapter_config.json, adapter_model.safetensors, config.json) and
// test/golden/causal/<name>-ours.safetensors: ours.logits (our adapted model on the golden right-padded batch) and
// ours.merged.logits (after merging), with the batch's input_ids and attention_mask.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const GOLDEN = join(ROOT, 'test', 'golden', 'causal');
const lib = (path) => import(join(ROOT, 'dist', 'src', path));

const { loadTaskModel } = await lib('models/load.js');
const { applyLora, saveAdapterModel, mergeAdapters } = await lib('peft/lora/index.js');
const { AdamW } = await lib('train/optim/adamw.js');
const { noGrad } = await lib('tensor/autograd.js');
const { manualSeed } = await lib('tensor/random.js');
const { Tensor } = await lib('tensor/tensor.js');
const { readSafetensors, writeSafetensors } = await lib('io/safetensors.js');
const { shiftedLoss } = await lib('models/causal/test-support.js');

/** The adapter each checkpoint trains: PEFT's defaults (GPT-2's c_attn Conv1D, Llama's q/v), all-linear for Qwen2. */
const RUNS = { gpt2: {}, llama: { r: 4, alpha: 8 }, qwen2: { r: 2, alpha: 4, dropout: 0, targets: 'all-linear' } };
const STEPS = 10;

for (const [name, options] of Object.entries(RUNS)) {
  const golden = readSafetensors(join(GOLDEN, `${name}.safetensors`)).tensors;
  const batch = (side) => ({
    inputIds: new Tensor(Int32Array.from(golden.get(`${side}.input_ids`).data), [2, 9]),
    attentionMask: new Tensor(Int32Array.from(golden.get(`${side}.attention_mask`).data), [2, 9]),
  });
  manualSeed(4321);
  const { model } = await loadTaskModel(join(GOLDEN, name));
  const counts = applyLora(model, options);
  const optimizer = new AdamW(
    model.parameters().filter((p) => p.requiresGrad),
    { lr: 0.02, weightDecay: 0.01 },
  );
  const losses = [];
  model.train();
  for (let step = 0; step < STEPS; step++) {
    const inputs = batch(step % 2 === 0 ? 'left' : 'right');
    const loss = shiftedLoss(model.forward(inputs), inputs.inputIds, inputs.attentionMask);
    losses.push(loss.item());
    loss.backward();
    optimizer.step();
    optimizer.zeroGrad();
  }
  model.eval();
  const inputs = batch('right');
  const logits = noGrad(() => model.forward(inputs));
  const out = join(GOLDEN, `${name}-ours`);
  rmSync(out, { recursive: true, force: true });
  await saveAdapterModel(model, null, out, `../${name}`);
  mergeAdapters(model);
  const merged = noGrad(() => model.forward(inputs));
  const raw = (t) => ({ dtype: t.dtype, shape: [...t.shape], data: t.data });
  writeSafetensors(
    join(GOLDEN, `${name}-ours.safetensors`),
    new Map([
      ['input_ids', raw(inputs.inputIds)],
      ['attention_mask', raw(inputs.attentionMask)],
      ['ours.logits', raw(logits)],
      ['ours.merged.logits', raw(merged)],
    ]),
    { format: 'pt' },
  );
  console.log(`${name}: ${counts.trainable} of ${counts.total} parameters trained; loss ${losses[0].toFixed(4)} -> ${losses[STEPS - 1].toFixed(4)}`);
}
