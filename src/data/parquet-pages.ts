// Parquet page headers checked before decoding: the reader allocates what a header declares, so damaged counts are refused first.
import type { FileMetaData } from 'hyparquet';
import { columnLevels, type DataPageFacts, runPastPage } from './parquet-runs.js';

/** The most values a file may declare across its pages, per byte of the file (plus a floor for tiny files). */
const VALUES_PER_FILE_BYTE = 64;
const VALUES_FLOOR = 1 << 20;
/** Snappy's output is at most about 21 times its input; anything past this ratio is damage (uncompressed pages are 1:1). */
const MAX_EXPANSION = 32;

/** What one page header says (Thrift compact fields of PageHeader): its sizes, and for a data page what the run scan needs. */
interface PageSizes {
  readonly uncompressed: number;
  readonly compressed: number;
  readonly values: number;
  readonly dataPage: DataPageFacts | undefined;
}

/**
 * Walks every column chunk's page headers and returns a description of the first impossible one
 * (a page outside its chunk, a size or value count the file cannot hold), or undefined when all
 * are plausible. It reads headers only; decoding is left to the reader.
 */
export function implausiblePage(bytes: Uint8Array, metadata: FileMetaData): string | undefined {
  const maxValues = VALUES_FLOOR + VALUES_PER_FILE_BYTE * bytes.byteLength;
  let totalValues = 0;
  for (const [g, group] of metadata.row_groups.entries()) {
    for (const [c, chunk] of group.columns.entries()) {
      const meta = chunk.meta_data;
      if (!meta) continue;
      const where = `row group ${g + 1}, column ${c + 1}`;
      const levels = columnLevels(metadata, meta.path_in_schema);
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      const end = start + Number(meta.total_compressed_size);
      if (!(start >= 4 && end <= bytes.byteLength && start < end)) return `${where}: its pages lie outside the file`;
      let pos = start;
      while (pos < end) {
        const reader = new CompactReader(bytes, pos, end);
        const page = reader.pageSizes();
        const body = reader.pos;
        pos = body + page.compressed;
        if (page.compressed < 0 || pos > end) return `${where}: a page runs past its column chunk`;
        if (page.uncompressed < 0 || page.uncompressed > MAX_EXPANSION * page.compressed + 64) {
          return `${where}: a page declares ${page.uncompressed} bytes from ${page.compressed}`;
        }
        totalValues += Math.max(0, page.values);
        if (page.values < 0 || totalValues > maxValues) return `${where}: the pages declare more values than the file can hold`;
        if (page.dataPage) {
          const run = runPastPage(bytes.subarray(body, pos), page.dataPage, meta.codec, meta.type, levels);
          if (run) return `${where}: ${run}`;
        }
      }
    }
  }
  return undefined;
}

/** Just enough of the Thrift compact protocol to read a PageHeader's sizes and its nested num_values. */
class CompactReader {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    private readonly end: number,
  ) {}

  pageSizes(): PageSizes {
    let uncompressed = 0;
    let compressed = -1;
    let values = 0;
    let version: 0 | 1 | 2 = 0;
    // Fields of data_page_header (v1: 2 encoding) and data_page_header_v2 (4 encoding, 5 and 6 level lengths, 7 is_compressed).
    const v2 = { encoding: 0, definitionBytes: 0, repetitionBytes: 0, valuesCompressed: true };
    let encoding = 0;
    this.readStruct((field, type) => {
      if (field === 2 && type === 5) uncompressed = this.zigzag();
      else if (field === 3 && type === 5) compressed = this.zigzag();
      else if ((field === 5 || field === 7 || field === 8) && type === 12) {
        // data_page_header, dictionary_page_header, data_page_header_v2: num_values is field 1 of each.
        if (field !== 7) version = field === 5 ? 1 : 2;
        this.readStruct((inner, innerType) => {
          if (inner === 1 && innerType === 5) values = this.zigzag();
          else if (field === 5 && inner === 2 && innerType === 5) encoding = this.zigzag();
          else if (field === 8 && inner === 4 && innerType === 5) v2.encoding = this.zigzag();
          else if (field === 8 && inner === 5 && innerType === 5) v2.definitionBytes = this.zigzag();
          else if (field === 8 && inner === 6 && innerType === 5) v2.repetitionBytes = this.zigzag();
          else if (field === 8 && inner === 7 && (innerType === 1 || innerType === 2)) v2.valuesCompressed = innerType === 1;
          else this.skip(innerType);
        });
      } else this.skip(type);
    });
    const dataPage: DataPageFacts | undefined =
      version === 0
        ? undefined
        : version === 1
          ? { version, values, encoding, uncompressed, definitionBytes: 0, repetitionBytes: 0, valuesCompressed: true }
          : { version, values, uncompressed, ...v2 };
    return { uncompressed, compressed, values, dataPage };
  }

  private readStruct(onField: (field: number, type: number) => void, depth = 0): void {
    if (depth > 16) throw new RangeError('nesting too deep');
    let field = 0;
    for (;;) {
      const head = this.byte();
      if (head === 0) return;
      const type = head & 0x0f;
      const delta = head >> 4;
      field = delta === 0 ? this.zigzag() : field + delta;
      onField(field, type);
    }
  }

  /** Skips a value of `type`; as an element of a list, set or map a boolean takes a byte of its own. */
  private skip(type: number, depth = 0, element = false): void {
    if (depth > 16) throw new RangeError('nesting too deep');
    switch (type) {
      case 1:
      case 2:
        if (element) this.byte(); // a field's boolean lives in its field header
        return;
      case 3:
        this.byte();
        return;
      case 4:
      case 5:
      case 6:
        this.varint();
        return;
      case 7:
        this.advance(8);
        return;
      case 8:
        this.advance(this.varint());
        return;
      case 9:
      case 10: {
        const head = this.byte();
        const count = head >> 4 === 15 ? this.varint() : head >> 4;
        for (let i = 0; i < count; i++) this.skip(head & 0x0f, depth + 1, true);
        return;
      }
      case 11: {
        const count = this.varint();
        if (count === 0) return;
        const types = this.byte();
        for (let i = 0; i < count; i++) {
          this.skip(types >> 4, depth + 1, true);
          this.skip(types & 0x0f, depth + 1, true);
        }
        return;
      }
      case 12:
        this.readStruct((_field, inner) => this.skip(inner, depth + 1), depth + 1);
        return;
      default:
        throw new RangeError(`unknown Thrift type ${type}`);
    }
  }

  private byte(): number {
    if (this.pos >= this.end) throw new RangeError('page header past its column chunk');
    return this.bytes[this.pos++]!;
  }

  private advance(count: number): void {
    if (count < 0 || this.pos + count > this.end) throw new RangeError('page header past its column chunk');
    this.pos += count;
  }

  /** An unsigned varint, as a double (exact up to 2^53; larger values are damage anyway). */
  private varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new RangeError('varint too long');
  }

  private zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }
}
