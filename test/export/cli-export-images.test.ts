// `finetune export` of image classifiers: transformers.js's image-classification pipeline (Node, local files only) gives our labels and scores.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { env, pipeline } from '@huggingface/transformers';
import sharp from 'sharp';
import { decodeImageFile } from '../../src/data/images/decode.js';
import { pixelValues } from '../../src/data/images/pixels.js';
import { defaultLabels } from '../../src/models/labels.js';
import { loadTaskModel } from '../../src/models/load.js';
import { mobileNetFromTfjs, readNsfwjsMobileNet } from '../../src/models/mobilenet-v2/index.js';
import { saveTaskModel } from '../../src/models/save.js';
import { isImageTaskModel } from '../../src/models/vision/image-model.js';
import { VIT_PREPROCESSOR } from '../../src/models/vision/preprocessor.js';
import type { TaskModel } from '../../src/models/types.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { runCli } from '../support/run-cli.js';

const VISION = join(import.meta.dirname, '..', '..', '..', 'test', 'golden', 'vision');

/** Our softmax scores per label for each image file, highest first. */
async function ourScores(folder: string, files: readonly string[]): Promise<{ label: string; score: number }[][]> {
  const { model } = await loadTaskModel(folder);
  assert.ok(isImageTaskModel(model));
  const images = await Promise.all(files.map(async (f) => (await decodeImageFile(f)).image));
  const p = model.preprocessor;
  const pixels = pixelValues(
    images,
    images.map((_, i) => i),
    p,
  );
  const logits = noGrad(() => model.forward({ pixelValues: new Tensor(pixels, [files.length, 3, p.size.height, p.size.width]) })).data;
  const c = model.numLabels;
  return files.map((_, r) => {
    const row = Array.from({ length: c }, (_, j) => logits[r * c + j]!);
    const top = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - top), 0);
    return row.map((v, j) => ({ label: model.labels.id2label[String(j)]!, score: Math.exp(v - top) / sum })).sort((a, b) => b.score - a.score);
  });
}

describe('finetune export (image classifiers)', () => {
  const root = mkdtempSync(join(tmpdir(), 'finetune-export-images-'));
  const at = (name: string): string => join(root, name);
  before(() => {
    env.allowRemoteModels = false;
    env.localModelPath = root;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** PNG files of noise at the model's input size (transformers.js and we then resize nothing). */
  async function images(size: number): Promise<string[]> {
    mkdirSync(at(`images-${size}`), { recursive: true });
    return Promise.all(
      [1, 2, 3].map(async (seed) => {
        const raw = Buffer.from(Array.from({ length: size * size * 3 }, (_, i) => (i * 37 * seed + seed * 101 + ((i * i) % 13)) % 256));
        const file = at(`images-${size}/${seed}.png`);
        await sharp(raw, { raw: { width: size, height: size, channels: 3 } })
          .png()
          .toFile(file);
        return file;
      }),
    );
  }

  const golden = (name: string) => async (): Promise<TaskModel> => (await loadTaskModel(join(VISION, name))).model;
  const MODELS: Record<string, () => Promise<TaskModel>> = {
    vit: golden('vit'),
    'resnet-basic': golden('resnet-basic'),
    // transformers.js knows no Keras MobileNet: the export's config.json names its MobileNetV2ForImageClassification.
    'mobilenet-v2': async () => {
      const head = { kind: 'image-classification', labels: defaultLabels(3), problemType: 'single_label_classification' } as const;
      const model = mobileNetFromTfjs(readNsfwjsMobileNet(), head, 'pretrained');
      // A new head scores every class about alike; a larger one separates them, so the int8 check means something.
      model.classifier.weight.data.forEach((v, i, data) => {
        data[i] = v * 30;
      });
      return model;
    },
  };

  for (const [name, make] of Object.entries(MODELS)) {
    it(`${name}: the image-classification pipeline on the export gives our labels and scores within 1e-4; int8 our top label`, async () => {
      // A square resize with no crop, so both sides feed the same pixels (resizing filters differ between libraries).
      const model = await make();
      assert.ok(isImageTaskModel(model));
      const size = model.preprocessor.size.height;
      model.preprocessor = {
        ...VIT_PREPROCESSOR,
        size: { height: size, width: size },
        imageMean: model.preprocessor.imageMean,
        imageStd: model.preprocessor.imageStd,
      };
      await saveTaskModel(model, null, at(`${name}-model`));
      const run = await runCli(['export', '--model', at(`${name}-model`), '--quantize', 'int8', '--output', at(name), '--json']);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /tokenizer/);
      for (const file of ['config.json', 'preprocessor_config.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx'])
        assert.ok(existsSync(at(`${name}/${file}`)), file);
      assert.deepEqual(
        JSON.parse(readFileSync(at(`${name}/preprocessor_config.json`), 'utf8')),
        JSON.parse(readFileSync(at(`${name}-model/preprocessor_config.json`), 'utf8')),
      );
      const files = await images(size);
      const expected = await ourScores(at(`${name}-model`), files);
      const classify = await pipeline('image-classification', name);
      const quantized = await pipeline('image-classification', name, { dtype: 'q8' });
      for (let i = 0; i < files.length; i++) {
        const got = (await classify(files[i]!, { top_k: model.numLabels })) as unknown as { label: string; score: number }[];
        assert.deepEqual(
          got.map((s) => s.label),
          expected[i]!.map((s) => s.label),
        );
        for (let j = 0; j < got.length; j++)
          assert.ok(Math.abs(got[j]!.score - expected[i]![j]!.score) < 1e-4, `${files[i]}: ${got[j]!.score} vs ${expected[i]![j]!.score}`);
        const q8 = (await quantized(files[i]!)) as unknown as { label: string }[];
        assert.equal(q8[0]!.label, expected[i]![0]!.label);
      }
    });
  }
});
