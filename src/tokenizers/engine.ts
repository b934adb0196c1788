// Typed access to the parts of @huggingface/tokenizers this layer uses (its bundled typings do not resolve under NodeNext).

import * as library from '@huggingface/tokenizers';

/** A normalizer: text in, normalized text out. */
export type NormalizeFn = (text: string) => string;

/** Where a piece of text sits among the pieces the added tokens cut the input into. */
export interface PreTokenizeOptions {
  readonly section_index?: number;
}

/** A pre-tokenizer: one piece of text (or several) in, the words the model sees out. */
export type PreTokenizeFn = (text: string | string[], options?: PreTokenizeOptions) => string[];

/** The model as the engine calls it: words in, vocabulary tokens out, plus its lookup tables. */
export interface EngineModel {
  (words: string[]): string[];
  tokens_to_ids: Map<string, number>;
  vocab: string[];
  unk_token_id?: number | undefined;
  unk_token?: string | undefined;
}

/** The library's Tokenizer, reduced to what this layer touches: its model. */
interface Engine {
  model: EngineModel;
}

type ComponentClass<T> = new (config: object) => T;

const exported = library as unknown as Record<string, ComponentClass<unknown>> & {
  Tokenizer: new (tokenizerJson: object, tokenizerConfig: object) => Engine;
};

/**
 * The library's WordPiece, BPE or Unigram model for a tokenizer.json `model` section, with the
 * added tokens in its lookup table. Throws plain Errors on sections it cannot build.
 */
export function libraryModel(model: object, addedTokens: readonly object[]): EngineModel {
  const spec = { model, added_tokens: addedTokens, normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null };
  return new exported.Tokenizer(spec, {}).model;
}

/** Library normalizers this layer uses as they are, by tokenizer.json type. */
const LIBRARY_NORMALIZERS: Readonly<Record<string, string>> = {
  NFC: 'NFCNormalizer',
  NFD: 'NFDNormalizer',
  NFKC: 'NFKCNormalizer',
  NFKD: 'NFKDNormalizer',
  Strip: 'StripNormalizer',
  StripAccents: 'StripAccentsNormalizer',
  Replace: 'ReplaceNormalizer',
  Prepend: 'PrependNormalizer',
  Precompiled: 'PrecompiledNormalizer',
};

/** Library pre-tokenizers this layer uses as they are, by tokenizer.json type. */
const LIBRARY_PRE_TOKENIZERS: Readonly<Record<string, string>> = {
  Digits: 'DigitsPreTokenizer',
  Replace: 'ReplacePreTokenizer',
  FixedLength: 'FixedLengthPreTokenizer',
};

function libraryComponent<T>(table: Readonly<Record<string, string>>, config: { readonly type: string }): T | undefined {
  // The library would warn and match nothing on a malformed pattern: fail instead.
  if ('pattern' in config) checkPattern(config.pattern as object);
  const name = table[config.type];
  const component = name === undefined ? undefined : exported[name];
  return component === undefined ? undefined : (new component(config) as T);
}

/** The library's normalizer of this type, or undefined when this layer provides its own. */
export function libraryNormalizer(config: { readonly type: string }): NormalizeFn | undefined {
  return libraryComponent<NormalizeFn>(LIBRARY_NORMALIZERS, config);
}

/** The library's pre-tokenizer of this type, or undefined when this layer provides its own. */
export function libraryPreTokenizer(config: { readonly type: string }): PreTokenizeFn | undefined {
  return libraryComponent<PreTokenizeFn>(LIBRARY_PRE_TOKENIZERS, config);
}

function checkPattern(pattern: object): void {
  const { Regex: regex, String: string } = (pattern ?? {}) as { Regex?: unknown; String?: unknown };
  if (typeof regex !== 'string' && typeof string !== 'string') {
    throw new Error(`pattern ${JSON.stringify(pattern)} is neither {"Regex": ...} nor {"String": ...}`);
  }
}

/**
 * The JavaScript form (global, Unicode) of a tokenizer.json pattern, `{ "Regex": ... }` in
 * Oniguruma syntax or `{ "String": ... }`, as the library translates it.
 */
export function libraryRegex(pattern: object): RegExp {
  checkPattern(pattern);
  const split = new exported['SplitPreTokenizer']!({ type: 'Split', pattern, behavior: 'Isolated', invert: false });
  return (split as { pattern: RegExp }).pattern;
}
