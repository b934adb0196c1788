// TensorBoard event files: TFRecord framing (lengths and data with masked CRC32C) around Event protobufs that carry scalar summaries.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** CRC32C (Castagnoli, reflected polynomial 0x82f63b78), the checksum TFRecord uses. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord stores the CRC rotated right by 15 bits plus a constant, so a CRC of CRCs is not trivially valid. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord: uint64 length, masked CRC of the length, the data, masked CRC of the data (all little-endian). */
export function tfRecord(data: Uint8Array): Uint8Array {
  const header = new Uint8Array(12);
  const view = new DataView(header.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(header.subarray(0, 8)), true);
  const footer = new Uint8Array(4);
  new DataView(footer.buffer).setUint32(0, maskedCrc32c(data), true);
  return Buffer.concat([header, data, footer]);
}

/** Protobuf base-128 varint of a non-negative integer. */
function varint(value: number): number[] {
  const out: number[] = [];
  let v = BigInt(value);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

/** A length-delimited field (wire type 2). */
function bytesField(field: number, payload: Uint8Array): Uint8Array {
  return Uint8Array.from([...varint((field << 3) | 2), ...varint(payload.length), ...payload]);
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Summary.Value { tag = 1 (string), simple_value = 2 (float) }. */
function summaryValue(tag: string, value: number): Uint8Array {
  const float = new Uint8Array(5);
  float[0] = (2 << 3) | 5;
  new DataView(float.buffer).setFloat32(1, value, true);
  return Buffer.concat([bytesField(1, utf8(tag)), float]);
}

/**
 * Event { wall_time = 1 (double), step = 2 (int64), file_version = 3 (string), summary = 5 (Summary) },
 * Summary { repeated Value value = 1 }: the fields TensorBoard reads for scalars.
 */
export function eventBytes(event: {
  readonly wallTime: number;
  readonly step?: number;
  readonly fileVersion?: string;
  readonly scalars?: Readonly<Record<string, number>>;
}): Uint8Array {
  const parts: Uint8Array[] = [];
  const wall = new Uint8Array(9);
  wall[0] = (1 << 3) | 1;
  new DataView(wall.buffer).setFloat64(1, event.wallTime, true);
  parts.push(wall);
  if (event.step !== undefined) parts.push(Uint8Array.from([(2 << 3) | 0, ...varint(event.step)]));
  if (event.fileVersion !== undefined) parts.push(bytesField(3, utf8(event.fileVersion)));
  if (event.scalars) {
    const values = Object.entries(event.scalars).map(([tag, value]) => bytesField(1, summaryValue(tag, value)));
    parts.push(bytesField(5, Buffer.concat(values)));
  }
  return Buffer.concat(parts);
}

/** Appends scalar events to one event file in `folder` (`events.out.tfevents.<seconds>.<host>`), as TensorBoard's SummaryWriter names them. */
export class TensorBoardWriter {
  readonly path: string;

  constructor(folder: string, now: Date = new Date()) {
    mkdirSync(folder, { recursive: true });
    const seconds = Math.floor(now.getTime() / 1000);
    this.path = join(folder, `events.out.tfevents.${seconds}.${hostname().replace(/[^\w.-]/g, '_')}.${process.pid}`);
    writeFileSync(this.path, tfRecord(eventBytes({ wallTime: now.getTime() / 1000, fileVersion: 'brain.Event:2' })));
  }

  /** One event at `step` with every finite value of `scalars` under its tag. */
  add(step: number, scalars: Readonly<Record<string, number>>, wallTime: number = Date.now() / 1000): void {
    const finite = Object.fromEntries(Object.entries(scalars).filter(([, v]) => Number.isFinite(v)));
    if (Object.keys(finite).length === 0) return;
    appendFileSync(this.path, tfRecord(eventBytes({ wallTime, step, scalars: finite })));
  }
}
