#!/usr/bin/env node
// Int8 against fp32 on SST-2 dev for a fine-tuned model: argmax agreement and accuracy of ONNX Runtime on the exported
// model.onnx / model_quantized.onnx and of our predict (fp32 and --quantize int8).
//
// Usage (after `npm run build`):
//   node bin/finetune.js train --model use-lite --data ../shared/data/sst2_train.tsv --eval-data ../shared/data/sst2_dev.tsv \
//     --max-steps 400 --batch-size 32 --lr 5e-5 --max-length 64 --output runs/sst2-use-lite
//   node bench/int8-sst2.mjs --model runs/sst2-use-lite [--data ../shared/data/sst2_dev.tsv] [--max-length 64]
// Without the SST-2 file it says so and exits 0.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => join(root, 'dist', 'src', path);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const candidates = [arg('data'), join(root, '..', 'shared', 'data', 'sst2_dev.tsv'), join(root, '..', '..', 'shared', 'data', 'sst2_dev.tsv')];
const data = candidates.find((p) => p !== undefined && existsSync(p));
if (!data) {
  console.log(`SST-2 dev not found (${candidates.filter(Boolean).join(', ')}): skipped`);
  process.exit(0);
}
const modelDir = arg('model');
if (!modelDir) throw new Error('--model <fine-tuned model folder> is required');
const maxLength = Number(arg('max-length', '64'));

const { loadClassifierWithAdapter } = await import(dist('peft/lora/load-model.js'));
const { mergeLora } = await import(dist('peft/lora/merge.js'));
const { exportTransformersJs } = await import(dist('export/transformers-js.js'));
const { predict } = await import(dist('tasks/predict.js'));
const { quantizeLinearLayers } = await import(dist('nn/quantized-linear.js'));

const rows = readFileSync(data, 'utf8')
  .split('\n')
  .slice(1)
  .filter((line) => line.trim() !== '')
  .map((line) => {
    const [label, ...text] = line.split('\t');
    return { label, text: text.join('\t') };
  });

const load = async () => {
  const loaded = await loadClassifierWithAdapter(modelDir);
  if (loaded.adapter) mergeLora(loaded.model);
  return loaded;
};
const { model, tokenizer } = await load();
const names = Object.fromEntries(Object.entries(model.labels.id2label).map(([id, name]) => [Number(id), name]));
const inputs = rows.map((r) => ({ text: r.text }));
const oursFp32 = predict(model, tokenizer, inputs, { maxLength }).map((p) => p.label);
const int8Model = (await load()).model;
quantizeLinearLayers(int8Model);
const oursInt8 = predict(int8Model, tokenizer, inputs, { maxLength }).map((p) => p.label);

const folder = mkdtempSync(join(tmpdir(), 'finetune-int8-sst2-'));
await exportTransformersJs(model, tokenizer, folder, { quantize: true });
const onnxLabels = async (file) => {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 2 });
  const out = [];
  for (let start = 0; start < rows.length; start += 32) {
    const encodings = rows.slice(start, start + 32).map((r) => tokenizer.encode(r.text, undefined, { maxLength }).ids);
    const t = Math.max(...encodings.map((e) => e.length));
    const ids = new BigInt64Array(encodings.length * t).fill(BigInt(tokenizer.padId));
    const mask = new BigInt64Array(encodings.length * t);
    encodings.forEach((e, row) => {
      e.forEach((id, i) => {
        ids[row * t + i] = BigInt(id);
        mask[row * t + i] = 1n;
      });
    });
    const feeds = { input_ids: new ort.Tensor('int64', ids, [encodings.length, t]), attention_mask: new ort.Tensor('int64', mask, [encodings.length, t]) };
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(ids.length), [encodings.length, t]);
    const logits = (await session.run(feeds)).logits;
    const c = logits.dims[1];
    for (let r = 0; r < encodings.length; r++) {
      const row = Array.from(logits.data.subarray(r * c, (r + 1) * c));
      out.push(names[row.indexOf(Math.max(...row))]);
    }
  }
  await session.release();
  return out;
};
const ortFp32 = await onnxLabels(join(folder, 'onnx', 'model.onnx'));
const ortInt8 = await onnxLabels(join(folder, 'onnx', 'model_quantized.onnx'));
rmSync(folder, { recursive: true, force: true });

const accuracy = (labels) => labels.filter((l, i) => l === rows[i].label).length / rows.length;
const agreement = (a, b) => a.filter((l, i) => l === b[i]).length / a.length;
const pct = (v) => `${(100 * v).toFixed(2)}%`;
console.log(`${data}: ${rows.length} sentences; model ${modelDir} (${model.architecture})`);
console.log(
  `accuracy: ours fp32 ${pct(accuracy(oursFp32))}, ours int8 ${pct(accuracy(oursInt8))}, ORT fp32 ${pct(accuracy(ortFp32))}, ORT int8 ${pct(accuracy(ortInt8))}`,
);
console.log(
  `argmax agreement with fp32: ORT int8 vs ORT fp32 ${pct(agreement(ortInt8, ortFp32))}, ours int8 vs ours fp32 ${pct(agreement(oursInt8, oursFp32))}`,
);
console.log(`ours fp32 vs ORT fp32 ${pct(agreement(oursFp32, ortFp32))}; ours int8 vs ORT int8 ${pct(agreement(oursInt8, ortInt8))}`);
console.log(
  `accuracy drop (fp32 - int8): ORT ${(100 * (accuracy(ortFp32) - accuracy(ortInt8))).toFixed(2)} points, ours ${(100 * (accuracy(oursFp32) - accuracy(oursInt8))).toFixed(2)} points`,
);
