// Reads single rows of an indexed file by byte offset (one reusable buffer), as texts: what a batch tokenizes on demand.
import { closeSync, openSync, readSync } from 'node:fs';
import { FinetuneError } from '../errors.js';
import { fieldText, RecordFields, parseRecord } from './record-bytes.js';
import type { RowIndex, RowIndexOptions } from './row-index.js';

/** One row's text and optional pair. */
export interface RowText {
  readonly text: string;
  readonly textPair?: string;
  /** `file: line N`, for messages. */
  readonly origin: string;
}

// The file stays open while its reader is in use; one no longer referenced closes its descriptor.
const closer = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Already closed by close().
  }
});

export class RowReader {
  private fd: number | undefined;
  private buffer = Buffer.allocUnsafe(1 << 16);
  private readonly fields = new RecordFields();
  private readonly delim: number;

  constructor(
    private readonly path: string,
    private readonly index: RowIndex,
    private readonly options: RowIndexOptions,
  ) {
    this.delim = options.delimiter.charCodeAt(0);
  }

  /** The text of the index's row `row` (0-based); a file changed since it was indexed fails by name. */
  read(row: number): RowText {
    const { index, options } = this;
    const length = index.lengths[row]!;
    const start = index.starts[row]!;
    const origin = `${options.source}: line ${index.lines[row]}`;
    if (this.fd === undefined) {
      this.fd = openSync(this.path, 'r');
      closer.register(this, this.fd, this);
    }
    if (this.buffer.length < length) this.buffer = Buffer.allocUnsafe(length);
    const got = readSync(this.fd, this.buffer, 0, length, start);
    const view = this.buffer.subarray(0, got);
    const next = got === length ? parseRecord(view, 0, this.delim, true, this.fields) : -1;
    if (next !== length || this.fields.count !== options.columnCount) {
      throw new FinetuneError(`${origin}: the file changed while the run read it; start the run again`);
    }
    const text = fieldText(view, this.fields, options.textAt);
    if (options.pairAt < 0) return { text, origin };
    return { text, textPair: fieldText(view, this.fields, options.pairAt), origin };
  }

  /** Closes the file (a later read opens it again). */
  close(): void {
    if (this.fd === undefined) return;
    closer.unregister(this);
    closeSync(this.fd);
    this.fd = undefined;
  }
}
