// Image data: reading folders, CSV/JSONL lists and IDX files into 8-bit images; splits, duplicates; pixel values with augmentation.
export type { ImageSet, ImageSetReport, ImageSourceFormat, LoadedImageSet, PixelImage } from './types.js';
export { decodeImageBytes, decodeImageFile, type DecodeOptions, type DecodedFile } from './decode.js';
export { FASHION_MNIST_CLASSES, idxClassNames, idxSplitFile, isIdxFolder, isIdxImagesFile, loadIdxImages, parseIdx } from './idx.js';
export { IMAGE_COLUMN_NAMES, IMAGE_EXTENSIONS, imageSourceFormat, loadIdxSplit, loadImageSet, type ImageLoadOptions } from './sources.js';
export { resample, type Box, type ResampleFilter } from './resample.js';
export {
  augmentSeed,
  evalBox,
  pixelValues,
  randomResizedCropBox,
  writePixelValues,
  type AugmentDraw,
  type AugmentOptions,
  type PixelPreprocessing,
} from './pixels.js';
export { duplicateImagesWarning, findDuplicateImages, splitImageSet, subsetImageSet, takeImages, type ImageDuplicates } from './image-set.js';
