// Parquet's run-length/bit-packed streams checked before decoding: a run longer than its page's values is damage the reader would spend seconds writing out.
import { type FileMetaData, parquetSchema, type SchemaTree, snappyUncompress } from 'hyparquet';

/** A run may overshoot the values left by this much (bit-packed groups round up to 8) before it is damage. */
const OVERSHOOT = 8;

/** What a data page header says that the scan needs (Thrift PageHeader and its data page headers). */
export interface DataPageFacts {
  readonly version: 1 | 2;
  readonly values: number;
  /** Encoding enum of the values: 0 PLAIN, 2 PLAIN_DICTIONARY, 3 RLE, 8 RLE_DICTIONARY, others. */
  readonly encoding: number;
  readonly uncompressed: number;
  /** Version 2 only: level byte lengths (stored uncompressed ahead of the values) and whether the values are compressed. */
  readonly definitionBytes: number;
  readonly repetitionBytes: number;
  readonly valuesCompressed: boolean;
}

/** The highest repetition and definition levels of a column, from its path in the schema. */
export function columnLevels(metadata: FileMetaData, path: readonly string[]): { readonly repetition: number; readonly definition: number } {
  let node: SchemaTree | undefined = parquetSchema(metadata);
  let repetition = 0;
  let definition = 0;
  for (const name of path) {
    node = node?.children.find((child) => child.element.name === name);
    if (!node) break;
    if (node.element.repetition_type === 'REPEATED') repetition++;
    if (node.element.repetition_type !== 'REQUIRED') definition++;
  }
  return { repetition, definition };
}

/**
 * Scans the level and dictionary-index streams of one data page (its bytes as stored) and returns a
 * description of the first run that declares more values than the page holds, or undefined.
 * Codecs other than snappy and none are left to the reader, which refuses them.
 */
export function runPastPage(
  stored: Uint8Array,
  page: DataPageFacts,
  codec: string,
  physicalType: string,
  levels: { readonly repetition: number; readonly definition: number },
): string | undefined {
  const decompress = (bytes: Uint8Array, size: number): Uint8Array | undefined => {
    if (codec === 'UNCOMPRESSED') return bytes;
    if (codec !== 'SNAPPY') return undefined;
    const out = new Uint8Array(size);
    snappyUncompress(bytes, out);
    return out;
  };
  const bounds = { values: page.values };
  if (page.version === 1) {
    const bytes = decompress(stored, page.uncompressed);
    if (!bytes) return undefined;
    const reader = { bytes, pos: 0 };
    for (const level of [levels.repetition, levels.definition]) {
      if (level === 0) continue;
      const length = readUint32(reader);
      const problem = scanHybrid(bytes, reader.pos, reader.pos + length, bitWidth(level), bounds);
      if (problem) return problem;
      reader.pos += length;
    }
    return scanValues(reader, page.encoding, physicalType, bounds);
  }
  let pos = 0;
  for (const [level, length] of [
    [levels.repetition, page.repetitionBytes],
    [levels.definition, page.definitionBytes],
  ] as const) {
    if (level > 0) {
      const problem = scanHybrid(stored, pos, pos + length, bitWidth(level), bounds);
      if (problem) return problem;
    }
    pos += length;
  }
  const rest = stored.subarray(Math.min(pos, stored.length));
  const size = page.uncompressed - page.definitionBytes - page.repetitionBytes;
  const values = page.valuesCompressed && size > 0 ? decompress(rest, size) : rest;
  return values ? scanValues({ bytes: values, pos: 0 }, page.encoding, physicalType, bounds) : undefined;
}

function scanValues(
  reader: { bytes: Uint8Array; pos: number },
  encoding: number,
  physicalType: string,
  bounds: { readonly values: number },
): string | undefined {
  // Dictionary indices and RLE booleans are the value streams whose runs a damaged page inflates.
  if (encoding !== 2 && encoding !== 3 && encoding !== 8) return undefined;
  if (encoding === 3 && physicalType === 'BOOLEAN') {
    const length = readUint32(reader);
    return scanHybrid(reader.bytes, reader.pos, reader.pos + length, 1, bounds);
  }
  if (reader.pos >= reader.bytes.length) throw new RangeError('page ends before its values');
  const width = reader.bytes[reader.pos++]!;
  if (width > 32) return `dictionary indices of ${width} bits`;
  return width === 0 ? undefined : scanHybrid(reader.bytes, reader.pos, reader.bytes.length, width, bounds);
}

/** Walks the run headers of an RLE/bit-packed hybrid stream in [start, end). */
function scanHybrid(bytes: Uint8Array, start: number, end: number, width: number, bounds: { readonly values: number }): string | undefined {
  if (end > bytes.length || start > end) throw new RangeError('level stream past its page');
  const valueBytes = (width + 7) >> 3;
  let pos = start;
  let seen = 0;
  while (seen < bounds.values && pos < end) {
    let header = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (pos >= end || i === 5) throw new RangeError('run header past its stream');
      const b = bytes[pos++]!;
      header += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) break;
    }
    const count = header % 2 === 1 ? Math.floor(header / 2) * 8 : Math.floor(header / 2);
    if (seen + count > bounds.values + OVERSHOOT) return `a run of ${count} values in a page of ${bounds.values}`;
    pos += header % 2 === 1 ? Math.floor(header / 2) * width : valueBytes;
    seen += count;
  }
  return undefined;
}

function readUint32(reader: { bytes: Uint8Array; pos: number }): number {
  const { bytes, pos } = reader;
  if (pos + 4 > bytes.length) throw new RangeError('level length past its page');
  reader.pos += 4;
  return (bytes[pos]! | (bytes[pos + 1]! << 8) | (bytes[pos + 2]! << 16)) + bytes[pos + 3]! * 2 ** 24;
}

function bitWidth(level: number): number {
  return 32 - Math.clz32(level);
}
