// The grid of misclassified images in report.html: small PNG thumbnails as data: URIs with their true and predicted labels.
import sharp from 'sharp';
import type { PixelImage } from '../../data/images/types.js';
import type { ReportImageGrid } from '../../report/report.js';
import type { ImageClassificationData, Misclassified } from '../../tasks/image-classification/index.js';

/** Longest side of a thumbnail in pixels (small images, such as 28 x 28, are kept as they are). */
export const THUMBNAIL_SIZE = 96;

/** A PNG data: URI of `image` no larger than THUMBNAIL_SIZE on its longer side. */
export async function thumbnailUri(image: PixelImage, size = THUMBNAIL_SIZE): Promise<string> {
  const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** The report's grid of the surest mistakes on `data`. */
export async function misclassifiedGrid(
  data: ImageClassificationData,
  mistakes: readonly Misclassified[],
  classNames: readonly string[],
): Promise<ReportImageGrid> {
  const images = await Promise.all(
    mistakes.map(async (m) => ({
      src: await thumbnailUri(data.images[m.index]!),
      caption: [`true: ${classNames[m.label]}`, `predicted: ${classNames[m.predicted]} (${(100 * m.score).toFixed(0)}%)`],
      title: data.origins?.[m.index] ?? `image ${m.index}`,
    })),
  );
  return {
    title: `Misclassified images (${images.length === 1 ? 'one mistake' : `the ${images.length} surest mistakes`})`,
    empty: 'No evaluation image was misclassified.',
    images,
  };
}
