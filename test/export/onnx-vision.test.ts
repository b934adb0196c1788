// ONNX Runtime (Node) on exported ResNet (basic, bottleneck) and ViT (with and without q/k/v bias): our logits within 1e-4, int8 argmax.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import ort from 'onnxruntime-node';
import { writeOnnxModel } from '../../src/export/onnx/export-model.js';
import { defaultLabels } from '../../src/models/labels.js';
import { loadTaskModel } from '../../src/models/load.js';
import { mobileNetFromTfjs, readNsfwjsMobileNet } from '../../src/models/mobilenet-v2/index.js';
import type { TaskModel } from '../../src/models/types.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Random } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { maxAbsDiff, rowArgmax } from '../support/onnx-run.js';

const VISION = join(import.meta.dirname, '..', '..', '..', 'test', 'golden', 'vision');
const root = mkdtempSync(join(tmpdir(), 'finetune-onnx-vision-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Pixel values [B, C, H, W] drawn from N(0, 1). */
function randomPixels(dims: readonly number[], seed = 7): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => random.normal());
}

function ourImageLogits(model: TaskModel, pixels: Float32Array, dims: readonly number[]): Float32Array {
  return Float32Array.from(noGrad(() => model.forward({ pixelValues: new Tensor(pixels, dims) })).data);
}

async function onnxImageLogits(file: string, pixels: Float32Array, dims: readonly number[]): Promise<{ logits: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  assert.deepEqual(session.inputNames, ['pixel_values']);
  const out = await session.run({ pixel_values: new ort.Tensor('float32', pixels, [...dims]) });
  await session.release();
  return { logits: Float32Array.from(out.logits!.data as Float32Array), dims: out.logits!.dims };
}

const CASES = [
  { name: 'resnet-basic', size: 32, channels: 3 },
  { name: 'resnet-bottleneck', size: 32, channels: 3 },
  { name: 'vit', size: 16, channels: 3 },
  { name: 'vit-nobias', size: 12, channels: 1 },
];

describe('image classifier export run by ONNX Runtime', () => {
  for (const c of CASES) {
    it(`${c.name}: fp32 logits within 1e-4 of ours, int8 with our argmax`, async () => {
      const model = (await loadTaskModel(join(VISION, c.name))).model;
      const dims = [3, c.channels, c.size, c.size];
      const pixels = randomPixels(dims);
      const expected = ourImageLogits(model, pixels, dims);
      const file = join(root, `${c.name}.onnx`);
      writeOnnxModel(model, file);
      const got = await onnxImageLogits(file, pixels, dims);
      assert.deepEqual(got.dims, [3, model.numLabels]);
      assert.ok(maxAbsDiff(got.logits, expected) < 1e-4, `max difference ${maxAbsDiff(got.logits, expected)}`);
      const int8 = join(root, `${c.name}-int8.onnx`);
      writeOnnxModel(model, int8, { weights: 'int8' });
      const q = await onnxImageLogits(int8, pixels, dims);
      assert.deepEqual(rowArgmax(q.logits, model.numLabels), rowArgmax(expected, model.numLabels));
    });
  }

  it("MobileNetV2 from nsfwjs (Keras layers): our logits within 1e-4 at its end and through nsfwjs's own dense head, int8 our argmax", async () => {
    const tfjs = readNsfwjsMobileNet();
    const head = { kind: 'image-classification', labels: defaultLabels(3), problemType: 'single_label_classification' } as const;
    const dims = [2, 3, 224, 224];
    const pixels = Float32Array.from(randomPixels(dims, 5), (v) => Math.min(1, Math.max(0, 0.5 + 0.25 * v)));
    for (const end of [undefined, 'dense_3']) {
      const model = mobileNetFromTfjs(tfjs, head, 'pretrained', end);
      const expected = ourImageLogits(model, pixels, dims);
      const file = join(root, `mobilenet-${end ?? 'backbone'}.onnx`);
      writeOnnxModel(model, file);
      const got = await onnxImageLogits(file, pixels, dims);
      assert.ok(maxAbsDiff(got.logits, expected) < 1e-4, `${end ?? 'backbone'}: max difference ${maxAbsDiff(got.logits, expected)}`);
      writeOnnxModel(model, `${file}.int8`, { weights: 'int8' });
      assert.deepEqual(rowArgmax((await onnxImageLogits(`${file}.int8`, pixels, dims)).logits, 3), rowArgmax(expected, 3));
    }
  });

  it('runs a ResNet on another image size (the spatial axes are dynamic)', async () => {
    const model = (await loadTaskModel(join(VISION, 'resnet-basic'))).model;
    const file = join(root, 'resnet-any-size.onnx');
    writeOnnxModel(model, file);
    const dims = [2, 3, 48, 40];
    const pixels = randomPixels(dims, 3);
    const got = await onnxImageLogits(file, pixels, dims);
    assert.ok(maxAbsDiff(got.logits, ourImageLogits(model, pixels, dims)) < 1e-4);
  });

  it('refuses an image family with another head, naming the head', async () => {
    const model = (await loadTaskModel(join(VISION, 'vit'))).model;
    const other = Object.assign(Object.create(Object.getPrototypeOf(model) as object) as object, model, {
      head: { ...model.head, kind: 'token-classification' },
    }) as typeof model;
    assert.throws(
      () => writeOnnxModel(other, join(root, 'bad.onnx')),
      /ViTForImageClassification has a token-classification head; only image-classification exports/,
    );
  });

  it('puts the weights in model.onnx_data when asked (as past 2 GiB) and ONNX Runtime reads them from there', async () => {
    const model = (await loadTaskModel(join(VISION, 'vit'))).model;
    const file = join(root, 'vit-external.onnx');
    assert.equal(writeOnnxModel(model, file, { externalData: 'always' }).dataFile, `${file}_data`);
    assert.ok(existsSync(`${file}_data`));
    const dims = [2, 3, 16, 16];
    const pixels = randomPixels(dims, 9);
    assert.ok(maxAbsDiff((await onnxImageLogits(file, pixels, dims)).logits, ourImageLogits(model, pixels, dims)) < 1e-4);
  });
});
