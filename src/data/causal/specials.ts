// The special tokens and chat template of a causal LM's tokenizer, from tokenizer_config.json (and chat_template.jinja, where transformers 5 keeps it).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { readTextBounded } from '../../io/bounded-read.js';
import type { JsonTokenizer } from '../../tokenizers/json-tokenizer.js';
import { readTokenizerConfig, SPECIAL_TOKEN_KEYS, specialTokenContent, type TokenizerConfigJson } from '../../tokenizers/tokenizer-config.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import type { CausalSpecials } from './encode.js';

/** End-of-sequence tokens tried, in order, when tokenizer_config.json names none. */
const EOS_GUESSES = ['<|endoftext|>', '</s>', '<|end_of_text|>', '<eos>'];

/** The special tokens of a tokenizer's config (empty when it came without one). */
function configOf(tokenizer: TextTokenizer): TokenizerConfigJson {
  return (tokenizer as Partial<JsonTokenizer>).config ?? {};
}

/**
 * The EOS token and every named special token of `tokenizer`: tokenizer_config.json's `eos_token`, else
 * the first of GPT-2's, Llama's and others' that the vocabulary holds. Fails, naming `source`, when
 * there is none or the vocabulary lacks it.
 */
export function causalSpecials(tokenizer: TextTokenizer, source: string): CausalSpecials {
  const config = configOf(tokenizer);
  const specialTokens: Record<string, string> = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const content = specialTokenContent(config[key]);
    if (content !== undefined) specialTokens[key] = content;
  }
  const eosToken = specialTokens.eos_token ?? EOS_GUESSES.find((t) => tokenizer.tokenToId(t) !== undefined);
  if (eosToken === undefined) throw new FinetuneError(`${source}: the tokenizer names no eos_token and has none of ${EOS_GUESSES.join(', ')}`);
  const eosId = tokenizer.tokenToId(eosToken);
  if (eosId === undefined) throw new FinetuneError(`${source}: the eos_token '${eosToken}' is not in the vocabulary`);
  return { eosToken, eosId, specialTokens: { ...specialTokens, eos_token: eosToken } };
}

/**
 * The chat template of a model folder: chat_template.jinja (transformers 5), else tokenizer_config.json's
 * `chat_template` (a string, or a list of named templates whose 'default' is taken). Undefined when none.
 */
export function readChatTemplate(dir: string): string | undefined {
  const jinja = join(dir, 'chat_template.jinja');
  if (existsSync(jinja)) return readTextBounded(jinja, 'tokenizer');
  const value = readTokenizerConfig(dir).chat_template;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = value.find((t) => (t as { name?: unknown }).name === 'default') as { template?: unknown } | undefined;
    if (typeof named?.template === 'string') return named.template;
  }
  throw new FinetuneError(`${join(dir, 'tokenizer_config.json')}: chat_template is neither a string nor a list holding a 'default' template`);
}
