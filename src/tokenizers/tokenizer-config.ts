// tokenizer_config.json and special_tokens_map.json: the special-token names, casing and length limit transformers keeps beside tokenizer.json.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../errors.js';
import { readJsonObject } from '../io/json-file.js';

/** A special token as tokenizer_config.json writes it: a plain string, or an AddedToken object (older transformers). */
export type SpecialTokenValue = string | { readonly content: string; readonly lstrip?: boolean; readonly rstrip?: boolean };

/** The fields of tokenizer_config.json this layer reads; other keys are kept as they are when saving. */
export interface TokenizerConfigJson {
  /** e.g. "BertTokenizer", "RobertaTokenizer"; transformers picks the class by it. */
  readonly tokenizer_class?: string;
  /** Lowercase the text (BERT vocab.txt folders). Default: true. */
  readonly do_lower_case?: boolean;
  /** Strip accents; null or absent follows do_lower_case. */
  readonly strip_accents?: boolean | null;
  /** Put spaces around CJK ideographs. Default: true. */
  readonly tokenize_chinese_chars?: boolean;
  /** Add a space before the first word (byte-level BPE). Default: false. */
  readonly add_prefix_space?: boolean;
  /** The longest sequence the model takes; transformers writes 1e30 for "no limit". */
  readonly model_max_length?: number;
  readonly unk_token?: SpecialTokenValue | null;
  readonly pad_token?: SpecialTokenValue | null;
  readonly cls_token?: SpecialTokenValue | null;
  readonly sep_token?: SpecialTokenValue | null;
  readonly mask_token?: SpecialTokenValue | null;
  readonly bos_token?: SpecialTokenValue | null;
  readonly eos_token?: SpecialTokenValue | null;
  readonly additional_special_tokens?: readonly SpecialTokenValue[];
  /** Added tokens by id, as transformers 4 writes them: { "0": { content, lstrip, ... } }. */
  readonly added_tokens_decoder?: Readonly<Record<string, Record<string, unknown>>>;
  readonly [key: string]: unknown;
}

/** The special-token keys of tokenizer_config.json, in the order transformers lists them. */
export const SPECIAL_TOKEN_KEYS = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'] as const;

/** transformers' "no limit" sentinel is int(1e30); anything this large means no limit. */
const NO_LIMIT = 1e15;

/** The token string of a special-token entry, or undefined when unset. */
export function specialTokenContent(value: SpecialTokenValue | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : value.content;
}

/** `model_max_length` when it is a real limit. */
export function modelMaxLengthOf(config: TokenizerConfigJson): number | undefined {
  const value = config.model_max_length;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < NO_LIMIT ? value : undefined;
}

function isSpecialToken(value: unknown): value is SpecialTokenValue {
  return typeof value === 'string' || (typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string');
}

function checkSpecialToken(path: string, key: string, value: unknown): void {
  if (value !== null && value !== undefined && !isSpecialToken(value)) {
    throw new FinetuneError(`${path}: ${key} is neither a string nor an object with a "content" string`);
  }
}

/**
 * Reads tokenizer_config.json of `dir`, with the special tokens of special_tokens_map.json taking
 * precedence, as transformers gives them. Both files are optional: an empty config when neither exists.
 */
export function readTokenizerConfig(dir: string): TokenizerConfigJson {
  const configPath = join(dir, 'tokenizer_config.json');
  const config = existsSync(configPath) ? readJsonObject(configPath) : {};
  const mapPath = join(dir, 'special_tokens_map.json');
  const map = existsSync(mapPath) ? readJsonObject(mapPath) : {};
  const merged: Record<string, unknown> = { ...config };
  for (const key of SPECIAL_TOKEN_KEYS) {
    checkSpecialToken(mapPath, key, map[key]);
    checkSpecialToken(configPath, key, config[key]);
    if (map[key] !== undefined) merged[key] = map[key];
  }
  const fromMap = map['additional_special_tokens'] !== undefined;
  if (fromMap) merged['additional_special_tokens'] = map['additional_special_tokens'];
  const additional = merged['additional_special_tokens'];
  if (additional !== undefined && !(Array.isArray(additional) && additional.every((value) => isSpecialToken(value)))) {
    throw new FinetuneError(`${fromMap ? mapPath : configPath}: additional_special_tokens is not a list of tokens`);
  }
  const decoder = merged['added_tokens_decoder'];
  if (decoder !== undefined) {
    if (typeof decoder !== 'object' || decoder === null || Array.isArray(decoder)) {
      throw new FinetuneError(`${configPath}: added_tokens_decoder is not an object of id -> token`);
    }
    for (const [key, entry] of Object.entries(decoder)) {
      const id = Number(key);
      if (!Number.isInteger(id) || id < 0 || typeof entry?.content !== 'string' || entry.content === '') {
        throw new FinetuneError(`${configPath}: added_tokens_decoder["${key}"] needs a non-negative integer id and a non-empty "content"`);
      }
    }
  }
  if (merged['model_max_length'] !== undefined && typeof merged['model_max_length'] !== 'number') {
    throw new FinetuneError(`${configPath}: model_max_length is ${JSON.stringify(merged['model_max_length'])}, not a number`);
  }
  for (const key of ['do_lower_case', 'tokenize_chinese_chars', 'add_prefix_space'] as const) {
    if (merged[key] !== undefined && typeof merged[key] !== 'boolean') {
      throw new FinetuneError(`${configPath}: ${key} is ${JSON.stringify(merged[key])}, not true or false`);
    }
  }
  return merged as TokenizerConfigJson;
}

/** special_tokens_map.json as transformers 4 writes it: the special-token keys that are set. */
export function specialTokensMap(config: TokenizerConfigJson): Record<string, SpecialTokenValue | readonly SpecialTokenValue[]> {
  const map: Record<string, SpecialTokenValue | readonly SpecialTokenValue[]> = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const value = config[key];
    if (value !== null && value !== undefined) map[key] = value;
  }
  if (config.additional_special_tokens && config.additional_special_tokens.length > 0) {
    map['additional_special_tokens'] = config.additional_special_tokens;
  }
  return map;
}
