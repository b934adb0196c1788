#!/usr/bin/env node
// Inference throughput side by side, alternating in one process: our predict (fp32 and int8), ONNX Runtime (Node) on the
// exported model.onnx and model_quantized.onnx, and transformers.js's text-classification pipeline on the same folder.
// Random weights (transformers' initialisation); texts of one whole-word token repeated, so every row is exactly T tokens.
//
// Usage (after `npm run build`): node bench/predict-compare.mjs [--configs bench/configs/bert-small.json,bench/configs/bert-base.json]
//   [--shapes 32x128,1x128] [--rounds 5] [--threads 2] [--warmup-ms 2000] [--lead-calls 0] [--engines 'ours fp32,ORT fp32']
// --warmup-ms M calls each engine over and over for M ms before the first round (default 2000): V8 compiles hot
// JavaScript (our model code, transformers.js's tokenizer) only after many calls, so a single warm-up call times
// the first rounds of the JavaScript engines half interpreted (small 1 x 128: 5-6 ms a call against 3-4 warmed).
// --lead-calls N makes N untimed calls of an engine after its rest and before its timed calls (default 0): 0 times runs
// that start with every engine's threads asleep, 1 or more the steady state of runs back to back.
// --engines times only the engines named (comma-separated, as printed); the ratios whose two sides both ran are printed.
// Prints per round the ms of each engine (at batch 1, the mean of 8 calls) and the ratios (sequences/s of ours over theirs), then the median ratio of each.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { env, pipeline } from '@huggingface/transformers';
import ort from 'onnxruntime-node';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => join(root, 'dist', 'src', path);
const { setThreads, gemmLibrary } = await import(dist('backend/index.js'));
const { createTaskModel } = await import(dist('models/load.js'));
const { exportTransformersJs } = await import(dist('export/transformers-js.js'));
const { loadTokenizer } = await import(dist('tokenizers/load.js'));
const { predict } = await import(dist('tasks/predict.js'));
const { quantizeLinearLayers } = await import(dist('nn/quantized-linear.js'));
const { packLinearLayers } = await import(dist('nn/packed-linear.js'));
const { manualSeed } = await import(dist('tensor/random.js'));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const configs = arg('configs', 'bench/configs/bert-small.json,bench/configs/bert-base.json').split(',');
const shapes = arg('shapes', '32x128,1x128')
  .split(',')
  .map((s) => s.split('x').map(Number));
const rounds = Number(arg('rounds', '5'));
const threads = Number(arg('threads', '2'));
const only = arg('engines', null)?.split(',');
const leadCalls = Number(arg('lead-calls', '0'));
const warmupMs = Number(arg('warmup-ms', '2000'));
setThreads(threads);

const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? cpus()[0]?.model;
console.log(
  `CPU: ${cpu}; ${threads} threads each; ours: ${gemmLibrary()}; onnxruntime-node ${ort.env.versions?.node ?? ''}; rounds ${rounds}; ${warmupMs} ms of warm-up calls each; ${leadCalls} untimed call(s) of each engine before its timed ones`,
);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const time = async (fn) => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

env.allowRemoteModels = false;
const tokenizerSource = join(root, 'test', 'golden', 'models', 'bert');

