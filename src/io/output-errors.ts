// File-system failures while writing an output folder, as one line naming --output, the file and the cause.
//
// Writes happen deep in savers (safetensors, tokenizer, report, checkpoints) that throw Node's own
// errors; a run maps them once, at its top, instead of every saver wording them.

import { isAbsolute, relative } from 'node:path';
import { FinetuneError } from '../errors.js';
import { describeFsError } from './folder-lock.js';

/** Error codes that mean the output cannot be written, whatever the file. */
const WRITE_CODES = new Set(['EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'EACCES', 'EPERM', 'EISDIR', 'EEXIST', 'ENOENT', 'EIO', 'EFBIG', 'EMFILE', 'ENFILE']);

/** Codes of a failed write to an open file (no path attached), which can only be the output's. */
const NO_PATH_CODES = new Set(['EROFS', 'ENOSPC', 'EDQUOT', 'EFBIG', 'EIO']);

/** `.name.tmp-<pid>-<hex>` (atomic-write's temporaries) -> `name`: the user knows the file, not the temporary. */
function finalName(path: string): string {
  const temp = /^\.(.+)\.tmp-\d+-[0-9a-f]+$/;
  const parts = path.split(/[\\/]/).map((part) => temp.exec(part)?.[1] ?? part);
  return parts.join('/');
}

/**
 * The one-line error for `error` if it is a file-system failure (Node's error with a `code`) while
 * writing under `folder`; undefined for anything else (which the caller rethrows as it is).
 * `label` names the folder as the user gave it, e.g. `--output runs/x`.
 */
export function outputWriteError(error: unknown, folder: string, label: string): FinetuneError | undefined {
  if (error instanceof FinetuneError || !(error instanceof Error)) return undefined;
  const { code, path } = error as NodeJS.ErrnoException;
  if (code === undefined || !WRITE_CODES.has(code)) return undefined;
  let file = '';
  if (typeof path === 'string') {
    // A failure on a path outside the folder is not this folder's (an input read, say): left as it is.
    const inside = relative(folder, path);
    if (inside.startsWith('..') || isAbsolute(inside)) return undefined;
    file = inside === '' ? '' : ` ${finalName(inside)}`;
  } else if (!NO_PATH_CODES.has(code)) {
    return undefined;
  }
  return new FinetuneError(`${label}: cannot write${file} (${describeFsError(error)})`, { cause: error });
}

/** Runs `run`, turning a file-system failure while it writes `folder` into outputWriteError's line. */
export async function withOutputErrors<T>(folder: string, label: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw outputWriteError(error, folder, label) ?? error;
  }
}
