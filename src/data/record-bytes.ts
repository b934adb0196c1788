// CSV/TSV records parsed straight from bytes (field boundaries, no strings), with the trimming and 64-bit hashing the row index needs.
//
// The rules are DelimitedParser's (src/data/delimited.ts): a field is quoted only when it starts with a
// quote and the quoted part closes right before a delimiter or line end; anything else is literal.
// Line ends are LF or CRLF; a lone CR is field content here (the row index is only used for files
// whose line ends are LF or CRLF; see row-index.ts).

export const QUOTE = 0x22;
export const LF = 0x0a;
export const CR = 0x0d;

/** Marks a record whose end is not in the bytes seen so far. */
export const MORE = -2;

/** The field boundaries of one record, reused from record to record (no allocation per row). */
export class RecordFields {
  count = 0;
  /** Content start of field k (after the opening quote of a quoted field). */
  starts = new Int32Array(16);
  /** Content end of field k (before the closing quote). */
  ends = new Int32Array(16);
  /** 0: field k was not quoted; 1: quoted; 2: quoted, with doubled quotes in its content. */
  quoted = new Uint8Array(16);
  /** Line breaks inside quoted fields: the record spans this many lines more than one. */
  lineBreaks = 0;
  /** Fields that start with a quote that does not close a quoted field (kept literally). */
  literalQuotes = 0;

  reset(): void {
    this.count = 0;
    this.lineBreaks = 0;
    this.literalQuotes = 0;
  }

  add(start: number, end: number, quoted: number): void {
    if (this.count === this.starts.length) {
      const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts, (n) => new Int32Array(n));
      this.ends = grow(this.ends, (n) => new Int32Array(n));
      this.quoted = grow(this.quoted, (n) => new Uint8Array(n));
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.quoted[this.count] = quoted;
    this.count++;
  }

  /** True for a line holding nothing but blanks (skipped, as DelimitedParser does). */
  blank(buf: Uint8Array): boolean {
    if (this.count !== 1 || this.quoted[0] !== 0) return false;
    return trimStart(buf, this.starts[0]!, this.ends[0]!) === trimEnd(buf, this.starts[0]!, this.ends[0]!);
  }
}

/** What quotedEnd found besides the end: line breaks inside, and whether quotes were doubled. */
const inside = { lineBreaks: 0, doubled: false };

/**
 * End (after the closing quote) of the quoted field opening at `start`; -1 when it is not a
 * well-formed one; MORE when `buf` (all bytes seen so far unless `final`) cannot tell. A plain loop,
 * not indexOf: the line breaks inside are counted on the way, with no native call per field.
 */
function quotedEnd(buf: Buffer, start: number, delim: number, final: boolean): number {
  const n = buf.length;
  inside.lineBreaks = 0;
  inside.doubled = false;
  for (let j = start + 1; j < n; j++) {
    const c = buf[j];
    if (c === LF) inside.lineBreaks++;
    else if (c === QUOTE) {
      if (j + 1 >= n) return final ? j + 1 : MORE;
      const next = buf[j + 1];
      if (next === QUOTE) {
        inside.doubled = true;
        j++;
        continue;
      }
      if (next === delim || next === LF || next === CR) return j + 1;
      return -1;
    }
  }
  return final ? -1 : MORE;
}

/**
 * Parses the record at `pos` of `buf` into `out`; returns where the next record starts, or MORE when
 * the record's end is not in `buf` yet (unless `final`: then `buf` is all there is).
 */
export function parseRecord(buf: Buffer, pos: number, delim: number, final: boolean, out: RecordFields): number {
  const n = buf.length;
  out.reset();
  let i = pos;
  for (;;) {
    let fieldStart = i;
    let fieldEnd = -1;
    let quoted = 0;
    if (i < n && buf[i] === QUOTE) {
      const end = quotedEnd(buf, i, delim, final);
      if (end === MORE) return MORE;
      if (end >= 0) {
        fieldStart = i + 1;
        fieldEnd = end - 1;
        quoted = inside.doubled ? 2 : 1;
        out.lineBreaks += inside.lineBreaks;
        i = end;
      } else {
        out.literalQuotes++;
      }
    }
    if (fieldEnd < 0) {
      let j = i;
      while (j < n) {
        const c = buf[j];
        if (c === delim || c === LF) break;
        j++;
      }
      if (j >= n && !final) return MORE;
      fieldStart = i;
      fieldEnd = j;
      // The CR of a CRLF is no part of the field.
      if (j < n && buf[j] === LF && j > i && buf[j - 1] === CR) fieldEnd = j - 1;
      i = j;
    }
    out.add(fieldStart, fieldEnd, quoted);
    if (i >= n) return i;
    const c = buf[i];
    if (c === delim) {
      i++;
      continue;
    }
    if (c === CR) {
      // A quoted field closed right before a CR: the line ends with CRLF (or the bytes end).
      if (i + 1 >= n && !final) return MORE;
      return buf[i + 1] === LF ? i + 2 : i + 1;
    }
    return i + 1;
  }
}

