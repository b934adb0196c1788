// IDX files (MNIST, Fashion-MNIST): images and labels, gzipped or not, and the folder layout their data sets ship in.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { readDataBytes } from '../read-table.js';
import type { LoadedImageSet, PixelImage } from './types.js';

/** Fashion-MNIST's class names, in the order of its label ids 0..9. */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** An IDX file's array: unsigned bytes with their dimensions (big-endian in the header). */
interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** Parses an IDX file of unsigned bytes (type 0x08), checking the header against the length. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new FinetuneError(`${file}: not an IDX file (bad magic number)`);
  if (bytes[2] !== 0x08) throw new FinetuneError(`${file}: IDX data type 0x${bytes[2]!.toString(16)} is not supported (only unsigned bytes, 0x08)`);
  const rank = bytes[3]!;
  if (rank < 1 || rank > 3) throw new FinetuneError(`${file}: IDX rank ${rank}; expected 1 (labels) or 3 (images)`);
  if (bytes.length < 4 + 4 * rank) throw new FinetuneError(`${file}: truncated IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  if (bytes.length - start !== size) {
    throw new FinetuneError(
      `${file}: the header says ${dims.join(' x ')} = ${size} bytes of data, the file has ${bytes.length - start} (truncated or not IDX)`,
    );
  }
  return { dims, data: bytes.subarray(start) };
}

/** The labels file beside an images file: `train-images-idx3-ubyte.gz` -> `train-labels-idx1-ubyte.gz`. */
function labelsFileFor(imagesFile: string): string {
  const name = basename(imagesFile);
  const guess = name.replace('images-idx3', 'labels-idx1').replace('images.idx3', 'labels.idx1');
  if (guess === name) throw new FinetuneError(`${imagesFile}: cannot tell its labels file (expected a name with 'images-idx3', as MNIST's)`);
  const path = join(imagesFile, '..', guess);
  for (const candidate of [path, path.replace(/\.gz$/, ''), `${path.replace(/\.gz$/, '')}.gz`]) if (existsSync(candidate)) return candidate;
  throw new FinetuneError(`${imagesFile}: its labels file ${path} does not exist`);
}

/** The class names of an IDX data set: Fashion-MNIST's when the path says so, else the label ids as text. */
export function idxClassNames(path: string, count: number): string[] {
  if (/fashion/i.test(path) && count <= FASHION_MNIST_CLASSES.length) return FASHION_MNIST_CLASSES.slice();
  return Array.from({ length: count }, (_, i) => String(i));
}

/** Reads an IDX images file and its labels file; images are views into one buffer (no copy per image). */
export async function loadIdxImages(imagesFile: string, namesFrom: string = imagesFile): Promise<LoadedImageSet> {
  const images = parseIdx(await readDataBytes(imagesFile), imagesFile);
  if (images.dims.length !== 3) throw new FinetuneError(`${imagesFile}: IDX rank ${images.dims.length}; an images file has rank 3 (count, rows, columns)`);
  const labelsFile = labelsFileFor(imagesFile);
  const labels = parseIdx(await readDataBytes(labelsFile), labelsFile);
  if (labels.dims.length !== 1) throw new FinetuneError(`${labelsFile}: IDX rank ${labels.dims.length}; a labels file has rank 1`);
  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) throw new FinetuneError(`${labelsFile}: ${labels.dims[0]} labels for ${count} images in ${imagesFile}`);
  let maxLabel = 0;
  for (const l of labels.data) maxLabel = Math.max(maxLabel, l);
  const names = idxClassNames(namesFrom, maxLabel + 1);
  const size = height * width;
  const out: PixelImage[] = new Array(count);
  const keys: string[] = new Array(count);
  const origins: string[] = new Array(count);
  const classOf: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const data = images.data.subarray(i * size, (i + 1) * size);
    out[i] = { width, height, channels: 1, data };
    keys[i] = createHash('sha1').update(data).digest('base64');
    origins[i] = `${imagesFile}: image ${i}`;
    classOf[i] = names[labels.data[i]!]!;
  }
  return { images: out, labels: classOf, origins, keys, skipped: [], format: 'idx', classNames: names };
}

/** The images file of a split in an IDX folder (`train` or `t10k`/`test`), gzipped or not; undefined when absent. */
export function idxSplitFile(folder: string, split: 'train' | 'test'): string | undefined {
  const prefixes = split === 'train' ? ['train'] : ['t10k', 'test'];
  const names = readdirSync(folder);
  return names
    .filter((n) => prefixes.some((p) => n.startsWith(`${p}-images-idx3-ubyte`) || n.startsWith(`${p}-images.idx3-ubyte`)))
    .map((n) => join(folder, n))
    .find((p) => statSync(p).isFile());
}

/** Whether `path` is a folder of IDX files (it holds a train images file). */
export function isIdxFolder(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory() && idxSplitFile(path, 'train') !== undefined;
}

/** Whether `path` names an IDX images file. */
export function isIdxImagesFile(path: string): boolean {
  return /images[-.]idx3-ubyte(\.gz)?$/.test(basename(path));
}
