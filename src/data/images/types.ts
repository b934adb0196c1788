// Image data sets as the data layer keeps them: compact 8-bit pixels per image, class ids, where each came from.

/**
 * One image's pixels as 8-bit values, row-major and channels last (HWC), as decoders give them.
 * Shapes: H height, W width, C channels (1 grey or 3 RGB; alpha is dropped when decoding).
 */
export interface PixelImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  /** uint8 [H, W, C]; may be a view into a larger buffer (IDX files keep every image in one). */
  readonly data: Uint8Array;
}

/** A labelled image data set. Images stay 8-bit (at most the decode size), so 60,000 of them fit in memory once. */
export interface ImageSet {
  readonly images: readonly PixelImage[];
  /** Class name per image (the folder name, the CSV's label, or the IDX data set's class name). */
  readonly labels: readonly string[];
  /** Where image `i` came from, for messages and the report: a path, or `file.idx: image 17`. */
  readonly origins: readonly string[];
  /**
   * A key per image equal for identical source bytes (a hash of the encoded file, or of the raw pixels
   * for IDX images), for the train/evaluation duplicate check.
   */
  readonly keys: readonly string[];
}

/** What was read, besides the images. */
export interface ImageSetReport {
  /** Files that could not be decoded and were skipped (`--skip-bad-images`), one line each. */
  readonly skipped: readonly string[];
  /** How the source was read: 'folder', 'csv', 'jsonl' or 'idx'. */
  readonly format: ImageSourceFormat;
  /** Class names in the order their ids take (for IDX sets with names, the data set's own order). */
  readonly classNames?: readonly string[];
}

export type ImageSourceFormat = 'folder' | 'csv' | 'jsonl' | 'idx';

/** A loaded image data set with what was skipped. */
export interface LoadedImageSet extends ImageSet, ImageSetReport {}
