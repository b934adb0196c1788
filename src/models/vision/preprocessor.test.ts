// Tests of preprocessor_config.json reading and writing (ViTImageProcessor and ConvNextImageProcessor forms).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FinetuneError } from '../../errors.js';
import { preprocessorConfigJson, readPreprocessorConfig, RESNET_PREPROCESSOR, VIT_PREPROCESSOR } from './preprocessor.js';

const RESNET_JSON = {
  crop_pct: 0.875,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.485, 0.456, 0.406],
  image_processor_type: 'ConvNextImageProcessor',
  image_std: [0.229, 0.224, 0.225],
  resample: 3,
  rescale_factor: 0.00392156862745098,
  size: { shortest_edge: 224 },
};

test('microsoft/resnet-50 preprocessor: short side 256, centre crop 224, bicubic', () => {
  const p = readPreprocessorConfig(RESNET_JSON, 'p.json');
  assert.deepEqual(p.size, { height: 224, width: 224 });
  assert.equal(p.resizeShortestEdge, 256);
  assert.equal(p.resample, 'bicubic');
  assert.deepEqual(p.imageMean, [0.485, 0.456, 0.406]);
  assert.deepEqual(readPreprocessorConfig(preprocessorConfigJson(p), 'q.json'), p);
  assert.deepEqual(readPreprocessorConfig(preprocessorConfigJson(RESNET_PREPROCESSOR), 'q.json'), { ...RESNET_PREPROCESSOR, rescaleFactor: 1 / 255 });
});

test('ViT preprocessor round-trips; 384 and above warps without a crop; flags off', () => {
  const json = preprocessorConfigJson(VIT_PREPROCESSOR);
  assert.equal(json.image_processor_type, 'ViTImageProcessor');
  assert.deepEqual(readPreprocessorConfig(json, 'p.json'), VIT_PREPROCESSOR);
  const big = readPreprocessorConfig({ ...RESNET_JSON, size: { shortest_edge: 384 } }, 'p.json');
  assert.equal(big.resizeShortestEdge, undefined);
  const plain = readPreprocessorConfig({ size: 28, do_rescale: false, do_normalize: false }, 'p.json');
  assert.deepEqual([plain.rescaleFactor, plain.imageMean, plain.imageStd], [1, [0, 0, 0], [1, 1, 1]]);
});

test('odd crops keep their exact short side through crop_pct', () => {
  for (const resize of [100, 113, 255, 257, 300]) {
    const p = { ...RESNET_PREPROCESSOR, size: { height: 97, width: 97 }, resizeShortestEdge: resize };
    assert.equal(readPreprocessorConfig(preprocessorConfigJson(p), 'p.json').resizeShortestEdge, resize);
  }
});

test('bad fields fail naming the file and key', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ ...RESNET_JSON, resample: 0 }, /p\.json: resample/],
    [{ ...RESNET_JSON, size: { shortest_edge: -1 } }, /p\.json: size\.shortest_edge/],
    [{ ...RESNET_JSON, size: [224] }, /p\.json: size/],
    [{ ...RESNET_JSON, image_std: [1, 0, 1] }, /p\.json: image_std/],
    [{ ...RESNET_JSON, image_mean: [1, 2] }, /p\.json: image_mean/],
    [{ ...RESNET_JSON, crop_pct: 2 }, /p\.json: crop_pct/],
    [{ ...RESNET_JSON, do_rescale: 'yes' }, /p\.json: do_rescale/],
    [{ ...RESNET_JSON, rescale_factor: 0 }, /p\.json: rescale_factor/],
  ];
  for (const [json, message] of bad)
    assert.throws(
      () => readPreprocessorConfig(json, 'p.json'),
      (e: unknown) => e instanceof FinetuneError && message.test(e.message),
    );
  assert.throws(() => preprocessorConfigJson({ ...VIT_PREPROCESSOR, resizeShortestEdge: 100, size: { height: 100, width: 120 } }), FinetuneError);
});
