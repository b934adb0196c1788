// A live run of the package's TF.js graph (through @tensorflow/tfjs itself) against our model and the float64 reference.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readTfjsGraphModel } from '../../src/io/tfjs/graph-model.js';
import { headSpec, labelsFromNames } from '../../src/models/labels.js';
import { loadBuiltinUseLite } from '../../src/models/use-lite/index.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { useLiteForward } from './reference.js';
import { idsBatch, maxDiff, MODEL_DIR, rowsOf } from './support.js';

const require = createRequire(import.meta.url);
type Tf = typeof import('@tensorflow/tfjs');

/** The graph loaded by TF.js from the package's own files, independently of this library's reader. */
async function loadGraph(tf: Tf): Promise<(batch: readonly (readonly number[])[]) => Promise<Float32Array[]>> {
  const json = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: [{ paths: string[]; weights: import('@tensorflow/tfjs').io.WeightsManifestEntry[] }];
  };
  const [group] = json.weightsManifest;
  const shards = Buffer.concat(group.paths.map((p) => readFileSync(join(MODEL_DIR, p))));
  const weightData = shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.byteLength);
  const graph = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: group.weights, weightData }));
  return async (batch) => {
    const indices = batch.flatMap((s, i) => s.map((_, j) => [i, j]));
    const output = (await graph.executeAsync({
      indices: tf.tensor2d(indices, [indices.length, 2], 'int32'),
      values: tf.tensor1d(batch.flat(), 'int32'),
    })) as import('@tensorflow/tfjs').Tensor;
    const data = output.dataSync() as Float32Array;
    return Array.from({ length: output.shape[0]! }, (_, i) => data.subarray(i * 512, (i + 1) * 512));
  };
}

describe('USE-lite against a live TF.js run', () => {
  it("gives the graph's embeddings within 1e-4 (ours) and 1e-5 (reference) on a batch of mixed lengths, and shows its trailing-empty quirk", async (t) => {
    const tf = require('@tensorflow/tfjs') as Tf;
    tf.enableProdMode();
    await tf.setBackend('cpu');
    let start = performance.now();
    const embed = await loadGraph(tf);
    const loadMs = performance.now() - start;
    const { model, tokenizer } = loadBuiltinUseLite({ head: headSpec(labelsFromNames(['a', 'b'])) });
    const sentences = ['Hello world.', '', 'a', 'Good film :)', 'Call me at 555-0134 before 10:30, or write to support@example.com!'];
    const ids = sentences.map((s) => tokenizer!.encode(s).ids);
    start = performance.now();
    const live = await embed(ids);
    const runMs = performance.now() - start;
    const ours = noGrad(() => rowsOf(model.features(idsBatch(ids))));
    const oursDiff = maxDiff(ours, live);
    const referenceDiff = maxDiff(useLiteForward(readTfjsGraphModel(MODEL_DIR).weights, ids), live);
    t.diagnostic(
      `TF.js load ${loadMs.toFixed(0)} ms, run ${runMs.toFixed(0)} ms; max |ours - TF.js| ${oursDiff.toExponential(2)}, |reference - TF.js| ${referenceDiff.toExponential(2)}`,
    );
    assert.ok(oursDiff < 1e-4, `ours: ${oursDiff}`);
    assert.ok(referenceDiff < 1e-5, `reference: ${referenceDiff}`);
    // TF.js sizes the batch from the largest sentence index present, so a trailing empty sentence vanishes; we keep its row.
    assert.equal((await embed([ids[0]!, []])).length, 1);
    assert.equal(noGrad(() => model.features(idsBatch([ids[0]!, []]))).shape[0], 2);
  });
});
