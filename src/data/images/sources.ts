// Where labelled images come from: a folder of class folders, a CSV/JSONL of path and label, or IDX files; each read into an ImageSet.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { cellToLabel, cellToText } from '../clean.js';
import { LABEL_COLUMN_NAMES } from '../columns.js';
import { readTable } from '../read-table.js';
import type { RawTable } from '../table.js';
import { decodeImageFile, type DecodeOptions, type DecodedFile } from './decode.js';
import { idxSplitFile, isIdxFolder, isIdxImagesFile, loadIdxImages } from './idx.js';
import type { ImageSourceFormat, LoadedImageSet, PixelImage } from './types.js';

/** File extensions read as images in a class folder (others, such as .txt or .DS_Store, are passed over). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.tif', '.tiff', '.avif'];

/** Names of the image-path column of a CSV/JSONL list (compared case-insensitively). */
export const IMAGE_COLUMN_NAMES: readonly string[] = ['path', 'image', 'file', 'filename', 'file_name', 'image_path', 'filepath', 'img'];

export interface ImageLoadOptions extends DecodeOptions {
  /** Skip files that cannot be decoded, counting them, instead of failing on the first (default false). */
  readonly skipBadImages?: boolean;
  /** Files decoded at once (default 8): sharp decodes on libuv's threads, more only queue. */
  readonly concurrency?: number;
  /** CSV/JSONL: the column of the image path and of the label (detected when absent). */
  readonly imageColumn?: string;
  readonly labelColumn?: string;
}

/** The folder kinds of image data in words ('a folder of class folders', 'IDX files'), or undefined. */
export function imageFolderKind(path: string): string | undefined {
  const format = imageSourceFormat(path);
  return format === 'folder' ? 'a folder of class folders' : format === 'idx' ? 'IDX files' : undefined;
}

/** Whether a table lists images: a path column (IMAGE_COLUMN_NAMES) whose first value names an image file. */
export function listsImages(table: RawTable): boolean {
  const at = table.columns.findIndex((c) => IMAGE_COLUMN_NAMES.includes(c.toLowerCase()));
  const first = at < 0 ? undefined : table.rows[0]?.[at];
  return typeof first === 'string' && IMAGE_EXTENSIONS.includes(extname(first.trim()).toLowerCase());
}

/** Whether `path` is image data this module reads (a folder, an IDX file or folder, or a table whose columns name images). */
export function imageSourceFormat(path: string): ImageSourceFormat | undefined {
  if (!existsSync(path)) return undefined;
  const stat = statSync(path);
  if (stat.isDirectory()) return isIdxFolder(path) ? 'idx' : hasClassFolders(path) ? 'folder' : undefined;
  if (isIdxImagesFile(path)) return 'idx';
  return undefined;
}

function hasClassFolders(path: string): boolean {
  return readdirSync(path, { withFileTypes: true }).some((e) => e.isDirectory() && !e.name.startsWith('.') && listImages(join(path, e.name), 2).length > 0);
}

/** Image files under `folder` (recursively, sorted, hidden entries skipped), at most `limit`. */
function listImages(folder: string, limit = Infinity): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (out.length >= limit || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) out.push(path);
    }
  };
  walk(folder);
  return out;
}

