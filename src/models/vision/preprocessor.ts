// ImagePreprocessor: how images become pixel values for a vision model, read from and written to transformers' preprocessor_config.json.
import { FinetuneError } from '../../errors.js';

/** An RGB triple (per-channel mean or standard deviation). */
export type Rgb = readonly [number, number, number];

/**
 * What transformers' image processors do before the model sees an image: resize (and maybe centre-crop),
 * multiply by rescaleFactor, then (x - mean) / std per channel. pixel_values = ((pixel * rescaleFactor) - mean) / std.
 */
export interface ImagePreprocessor {
  /** The model's input size after resizing (and cropping when resizeShortestEdge is set). */
  readonly size: { readonly height: number; readonly width: number };
  /** Resize so the short side is this many pixels (aspect kept), then centre-crop to `size`; absent: resize straight to `size`. */
  readonly resizeShortestEdge?: number;
  /** Multiplies 0..255 pixel values (1/255 for inputs in [0, 1]; 1 when do_rescale is false). */
  readonly rescaleFactor: number;
  /** Subtracted per channel after rescaling ([0, 0, 0] when do_normalize is false). */
  readonly imageMean: Rgb;
  /** Divides per channel after the mean ([1, 1, 1] when do_normalize is false). */
  readonly imageStd: Rgb;
  /** The resize filter (PIL's resample 2 and 3). */
  readonly resample: 'bilinear' | 'bicubic';
}

/** ImageNet's channel statistics (ResNet, MobileNet, ConvNext). */
export const IMAGENET_MEAN: Rgb = [0.485, 0.456, 0.406];
export const IMAGENET_STD: Rgb = [0.229, 0.224, 0.225];

/** ViTImageProcessor's defaults (google/vit-*): 224 x 224, to [-1, 1]. */
export const VIT_PREPROCESSOR: ImagePreprocessor = {
  size: { height: 224, width: 224 },
  rescaleFactor: 1 / 255,
  imageMean: [0.5, 0.5, 0.5],
  imageStd: [0.5, 0.5, 0.5],
  resample: 'bilinear',
};

/** What microsoft/resnet-* ship (ConvNextImageProcessor, shortest_edge 224, crop_pct 0.875). */
export const RESNET_PREPROCESSOR: ImagePreprocessor = {
  size: { height: 224, width: 224 },
  resizeShortestEdge: 256,
  rescaleFactor: 1 / 255,
  imageMean: IMAGENET_MEAN,
  imageStd: IMAGENET_STD,
  resample: 'bicubic',
};

const PIL_RESAMPLE: Readonly<Record<number, ImagePreprocessor['resample']>> = { 2: 'bilinear', 3: 'bicubic' };

type Json = Readonly<Record<string, unknown>>;

function fail(file: string, key: string, expected: string, value: unknown): never {
  throw new FinetuneError(`${file}: ${key} must be ${expected}, got ${JSON.stringify(value)}`);
}

function positiveInt(value: unknown, file: string, key: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(file, key, 'a positive integer', value);
  return value;
}

function rgb(value: unknown, fallback: Rgb, file: string, key: string, positive: boolean): Rgb {
  if (value === undefined || value === null) return fallback;
  // One value (a number or a one-element list, as single-channel models write) stands for all three channels.
  const v = typeof value === 'number' ? [value, value, value] : Array.isArray(value) && value.length === 1 ? [value[0], value[0], value[0]] : value;
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0);
  if (!Array.isArray(v) || v.length !== 3 || !v.every(ok)) fail(file, key, `three ${positive ? 'positive ' : ''}numbers`, value);
  return [v[0], v[1], v[2]];
}

function flag(json: Json, key: string, file: string): boolean {
  const v = json[key];
  if (v === undefined || v === null) return true;
  if (typeof v !== 'boolean') fail(file, key, 'true or false', v);
  return v;
}

/**
 * The size part: `{height, width}` (ViTImageProcessor), `{shortest_edge}` with crop_pct (ConvNextImageProcessor:
 * below 384 it resizes the short side to shortest_edge / crop_pct and centre-crops a square of shortest_edge;
 * from 384 up it warps to a square), or a bare number (old configs).
 */
