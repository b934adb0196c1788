#!/usr/bin/env node
// Golden outputs of nsfwjs's MobileNetV2 as TF.js itself computes them (@tensorflow/tfjs 4, CPU backend), for test/models/mobilenet-v2.test.ts.
//
// Run (after `npx tsc`):  node scripts/make-mobilenet-golden.mjs
// Loads node_modules/nsfwjs/dist/models/mobilenet_v2 (model.min.js: the Keras topology and weightsManifest;
// group1-shard1of1.min.js: the uint8-quantised weights in base64) with tf.loadLayersModel and runs it on
// goldenPixels() (test/support/golden-pixels.ts: two 224 x 224 RGB images of seeded uint8 values / 255,
// NHWC as TF.js takes them). Writes test/golden/vision/mobilenet-v2-nsfwjs.safetensors with
//   features [2, 1280]  out_relu averaged over its 7 x 7 grid (the backbone's pooled output)
//   probs    [2, 5]     the model's own output (dense_3 softmax)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const { writeSafetensors } = await import(join(ROOT, 'dist/src/io/safetensors.js'));
const { goldenPixelsNhwc } = await import(join(ROOT, 'dist/test/support/golden-pixels.js'));

await tf.setBackend('cpu');
const dir = join(ROOT, 'node_modules/nsfwjs/dist/models/mobilenet_v2');
const json = require(join(dir, 'model.min.js'));
const shard = Buffer.from(require(join(dir, 'group1-shard1of1.min.js')), 'base64');
const weightData = shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength);
const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData }));
const backbone = tf.model({ inputs: model.inputs, outputs: model.getLayer('out_relu').output });
const { data, shape } = goldenPixelsNhwc();
const x = tf.tensor4d(data, shape);
const features = backbone.predict(x).mean([1, 2]);
const probs = model.predict(x);
const out = new Map([
  ['features', { dtype: 'float32', shape: features.shape, data: features.dataSync() }],
  ['probs', { dtype: 'float32', shape: probs.shape, data: probs.dataSync() }],
]);
writeSafetensors(join(ROOT, 'test/golden/vision/mobilenet-v2-nsfwjs.safetensors'), out, {
  generator: `scripts/make-mobilenet-golden.mjs (tfjs ${tf.version.tfjs})`,
});
console.log('probs', Array.from(probs.dataSync()));
