// Turns the bytes of a text data file into a string: BOMs, UTF-8 with a Latin-1 fallback, and a clear error for binary data.
import { FinetuneError } from '../errors.js';

/** A decoded text file. */
export interface DecodedText {
  readonly text: string;
  /** The encoding used: 'utf-8', 'utf-16le', 'utf-16be' or 'latin-1' (read as windows-1252, its superset). */
  readonly encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin-1';
  readonly warnings: readonly string[];
}

// Magic numbers of files people mistake for text tables, so the error can say what the file is.
const KNOWN_BINARY: readonly { readonly magic: readonly number[]; readonly what: string }[] = [
  { magic: [0x50, 0x41, 0x52, 0x31], what: 'a Parquet file' },
  { magic: [0x1f, 0x8b], what: 'gzip-compressed data' },
  { magic: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive (unpack it first)' },
  { magic: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
  { magic: [0xd0, 0xcf, 0x11, 0xe0], what: 'an old Office document (export it as CSV)' },
];

/** How many control characters (besides whitespace) text may hold before it counts as binary. */
const MAX_CONTROL_FRACTION = 0.01;
const SAMPLE_CHARS = 1 << 16;

/**
 * Decodes a text data file. `what` names the expected content for messages ("CSV text").
 * Throws a FinetuneError naming `file` for binary data (NUL bytes, known binary formats, many
 * control characters).
 */
export function decodeText(bytes: Uint8Array, file: string, what: string): DecodedText {
  if (bytes.length === 0) throw new FinetuneError(`${file}: empty file`);
  for (const { magic, what: kind } of KNOWN_BINARY) {
    if (bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b)) {
      throw new FinetuneError(`${file}: ${kind}, not ${what}`);
    }
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return checked(new TextDecoder('utf-16le').decode(bytes.subarray(2)), 'utf-16le', [], file, what);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return checked(new TextDecoder('utf-16be').decode(bytes.subarray(2)), 'utf-16be', [], file, what);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new FinetuneError(`${file}: binary data (NUL byte at offset ${nul}), not ${what}`);
  const hasBom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = hasBom ? bytes.subarray(3) : bytes;
  const bad = firstInvalidUtf8(body);
  if (bad < 0) return checked(new TextDecoder('utf-8', { ignoreBOM: true }).decode(body), 'utf-8', [], file, what);
  const offset = bad + (hasBom ? 3 : 0);
  const warning = `${file}: not valid UTF-8 (byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at offset ${offset}); read as Latin-1`;
  return checked(decodeWindows1252(body), 'latin-1', [warning], file, what);
}

// windows-1252 differs from ISO-8859-1 only in 0x80-0x9F; unassigned bytes keep their code point (as in WHATWG).
const CP1252_C1 = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/**
 * Decodes windows-1252 (what "Latin-1" means in practice). Written out because Node 20's
 * TextDecoder('windows-1252') decodes as ISO-8859-1, leaving curly quotes as C1 controls.
 */
export function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (c) => CP1252_C1[c.charCodeAt(0) - 0x80] as string);
}

function checked(text: string, encoding: DecodedText['encoding'], warnings: string[], file: string, what: string): DecodedText {
  const sample = Math.min(text.length, SAMPLE_CHARS);
  let controls = 0;
  let first = -1;
  for (let i = 0; i < sample; i++) {
    const c = text.charCodeAt(i);
    // Tab, LF, VT, FF, CR and ESC occur in real text; the other C0 controls and DEL do not.
    if ((c < 0x20 && (c < 0x09 || c > 0x0d) && c !== 0x1b) || c === 0x7f) {
      controls++;
      if (first < 0) first = i;
    }
  }
  if (text.includes('\u0000') || controls > sample * MAX_CONTROL_FRACTION) {
    const at = text.includes('\u0000') ? text.indexOf('\u0000') : first;
    const code = text.charCodeAt(at).toString(16).padStart(2, '0');
    throw new FinetuneError(`${file}: binary data (control character 0x${code} at character ${at}), not ${what}`);
  }
  return { text, encoding, warnings };
}

/** Offset of the first byte that breaks UTF-8 (overlongs, surrogates and values above U+10FFFF included), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cont = bytes[i + k];
      if (cont === undefined || (cont & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cont & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
