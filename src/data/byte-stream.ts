// The bytes of a data source as a stream of chunks: a file, a pipe or stdin (`-`), gunzipped on the fly, never past the data size limit.
import { close, createReadStream, open } from 'node:fs';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FinetuneError } from '../errors.js';
import { checkBeforeOpen, checkOpenFile, FILE_LIMITS, formatBytes } from '../io/bounded-read.js';

/** The `--data` value that means standard input. */
export const STDIN_PATH = '-';

/** Read size of files and pipes: large enough that per-chunk work is noise, small enough to stay bounded. */
const CHUNK_BYTES = 1 << 20;

/** How a data source is named in messages: `stdin` for `-`, else its path. */
export function sourceName(path: string): string {
  return path === STDIN_PATH ? 'stdin' : path;
}

/** One line for an error opening or reading a data file. */
function fileFailure(name: string, error: unknown): FinetuneError {
  if (error instanceof FinetuneError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FinetuneError(`${name}: no such file`);
  if (code === 'EISDIR') return new FinetuneError(`${name}: is a directory, expected a data file`);
  if (code === 'EACCES' || code === 'EPERM') return new FinetuneError(`${name}: permission denied`);
  if (code?.startsWith('Z_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED') {
    return new FinetuneError(`${name}: broken gzip data (${(error as Error).message.split('\n')[0]})`);
  }
  return new FinetuneError(`${name}: cannot read (${code ?? (error as Error).message.split('\n')[0]})`);
}

/** Opens a file or pipe for streaming after the same checks as a whole read (devices and folders refused by name). */
async function openSource(path: string, limit: number): Promise<Readable> {
  if (path === STDIN_PATH) return process.stdin;
  checkBeforeOpen(path, 'data', limit);
  let fd: number;
  try {
    // Asynchronous: opening a pipe waits for its writer without blocking the event loop.
    fd = await promisify(open)(path, 'r');
  } catch (error) {
    throw fileFailure(path, error);
  }
  try {
    // What was opened is what is checked: a path swapped after the first check is caught here.
    checkOpenFile(fd, path, 'data', limit);
  } catch (error) {
    close(fd);
    throw error;
  }
  return createReadStream('', { fd, highWaterMark: CHUNK_BYTES, autoClose: true });
}

async function* counted(source: AsyncIterable<Uint8Array>, name: string, limit: number, what: string): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > limit) throw new FinetuneError(`${name}: ${what} ${formatBytes(limit)}, the limit for a data file; stopped reading`);
    yield chunk;
  }
}

/**
 * The bytes of the data at `path` (`-`: standard input) in chunks, inflated when they start with
 * the gzip magic (whatever the name). Reading stops with a one-line FinetuneError once more than
 * `limit` bytes came (an endless pipe, a decompression bomb), before they are all held in memory.
 * Each chunk is the caller's to keep.
 */
export async function* dataByteStream(path: string, limit: number = FILE_LIMITS.data): AsyncGenerator<Uint8Array> {
  const name = sourceName(path);
  const source = await openSource(path, limit);
  const iterator = counted(source, name, limit, 'more than')[Symbol.asyncIterator]();
  try {
    let first: IteratorResult<Uint8Array>;
    // A pipe may deliver one byte first: two are needed to see the gzip magic.
    const head: Uint8Array[] = [];
    let headBytes = 0;
    do {
      first = await iterator.next();
      if (!first.done) {
        head.push(first.value);
        headBytes += first.value.byteLength;
      }
    } while (!first.done && headBytes < 2);
    const start = Buffer.concat(head);
    if (start.byteLength === 0) throw new FinetuneError(`${name}: empty file`);
    const rest: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => iterator };
    if (start[0] !== 0x1f || start[1] !== 0x8b) {
      yield start;
      if (!first.done) yield* rest;
      return;
    }
    let inflated = 0;
    for await (const chunk of gunzipStream(start, first.done ? undefined : rest, name)) {
      inflated += chunk.byteLength;
      if (inflated > limit) throw new FinetuneError(`${name}: inflates past ${formatBytes(limit)}, the limit for a data file; stopped reading`);
      yield chunk;
    }
    if (inflated === 0) throw new FinetuneError(`${name}: empty file`);
  } catch (error) {
    throw fileFailure(name, error);
  } finally {
    await iterator.return?.(undefined);
    if (source !== process.stdin) source.destroy();
  }
}

async function* gunzipStream(start: Uint8Array, rest: AsyncIterable<Uint8Array> | undefined, name: string): AsyncGenerator<Uint8Array> {
  async function* compressed(): AsyncGenerator<Uint8Array> {
    yield start;
    if (rest) yield* rest;
  }
  const input = Readable.from(compressed(), { objectMode: false });
  const gunzip = createGunzip({ chunkSize: 1 << 16 });
  let inputError: unknown;
  input.on('error', (error) => {
    inputError = error;
    gunzip.destroy(error);
  });
  input.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } catch (error) {
    throw inputError instanceof FinetuneError ? inputError : fileFailure(name, inputError ?? error);
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}
