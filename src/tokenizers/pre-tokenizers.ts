// Pre-tokenizers with the Rust tokenizers' Unicode classes and split behaviours; the rest come from the library.

import { BYTES_TO_UNICODE } from './byte-level.js';
import { libraryPreTokenizer, libraryRegex, type PreTokenizeFn, type PreTokenizeOptions } from './engine.js';
import type { ComponentJson } from './tokenizer-json.js';

/** ASCII punctuation and symbols plus Unicode punctuation: what BERT and tokenizers call punctuation. */
const PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
/** Rust's `\w`: alphabetic, marks, decimal digits, connector punctuation and joiners. */
const WORD = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';

const BERT_PATTERN = new RegExp(`[^\\p{White_Space}${PUNCTUATION}]+|[${PUNCTUATION}]`, 'gu');
const WHITESPACE_PATTERN = new RegExp(`[${WORD}]+|[^${WORD}\\p{White_Space}]+`, 'gu');
const WHITESPACE_SPLIT_PATTERN = /\P{White_Space}+/gu;
/** GPT-2's word pattern, with Oniguruma's `\s` (the White_Space property) in place of JavaScript's. */
const BYTE_LEVEL_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;
const PUNCTUATION_CHAR = new RegExp(`^[${PUNCTUATION}]$`, 'u');
// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range starts at U+0000 on purpose.
const ASCII = /^[\x00-\x7f]*$/;

/** How a pre-tokenizer treats the delimiters it splits on (tokenizers' SplitDelimiterBehavior). */
type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

/** A piece of text and whether it is a delimiter. */
type Unit = readonly [piece: string, isDelimiter: boolean];

/** Joins or drops delimiter units as `behavior` says; consecutive plain units stay together. */
function splitUnits(units: Iterable<Unit>, behavior: SplitBehavior): string[] {
  const out: string[] = [];
  let current = '';
  let currentIsDelimiter = false;
  for (const [piece, delimiter] of units) {
    if (!delimiter) {
      if (current !== '' && currentIsDelimiter && behavior !== 'MergedWithNext') {
        out.push(current);
        current = '';
      }
      current += piece;
      currentIsDelimiter = false;
      continue;
    }
    switch (behavior) {
      case 'Removed':
        if (current !== '') out.push(current);
        current = '';
        break;
      case 'Isolated':
        if (current !== '') out.push(current);
        out.push(piece);
        current = '';
        break;
      case 'MergedWithPrevious':
        out.push(current + piece);
        current = '';
        break;
      case 'MergedWithNext':
        if (current !== '') out.push(current);
        current = piece;
        break;
      case 'Contiguous':
        if (current !== '' && !currentIsDelimiter) {
          out.push(current);
          current = '';
        }
        current += piece;
        break;
    }
    currentIsDelimiter = true;
  }
  if (current !== '') out.push(current);
  return out;
}

function* charUnits(text: string, isDelimiter: (char: string) => boolean): Generator<Unit> {
  for (const char of text) yield [char, isDelimiter(char)];
}

/** The text cut at each (non-empty) match of `pattern`; with `invert` the matches are the content, the rest delimiters. */
function* regexUnits(text: string, pattern: RegExp, invert: boolean): Generator<Unit> {
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match[0] === '') continue;
    if (match.index > last) yield [text.slice(last, match.index), invert];
    yield [match[0], !invert];
    last = match.index + match[0].length;
  }
  if (last < text.length) yield [text.slice(last), invert];
}

/** Splits `text` at the characters `isDelimiter` accepts, treating them as `behavior` says. */
function splitOn(text: string, isDelimiter: (char: string) => boolean, behavior: SplitBehavior): string[] {
  return splitUnits(charUnits(text, isDelimiter), behavior);
}

function matches(pattern: RegExp): (text: string) => string[] {
  return (text) => text.match(pattern) ?? [];
}

