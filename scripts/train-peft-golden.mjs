#!/usr/bin/env node
// Trains a LoRA adapter with finetune on each tiny base model of test/golden/peft/ and saves it in PEFT's format,
// for scripts/make-peft-golden.py to load with the real PEFT (it runs this script between its two stages).
//
// Usage: node scripts/train-peft-golden.mjs   (after `npx tsc -p tsconfig.json`; a few seconds)
// Writes test/golden/peft/<arch>/ours-adapter/ (adapter_config.json, adapter_model.safetensors, config.json) and
// test/golden/peft/<arch>/finetune.json (our logits on the golden inputs, parameter counts, the loss per step),
// which make-peft-golden.py folds into expected.json.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const GOLDEN = join(ROOT, 'test', 'golden', 'peft');
const lib = (path) => import(join(ROOT, 'dist', 'src', path));

const { loadTaskModel } = await lib('models/load.js');
const { applyLora, saveAdapterModel } = await lib('peft/lora/index.js');
const { AdamW } = await lib('train/optim/adamw.js');
const { crossEntropy } = await lib('tensor/ops/losses.js');
const { noGrad } = await lib('tensor/autograd.js');
const { manualSeed, Random } = await lib('tensor/random.js');
const { Tensor } = await lib('tensor/tensor.js');

/** The adapter each architecture trains: defaults for BERT, rsLoRA for DistilBERT, every Linear layer and all biases for RoBERTa. */
const RUNS = {
  bert: {},
  distilbert: { r: 4, alpha: 8, rslora: true },
  roberta: { r: 2, alpha: 4, dropout: 0, targets: 'all-linear', bias: 'all' },
};
const STEPS = 12;

function inputsOf(batch) {
  const [rows, length] = [batch.input_ids.length, batch.input_ids[0].length];
  return {
    inputIds: new Tensor(Int32Array.from(batch.input_ids.flat()), [rows, length]),
    attentionMask: new Tensor(Int32Array.from(batch.attention_mask.flat()), [rows, length]),
  };
}

/** Random sequences of the vocabulary's ids (special ids excluded), labelled by their first token, as one training batch. */
function trainingBatch(rng, vocab, rows, length) {
  const ids = Int32Array.from({ length: rows * length }, () => 3 + rng.int(vocab - 3));
  const labels = Int32Array.from({ length: rows }, (_, i) => ids[i * length] % 3);
  return {
    inputs: { inputIds: new Tensor(ids, [rows, length]), attentionMask: Tensor.ones([rows, length], { dtype: 'int32' }) },
    labels: new Tensor(labels, [rows]),
  };
}

for (const [arch, options] of Object.entries(RUNS)) {
  const folder = join(GOLDEN, arch);
  const expected = JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8'));
  manualSeed(1234);
  const { model } = await loadTaskModel(join(folder, 'base'));
  const counts = applyLora(model, options);
  const params = model.parameters().filter((p) => p.requiresGrad);
  const optimizer = new AdamW(params, { lr: 0.02, weightDecay: 0.01 });
  const rng = new Random(99);
  const batches = [trainingBatch(rng, expected.vocab_size, 8, 6), trainingBatch(rng, expected.vocab_size, 8, 6)];
  const losses = [];
  model.train();
  for (let step = 0; step < STEPS; step++) {
    const batch = batches[step % batches.length];
    const loss = crossEntropy(model.forward(batch.inputs), batch.labels);
    losses.push(loss.item());
    loss.backward();
    optimizer.step();
    optimizer.zeroGrad();
  }
  model.eval();
  const logits = noGrad(() => model.forward(inputsOf(expected.inputs)));
  const out = join(folder, 'ours-adapter');
  rmSync(out, { recursive: true, force: true });
  await saveAdapterModel(model, null, out, '../base');
  writeFileSync(
    join(folder, 'finetune.json'),
    `${JSON.stringify({
      options,
      steps: STEPS,
      losses,
      trainable: counts.trainable,
      total: counts.total,
      logits: Array.from({ length: logits.shape[0] }, (_, i) => Array.from(logits.f32().subarray(i * logits.shape[1], (i + 1) * logits.shape[1]))),
    })}\n`,
  );
  console.log(`${arch}: ${counts.trainable} of ${counts.total} parameters trained; loss ${losses[0].toFixed(4)} -> ${losses[STEPS - 1].toFixed(4)}`);
}