function readSize(json: Json, file: string): Pick<ImagePreprocessor, 'size' | 'resizeShortestEdge'> {
  const size = json.size;
  if (typeof size === 'number') {
    const s = positiveInt(size, file, 'size');
    return { size: { height: s, width: s } };
  }
  if (typeof size !== 'object' || size === null || Array.isArray(size)) fail(file, 'size', '{height, width} or {shortest_edge}', size);
  const s = size as Json;
  if ('height' in s || 'width' in s) return { size: { height: positiveInt(s.height, file, 'size.height'), width: positiveInt(s.width, file, 'size.width') } };
  if (!('shortest_edge' in s)) fail(file, 'size', '{height, width} or {shortest_edge}', size);
  const edge = positiveInt(s.shortest_edge, file, 'size.shortest_edge');
  const square = { height: edge, width: edge };
  if (edge >= 384) return { size: square };
  const cropPct = json.crop_pct ?? 224 / 256;
  if (typeof cropPct !== 'number' || !(cropPct > 0 && cropPct <= 1)) fail(file, 'crop_pct', 'a number in (0, 1]', cropPct);
  return { size: square, resizeShortestEdge: Math.floor(edge / cropPct) };
}

/** Reads a preprocessor_config.json object (`file` names it in errors). */
export function readPreprocessorConfig(json: Json, file: string): ImagePreprocessor {
  const { size, resizeShortestEdge } = readSize(json, file);
  const resampleCode = json.resample ?? 2;
  const resample = typeof resampleCode === 'number' ? PIL_RESAMPLE[resampleCode] : undefined;
  if (resample === undefined) fail(file, 'resample', '2 (bilinear) or 3 (bicubic)', resampleCode);
  const rescale = json.rescale_factor ?? 1 / 255;
  if (typeof rescale !== 'number' || !(rescale > 0) || !Number.isFinite(rescale)) fail(file, 'rescale_factor', 'a positive number', rescale);
  const normalize = flag(json, 'do_normalize', file);
  return {
    size,
    ...(resizeShortestEdge === undefined ? {} : { resizeShortestEdge }),
    rescaleFactor: flag(json, 'do_rescale', file) ? rescale : 1,
    imageMean: normalize ? rgb(json.image_mean, IMAGENET_MEAN, file, 'image_mean', false) : [0, 0, 0],
    imageStd: normalize ? rgb(json.image_std, IMAGENET_STD, file, 'image_std', true) : [1, 1, 1],
    resample,
  };
}

/** crop_pct such that transformers' int(shortest_edge / crop_pct) gives back `resize` exactly. */
function cropPct(edge: number, resize: number): number {
  let pct = edge / resize;
  while (Math.floor(edge / pct) < resize) pct *= 1 - 2 ** -50;
  return pct;
}

/**
 * The preprocessor_config.json transformers reads back to the same processing: ConvNextImageProcessor
 * (ResNet's) when it crops, ViTImageProcessor otherwise.
 */
export function preprocessorConfigJson(p: ImagePreprocessor): Record<string, unknown> {
  const common = {
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [...p.imageMean],
    image_std: [...p.imageStd],
    resample: p.resample === 'bicubic' ? 3 : 2,
    rescale_factor: p.rescaleFactor,
  };
  if (p.resizeShortestEdge !== undefined) {
    if (p.size.height !== p.size.width || p.size.height >= 384 || p.resizeShortestEdge < p.size.height) {
      throw new FinetuneError(
        `preprocessor: a centre crop of ${p.size.height} x ${p.size.width} from a short side of ${p.resizeShortestEdge} has no preprocessor_config.json form (it needs a square under 384 from a larger short side)`,
      );
    }
    return {
      ...common,
      crop_pct: cropPct(p.size.height, p.resizeShortestEdge),
      image_processor_type: 'ConvNextImageProcessor',
      size: { shortest_edge: p.size.height },
    };
  }
  return { ...common, image_processor_type: 'ViTImageProcessor', size: { height: p.size.height, width: p.size.width } };
}
