// A word-level tokenizer built from training texts, for models trained from a random start without a tokenizer of their own.

import { FinetuneError } from '../errors.js';
import { JsonTokenizer } from './json-tokenizer.js';
import { createNormalizer } from './normalizers.js';
import { bertTemplate } from './post-process.js';
import { createPreTokenizer } from './pre-tokenizers.js';
import type { TokenizerConfigJson } from './tokenizer-config.js';
import type { ComponentJson, TokenizerJson } from './tokenizer-json.js';
import type { TextTokenizer } from './types.js';

/** Options of `buildWordLevelTokenizer`. */
export interface WordLevelOptions {
  /** Vocabulary size, the five special tokens included. Default: 30000. */
  readonly vocabSize?: number;
  /** Words seen fewer times than this become [UNK]. Default: 2. */
  readonly minFrequency?: number;
  /** Lowercase and strip accents before counting and encoding. Default: true. */
  readonly lowercase?: boolean;
}

/** The special tokens, at ids 0..4 in this order. */
export const WORD_LEVEL_SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Orders strings by code point, as Rust compares strings (JavaScript's `<` compares UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const diff = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
}

function checkCount(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new FinetuneError(`word-level tokenizer: ${name} ${value} must be an integer of at least ${min}`);
}

/**
 * Builds a WordLevel tokenizer from `texts`: BERT's normalizer (cleaning, CJK spacing, optional
 * lowercasing with accent stripping) and pre-tokenizer (whitespace and punctuation), then the
 * most frequent words, ties in code-point order, as tokenizers' WordLevelTrainer picks them.
 * Encodes `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]` with segment ids 0/1; pads with [PAD] = 0.
 * `encodeWords` runs each word through the same normalizer and pre-tokenizer on its own and
 * concatenates the ids (a word such as "don't" gives several ids, all with its index).
 */
export function buildWordLevelTokenizer(texts: readonly string[], options: WordLevelOptions = {}): TextTokenizer {
  const vocabSize = options.vocabSize ?? 30000;
  const minFrequency = options.minFrequency ?? 2;
  const lowercase = options.lowercase ?? true;
  checkCount('vocabSize', vocabSize, WORD_LEVEL_SPECIALS.length);
  checkCount('minFrequency', minFrequency, 1);
  const normalizerJson: ComponentJson = { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase };
  const preTokenizerJson: ComponentJson = { type: 'BertPreTokenizer' };
  const normalize = createNormalizer(normalizerJson)!;
  const preTokenize = createPreTokenizer(preTokenizerJson)!;
  const counts = new Map<string, number>();
  texts.forEach((text, row) => {
    if (typeof text !== 'string') throw new FinetuneError(`word-level tokenizer: text ${row} is not a string`);
    for (const word of preTokenize(normalize(text))) counts.set(word, (counts.get(word) ?? 0) + 1);
  });
  const ranked = [...counts].filter(([, count]) => count >= minFrequency).sort((a, b) => b[1] - a[1] || compareCodePoints(a[0], b[0]));
  const words = [...WORD_LEVEL_SPECIALS, ...ranked.slice(0, vocabSize - WORD_LEVEL_SPECIALS.length).map(([word]) => word)];
  // fromEntries, not assignment: a word such as "__proto__" must become a key like any other.
  const vocab: Record<string, number> = Object.fromEntries(words.map((word, id) => [word, id]));
  const spec: TokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: WORD_LEVEL_SPECIALS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: normalizerJson,
    pre_tokenizer: preTokenizerJson,
    post_processor: bertTemplate('[CLS]', WORD_LEVEL_SPECIALS.indexOf('[CLS]'), '[SEP]', WORD_LEVEL_SPECIALS.indexOf('[SEP]')),
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '[UNK]' },
  };
  const config: TokenizerConfigJson = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    do_lower_case: lowercase,
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    mask_token: '[MASK]',
  };
  return new JsonTokenizer(spec, config, 'word-level tokenizer');
}
