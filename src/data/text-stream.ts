// Decodes a stream of data-file bytes into text chunks with decodeText's rules: BOMs, UTF-8 with a Latin-1 fallback, binary data refused.
import { FinetuneError } from '../errors.js';
import { decodeText, decodeWindows1252, firstInvalidUtf8 } from './text-decode.js';

/** Bytes looked at before the encoding is chosen (and the share of control characters judged). */
const HEAD_BYTES = 1 << 16;

/** Length of an incomplete UTF-8 sequence at the end of `bytes` (0 when it ends on a character boundary). */
function incompleteTail(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back] as number;
    if ((b & 0xc0) === 0x80) continue;
    if (b < 0xc0) return 0;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return need > back ? back : 0;
  }
  return 0;
}

/** Streams text out of `bytes`; `warnings` gets the Latin-1 fallback notice, as decodeText's do. */
export class TextStreamDecoder {
  readonly warnings: string[] = [];
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private mode: 'start' | 'utf-8' | 'latin-1' | 'utf-16le' | 'utf-16be' = 'start';
  private utf16: InstanceType<typeof TextDecoder> | undefined;
  private carry: Uint8Array = new Uint8Array(0);
  /** Bytes of the file before the current chunk, for offsets in messages. */
  private offset = 0;
  private blank = true;

  constructor(
    private readonly file: string,
    private readonly what: string,
  ) {}

  /** Text of the next chunk of bytes (possibly empty while the head is gathered). */
  push(bytes: Uint8Array): string {
    if (this.mode === 'start') {
      this.head.push(bytes);
      this.headBytes += bytes.byteLength;
      return this.headBytes < HEAD_BYTES ? '' : this.start();
    }
    return this.decode(bytes, false);
  }

  /** The text left at the end of the stream; an empty or blank stream is an error. */
  end(): string {
    // What the start kept back (a character cut at the end of the head) is decoded now.
    const text = (this.mode === 'start' ? this.start() : '') + this.decode(new Uint8Array(0), true);
    if (this.blank) throw new FinetuneError(`${this.file}: empty file`);
    return text;
  }

  /** Chooses the encoding on the head, with decodeText's checks (magic numbers, NUL bytes, control characters). */
  private start(): string {
    const head = Buffer.concat(this.head);
    this.head = [];
    if (head.byteLength === 0) throw new FinetuneError(`${this.file}: empty file`);
    // A sample cut inside a UTF-8 character would look like invalid UTF-8: cut it on a boundary.
    const cut = head.byteLength > HEAD_BYTES ? HEAD_BYTES - incompleteTail(head.subarray(0, HEAD_BYTES)) : head.byteLength;
    const sample = decodeText(head.subarray(0, cut), this.file, this.what);
    if (head[0] === 0xff && head[1] === 0xfe) this.mode = 'utf-16le';
    else if (head[0] === 0xfe && head[1] === 0xff) this.mode = 'utf-16be';
    else this.mode = sample.encoding === 'latin-1' ? 'latin-1' : 'utf-8';
    this.warnings.push(...sample.warnings);
    if (this.mode === 'utf-16le' || this.mode === 'utf-16be') {
      this.utf16 = new TextDecoder(this.mode);
      this.offset = 2;
      return this.decode(head.subarray(2), false);
    }
    const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
    this.offset = bom ? 3 : 0;
    return this.decode(bom ? head.subarray(3) : head, false);
  }

  private decode(chunk: Uint8Array, final: boolean): string {
    let text: string;
    if (this.utf16) {
      text = this.utf16.decode(chunk, { stream: !final });
      if (text.includes('\u0000')) this.binary(`NUL character near offset ${this.offset}`);
      this.offset += chunk.byteLength;
    } else {
      const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
      const nul = bytes.indexOf(0);
      if (nul >= 0) this.binary(`NUL byte at offset ${this.offset + nul}`);
      const keep = final ? 0 : incompleteTail(bytes);
      const body = bytes.subarray(0, bytes.length - keep);
      this.carry = keep > 0 ? Uint8Array.from(bytes.subarray(bytes.length - keep)) : new Uint8Array(0);
      if (this.mode === 'utf-8') {
        const bad = firstInvalidUtf8(body);
        if (bad >= 0) {
          // What came before was valid UTF-8; the rest is read the way decodeText reads such a file.
          const at = this.offset + bad;
          this.warnings.push(
            `${this.file}: not valid UTF-8 (byte 0x${(body[bad] ?? 0).toString(16).padStart(2, '0')} at offset ${at}); read as Latin-1 from there`,
          );
          this.mode = 'latin-1';
          text = Buffer.from(body.buffer, body.byteOffset, bad).toString('utf8') + decodeWindows1252(body.subarray(bad));
        } else {
          text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
        }
      } else {
        text = decodeWindows1252(body);
      }
      this.offset += body.byteLength;
    }
    if (this.blank && /\S/.test(text)) this.blank = false;
    return text;
  }

  private binary(where: string): never {
    throw new FinetuneError(`${this.file}: binary data (${where}), not ${this.what}`);
  }
}