/** The labelled files of a folder with one sub-folder per class. */
function folderEntries(folder: string): { path: string; label: string }[] {
  const classes = readdirSync(folder, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  const entries = classes.flatMap((label) => listImages(join(folder, label)).map((path) => ({ path, label })));
  if (entries.length === 0) throw new FinetuneError(`${folder}: no image files (${IMAGE_EXTENSIONS.join(', ')}) in its class folders`);
  return entries;
}

function findColumn(columns: readonly string[], names: readonly string[], given: string | undefined, what: string, file: string): string {
  if (given !== undefined) {
    if (!columns.includes(given)) throw new FinetuneError(`${file}: no column '${given}' (columns: ${columns.join(', ')})`);
    return given;
  }
  const lower = columns.map((c) => c.toLowerCase());
  for (const name of names) {
    const at = lower.indexOf(name);
    if (at >= 0) return columns[at]!;
  }
  throw new FinetuneError(
    `${file}: no ${what} column (looked for ${names.slice(0, 6).join(', ')}; name it with --${what === 'image path' ? 'image' : 'label'}-column)`,
  );
}

/** The labelled files a CSV or JSONL list names, paths relative to the list's folder. */
async function listEntries(
  file: string,
  options: ImageLoadOptions,
): Promise<{ entries: { path: string; label: string; origin: string }[]; format: ImageSourceFormat }> {
  const { table, format } = await readTable(file);
  if (format !== 'csv' && format !== 'tsv' && format !== 'jsonl' && format !== 'json')
    throw new FinetuneError(`${file}: an image list must be CSV or JSON Lines`);
  const imageColumn = findColumn(table.columns, IMAGE_COLUMN_NAMES, options.imageColumn, 'image path', file);
  const labelColumn = findColumn(table.columns, LABEL_COLUMN_NAMES, options.labelColumn, 'label', file);
  const ic = table.columns.indexOf(imageColumn);
  const lc = table.columns.indexOf(labelColumn);
  const base = dirname(resolve(file));
  const entries = table.rows.map((row, i) => {
    const path = cellToText(row[ic], imageColumn, table, i);
    const label = cellToLabel(row[lc], labelColumn, table, i);
    if (path === '') throw new FinetuneError(`${table.origin(i)}: empty image path in column '${imageColumn}'`);
    if (label === '') throw new FinetuneError(`${table.origin(i)}: empty label in column '${labelColumn}'`);
    const full = isAbsolute(path) ? path : join(base, path);
    return { path: relative(process.cwd(), full) || full, label, origin: table.origin(i) };
  });
  if (entries.length === 0) throw new FinetuneError(`${file}: no rows`);
  return { entries, format: format === 'jsonl' || format === 'json' ? 'jsonl' : 'csv' };
}

/** Decodes `entries` a few at a time; a bad file fails (one line naming it) or, with skipBadImages, is counted and left out. */
async function decodeAll(
  entries: readonly { path: string; label: string; origin?: string }[],
  options: ImageLoadOptions,
  format: ImageSourceFormat,
): Promise<LoadedImageSet> {
  const concurrency = options.concurrency ?? 8;
  const decoded: (DecodedFile | string)[] = new Array(entries.length);
  const decodeOptions: DecodeOptions = options.maxShortEdge === undefined ? {} : { maxShortEdge: options.maxShortEdge };
  for (let start = 0; start < entries.length; start += concurrency) {
    const chunk = entries.slice(start, start + concurrency);
    const results = await Promise.allSettled(chunk.map((e) => decodeImageFile(e.path, decodeOptions)));
    results.forEach((r, k) => {
      const entry = chunk[k]!;
      if (r.status === 'fulfilled') decoded[start + k] = r.value;
      else {
        const message = r.reason instanceof Error ? r.reason.message : String(r.reason);
        if (!options.skipBadImages || !(r.reason instanceof FinetuneError)) {
          throw r.reason instanceof FinetuneError && entry.origin ? new FinetuneError(`${entry.origin}: ${message}`) : r.reason;
        }
        decoded[start + k] = message;
      }
    });
  }
  const images: PixelImage[] = [];
  const labels: string[] = [];
  const origins: string[] = [];
  const keys: string[] = [];
  const skipped: string[] = [];
  decoded.forEach((d, i) => {
    if (typeof d === 'string') return void skipped.push(d);
    images.push(d.image);
    keys.push(d.key);
    labels.push(entries[i]!.label);
    origins.push(entries[i]!.path);
  });
  if (images.length === 0) throw new FinetuneError(`no readable images (${skipped.length} skipped; the first: ${skipped[0]})`);
  return { images, labels, origins, keys, skipped, format };
}

/**
 * Reads labelled images from `path`: a folder of class folders, a CSV/JSONL of path and label, an IDX
 * images file (its labels file beside it), or a folder of IDX files (its training split; see
 * loadIdxSplit for the test split).
 */
export async function loadImageSet(path: string, options: ImageLoadOptions = {}): Promise<LoadedImageSet> {
  if (!existsSync(path)) throw new FinetuneError(`${path}: no such file or folder`);
  if (statSync(path).isDirectory()) {
    if (isIdxFolder(path)) return loadIdxSplit(path, 'train');
    return decodeAll(folderEntries(path), options, 'folder');
  }
  if (isIdxImagesFile(path)) return loadIdxImages(path);
  const { entries, format } = await listEntries(path, options);
  return decodeAll(entries, options, format);
}

/** A split of an IDX folder: `train` (train-images-idx3-ubyte) or `test` (t10k-images-idx3-ubyte). */
export async function loadIdxSplit(folder: string, split: 'train' | 'test'): Promise<LoadedImageSet> {
  const file = idxSplitFile(folder, split);
  if (file === undefined) throw new FinetuneError(`${folder}: no ${split === 'train' ? 'train' : 't10k'}-images-idx3-ubyte[.gz] file`);
  return loadIdxImages(file, folder);
}
