// tokenizer.json built from the vocabulary files of older checkpoints: BERT's vocab.txt, RoBERTa's vocab.json + merges.txt.

import { FinetuneError } from '../errors.js';
import { parseJson } from '../io/json-file.js';
import { bertTemplate, type PostProcessorJson } from './post-process.js';
import { SPECIAL_TOKEN_KEYS, specialTokenContent, type SpecialTokenValue, type TokenizerConfigJson } from './tokenizer-config.js';
import type { AddedTokenJson, TokenizerJson } from './tokenizer-json.js';

/** The special tokens a tokenizer class uses when tokenizer_config.json names none (transformers' defaults). */
type SpecialDefaults = Partial<Record<(typeof SPECIAL_TOKEN_KEYS)[number], string>>;

const BERT_SPECIALS: SpecialDefaults = {
  unk_token: '[UNK]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  cls_token: '[CLS]',
  mask_token: '[MASK]',
};
const ROBERTA_SPECIALS: SpecialDefaults = {
  bos_token: '<s>',
  eos_token: '</s>',
  unk_token: '<unk>',
  sep_token: '</s>',
  pad_token: '<pad>',
  cls_token: '<s>',
  mask_token: '<mask>',
};

function addedToken(value: SpecialTokenValue, id: number): AddedTokenJson {
  const flags: { readonly lstrip?: boolean; readonly rstrip?: boolean } = typeof value === 'string' ? {} : value;
  return {
    id,
    content: specialTokenContent(value) ?? '',
    single_word: false,
    lstrip: flags.lstrip ?? false,
    rstrip: flags.rstrip ?? false,
    normalized: false,
    special: true,
  };
}

/**
 * The added tokens as transformers registers them: those of added_tokens_decoder with their ids and
 * flags, then the special tokens (the config's or the class defaults) and additional_special_tokens.
 * A special token missing from the vocabulary gets the next free id, as transformers appends it.
 */
function specialTokens(vocab: ReadonlyMap<string, number>, config: TokenizerConfigJson, defaults: SpecialDefaults): AddedTokenJson[] {
  const byContent = new Map<string, AddedTokenJson>();
  let next = 0;
  for (const id of vocab.values()) next = Math.max(next, id + 1);
  for (const [key, entry] of Object.entries(config.added_tokens_decoder ?? {})) {
    const id = Number(key);
    const special = entry['special'] === true;
    byContent.set(entry['content'] as string, {
      id,
      content: entry['content'] as string,
      single_word: entry['single_word'] === true,
      lstrip: entry['lstrip'] === true,
      rstrip: entry['rstrip'] === true,
      normalized: typeof entry['normalized'] === 'boolean' ? entry['normalized'] : !special,
      special,
    });
    next = Math.max(next, id + 1);
  }
  const values: SpecialTokenValue[] = [];
  for (const key of SPECIAL_TOKEN_KEYS) {
    const value = config[key] === undefined ? defaults[key] : config[key];
    if (value !== undefined && value !== null) values.push(value);
  }
  values.push(...(config.additional_special_tokens ?? []));
  for (const value of values) {
    const content = specialTokenContent(value) ?? '';
    if (!byContent.has(content)) byContent.set(content, addedToken(value, vocab.get(content) ?? next++));
  }
  return [...byContent.values()].sort((a, b) => a.id - b.id);
}

/** The id of a token in the vocabulary or among the added tokens. */
function idOf(token: string, vocab: ReadonlyMap<string, number>, added: readonly AddedTokenJson[]): number {
  return added.find((t) => t.content === token)?.id ?? vocab.get(token)!;
}

function nameOf(config: TokenizerConfigJson, key: (typeof SPECIAL_TOKEN_KEYS)[number], defaults: SpecialDefaults): string {
  return specialTokenContent(config[key] === undefined ? defaults[key] : config[key]) ?? defaults[key] ?? '';
}

/** Builds what transformers' BertTokenizer builds from `vocab.txt` (one token per line, the line index its id). */
export function bertTokenizerJson(vocabText: string, config: TokenizerConfigJson, file: string): TokenizerJson {
  const lines = vocabText.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) throw new FinetuneError(`${file}: the vocabulary is empty`);
  const vocab = new Map<string, number>();
  lines.forEach((line, id) => vocab.set(line.trimEnd(), id));
  const unk = nameOf(config, 'unk_token', BERT_SPECIALS);
  const addedTokens = specialTokens(vocab, config, BERT_SPECIALS);
  const cls = nameOf(config, 'cls_token', BERT_SPECIALS);
  const sep = nameOf(config, 'sep_token', BERT_SPECIALS);
  const postProcessor = bertTemplate(cls, idOf(cls, vocab, addedTokens), sep, idOf(sep, vocab, addedTokens));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: config.tokenize_chinese_chars ?? true,
      strip_accents: config.strip_accents ?? null,
      lowercase: config.do_lower_case ?? true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: postProcessor,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: unk,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab),
    },
  };
}

/** Parses a BPE vocab.json (token -> id); a malformed file fails, naming it. */
export function parseVocabJson(text: string, file: string): Map<string, number> {
  const raw = parseJson(text, file);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FinetuneError(`${file}: expected an object of token -> id`);
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(raw)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new FinetuneError(`${file}: "${token}" has id ${JSON.stringify(id)}, not a non-negative integer`);
    }
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw new FinetuneError(`${file}: the vocabulary is empty`);
  return vocab;
}

/** Parses merges.txt / vocab.bpe (`a b` per line, an optional #version line); a merge outside the vocabulary fails, naming the line. */
export function parseMerges(text: string, vocab: Map<string, number>, file: string): [string, string][] {
  const merges: [string, string][] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith('#version')) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      throw new FinetuneError(`${file}: line ${index + 1} is not two tokens separated by one space`);
    }
    for (const token of [parts[0]!, parts[1]!, parts[0]! + parts[1]!]) {
      if (!vocab.has(token)) throw new FinetuneError(`${file}: line ${index + 1} uses "${token}", which the vocabulary lacks`);
    }
    merges.push([parts[0]!, parts[1]!]);
  });
  return merges;
}

/** Builds what transformers' RobertaTokenizer builds from vocab.json and merges.txt: byte-level BPE, `<s> A </s></s> B </s>`. */
export function robertaTokenizerJson(
  vocabText: string,
  mergesText: string,
  config: TokenizerConfigJson,
  files: { readonly vocab: string; readonly merges: string },
): TokenizerJson {
  const vocab = parseVocabJson(vocabText, files.vocab);
  const merges = parseMerges(mergesText, vocab, files.merges);
  const addedTokens = specialTokens(vocab, config, ROBERTA_SPECIALS);
  const cls = nameOf(config, 'cls_token', ROBERTA_SPECIALS);
  const sep = nameOf(config, 'sep_token', ROBERTA_SPECIALS);
  const addPrefixSpace = config.add_prefix_space ?? false;
  const trimOffsets = typeof config['trim_offsets'] === 'boolean' ? config['trim_offsets'] : true;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: addPrefixSpace, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [sep, idOf(sep, vocab, addedTokens)],
      cls: [cls, idOf(cls, vocab, addedTokens)],
      trim_offsets: trimOffsets,
      add_prefix_space: addPrefixSpace,
    } as PostProcessorJson,
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
