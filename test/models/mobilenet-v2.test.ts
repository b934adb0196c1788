// MobileNetV2 from nsfwjs (TF.js Layers) against TF.js's own execution; our saved layout reloads identically; freezing by block.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '../../src/io/safetensors.js';
import { applyFreeze } from '../../src/models/freeze.js';
import { loadTaskModel } from '../../src/models/load.js';
import { mobileNetFromTfjs, NSFWJS_MOBILENET_BUILTIN_NAME, NSFWJS_PREPROCESSOR, readNsfwjsMobileNet } from '../../src/models/mobilenet-v2/index.js';
import { saveTaskModel } from '../../src/models/save.js';
import type { HeadSpec } from '../../src/models/types.js';
import { isImageTaskModel } from '../../src/models/vision/image-model.js';
import { defaultLabels } from '../../src/models/labels.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { goldenPixelsNchw } from '../support/golden-pixels.js';
import { maxAbsDiff } from './support.js';

const GOLDEN = fileURLToPath(new URL('../../../test/golden/vision/mobilenet-v2-nsfwjs.safetensors', import.meta.url));
const head = (n: number): HeadSpec => ({ kind: 'image-classification', labels: defaultLabels(n), problemType: 'single_label_classification' });

function golden(key: string): Tensor {
  const raw = readSafetensors(GOLDEN).tensors.get(key)!;
  return new Tensor(raw.data, raw.shape);
}

function pixels(): Tensor {
  const { data, shape } = goldenPixelsNchw();
  return new Tensor(data, shape);
}

describe('MobileNetV2 from nsfwjs', () => {
  const tfjs = readNsfwjsMobileNet();

  it('reads the Keras topology and dequantises every weight', () => {
    assert.equal(tfjs.layers.length, 162);
    assert.deepEqual(tfjs.outputs, ['dense_3']);
    const kernel = tfjs.weights.get('Conv1/kernel')!;
    assert.deepEqual(kernel.shape, [3, 3, 3, 32]);
    // uint8 codes: every value is min + scale * q for an integer q in 0..255.
    const q = (kernel.data[0]! - -0.87334511607301) / 0.006666756611244351;
    assert.ok(Math.abs(q - Math.round(q)) < 1e-3 && q >= 0 && q <= 255);
  });

  it('backbone features (out_relu, pooled) and the whole model within 1e-4 of TF.js', () => {
    const x = pixels();
    noGrad(() => {
      const model = mobileNetFromTfjs(tfjs, head(3), 'pretrained');
      const features = model.features({ pixelValues: x });
      assert.deepEqual(features.shape, [2, 1280]);
      assert.ok(maxAbsDiff(features, golden('features')) < 1e-4, `features differ by ${maxAbsDiff(features, golden('features'))}`);
      // The whole nsfwjs network (its own dense head and softmax) through the same graph code.
      const whole = mobileNetFromTfjs(tfjs, head(3), 'pretrained', 'dense_3');
      const probs = whole.features({ pixelValues: x });
      assert.ok(maxAbsDiff(probs, golden('probs')) < 1e-4, `probs differ by ${maxAbsDiff(probs, golden('probs'))}`);
    });
  });

  it('the built-in name loads it with a new head; our saved layout reloads identically', async () => {
    const { model, warnings } = await loadTaskModel(NSFWJS_MOBILENET_BUILTIN_NAME, { numLabels: 4 });
    assert.match(warnings[0]!, /cut at 'out_relu'/);
    assert.ok(isImageTaskModel(model));
    assert.deepEqual(model.preprocessor, NSFWJS_PREPROCESSOR);
    const x = pixels().slice(0, 0, 1);
    const dir = mkdtempSync(join(tmpdir(), 'mobilenet-save-'));
    try {
      await saveTaskModel(model, null, dir);
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(config.model_type, 'mobilenet-v2-keras');
      assert.equal(config.hidden_size, 1280);
      const again = await loadTaskModel(dir);
      assert.deepEqual(again.warnings, []);
      assert.ok(isImageTaskModel(again.model));
      assert.deepEqual(again.model.preprocessor, NSFWJS_PREPROCESSOR);
      noGrad(() => assert.equal(maxAbsDiff(again.model.forward({ pixelValues: x }), model.forward({ pixelValues: x })), 0));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('freezes by block: stem as the embeddings, blocks 1-16 and the top conv as layers', () => {
    const model = mobileNetFromTfjs(tfjs, head(2), 'pretrained');
    assert.equal(model.layerPrefixes.length, 17);
    assert.equal(model.layerPrefixes[0], 'backbone.block_1');
    assert.equal(model.layerPrefixes[16], 'backbone.top');
    applyFreeze(model, 16);
    const trainable = model
      .namedParameters()
      .filter(([, p]) => p.requiresGrad)
      .map(([n]) => n);
    assert.ok(trainable.length > 0 && trainable.every((n) => n.startsWith('backbone.top.') || n.startsWith('classifier.')), trainable.join(', '));
  });
});
