// CSV and TSV reader: RFC 4180 quoting (embedded delimiters, newlines, doubled quotes), CRLF/LF/CR line ends, header row; fed whole or in chunks.
import { FinetuneError } from '../errors.js';
import { count, noun } from '../plural.js';
import { RowCollector } from './row-collector.js';
import { headerNames, type RawTable } from './table.js';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * The longest record held while its end is looked for (a quoted field over many lines, or a stray
 * quote that keeps a field open): far below V8's string limit, so a broken file fails by name.
 */
export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

/** Marks a record that runs past the text seen so far. */
const MORE = -2;

/**
 * Parses delimited text into a table whose first non-blank record is the header.
 *
 * A field is quoted only when it starts with a quote AND the quoted part closes right before a
 * delimiter or line end. Anything else (`"Hi" she said`, a lone `"`) is taken literally, quotes
 * included: real files (SMS Spam Collection) have such fields, and reading them as RFC 4180
 * would glue lines together and change the row count.
 */
export function parseDelimited(text: string, delimiter: ',' | '\t' | ';', file: string): RawTable {
  const parser = new DelimitedParser(delimiter, file);
  parser.push(text);
  return parser.end();
}

/**
 * parseDelimited over text that comes in chunks: `push` each, then `end` for the table. Records are
 * parsed as soon as their end is seen, so only the unfinished record is held as text.
 */
export class DelimitedParser {
  private readonly delim: number;
  private readonly rows = new RowCollector();
  private columns: string[] | undefined;
  private pending = '';
  private chunks: string[] = [];
  private chunkChars = 0;
  /** Text to gather before the unfinished record is parsed again (doubling keeps long records linear). */
  private waitFor = 0;
  private line = 1;
  private literalQuotes = 0;
  private firstLiteralQuoteLine = 0;
  private blankLines = 0;

  constructor(
    private readonly delimiter: ',' | '\t' | ';',
    private readonly file: string,
    /** The longest record held while its end is looked for (default MAX_RECORD_CHARS). */
    private readonly maxRecordChars = MAX_RECORD_CHARS,
  ) {
    this.delim = delimiter.charCodeAt(0);
  }

  push(text: string): void {
    if (text.length === 0) return;
    this.chunks.push(text);
    this.chunkChars += text.length;
    if (this.pending.length + this.chunkChars < this.waitFor) return;
    this.scan(false);
  }

  end(): RawTable {
    this.scan(true);
    if (this.columns === undefined) throw new FinetuneError(`${this.file}: no header row (the file holds only blank lines)`);
    const warnings: string[] = [];
    if (this.literalQuotes > 0) {
      warnings.push(
        `${this.file}: ${count(this.literalQuotes, 'field')} ${noun(this.literalQuotes, 'starts', 'start')} with a quote that does not close a quoted field (first at line ${this.firstLiteralQuoteLine}); kept literally`,
      );
    }
    if (this.blankLines > 0) warnings.push(`${this.file}: ${count(this.blankLines, 'blank line')} skipped`);
    return this.rows.table(this.columns, this.file, warnings);
  }

  private scan(final: boolean): void {
    const text = this.chunks.length === 0 ? this.pending : this.pending + this.chunks.join('');
    this.chunks = [];
    this.chunkChars = 0;
    const n = text.length;
    let i = 0;
    while (i < n) {
      const start = i;
      const startLine = this.line;
      const next = this.record(text, i, final);
      if (next === MORE) {
        this.line = startLine;
        if (n - start > this.maxRecordChars) {
          throw new FinetuneError(
            `${this.file}: line ${startLine}: a record runs past ${this.maxRecordChars.toLocaleString('en-US')} characters (a quote that never closes?)`,
          );
        }
        this.pending = text.slice(start);
        this.waitFor = 2 * this.pending.length;
        return;
      }
      i = next;
    }
    this.pending = '';
    this.waitFor = 0;
  }

  /** Parses the record at `i` and hands it on; returns where the next starts, or MORE when its end is not in `text` yet. */
  private record(text: string, start: number, final: boolean): number {
    const n = text.length;
    const delim = this.delim;
    const startLine = this.line;
    const fields: string[] = [];
    let anyQuoted = false;
    let literal = 0;
    let i = start;
    for (;;) {
      let value: string | undefined;
      if (text.charCodeAt(i) === QUOTE) {
        const end = quotedEnd(text, i, delim, final);
        if (end === MORE) return MORE;
        if (end >= 0) {
          value = text.slice(i + 1, end - 1).replaceAll('""', '"');
          this.line += countLineBreaks(text, i, end);
          i = end;
          anyQuoted = true;
        } else {
          literal++;
        }
      }
      if (value === undefined) {
        let j = i;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (c === delim || c === LF || c === CR) break;
          j++;
        }
        if (j >= n && !final) return MORE;
        value = text.slice(i, j);
        i = j;
      }
      fields.push(value);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === delim) {
        i++;
        continue;
      }
      // A CR at the end of what came so far may be the first half of a CRLF.
      if (c === CR && i + 1 >= n && !final) return MORE;
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      this.line++;
      break;
    }
    if (literal > 0 && this.literalQuotes === 0) this.firstLiteralQuoteLine = startLine;
    this.literalQuotes += literal;
    if (fields.length === 1 && !anyQuoted && (fields[0] as string).trim() === '') {
      this.blankLines++;
      return i;
    }
    this.accept(fields, startLine);
    return i;
  }

  private accept(fields: string[], line: number): void {
    if (this.columns === undefined) {
      this.columns = headerNames(fields, (message) => {
        throw new FinetuneError(`${this.file}: line ${line}: ${message}`);
      });
      return;
    }
    if (fields.length !== this.columns.length) {
      const kind = this.delimiter === '\t' ? 'tab-separated' : this.delimiter === ';' ? 'semicolon-separated' : 'comma-separated';
      throw new FinetuneError(
        `${this.file}: line ${line} (row ${this.rows.length + 1}): ${fields.length} ${kind} fields, expected ${this.columns.length} as in the header`,
      );
    }
    this.rows.add(fields, line);
  }
}

/**
 * End (after the closing quote) of the quoted field whose opening quote is at `start`; -1 when it
 * is not a well-formed one (taken literally); MORE when the text seen so far cannot tell.
 */
function quotedEnd(text: string, start: number, delim: number, final: boolean): number {
  const n = text.length;
  let j = start + 1;
  for (;;) {
    const close = text.indexOf('"', j);
    if (close < 0) return final ? -1 : MORE;
    if (close + 1 >= n) return final ? close + 1 : MORE;
    const next = text.charCodeAt(close + 1);
    if (next === QUOTE) {
      j = close + 2;
      continue;
    }
    if (next === delim || next === LF || next === CR) return close + 1;
    return -1;
  }
}

/** Line breaks between `start` and `end`, counting CRLF once. */
function countLineBreaks(text: string, start: number, end: number): number {
  let count = 0;
  for (let j = start; j < end; j++) {
    const c = text.charCodeAt(j);
    if (c === LF) count++;
    else if (c === CR && text.charCodeAt(j + 1) !== LF) count++;
  }
  return count;
}
