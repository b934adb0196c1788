// Normalizers that behave character for character as the Rust tokenizers does; the rest come from the library.

import { libraryNormalizer, type NormalizeFn } from './engine.js';
import type { ComponentJson } from './tokenizer-json.js';

/** CJK ideograph blocks that BERT surrounds with spaces (the ranges of tokenizers' BertNormalizer). */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

const CONTROL = /^[\p{Cc}\p{Cf}\p{Co}\p{Cs}]$/u;
const WHITESPACE = /^\p{White_Space}$/u;
const NONSPACING_MARKS = /\p{Mn}/gu;
const CAPITAL_SIGMA = '\u03a3';
/** Printable ASCII: nothing for BertNormalizer's cleaning, CJK spacing or accent stripping to change. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Lowercases code point by code point, as Rust's `char::to_lowercase` does: JavaScript's
 * `toLowerCase` turns a word-final capital sigma into final sigma, Rust keeps the plain one.
 */
export function lowercaseByChar(text: string): string {
  if (!text.includes(CAPITAL_SIGMA)) return text.toLowerCase();
  let out = '';
  for (const char of text) out += char.toLowerCase();
  return out;
}

/** The cleaning step of BertNormalizer: drops NUL, U+FFFD and control/format characters; any whitespace becomes a space. */
function cleanText(text: string): string {
  let out = '';
  for (const char of text) {
    if (char === '\t' || char === '\n' || char === '\r') {
      out += ' ';
      continue;
    }
    const cp = char.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || CONTROL.test(char)) continue;
    out += WHITESPACE.test(char) ? ' ' : char;
  }
  return out;
}

function spaceChineseChars(text: string): string {
  let out = '';
  for (const char of text) out += isChineseChar(char.codePointAt(0)!) ? ` ${char} ` : char;
  return out;
}

/** BertNormalizer settings as tokenizer.json stores them. */
interface BertNormalizerJson {
  /** Default: true. */
  readonly clean_text?: boolean;
  /** Default: true. */
  readonly handle_chinese_chars?: boolean;
  /** null or absent: follow `lowercase`. */
  readonly strip_accents?: boolean | null;
  /** Default: true. */
  readonly lowercase?: boolean;
}

function bertNormalizer(config: BertNormalizerJson): NormalizeFn {
  const clean = config.clean_text ?? true;
  const chinese = config.handle_chinese_chars ?? true;
  const lowercase = config.lowercase ?? true;
  const stripAccents = config.strip_accents ?? lowercase;
  return (text) => {
    // The usual English input skips the per-character passes below (a third of a 128-token predict's tokenizing).
    if (PRINTABLE_ASCII.test(text)) return lowercase ? text.toLowerCase() : text;
    let out = clean ? cleanText(text) : text;
    if (chinese) out = spaceChineseChars(out);
    if (stripAccents) out = out.normalize('NFD').replace(NONSPACING_MARKS, '');
    return lowercase ? lowercaseByChar(out) : out;
  };
}

/** The normalizer a tokenizer.json section describes, or null for none. */
export function createNormalizer(config: ComponentJson | null): NormalizeFn | null {
  if (config === null) return null;
  switch (config.type) {
    case 'BertNormalizer':
      return bertNormalizer(config as BertNormalizerJson);
    case 'Lowercase':
      return lowercaseByChar;
    case 'Sequence': {
      const steps = (config['normalizers'] as ComponentJson[]).map(createNormalizer).filter((n): n is NormalizeFn => n !== null);
      return (text) => steps.reduce((current, step) => step(current), text);
    }
    default: {
      const normalizer = libraryNormalizer(config);
      if (normalizer === undefined) throw new Error(`normalizer type "${config.type}" is not supported`);
      return normalizer;
    }
  }
}
