// CSV and TSV reader: RFC 4180 quoting (embedded delimiters, newlines, doubled quotes), CRLF/LF/CR line ends, header row.
import { count, noun } from '../plural.js';
import { FinetuneError } from '../errors.js';
import { headerNames, type RawTable } from './table.js';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Parses delimited text into a table whose first non-blank record is the header.
 *
 * A field is quoted only when it starts with a quote AND the quoted part closes right before a
 * delimiter or line end. Anything else (`"Hi" she said`, a lone `"`) is taken literally, quotes
 * included: real files (SMS Spam Collection) have such fields, and reading them as RFC 4180
 * would glue lines together and change the row count.
 */
export function parseDelimited(text: string, delimiter: ',' | '\t' | ';', file: string): RawTable {
  const delim = delimiter.charCodeAt(0);
  const n = text.length;
  const records: string[][] = [];
  const recordLines: number[] = [];
  let literalQuotes = 0;
  let firstLiteralQuoteLine = 0;
  let blankLines = 0;
  let i = 0;
  let line = 1;

  // Reads an unquoted field from `start` up to the next delimiter or line end.
  const unquotedEnd = (start: number): number => {
    let j = start;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === delim || c === LF || c === CR) break;
      j++;
    }
    return j;
  };

  // Reads a quoted field whose opening quote is at `start`; null when it is not a well-formed one.
  const quoted = (start: number): { value: string; end: number } | null => {
    let value = '';
    let j = start + 1;
    for (;;) {
      const close = text.indexOf('"', j);
      if (close < 0) return null;
      value += text.slice(j, close);
      const next = close + 1 < n ? text.charCodeAt(close + 1) : -1;
      if (next === QUOTE) {
        value += '"';
        j = close + 2;
        continue;
      }
      if (next === -1 || next === delim || next === LF || next === CR) return { value, end: close + 1 };
      return null;
    }
  };

  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    let anyQuoted = false;
    for (;;) {
      let value: string | undefined;
      if (text.charCodeAt(i) === QUOTE) {
        const field = quoted(i);
        if (field) {
          value = field.value;
          line += countLineBreaks(text, i, field.end);
          i = field.end;
          anyQuoted = true;
        } else {
          if (literalQuotes++ === 0) firstLiteralQuoteLine = line;
        }
      }
      if (value === undefined) {
        const end = unquotedEnd(i);
        value = text.slice(i, end);
        i = end;
      }
      fields.push(value);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === delim) {
        i++;
        continue;
      }
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    if (fields.length === 1 && !anyQuoted && (fields[0] as string).trim() === '') {
      blankLines++;
      continue;
    }
    records.push(fields);
    recordLines.push(startLine);
  }

  const headerCells = records.shift();
  const headerLine = recordLines.shift() ?? 1;
  if (headerCells === undefined) throw new FinetuneError(`${file}: no header row (the file holds only blank lines)`);
  const columns = headerNames(headerCells, (message) => {
    throw new FinetuneError(`${file}: line ${headerLine}: ${message}`);
  });
  records.forEach((fields, r) => {
    if (fields.length !== columns.length) {
      const kind = delimiter === '\t' ? 'tab-separated' : delimiter === ';' ? 'semicolon-separated' : 'comma-separated';
      throw new FinetuneError(`${file}: line ${recordLines[r]} (row ${r + 1}): ${fields.length} ${kind} fields, expected ${columns.length} as in the header`);
    }
  });

  const warnings: string[] = [];
  if (literalQuotes > 0) {
    warnings.push(
      `${file}: ${count(literalQuotes, 'field')} ${noun(literalQuotes, 'starts', 'start')} with a quote that does not close a quoted field (first at line ${firstLiteralQuoteLine}); kept literally`,
    );
  }
  if (blankLines > 0) warnings.push(`${file}: ${count(blankLines, 'blank line')} skipped`);
  return { columns, rows: records, origin: (index) => `${file}: line ${recordLines[index]}`, warnings };
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
