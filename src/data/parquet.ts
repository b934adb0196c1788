// Parquet reader on top of hyparquet: top-level columns in schema order, one row per record.
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { FinetuneError } from '../errors.js';
import { implausiblePage } from './parquet-pages.js';
import type { Cell, RawTable } from './table.js';

/** Reads a whole Parquet file held in memory. Snappy and uncompressed files are supported. */
export async function parseParquet(bytes: Uint8Array, file: string): Promise<RawTable> {
  // hyparquet wants an ArrayBuffer of exactly the file; a Node Buffer may be a view into a larger pool.
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let columns: string[];
  let objects: Record<string, unknown>[];
  try {
    const metadata = parquetMetadata(buffer);
    columns = parquetSchema(metadata).children.map((child) => child.element.name);
    const damage = implausiblePage(bytes, metadata);
    if (damage !== undefined) throw new ParquetDamage(damage);
    objects = await containingStrayRejections(() => parquetReadObjects({ file: buffer, metadata }));
  } catch (error) {
    throw new FinetuneError(`${file}: cannot read as Parquet (${parquetProblem(error)})`, { cause: error });
  }
  const rows = objects.map((object) => columns.map((column) => object[column] as Cell));
  return { columns, rows, origin: (index) => `${file}: row ${index + 1}`, warnings: [] };
}

/**
 * On a damaged file hyparquet rejects its result with the first failing column while the other
 * columns' promises, which nothing awaits, reject later as unhandled rejections (that end the
 * process). While it reads, and for a moment after a failure, those are dropped; any other
 * unhandled rejection is rethrown, which ends the process as it would have.
 */
async function containingStrayRejections<T>(read: () => Promise<T>): Promise<T> {
  const fromReader = (reason: unknown): void => {
    if (!(reason instanceof Error && /[\\/]hyparquet[\\/]/.test(reason.stack ?? ''))) throw reason;
  };
  process.on('unhandledRejection', fromReader);
  try {
    return await read();
  } catch (error) {
    // Lets the siblings' rejections surface while they are still contained.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    throw error;
  } finally {
    process.removeListener('unhandledRejection', fromReader);
  }
}

/** A page header that no sound file has; its message is the user's. */
class ParquetDamage extends Error {}

function parquetProblem(error: unknown): string {
  if (error instanceof ParquetDamage) return `the file is damaged: ${error.message}`;
  // The reader's own crashes on damaged bytes ("Cannot read properties of undefined") say nothing to a user.
  if (error instanceof TypeError || error instanceof RangeError) return 'the file is damaged, truncated or not Parquet';
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
  const codec = /unsupported compression codec: (\w+)/.exec(message);
  if (codec) return `compression ${codec[1]} is not supported; write the file with snappy or no compression`;
  return message.replace(/^parquet /, '');
}