function byteLevel(config: ComponentJson): (text: string) => string[] {
  const addPrefixSpace = config['add_prefix_space'] === true;
  const useRegex = config['use_regex'] !== false;
  const encoder = new TextEncoder();
  return (text) => {
    const input = addPrefixSpace && !text.startsWith(' ') ? ` ${text}` : text;
    const words = useRegex ? (input.match(BYTE_LEVEL_PATTERN) ?? []) : [input];
    return words.map((word) => {
      // ASCII needs no UTF-8 encoding: each character is its own byte.
      if (ASCII.test(word)) {
        let out = '';
        for (let i = 0; i < word.length; i++) out += BYTES_TO_UNICODE[word.charCodeAt(i)]!;
        return out;
      }
      return Array.from(encoder.encode(word), (byte) => BYTES_TO_UNICODE[byte]!).join('');
    });
  };
}

function metaspace(config: ComponentJson): (text: string, options?: PreTokenizeOptions) => string[] {
  const replacement = typeof config['replacement'] === 'string' ? config['replacement'] : '\u2581';
  // Files older than tokenizers 0.14 say add_prefix_space instead of prepend_scheme.
  const scheme = typeof config['prepend_scheme'] === 'string' ? config['prepend_scheme'] : config['add_prefix_space'] === false ? 'never' : 'always';
  const split = config['split'] !== false;
  return (text, options) => {
    let out = text.replaceAll(' ', replacement);
    const prepend = scheme === 'always' || (scheme === 'first' && (options?.section_index ?? 0) === 0);
    if (prepend && !out.startsWith(replacement)) out = replacement + out;
    return split ? splitOn(out, (char) => char === replacement, 'MergedWithNext') : [out];
  };
}

/** Lifts a one-text pre-tokenizer to the engine's interface (one text or several, flattened). */
function lift(step: (text: string, options?: PreTokenizeOptions) => string[]): PreTokenizeFn {
  return (text, options) => (Array.isArray(text) ? text.flatMap((piece) => step(piece, options)) : step(text, options));
}

/** The pre-tokenizer a tokenizer.json section describes, or null for none. */
export function createPreTokenizer(config: ComponentJson | null): PreTokenizeFn | null {
  if (config === null) return null;
  switch (config.type) {
    case 'BertPreTokenizer':
      return lift(matches(BERT_PATTERN));
    case 'Whitespace':
      return lift(matches(WHITESPACE_PATTERN));
    case 'WhitespaceSplit':
      return lift(matches(WHITESPACE_SPLIT_PATTERN));
    case 'ByteLevel':
      return lift(byteLevel(config));
    case 'Metaspace':
      return lift(metaspace(config));
    case 'Punctuation': {
      const behavior = (config['behavior'] as SplitBehavior | undefined) ?? 'Isolated';
      return lift((text) => splitOn(text, (char) => PUNCTUATION_CHAR.test(char), behavior));
    }
    case 'Split': {
      const pattern = libraryRegex(config['pattern'] as object);
      const behavior = config['behavior'] as SplitBehavior;
      const invert = config['invert'] === true;
      return lift((text) => splitUnits(regexUnits(text, pattern, invert), behavior));
    }
    case 'Sequence': {
      const steps = (config['pretokenizers'] as ComponentJson[]).map(createPreTokenizer).filter((p): p is PreTokenizeFn => p !== null);
      return (text, options) => {
        let pieces = Array.isArray(text) ? text : [text];
        // Metaspace's "first" scheme prepends only to a piece at offset 0 of the input, as tokenizers
        // checks: after a split only the first piece can be, and only when nothing before it was dropped.
        let firstAtStart = (options?.section_index ?? 0) === 0;
        for (const step of steps) {
          const next: string[] = [];
          let nextFirstAtStart = false;
          pieces.forEach((piece, index) => {
            const atStart = firstAtStart && index === 0;
            const out = step(piece, { section_index: atStart ? 0 : 1 });
            if (atStart) nextFirstAtStart = out.length > 0 && piece.startsWith(out[0]!);
            next.push(...out);
          });
          pieces = next;
          firstAtStart = nextFirstAtStart;
        }
        return pieces;
      };
    }
    default: {
      const preTokenizer = libraryPreTokenizer(config);
      if (preTokenizer === undefined) throw new Error(`pre_tokenizer type "${config.type}" is not supported`);
      return preTokenizer;
    }
  }
}