for (const configFile of configs) {
  const config = JSON.parse(readFileSync(join(root, configFile), 'utf8'));
  manualSeed(0);
  const model = createTaskModel(config);
  const quantized = createTaskModel(config);
  quantizeLinearLayers(quantized);
  const tokenizer = await loadTokenizer(tokenizerSource);
  const folder = mkdtempSync(join(tmpdir(), 'finetune-predict-compare-'));
  await exportTransformersJs(model, tokenizer, folder, { quantize: true });
  // Let the tokenizer take 128 tokens (the tiny test tokenizer says 64).
  const tokConfigFile = join(folder, 'tokenizer_config.json');
  writeFileSync(tokConfigFile, JSON.stringify({ ...JSON.parse(readFileSync(tokConfigFile, 'utf8')), model_max_length: 512 }));
  const ourTokenizer = await loadTokenizer(folder);
  // What `finetune predict` runs: float32 weights packed once (after the export, which reads the Linear modules).
  packLinearLayers(model);
  env.localModelPath = dirname(folder);
  const sessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1 };
  const ortFp32 = await ort.InferenceSession.create(join(folder, 'onnx', 'model.onnx'), sessionOptions);
  const ortInt8 = await ort.InferenceSession.create(join(folder, 'onnx', 'model_quantized.onnx'), sessionOptions);
  const tjs = await pipeline('text-classification', basename(folder), { session_options: sessionOptions });
  const tjs8 = await pipeline('text-classification', basename(folder), { dtype: 'q8', session_options: sessionOptions });
  console.log(`\n== ${configFile}: hidden ${config.hidden_size}, ${config.num_hidden_layers} layers`);
  for (const [b, t] of shapes) {
    const text = Array.from({ length: t - 2 }, () => 'of').join(' ');
    const texts = Array.from({ length: b }, () => text);
    const inputs = texts.map((x) => ({ text: x }));
    const ids = ourTokenizer.encode(text).ids;
    if (ids.length !== t) throw new Error(`text gives ${ids.length} tokens, not ${t}`);
    const int64 = (value) =>
      new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: b * t }, (_, i) => BigInt(value(i % t))),
        [b, t],
      );
    const feeds = { input_ids: int64((i) => ids[i]), attention_mask: int64(() => 1), token_type_ids: int64(() => 0) };
    const allEngines = {
      'ours fp32': () => predict(model, ourTokenizer, inputs, { batchSize: b }),
      'ours int8': () => predict(quantized, ourTokenizer, inputs, { batchSize: b }),
      'ORT fp32': () => ortFp32.run(feeds),
      'ORT int8': () => ortInt8.run(feeds),
      'transformers.js fp32': () => tjs(texts),
      'transformers.js q8': () => tjs8(texts),
    };
    const engines = Object.fromEntries(Object.entries(allEngines).filter(([name]) => !only || only.includes(name)));
    for (const fn of Object.values(engines)) {
      const until = performance.now() + warmupMs;
      do await fn();
      while (performance.now() < until);
    }
    // Single rows are short and the machine noisy: each measurement is the mean of several calls.
    const repeats = b === 1 ? 8 : 1;
    // [ours, theirs] of each ratio: sequences/s of ours over theirs, kept when both ran.
    const pairs = [
      ['ours fp32', 'ORT fp32'],
      ['ours fp32', 'transformers.js fp32'],
      ['ours int8', 'ORT int8'],
      ['ours int8', 'transformers.js q8'],
      ['ours int8', 'ORT fp32'],
    ].filter(([ours, theirs]) => ours in engines && theirs in engines);
    const ratios = Object.fromEntries(pairs.map(([ours, theirs]) => [`${ours} / ${theirs}`, []]));
    for (let round = 0; round < rounds; round++) {
      const ms = {};
      // Each round starts at another engine, and each engine after a pause: ONNX Runtime's pool threads spin for
      // a while after a run, and would otherwise slow whichever engine always comes next.
      const order = Object.keys(engines);
      for (let i = 0; i < order.length; i++) {
        const name = order[(i + round) % order.length];
        await new Promise((resolve) => setTimeout(resolve, 300));
        for (let lead = 0; lead < leadCalls; lead++) await engines[name]();
        ms[name] =
          (await time(async () => {
            for (let r = 0; r < repeats; r++) await engines[name]();
          })) / repeats;
      }
      for (const [ours, theirs] of pairs) ratios[`${ours} / ${theirs}`].push(ms[theirs] / ms[ours]);
      console.log(
        `batch ${b} x ${t} round ${round + 1}: ${Object.entries(ms)
          .map(([n, v]) => `${n} ${v.toFixed(1)} ms`)
          .join(', ')}`,
      );
    }
    console.log(`batch ${b} x ${t} median speed ratios (>1: ours faster):`);
    for (const [name, values] of Object.entries(ratios))
      console.log(`  ${name}: ${median(values).toFixed(2)}x  [${values.map((v) => v.toFixed(2)).join(' ')}]`);
  }
  await ortFp32.release();
  await ortInt8.release();
  await tjs.dispose?.();
  await tjs8.dispose?.();
  rmSync(folder, { recursive: true, force: true });
}
