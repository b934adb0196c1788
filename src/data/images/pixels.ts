// Pixel values for a model: resize (or a random resized crop and flip when training), rescale and normalise, batched channels first.
import { createRandom, type Random } from '../random.js';
import { resample, type Box, type ResampleFilter } from './resample.js';
import type { PixelImage } from './types.js';

/**
 * How images become a model's pixel values: the fields of a model's ImagePreprocessor
 * (src/models/vision/preprocessor.ts), declared here so the data layer needs no model import.
 */
export interface PixelPreprocessing {
  readonly size: { readonly height: number; readonly width: number };
  /** Resize the short side to this, then centre-crop to `size`; absent: resize straight to `size`. */
  readonly resizeShortestEdge?: number;
  readonly rescaleFactor: number;
  readonly imageMean: readonly number[];
  readonly imageStd: readonly number[];
  readonly resample: ResampleFilter;
}

/** Training augmentation, as torchvision's RandomResizedCrop and RandomHorizontalFlip with their defaults. */
export interface AugmentOptions {
  /** Range of the crop's area as a fraction of the image (default [0.08, 1]). */
  readonly scale?: readonly [number, number];
  /** Range of the crop's aspect ratio, width / height (default [3/4, 4/3]). */
  readonly ratio?: readonly [number, number];
  /** Probability of a horizontal flip (default 0.5). */
  readonly flipProbability?: number;
  /** Seed of the random crops and flips (default 0); with the epoch and the example's index it fixes each draw. */
  readonly seed?: number;
}

/** The crop torchvision's RandomResizedCrop.get_params draws: ten tries at a random area and ratio, else a centre crop. */
export function randomResizedCropBox(width: number, height: number, random: Random, options: AugmentOptions = {}): Box {
  const [s0, s1] = options.scale ?? [0.08, 1];
  const [r0, r1] = options.ratio ?? [3 / 4, 4 / 3];
  const area = width * height;
  const logLo = Math.log(r0);
  const logHi = Math.log(r1);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (s0 + (s1 - s0) * random());
    const aspect = Math.exp(logLo + (logHi - logLo) * random());
    const w = Math.round(Math.sqrt(target * aspect));
    const h = Math.round(Math.sqrt(target / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const y = Math.floor(random() * (height - h + 1));
      const x = Math.floor(random() * (width - w + 1));
      return { x, y, width: w, height: h };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < Math.min(r0, r1)) h = Math.round(w / Math.min(r0, r1));
  else if (inRatio > Math.max(r0, r1)) w = Math.round(h * Math.max(r0, r1));
  return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), width: w, height: h };
}

/**
 * The source box of evaluation preprocessing: the whole image, or with resizeShortestEdge the part
 * that survives transformers' resize (short side to R, long side truncated) and centre crop.
 */
export function evalBox(width: number, height: number, p: PixelPreprocessing): Box {
  const edge = p.resizeShortestEdge;
  if (edge === undefined) return { x: 0, y: 0, width, height };
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const resizedLong = Math.trunc((edge * long) / short);
  const rw = width <= height ? edge : resizedLong;
  const rh = width <= height ? resizedLong : edge;
  const top = Math.trunc((rh - p.size.height) / 2);
  const left = Math.trunc((rw - p.size.width) / 2);
  const sx = width / rw;
  const sy = height / rh;
  return { x: left * sx, y: top * sy, width: p.size.width * sx, height: p.size.height * sy };
}

/** A 32-bit seed for one example's augmentation in one epoch (the same triple always draws the same crop). */
export function augmentSeed(seed: number, epoch: number, index: number): number {
  let h = Math.imul((seed | 0) ^ 0x27d4eb2d, 0x165667b1);
  h ^= Math.imul(epoch + 1, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h ^= Math.imul(index + 1, 0xc2b2ae35);
  return (h ^ (h >>> 13)) >>> 0;
}

/** Where a random crop and flip come from when training; absent when evaluating. */
export interface AugmentDraw {
  readonly options: AugmentOptions;
  readonly epoch: number;
}

/**
 * Writes image `image` into `out` at `offset` as float32 [3, H, W] pixel values (grey repeated on
 * the three channels): evaluation preprocessing, or a random resized crop and flip drawn for (seed, epoch, index).
 */
export function writePixelValues(image: PixelImage, p: PixelPreprocessing, out: Float32Array, offset: number, augment?: AugmentDraw, index = 0): void {
  const { height: H, width: W } = p.size;
  let box: Box;
  let flip = false;
  if (augment) {
    const random = createRandom(augmentSeed(augment.options.seed ?? 0, augment.epoch, index));
    box = randomResizedCropBox(image.width, image.height, random, augment.options);
    flip = random() < (augment.options.flipProbability ?? 0.5);
  } else {
    box = evalBox(image.width, image.height, p);
  }
  const values = resample(image, box, W, H, p.resample);
  const C = image.channels;
  const plane = H * W;
  for (let c = 0; c < 3; c++) {
    const from = C === 1 ? 0 : c;
    const std = p.imageStd[c]!;
    const scale = p.rescaleFactor / std;
    const shift = p.imageMean[c]! / std;
    const base = offset + c * plane;
    for (let y = 0; y < H; y++) {
      const row = base + y * W;
      for (let x = 0; x < W; x++) {
        // Rounded and clamped to 8 bits, as the PIL image transformers resizes would hold them.
        const v = Math.min(255, Math.max(0, Math.round(values[(y * W + x) * C + from]!)));
        out[row + (flip ? W - 1 - x : x)] = v * scale - shift;
      }
    }
  }
}

/** Pixel values float32 [B, 3, H, W] of `images[indices]` (B = indices.length). */
export function pixelValues(images: readonly PixelImage[], indices: readonly number[], p: PixelPreprocessing, augment?: AugmentDraw): Float32Array {
  const size = 3 * p.size.height * p.size.width;
  const out = new Float32Array(indices.length * size);
  indices.forEach((index, row) => writePixelValues(images[index]!, p, out, row * size, augment, index));
  return out;
}
