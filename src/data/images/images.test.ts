// Image data: IDX, class folders, CSV lists, bad files, resampling, augmentation, splits and duplicates.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createRandom } from '../random.js';
import {
  duplicateImagesWarning,
  findDuplicateImages,
  imageSourceFormat,
  loadIdxSplit,
  loadImageSet,
  pixelValues,
  randomResizedCropBox,
  resample,
  splitImageSet,
  subsetImageSet,
  type PixelPreprocessing,
} from './index.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-images-'));
after(() => rmSync(root, { recursive: true, force: true }));

function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

const png = (w: number, h: number, rgb: [number, number, number]): Promise<Buffer> =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();

describe('IDX files', () => {
  const folder = join(root, 'fashion-idx');
  before(() => {
    mkdirSync(folder);
    const pixels = Uint8Array.from({ length: 4 * 2 * 3 }, (_, i) => i);
    writeFileSync(join(folder, 'train-images-idx3-ubyte.gz'), gzipSync(idx([4, 2, 3], pixels)));
    writeFileSync(join(folder, 'train-labels-idx1-ubyte.gz'), gzipSync(idx([4], Uint8Array.from([0, 9, 0, 1]))));
    writeFileSync(join(folder, 't10k-images-idx3-ubyte'), idx([1, 2, 3], pixels.subarray(0, 6)));
    writeFileSync(join(folder, 't10k-labels-idx1-ubyte'), idx([1], Uint8Array.from([1])));
  });
  it('reads gzipped and plain splits with Fashion-MNIST class names; images are views of one buffer', async () => {
    assert.equal(imageSourceFormat(folder), 'idx');
    const train = await loadIdxSplit(folder, 'train');
    assert.equal(train.images.length, 4);
    assert.deepEqual(train.labels, ['T-shirt/top', 'Ankle boot', 'T-shirt/top', 'Trouser']);
    assert.deepEqual([...train.images[1]!.data], [6, 7, 8, 9, 10, 11]);
    assert.equal(train.images[1]!.width, 3);
    assert.equal(train.images[1]!.channels, 1);
    const test = await loadIdxSplit(folder, 'test');
    assert.deepEqual(test.labels, ['Trouser']);
    // The test image has the bytes of training image 0.
    const d = findDuplicateImages(train, test);
    assert.deepEqual(d.evalIndices, [0]);
    assert.match(
      duplicateImagesWarning(d, 1)!,
      /^evaluation data: 1 of 1 images \(100\.0%\) have the same bytes as a training image, e\.g\. .*t10k.*image 0 = .*train.*image 0;/,
    );
  });
  it('names the file when the header and the data disagree', async () => {
    const bad = join(root, 'bad-idx');
    mkdirSync(bad);
    writeFileSync(join(bad, 'train-images-idx3-ubyte'), idx([5, 2, 3], new Uint8Array(12)));
    writeFileSync(join(bad, 'train-labels-idx1-ubyte'), idx([5], new Uint8Array(5)));
    await assert.rejects(loadImageSet(bad), /train-images-idx3-ubyte: the header says 5 x 2 x 3 = 30 bytes of data, the file has 12/);
    writeFileSync(join(bad, 'train-images-idx3-ubyte'), idx([2, 2, 3], new Uint8Array(12)));
    await assert.rejects(loadImageSet(bad), /train-labels-idx1-ubyte: 5 labels for 2 images/);
  });
});

describe('class folders and lists', () => {
  const folder = join(root, 'pets');
  before(async () => {
    for (const [cls, colour] of [
      ['cat', [200, 10, 10]],
      ['dog', [10, 200, 10]],
    ] as const) {
      mkdirSync(join(folder, cls), { recursive: true });
      for (let i = 0; i < 3; i++) writeFileSync(join(folder, cls, `${i}.png`), await png(8 + i, 6, [colour[0], colour[1] + i, colour[2]]));
      writeFileSync(join(folder, cls, 'notes.txt'), 'not an image');
    }
    const grey = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 90, g: 90, b: 90 } } })
      .toColourspace('b-w')
      .jpeg()
      .toBuffer();
    writeFileSync(join(folder, 'dog', 'grey.jpg'), grey);
    writeFileSync(
      join(folder, 'dog', 'web.webp'),
      await sharp(await png(5, 5, [1, 2, 3]))
        .webp({ lossless: true })
        .toBuffer(),
    );
  });
  it('reads one class per sub-folder (PNG, JPEG, WebP), passing over other files; grey stays one channel', async () => {
    assert.equal(imageSourceFormat(folder), 'folder');
    const set = await loadImageSet(folder);
    assert.equal(set.images.length, 8);
    assert.deepEqual(set.labels, ['cat', 'cat', 'cat', 'dog', 'dog', 'dog', 'dog', 'dog']);
    const greyAt = set.origins.findIndex((o) => o.endsWith('grey.jpg'));
    assert.equal(set.images[greyAt]!.channels, 1);
    assert.equal(set.images[0]!.channels, 3);
    assert.deepEqual([...set.images[0]!.data.subarray(0, 3)], [200, 10, 10]);
  });
  it('shrinks large images as it decodes them', async () => {
    const set = await loadImageSet(folder, { maxShortEdge: 3 });
    assert.equal(Math.min(set.images[0]!.width, set.images[0]!.height), 3);
  });
  it('reads a CSV of path,label relative to the file; a bad row names its line', async () => {
    const list = join(folder, 'list.csv');
    writeFileSync(list, 'path,label\ncat/0.png,feline\ndog/1.png,canine\n');
    const set = await loadImageSet(list);
    assert.deepEqual(set.labels, ['feline', 'canine']);
    assert.equal(set.format, 'csv');
    writeFileSync(list, 'path,label\ncat/0.png,feline\ncat/missing.png,feline\n');
    await assert.rejects(loadImageSet(list), (e: Error) => /list\.csv: line 3: .*missing\.png: no such image file$/.test(e.message));
    const jsonl = join(folder, 'list.jsonl');
    writeFileSync(jsonl, '{"image": "dog/2.png", "class": "canine"}\n');
    assert.deepEqual((await loadImageSet(jsonl)).labels, ['canine']);
  });
  it('fails on a corrupt or truncated image with one line naming it, or skips and counts them', async () => {
    const bad = join(root, 'bad-folder');
    mkdirSync(join(bad, 'a'), { recursive: true });
    mkdirSync(join(bad, 'b'), { recursive: true });
    const good = await png(16, 16, [1, 2, 3]);
    writeFileSync(join(bad, 'a', 'good.png'), good);
    writeFileSync(join(bad, 'b', 'good.png'), good);
    writeFileSync(join(bad, 'a', 'corrupt.png'), Buffer.from('this is not a png'));
    const jpeg = await sharp({
      create: { width: 64, height: 64, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: 'gaussian', mean: 128, sigma: 30 } },
    })
      .jpeg()
      .toBuffer();
    writeFileSync(join(bad, 'b', 'truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    await assert.rejects(loadImageSet(bad), (e: Error) => /^.*a\/corrupt\.png: not a readable image \(.*\)$/.test(e.message) && !e.message.includes('\n'));
    const set = await loadImageSet(bad, { skipBadImages: true });
    assert.equal(set.images.length, 2);
    assert.equal(set.skipped.length, 2);
    assert.match(set.skipped[1]!, /truncated\.jpg: not a readable image/);
  });
});

