// One pass over a CSV/TSV file's bytes that keeps per row only its byte offset, line, label id and a 64-bit text hash, never the text.
import { closeSync, openSync, readSync } from 'node:fs';
import { FinetuneError } from '../errors.js';
import { canonicalIntegerLabels, sortLabels } from './labels.js';
import { MORE, parseRecord, RecordFields, TextHash, emptyField, fieldText } from './record-bytes.js';
import { MAX_RECORD_CHARS } from './delimited.js';

/** What to index: the file's delimiter and where its columns are (found on a sample by row-index-plan.ts). */
export interface RowIndexOptions {
  /** How the file is named in messages. */
  readonly source: string;
  readonly delimiter: ',' | '\t' | ';';
  /** Fields every row must have: the header's count. */
  readonly columnCount: number;
  readonly textAt: number;
  /** The text pair's field, or -1 for none. */
  readonly pairAt: number;
  readonly labelAt: number;
  /** Bytes read at a time (default 8 MiB); a record longer than this grows the buffer up to MAX_RECORD_CHARS. */
  readonly chunkBytes?: number;
}

/** Counts and first places of what the pass dropped or noticed, for the data report. */
export interface RowIndexReport {
  readonly rowsRead: number;
  readonly emptyDropped: number;
  readonly firstEmptyLine: number;
  readonly blankLines: number;
  readonly literalQuotes: number;
  readonly firstLiteralQuoteLine: number;
}

/**
 * The rows of a file that have a text and a label, in file order. Per row (shapes [count]): the
 * record's byte offset and length, its first line, its label id into `labelNames` and the 64-bit
 * hash of its trimmed text (and pair) as lanes `hashes[2i]` (low) and `hashes[2i + 1]` (high).
 */
export interface RowIndex {
  readonly count: number;
  readonly starts: Float64Array;
  readonly lengths: Uint32Array;
  readonly lines: Uint32Array;
  readonly labels: Uint8Array | Uint16Array | Uint32Array;
  /** Class names in `sortLabels` order (integer-like labels in their canonical spelling). */
  readonly labelNames: readonly string[];
  readonly hashes: Uint32Array;
  readonly report: RowIndexReport;
}

/** A typed array that doubles as rows come. */
class Column<T extends Float64Array | Uint32Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = this.make(this.data.length * 2);
      grown.set(this.data as never);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  done(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** Label ids by the label's text, found from its bytes without a string per row while the labels are few. */
class RawLabels {
  readonly ids = new Map<string, number>();
  private readonly known: Uint8Array[] = [];
  private readonly knownQuoted: number[] = [];
  private readonly knownIds: number[] = [];

  id(buf: Buffer, fields: RecordFields, k: number): number {
    const start = fields.starts[k]!;
    const end = fields.ends[k]!;
    const quoted = fields.quoted[k]!;
    const { known } = this;
    next: for (let j = 0; j < known.length; j++) {
      const bytes = known[j]!;
      if (bytes.length !== end - start || this.knownQuoted[j] !== quoted) continue;
      for (let q = 0; q < bytes.length; q++) if (bytes[q] !== buf[start + q]) continue next;
      return this.knownIds[j]!;
    }
    const label = fieldText(buf, fields, k);
    let id = this.ids.get(label);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(label, id);
    }
    // The same bytes, quoted alike, are always the same label.
    if (known.length < 64) {
      known.push(buf.slice(start, end));
      this.knownQuoted.push(quoted);
      this.knownIds.push(id);
    }
    return id;
  }
}

/** The UTF-8 byte order mark's length at the start of `buf`, or 0. */
function bomLength(buf: Uint8Array): number {
  return buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
}

