// TF.js Layers reading and the Keras layer set against TF.js itself on a small model ('same' stride-2 padding, pooling, flatten, dense); bad files and layers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { FinetuneError } from '../../src/errors.js';
import { parseKerasTopology, readTfjsLayersModel, tfjsLayersModelFromMemory } from '../../src/io/tfjs/layers-model.js';
import { defaultLabels } from '../../src/models/labels.js';
import { buildKerasLayer, mobileNetFromTfjs } from '../../src/models/mobilenet-v2/index.js';
import type { HeadSpec } from '../../src/models/types.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { maxAbsDiff } from './support.js';

const head: HeadSpec = { kind: 'image-classification', labels: defaultLabels(2), problemType: 'single_label_classification' };

/** A functional Keras model with every layer kind the reader builds, random weights from a fixed seed. */
function smallModel(): tf.LayersModel {
  const input = tf.input({ shape: [9, 10, 3], name: 'pixels' });
  const init = (seed: number): ReturnType<typeof tf.initializers.randomNormal> => tf.initializers.randomNormal({ stddev: 0.3, seed });
  const pad = tf.layers
    .zeroPadding2d({
      padding: [
        [0, 1],
        [1, 0],
      ],
      name: 'pad',
    })
    .apply(input) as tf.SymbolicTensor;
  const conv = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'conv', kernelInitializer: init(1), biasInitializer: init(2) })
    .apply(pad) as tf.SymbolicTensor;
  const bn = tf.layers
    .batchNormalization({
      name: 'bn',
      epsilon: 1e-3,
      gammaInitializer: init(3),
      betaInitializer: init(4),
      movingMeanInitializer: init(5),
      movingVarianceInitializer: 'ones',
    })
    .apply(conv) as tf.SymbolicTensor;
  const dw = tf.layers
    .depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', strides: 2, name: 'dw', depthwiseInitializer: init(6), useBias: false })
    .apply(bn) as tf.SymbolicTensor;
  const relu = tf.layers.reLU({ maxValue: 6, name: 'relu6' }).apply(dw) as tf.SymbolicTensor;
  const side = tf.layers
    .conv2d({ filters: 8, kernelSize: 1, padding: 'valid', name: 'side', kernelInitializer: init(7), useBias: false })
    .apply(relu) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'sum' }).apply([relu, side]) as tf.SymbolicTensor;
  const pool = tf.layers.maxPooling2d({ poolSize: 2, strides: 1, name: 'pool' }).apply(sum) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(pool) as tf.SymbolicTensor;
  const dense = tf.layers.dense({ units: 5, activation: 'tanh', name: 'dense', kernelInitializer: init(8) }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: dense });
}

async function saved(model: tf.LayersModel): Promise<{ json: Record<string, unknown>; bytes: Uint8Array }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts!;
  const data = a.weightData as ArrayBuffer;
  return {
    json: { format: 'layers-model', modelTopology: a.modelTopology, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }] },
    bytes: new Uint8Array(data),
  };
}

