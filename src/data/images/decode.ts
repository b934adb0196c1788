// Decoding image files (PNG, JPEG, WebP, ...) through sharp into 8-bit pixels, shrunk to a bounded size as they are read.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { FinetuneError } from '../../errors.js';
import type { PixelImage } from './types.js';

/** A decoded file with the key of its bytes (equal bytes, equal key). */
export interface DecodedFile {
  readonly image: PixelImage;
  readonly key: string;
}

export interface DecodeOptions {
  /**
   * Images whose shorter edge is longer than this are shrunk (aspect kept) as they are decoded, so a
   * folder of camera photos does not sit in memory at full size (default: no limit). Callers pass a
   * margin above the model's input size, since crops and resizes come later.
   */
  readonly maxShortEdge?: number;
}

/** Reads and decodes one image file; a missing, corrupt or truncated file fails with one line naming it. */
export async function decodeImageFile(path: string, options: DecodeOptions = {}): Promise<DecodedFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FinetuneError(`${path}: no such image file`);
    if (code === 'EISDIR') throw new FinetuneError(`${path}: is a directory, expected an image file`);
    throw new FinetuneError(`${path}: cannot read (${(error as Error).message})`);
  }
  if (bytes.length === 0) throw new FinetuneError(`${path}: empty image file`);
  const key = createHash('sha1').update(bytes).digest('base64');
  return { image: await decodeImageBytes(bytes, path, options), key };
}

/** Decodes encoded image bytes; `name` is the file named in errors. */
export async function decodeImageBytes(bytes: Uint8Array, name: string, options: DecodeOptions = {}): Promise<PixelImage> {
  try {
    // failOn 'truncated': a cut-off JPEG or PNG is an error, not an image with a grey lower half.
    let pipeline = sharp(bytes, { failOn: 'truncated', limitInputPixels: 1 << 28 }).removeAlpha();
    const meta = await sharp(bytes, { failOn: 'truncated' }).metadata();
    // Grey stays one channel (expanded to RGB when batched); everything else (CMYK, palette, 16-bit) becomes 8-bit sRGB.
    const grey = meta.channels !== undefined && meta.channels <= 2 && meta.space === 'b-w';
    pipeline = grey ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
    const bound = options.maxShortEdge;
    if (bound !== undefined && meta.width !== undefined && meta.height !== undefined && Math.min(meta.width, meta.height) > bound) {
      pipeline = pipeline.resize({ width: bound, height: bound, fit: 'outside', kernel: 'lanczos3' });
    }
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 && info.channels !== 3) throw new Error(`${info.channels} channels after conversion`);
    return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0]!.replace(/^Input (buffer|file) /, '');
    throw new FinetuneError(`${name}: not a readable image (${reason})`);
  }
}