describe('resampling and pixel values', () => {
  const image = { width: 4, height: 2, channels: 1 as const, data: Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70]) };
  it('keeps an image resampled to its own size; a constant image stays constant when shrunk or grown', () => {
    for (const filter of ['bilinear', 'bicubic'] as const) {
      assert.deepEqual([...resample(image, { x: 0, y: 0, width: 4, height: 2 }, 4, 2, filter)], [...image.data]);
      const flat = { width: 5, height: 7, channels: 3 as const, data: new Uint8Array(105).fill(77) };
      for (const [w, h] of [
        [2, 3],
        [11, 13],
      ] as const) {
        for (const v of resample(flat, { x: 0, y: 0, width: 5, height: 7 }, w, h, filter)) assert.ok(Math.abs(v - 77) < 1e-3);
      }
    }
  });
  it('shrinks and grows as PIL does (bilinear widened when shrinking; values from Pillow)', () => {
    assert.deepEqual([...resample(image, { x: 0, y: 0, width: 4, height: 2 }, 2, 1, 'bilinear')].map(Math.round), [27, 43]);
  });
  const p: PixelPreprocessing = {
    size: { height: 2, width: 4 },
    rescaleFactor: 1 / 255,
    imageMean: [0.5, 0.5, 0.5],
    imageStd: [0.5, 0.5, 0.5],
    resample: 'bilinear',
  };
  it('gives [B, 3, H, W] with grey repeated on every channel, rescaled and normalised', () => {
    const values = pixelValues([image], [0], p);
    assert.equal(values.length, 24);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(values[c * 8 + 1]! - (10 / 255 - 0.5) / 0.5) < 1e-6);
  });
  it('draws torchvision crops inside the image, the same for the same seed, epoch and index; flips some', () => {
    const random = createRandom(3);
    for (let i = 0; i < 200; i++) {
      const b = randomResizedCropBox(28, 20, random);
      assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.width <= 28 && b.y + b.height <= 20 && b.width > 0 && b.height > 0);
    }
    const big = { width: 16, height: 16, channels: 1 as const, data: Uint8Array.from({ length: 256 }, (_, i) => i) };
    const q = { ...p, size: { height: 8, width: 8 } };
    const a = pixelValues([big], [0, 0], q, { options: { seed: 1 }, epoch: 0 });
    assert.deepEqual(a, pixelValues([big], [0, 0], q, { options: { seed: 1 }, epoch: 0 }));
    assert.notDeepEqual(a, pixelValues([big], [0, 0], q, { options: { seed: 1 }, epoch: 1 }));
    assert.notDeepEqual(a, pixelValues([big], [0, 0], q));
  });
});

describe('splits', () => {
  const set = {
    images: Array.from({ length: 100 }, () => ({ width: 1, height: 1, channels: 1 as const, data: new Uint8Array(1) })),
    labels: Array.from({ length: 100 }, (_, i) => (i % 4 === 0 ? 'rare' : 'common')),
    origins: Array.from({ length: 100 }, (_, i) => `image ${i}`),
    keys: Array.from({ length: 100 }, (_, i) => String(i)),
  };
  it('holds out each class in proportion, and takes stratified subsets', () => {
    const { train, validation } = splitImageSet(set, 0.2, 1);
    assert.equal(validation.labels.filter((l) => l === 'rare').length, 5);
    assert.equal(train.images.length + validation.images.length, 100);
    const sub = subsetImageSet(set, 20, 1);
    assert.equal(sub.labels.filter((l) => l === 'rare').length, 5);
    assert.equal(sub.labels.length, 20);
    assert.deepEqual(findDuplicateImages(train, validation).evalIndices, []);
  });
});