describe('TF.js Layers models', () => {
  it('a small functional model read from disk runs within 1e-5 of TF.js', async () => {
    await tf.setBackend('cpu');
    const model = smallModel();
    const { json, bytes } = await saved(model);
    const dir = mkdtempSync(join(tmpdir(), 'tfjs-layers-'));
    try {
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      writeFileSync(join(dir, 'group1-shard1of1.bin'), bytes);
      const read = readTfjsLayersModel(dir);
      assert.deepEqual(read.outputs, ['dense']);
      const ours = mobileNetFromTfjs(read, head, 'pretrained', 'dense');
      const x = tf.randomUniform([2, 9, 10, 3], 0, 1, 'float32', 7);
      const expected = (model.predict(x) as tf.Tensor).dataSync();
      const nchw = x.transpose([0, 3, 1, 2]);
      const got = noGrad(() => ours.features({ pixelValues: new Tensor(Float32Array.from(nchw.dataSync()), [2, 3, 9, 10]) }));
      assert.ok(
        maxAbsDiff(got, new Tensor(Float32Array.from(expected), [2, 5])) < 1e-5,
        `differs by ${maxAbsDiff(got, new Tensor(Float32Array.from(expected), [2, 5]))}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a truncated shard, a missing weight and a wrong stream count fail naming the file', async () => {
    const { json, bytes } = await saved(smallModel());
    const dir = mkdtempSync(join(tmpdir(), 'tfjs-layers-'));
    try {
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      writeFileSync(join(dir, 'group1-shard1of1.bin'), bytes.subarray(0, bytes.length - 4));
      assert.throws(
        () => readTfjsLayersModel(dir),
        (e: unknown) => e instanceof FinetuneError && /group1-shard1of1\.bin: truncated weight shard/.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => tfjsLayersModelFromMemory(json, [], 'm.json'), /m\.json: 0 weight streams for 1 weightsManifest groups/);
    const manifest = json.weightsManifest as { weights: { name: string }[] }[];
    const without = { ...json, weightsManifest: [{ ...manifest[0], weights: manifest[0]!.weights.filter((w) => w.name !== 'conv/kernel') }] };
    const read = tfjsLayersModelFromMemory(without, [bytes.subarray(4 * 3 * 3 * 3 * 4)], 'm.json');
    assert.throws(() => mobileNetFromTfjs(read, head, 'pretrained', 'dense'), /m\.json: no weight 'conv\/kernel'/);
  });

  it('refuses unknown layers, unsupported settings and broken topologies with one line', () => {
    const spec = (className: string, config: Record<string, unknown> = {}) => ({ name: 'x', className, config, inbound: [] });
    assert.throws(() => buildKerasLayer(spec('LSTM'), 'm.json'), /m\.json: layer 'x' is a LSTM, which is not supported \(supported: InputLayer, Conv2D/);
    assert.throws(() => buildKerasLayer(spec('ReLU', { max_value: 3 }), 'm.json'), /max_value must be null or 6/);
    assert.throws(
      () => buildKerasLayer(spec('Conv2D', { filters: 2, kernel_size: 3, data_format: 'channels_first' }), 'm.json', 3),
      /data_format must be 'channels_last'/,
    );
    assert.throws(() => buildKerasLayer(spec('Conv2D', { filters: 2, kernel_size: 3, activation: 'elu' }), 'm.json', 3), /activation must be one of/);
    assert.throws(() => buildKerasLayer(spec('AveragePooling2D', { pool_size: 2, padding: 'same' }), 'm.json'), /padding must be 'valid'/);
    assert.throws(() => buildKerasLayer(spec('BatchNormalization', { axis: 1 }), 'm.json', 4), /axis must be -1/);
    assert.throws(() => buildKerasLayer(spec('Conv2D', { filters: 2, kernel_size: 3 }), 'm.json'), /in_channels must be a positive integer/);
    const layer = (name: string, inbound: string[]) => ({
      name,
      class_name: 'ReLU',
      config: { name },
      inbound_nodes: inbound.length ? [inbound.map((n) => [n, 0, 0, {}])] : [],
    });
    const topology = (layers: unknown[], kind = 'Model') => ({
      model_config: { class_name: kind, config: { layers, input_layers: [['a', 0, 0]], output_layers: [['b', 0, 0]] } },
    });
    assert.throws(() => parseKerasTopology(topology([layer('b', ['a']), layer('a', [])]), 'm.json'), /layer 'b' takes 'a', which is not listed before it/);
    assert.throws(() => parseKerasTopology(topology([layer('a', []), layer('a', [])]), 'm.json'), /layer 'a' is listed twice/);
    assert.throws(() => parseKerasTopology(topology([layer('a.b', [])]), 'm.json'), /without '\.' or '\/'/);
    assert.throws(() => parseKerasTopology(topology([layer('a', [])], 'Subclassed'), 'm.json'), /model class 'Subclassed'/);
    const sequential = parseKerasTopology(
      { class_name: 'Sequential', config: { layers: [{ class_name: 'ReLU', config: { name: 'r', batch_input_shape: [null, 4, 4, 1] } }] } },
      'm.json',
    );
    assert.deepEqual(sequential.inputs, ['r_input']);
    assert.deepEqual(sequential.layers[1]!.inbound, ['r_input']);
  });
});
