// The image-classification task: collated pixel batches, per-epoch augmentation, classification scores and the surest mistakes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from '../../tensor/tensor.js';
import { type ImageClassificationData, imageClassificationTask } from './index.js';

const image = (v: number) => ({ width: 4, height: 4, channels: 1 as const, data: new Uint8Array(16).map((_, i) => (v + i * 13) % 256) });
const data = (augment: boolean): ImageClassificationData => ({
  images: [image(0), image(50), image(100), image(150)],
  labels: Int32Array.from([0, 1, 2, 1]),
  preprocessing: { size: { height: 4, width: 4 }, rescaleFactor: 1 / 255, imageMean: [0, 0, 0], imageStd: [1, 1, 1], resample: 'bilinear' },
  ...(augment ? { augmentation: { options: { seed: 5 }, enabled: true, epoch: 0 } } : {}),
});

describe('imageClassificationTask', () => {
  const task = imageClassificationTask({ labels: ['a', 'b', 'c'], misclassifiedLimit: 2 });
  it('collates [B, 3, H, W] pixel values and int32 targets', () => {
    const batch = task.collate(data(false), [2, 0]);
    assert.deepEqual(batch.inputs.pixelValues.shape, [2, 3, 4, 4]);
    assert.deepEqual([...batch.targets.i32()], [2, 0]);
    assert.equal(batch.items, 2);
    assert.ok(Math.abs(batch.inputs.pixelValues.f32()[16]! - 100 / 255) < 1e-6, 'grey repeated on the second channel');
    assert.equal(task.headKind, 'image-classification');
    assert.deepEqual(task.lengths(data(false)), [1, 1, 1, 1]);
  });
  it('draws new crops when the trainer moves to the next epoch, the same ones for the same epoch', () => {
    const d = data(true);
    const first = task.collate(d, [0, 1, 2, 3]).inputs.pixelValues.f32().slice();
    task.setEpoch!(d, 1);
    const second = task.collate(d, [0, 1, 2, 3]).inputs.pixelValues.f32().slice();
    task.setEpoch!(d, 0);
    assert.deepEqual(task.collate(d, [0, 1, 2, 3]).inputs.pixelValues.f32(), first);
    assert.notDeepEqual(second, first);
  });
  it('scores as classification and keeps the surest mistakes, up to the limit', () => {
    const stream = task.metrics();
    const batch = task.collate(data(false), [0, 1, 2, 3]);
    // Rows: right (a), wrong at 0.58 (c for b), wrong at 0.79 (a for c), wrong at 0.35 (a for b).
    stream.add(new Tensor(Float32Array.from([3, 0, 0, 0, 0, 1, 2, 0, 0, 1, 1, 0.9]), [4, 3]), batch);
    const m = stream.result();
    assert.equal(m.accuracy, 0.25);
    assert.deepEqual(
      m.misclassified.map((x) => [x.index, x.label, x.predicted]),
      [
        [2, 2, 0],
        [1, 1, 2],
      ],
    );
    assert.ok(Math.abs(m.misclassified[0]!.score - Math.exp(2) / (Math.exp(2) + 2)) < 1e-6);
    assert.equal((task.details(m).misclassified as unknown[]).length, 2);
  });
});
