// ResNet and ViT against transformers: logits, gradients and batch-norm statistics on golden checkpoints; save and reload; freezing; bad inputs.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FinetuneError } from '../../src/errors.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { applyFreeze } from '../../src/models/freeze.js';
import { createTaskModel, loadTaskModel } from '../../src/models/load.js';
import { saveTaskModel } from '../../src/models/save.js';
import { isImageTaskModel } from '../../src/models/vision/image-model.js';
import { crossEntropy } from '../../src/tensor/ops/losses.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { maxAbsDiff } from './support.js';

const GOLDEN = fileURLToPath(new URL('../../../test/golden/vision/', import.meta.url));
const NAMES = ['resnet-basic', 'resnet-bottleneck', 'vit', 'vit-nobias'];

function golden(name: string): (key: string) => Tensor {
  const tensors = readSafetensors(join(GOLDEN, name, 'golden.safetensors')).tensors;
  return (key) => {
    const raw = tensors.get(key);
    assert.ok(raw, `${name}: golden.safetensors has no ${key}`);
    return new Tensor(raw.data, raw.shape);
  };
}

function goldenKeys(name: string, prefix: string): string[] {
  return [...readSafetensors(join(GOLDEN, name, 'golden.safetensors')).tensors.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
}

/** max |a - b| over max |b|: the relative error of a whole tensor. */
function relError(a: Tensor, b: Tensor): number {
  let scale = 0;
  for (let i = 0; i < b.size; i++) scale = Math.max(scale, Math.abs(b.data[i]!));
  return maxAbsDiff(a, b) / Math.max(scale, 1e-12);
}

describe('vision models against transformers', () => {
  for (const name of NAMES) {
    it(`${name}: evaluation logits within 1e-4`, async () => {
      const get = golden(name);
      const { model, tokenizer, warnings } = await loadTaskModel(join(GOLDEN, name));
      assert.deepEqual(warnings, []);
      assert.equal(tokenizer, null);
      assert.equal(model.head.kind, 'image-classification');
      const logits = model.forward({ pixelValues: get('pixel_values') });
      assert.ok(maxAbsDiff(logits, get('eval.logits')) < 1e-4, `max diff ${maxAbsDiff(logits, get('eval.logits'))}`);
    });

    it(`${name}: training-mode logits, loss, every gradient (1e-3 relative) and running statistics`, async () => {
      const get = golden(name);
      const { model } = await loadTaskModel(join(GOLDEN, name));
      model.train();
      const logits = model.forward({ pixelValues: get('pixel_values') });
      assert.ok(maxAbsDiff(logits, get('train.logits')) < 1e-4);
      const loss = crossEntropy(logits, get('labels'));
      assert.ok(Math.abs(loss.item() - get('train.loss').item()) < 1e-4);
      loss.backward();
      const params = new Map(model.namedParameters());
      const gradNames = goldenKeys(name, 'grad.');
      assert.deepEqual([...params.keys()].sort(), gradNames.sort());
      for (const key of gradNames) {
        const g = params.get(key)!.grad;
        assert.ok(g, `${key}: no gradient`);
        // Attention's key bias has a zero gradient in exact arithmetic (softmax ignores a per-query shift): both
        // sides hold rounding noise there, so an absolute bound of 1e-6 also passes.
        const err = relError(g, get(`grad.${key}`));
        assert.ok(err < 1e-3 || maxAbsDiff(g, get(`grad.${key}`)) < 1e-6, `${key}: relative gradient error ${err}`);
      }
      const buffers = new Map(model.namedBuffers());
      for (const key of goldenKeys(name, 'after.')) assert.ok(maxAbsDiff(buffers.get(key)!, get(`after.${key}`)) < 1e-5, key);
    });

    it(`${name}: a saved folder reloads with the same logits and preprocessor`, async () => {
      const get = golden(name);
      const { model } = await loadTaskModel(join(GOLDEN, name));
      const keep = process.env.VISION_SAVE_DIR;
      const dir = keep ? join(keep, name) : mkdtempSync(join(tmpdir(), 'vision-save-'));
      try {
        await saveTaskModel(model, null, dir);
        const pixels = get('pixel_values');
        const logits = model.forward({ pixelValues: pixels });
        // For scripts/check-vision-folder.py: our inputs and logits beside the folder.
        writeFileSync(join(dir, 'expected.json'), JSON.stringify({ shape: pixels.shape, pixel_values: pixels.toArray(), logits: logits.toArray() }));
        const again = await loadTaskModel(dir);
        assert.deepEqual(again.warnings, []);
        assert.equal(maxAbsDiff(again.model.forward({ pixelValues: pixels }), logits), 0);
        assert.ok(isImageTaskModel(model) && isImageTaskModel(again.model));
        assert.deepEqual(again.model.preprocessor, model.preprocessor);
        const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
        const original = JSON.parse(readFileSync(join(GOLDEN, name, 'config.json'), 'utf8')) as Record<string, unknown>;
        assert.deepEqual({ ...config, transformers_version: undefined }, { ...original, transformers_version: undefined });
      } finally {
        if (!keep) rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('vision models: freezing, heads and bad inputs', () => {
  it('freeze by stage (ResNet) and block (ViT); base leaves the classifier', async () => {
    const { model: resnet } = await loadTaskModel(join(GOLDEN, 'resnet-basic'));
    assert.deepEqual(resnet.layerPrefixes, ['resnet.encoder.stages.0', 'resnet.encoder.stages.1']);
    applyFreeze(resnet, 1);
    const trainable = resnet
      .namedParameters()
      .filter(([, p]) => p.requiresGrad)
      .map(([n]) => n);
    assert.ok(trainable.every((n) => n.startsWith('resnet.encoder.stages.1') || n.startsWith('classifier.1')));
    applyFreeze(resnet, 'base');
    assert.deepEqual(
      resnet
        .namedParameters()
        .filter(([, p]) => p.requiresGrad)
        .map(([n]) => n),
      ['classifier.1.weight', 'classifier.1.bias'],
    );
    const { model: vit } = await loadTaskModel(join(GOLDEN, 'vit'));
    assert.deepEqual(vit.layerPrefixes, ['vit.encoder.layer.0', 'vit.encoder.layer.1']);
    assert.deepEqual(vit.defaultLoraTargets, ['query', 'value']);
    assert.deepEqual(vit.headModules, ['classifier']);
  });

  it('features are the pooled base output; a new label count draws a new head with a warning', async () => {
    const get = golden('resnet-basic');
    const { model, warnings } = await loadTaskModel(join(GOLDEN, 'resnet-basic'), { numLabels: 5 });
    assert.match(warnings.join('\n'), /replaced with a new one/);
    const features = model.features({ pixelValues: get('pixel_values') });
    assert.deepEqual(features.shape, [2, 16]);
    assert.deepEqual(model.classify(features).shape, [2, 5]);
    const { model: vit } = await loadTaskModel(join(GOLDEN, 'vit'), { labels: { id2label: { 0: 'cat', 1: 'dog' }, label2id: { cat: 0, dog: 1 } } });
    assert.deepEqual(vit.features({ pixelValues: golden('vit')('pixel_values') }).shape, [2, 16]);
  });

  it('random initialisation from config.json alone', () => {
    for (const name of NAMES) {
      const config = JSON.parse(readFileSync(join(GOLDEN, name, 'config.json'), 'utf8')) as Record<string, unknown>;
      const model = createTaskModel(config);
      const pixels = golden(name)('pixel_values');
      const logits = model.forward({ pixelValues: pixels });
      assert.ok(logits.toArray().every(Number.isFinite));
    }
  });

  it('pixel values of the wrong shape, text inputs and broken configs fail with one line', async () => {
    const { model: resnet } = await loadTaskModel(join(GOLDEN, 'resnet-basic'));
    assert.throws(
      () => resnet.forward({ pixelValues: Tensor.zeros([1, 1, 32, 32]) }),
      (e: unknown) => e instanceof FinetuneError && /\[1, 1, 32, 32\] do not fit.*\[B, 3, H, W\]/.test(e.message),
    );
    const { model: vit } = await loadTaskModel(join(GOLDEN, 'vit'));
    assert.throws(() => vit.forward({ pixelValues: Tensor.zeros([1, 3, 32, 32]) }), /\[B, 3, 16, 16\]/);
    assert.throws(() => vit.forward({ inputIds: Tensor.zeros([1, 2]), attentionMask: Tensor.ones([1, 2]) }), /image model was given text inputs/);
    const config = JSON.parse(readFileSync(join(GOLDEN, 'resnet-basic', 'config.json'), 'utf8')) as Record<string, unknown>;
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ...config, layer_type: 'wide' }, /layer_type 'wide'/],
      [{ ...config, depths: [1] }, /hidden_sizes has 2 stages but depths 1/],
      [{ ...config, hidden_sizes: [8, 'x'] }, /hidden_sizes must be/],
      [{ ...config, hidden_act: 'nope' }, /hidden_act/],
      [{ model_type: 'vit', image_size: 10, patch_size: 4 }, /image_size 10x10 is not divisible by patch_size 4x4/],
      [{ model_type: 'vit', hidden_size: 10, num_attention_heads: 4 }, /hidden_size 10 is not divisible/],
      [{ model_type: 'vit', patch_size: [4] }, /patch_size must be/],
    ];
    for (const [json, message] of bad)
      assert.throws(
        () => createTaskModel(json, {}, 'c.json'),
        (e: unknown) => e instanceof FinetuneError && message.test(e.message),
        String(message),
      );
    assert.throws(() => createTaskModel(config, { headKind: 'token-classification' }, 'c.json'), /no token-classification head/);
  });

  it('a checkpoint missing a base tensor or with a wrong shape fails naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vision-broken-'));
    try {
      const { model } = await loadTaskModel(join(GOLDEN, 'resnet-basic'));
      await saveTaskModel(model, null, dir);
      const tensors = readSafetensors(join(dir, 'model.safetensors')).tensors;
      tensors.delete('resnet.embedder.embedder.normalization.running_var');
      const { writeSafetensors } = await import('../../src/io/safetensors.js');
      writeSafetensors(join(dir, 'model.safetensors'), tensors);
      await assert.rejects(loadTaskModel(dir), /missing key 'resnet\.embedder\.embedder\.normalization\.running_var'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