/** Indexes `path`; a row with the wrong number of fields is a FinetuneError naming its line and row. */
export function indexRows(path: string, options: RowIndexOptions): RowIndex {
  const delim = options.delimiter.charCodeAt(0);
  const { source, columnCount, textAt, pairAt, labelAt } = options;
  const kind = options.delimiter === '\t' ? 'tab-separated' : options.delimiter === ';' ? 'semicolon-separated' : 'comma-separated';
  let buffer = Buffer.allocUnsafe(options.chunkBytes ?? 8 << 20);
  const starts = new Column(new Float64Array(1 << 16), (n) => new Float64Array(n));
  const lengths = new Column(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  const lines = new Column(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  const labelIds = new Column(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  const hashes = new Column(new Uint32Array(1 << 17), (n) => new Uint32Array(n));
  const labels = new RawLabels();
  const fields = new RecordFields();
  const hash = new TextHash();
  let header = false;
  let line = 1;
  let rowsRead = 0;
  let emptyDropped = 0;
  let firstEmptyLine = 0;
  let blankLines = 0;
  let literalQuotes = 0;
  let firstLiteralQuoteLine = 0;
  // Bytes [0, held) of `buffer` are from file offset `base`.
  let base = 0;
  let held = 0;
  let eof = false;
  let first = true;
  const fd = openSync(path, 'r');
  try {
    while (!eof || held > 0) {
      if (!eof) {
        if (held === buffer.length) {
          if (buffer.length >= MAX_RECORD_CHARS) {
            throw new FinetuneError(
              `${source}: line ${line}: a record runs past ${MAX_RECORD_CHARS.toLocaleString('en-US')} bytes (a quote that never closes?)`,
            );
          }
          const grown = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(grown, 0, 0, held);
          buffer = grown;
        }
        const read = readSync(fd, buffer, held, buffer.length - held, base + held);
        if (read === 0) eof = true;
        held += read;
      }
      const view = buffer.subarray(0, held);
      let pos = 0;
      if (first) {
        pos = bomLength(view);
        first = false;
      }
      for (;;) {
        if (pos >= held) break;
        const next = parseRecord(view, pos, delim, eof, fields);
        if (next === MORE) break;
        const startLine = line;
        line += 1 + fields.lineBreaks;
        if (fields.literalQuotes > 0) {
          if (literalQuotes === 0) firstLiteralQuoteLine = startLine;
          literalQuotes += fields.literalQuotes;
        }
        const recordStart = pos;
        pos = next;
        if (fields.blank(view)) {
          blankLines++;
          continue;
        }
        if (!header) {
          header = true;
          continue;
        }
        rowsRead++;
        if (fields.count !== columnCount) {
          throw new FinetuneError(`${source}: line ${startLine} (row ${rowsRead}): ${fields.count} ${kind} fields, expected ${columnCount} as in the header`);
        }
        if (emptyField(view, fields, textAt) || emptyField(view, fields, labelAt) || (pairAt >= 0 && emptyField(view, fields, pairAt))) {
          emptyDropped++;
          if (firstEmptyLine === 0) firstEmptyLine = startLine;
          continue;
        }
        const id = labels.id(view, fields, labelAt);
        hash.reset();
        hash.field(view, fields, textAt);
        if (pairAt >= 0) {
          hash.byte(0x09);
          hash.field(view, fields, pairAt);
        }
        hash.finish();
        starts.push(base + recordStart);
        lengths.push(next - recordStart);
        lines.push(startLine);
        labelIds.push(id);
        hashes.push(hash.lo);
        hashes.push(hash.hi);
      }
      // Keep the unfinished record: move it to the front and read on after it.
      buffer.copy(buffer, 0, pos, held);
      base += pos;
      held -= pos;
      if (eof && held > 0 && pos === 0) break;
    }
  } finally {
    closeSync(fd);
  }
  if (!header) throw new FinetuneError(`${source}: no header row (the file holds only blank lines)`);
  if (rowsRead === 0) throw new FinetuneError(`${source}: no data rows`);
  const { names, remap } = classNames(labels.ids);
  const ids = labelIds.done();
  const classes = names.length <= 0x100 ? new Uint8Array(ids.length) : names.length <= 0x10000 ? new Uint16Array(ids.length) : new Uint32Array(ids.length);
  for (let i = 0; i < ids.length; i++) classes[i] = remap[ids[i]!]!;
  return {
    count: ids.length,
    starts: starts.done(),
    lengths: lengths.done(),
    lines: lines.done(),
    labels: classes,
    labelNames: names,
    hashes: hashes.done(),
    report: { rowsRead, emptyDropped, firstEmptyLine, blankLines, literalQuotes, firstLiteralQuoteLine },
  };
}

/** The classes in sortLabels order (integer-like spellings merged, as cleanTable does) and each raw label's class id. */
function classNames(raw: ReadonlyMap<string, number>): { names: string[]; remap: Uint32Array } {
  const spelled = [...raw.keys()];
  const canonical = canonicalIntegerLabels(spelled);
  const names = sortLabels(canonical);
  const idOf = new Map(names.map((name, id) => [name, id]));
  const remap = new Uint32Array(spelled.length);
  spelled.forEach((label, k) => {
    remap[raw.get(label)!] = idOf.get(canonical[k]!)!;
  });
  return { names, remap };
}