/** ASCII blanks and the line-end bytes, which String.prototype.trim also removes. */
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === LF || c === CR || c === 0x0b || c === 0x0c;
}

export function trimStart(buf: Uint8Array, start: number, end: number): number {
  while (start < end && isBlank(buf[start]!)) start++;
  return start;
}

export function trimEnd(buf: Uint8Array, start: number, end: number): number {
  while (end > start && isBlank(buf[end - 1]!)) end--;
  return end;
}

/** Field k of the record as text: doubled quotes of a quoted field undone, trimmed. */
export function fieldText(buf: Buffer, fields: RecordFields, k: number): string {
  const text = buf.toString('utf8', fields.starts[k]!, fields.ends[k]!);
  return (fields.quoted[k] === 2 ? text.replaceAll('""', '"') : text).trim();
}

/**
 * A 64-bit hash of bytes in two 32-bit lanes, four bytes a round. A quoted field's doubled quotes are
 * undone first, so equal texts hash alike however they were quoted.
 */
export class TextHash {
  lo = 0x811c9dc5;
  hi = 0x27d4eb2f;
  private scratch = Buffer.allocUnsafe(1024);

  reset(): void {
    this.lo = 0x811c9dc5;
    this.hi = 0x27d4eb2f;
  }

  /** Feeds the trimmed content of field k (doubled quotes read as one). */
  field(buf: Uint8Array, fields: RecordFields, k: number): void {
    const start = trimStart(buf, fields.starts[k]!, fields.ends[k]!);
    const end = trimEnd(buf, start, fields.ends[k]!);
    if (fields.quoted[k] === 2) {
      if (this.scratch.length < end - start) this.scratch = Buffer.allocUnsafe(end - start);
      let n = 0;
      for (let i = start; i < end; i++) {
        this.scratch[n++] = buf[i]!;
        if (buf[i] === QUOTE && buf[i + 1] === QUOTE) i++;
      }
      this.bytes(this.scratch, 0, n);
      return;
    }
    this.bytes(buf, start, end);
  }

  /** Feeds bytes [start, end) of `buf`. */
  bytes(buf: Uint8Array, start: number, end: number): void {
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const w = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
      lo = Math.imul(lo ^ w, 0x01000193);
      hi = Math.imul(hi + w, 0x5bd1e995);
      hi ^= hi >>> 15;
    }
    for (; i < end; i++) {
      lo = Math.imul(lo ^ buf[i]!, 0x01000193);
      hi = Math.imul(hi + buf[i]!, 0x5bd1e995);
      hi ^= hi >>> 15;
    }
    // The length, so texts that differ only in trailing zero bytes differ.
    this.lo = Math.imul(lo ^ (end - start), 0x01000193);
    this.hi = hi;
  }

  /** Feeds one separator byte (between a text and its pair). */
  byte(c: number): void {
    this.lo = Math.imul(this.lo ^ c, 0x01000193);
    this.hi = Math.imul(this.hi + c, 0x5bd1e995);
    this.hi ^= this.hi >>> 15;
  }

  /** Finishes the hash: `lo` and `hi` become its lanes, mixed so that close inputs spread over all bits. */
  finish(): void {
    let lo = this.lo ^ (this.hi >>> 7);
    let hi = this.hi ^ Math.imul(this.lo, 0x85ebca6b);
    lo = Math.imul(lo ^ (lo >>> 16), 0x85ebca6b);
    hi = Math.imul(hi ^ (hi >>> 13), 0xc2b2ae35);
    this.lo = (lo ^ (lo >>> 16)) >>> 0;
    this.hi = (hi ^ (hi >>> 16)) >>> 0;
  }
}

/** True when field k's content (trimmed) is empty. */
export function emptyField(buf: Uint8Array, fields: RecordFields, k: number): boolean {
  return trimStart(buf, fields.starts[k]!, fields.ends[k]!) === fields.ends[k]!;
}
