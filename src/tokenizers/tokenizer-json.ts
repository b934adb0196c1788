// The tokenizer.json format (Hugging Face tokenizers): typed sections and a validator with one-line errors.

import { FinetuneError } from '../errors.js';
import { parseJson } from '../io/json-file.js';
import type { PostProcessorJson } from './post-process.js';

/** A token matched in raw text before the model runs: special tokens and user additions. */
export interface AddedTokenJson {
  readonly id: number;
  readonly content: string;
  /** Match only as a whole word. Default: false. */
  readonly single_word?: boolean;
  /** Swallow the whitespace on the left. Default: false. */
  readonly lstrip?: boolean;
  /** Swallow the whitespace on the right. Default: false. */
  readonly rstrip?: boolean;
  /** Match on normalized text rather than raw text. Default: true unless special. */
  readonly normalized?: boolean;
  /** A special token (skipped when decoding). Default: false. */
  readonly special?: boolean;
}

export interface WordPieceModelJson {
  readonly type: 'WordPiece';
  readonly vocab: Readonly<Record<string, number>>;
  readonly unk_token: string;
  /** Default: "##". */
  readonly continuing_subword_prefix?: string;
  /** Longer words become the unknown token. Default: 100. */
  readonly max_input_chars_per_word?: number;
}

export interface BpeModelJson {
  readonly type: 'BPE';
  readonly vocab: Readonly<Record<string, number>>;
  /** "a b" strings (older files) or [a, b] pairs, highest priority first. */
  readonly merges: ReadonlyArray<string | readonly [string, string]>;
  readonly unk_token?: string | null;
  readonly dropout?: number | null;
  readonly continuing_subword_prefix?: string | null;
  readonly end_of_word_suffix?: string | null;
  readonly fuse_unk?: boolean;
  readonly byte_fallback?: boolean;
  readonly ignore_merges?: boolean;
}

export interface UnigramModelJson {
  readonly type: 'Unigram';
  /** [piece, log probability]; the index is the id. */
  readonly vocab: ReadonlyArray<readonly [string, number]>;
  readonly unk_id?: number | null;
  readonly byte_fallback?: boolean;
}

export interface WordLevelModelJson {
  readonly type: 'WordLevel';
  readonly vocab: Readonly<Record<string, number>>;
  readonly unk_token: string;
}

export type ModelJson = WordPieceModelJson | BpeModelJson | UnigramModelJson | WordLevelModelJson;

/** A normalizer, pre-tokenizer or decoder section: a `type` plus its own fields. */
export interface ComponentJson {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** The whole tokenizer.json. */
export interface TokenizerJson {
  readonly version: string;
  readonly truncation: unknown;
  readonly padding: { readonly pad_id?: number; readonly pad_token?: string } | null;
  readonly added_tokens: readonly AddedTokenJson[];
  readonly normalizer: ComponentJson | null;
  readonly pre_tokenizer: ComponentJson | null;
  readonly post_processor: PostProcessorJson | null;
  readonly decoder: ComponentJson | null;
  readonly model: ModelJson;
}

const NORMALIZERS = new Set([
  'BertNormalizer',
  'Precompiled',
  'Sequence',
  'Replace',
  'NFC',
  'NFD',
  'NFKC',
  'NFKD',
  'Strip',
  'StripAccents',
  'Lowercase',
  'Prepend',
]);
const PRE_TOKENIZERS = new Set([
  'BertPreTokenizer',
  'Sequence',
  'Whitespace',
  'WhitespaceSplit',
  'Metaspace',
  'ByteLevel',
  'Split',
  'Punctuation',
  'Digits',
  'Replace',
  'FixedLength',
]);
const POST_PROCESSORS = new Set(['TemplateProcessing', 'BertProcessing', 'RobertaProcessing', 'ByteLevel', 'Sequence']);
const MODELS = ['WordPiece', 'BPE', 'Unigram', 'WordLevel'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Old files (DistilBERT, XLNet) omit model.type; tokenizers then recognises the model by its fields. */
function modelType(model: Record<string, unknown>): unknown {
  if (model['type'] !== undefined) return model['type'];
  if (Array.isArray(model['vocab'])) return 'Unigram';
  if ('merges' in model) return 'BPE';
  if ('continuing_subword_prefix' in model || 'max_input_chars_per_word' in model) return 'WordPiece';
  return 'WordLevel';
}

function checkComponent(file: string, where: string, value: unknown, supported: Set<string>, listKey: string): void {
  if (value === null || value === undefined) return;
  if (!isObject(value) || typeof value['type'] !== 'string') throw new FinetuneError(`${file}: ${where} is not an object with a "type"`);
  const type = value['type'];
  if (!supported.has(type)) {
    throw new FinetuneError(`${file}: ${where} type "${type}" is not supported (supported: ${[...supported].join(', ')})`);
  }
  if (type === 'Sequence') {
    const items = value[listKey];
    if (!Array.isArray(items)) throw new FinetuneError(`${file}: ${where}.${listKey} is not a list`);
    items.forEach((item, i) => checkComponent(file, `${where}.${listKey}[${i}]`, item, supported, listKey));
  }
}

function checkVocabObject(file: string, vocab: unknown): asserts vocab is Record<string, number> {
  if (!isObject(vocab)) throw new FinetuneError(`${file}: model.vocab is not an object of token -> id`);
  for (const [token, id] of Object.entries(vocab)) {
    if (!isId(id)) throw new FinetuneError(`${file}: model.vocab["${token}"] is ${JSON.stringify(id)}, not a non-negative integer id`);
  }
}

function checkModel(file: string, model: Record<string, unknown>, added: readonly AddedTokenJson[]): ModelJson {
  const type = modelType(model);
  if (typeof type !== 'string' || !MODELS.includes(type)) {
    throw new FinetuneError(`${file}: model.type ${JSON.stringify(type)} is not supported (supported: ${MODELS.join(', ')})`);
  }
  const known = (token: string): boolean => (isObject(model['vocab']) && Object.hasOwn(model['vocab'], token)) || added.some((t) => t.content === token);
  if (type === 'Unigram') {
    const vocab = model['vocab'];
    if (!Array.isArray(vocab) || vocab.length === 0) throw new FinetuneError(`${file}: model.vocab is not a non-empty list of [piece, score]`);
    vocab.forEach((entry, i) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') {
        throw new FinetuneError(`${file}: model.vocab[${i}] is not a [piece, score] pair`);
      }
    });
    const unk = model['unk_id'];
    if (unk !== undefined && unk !== null && (!isId(unk) || unk >= vocab.length)) {
      throw new FinetuneError(`${file}: model.unk_id ${JSON.stringify(unk)} is not an index into the ${vocab.length} pieces`);
    }
    return { ...model, type } as unknown as UnigramModelJson;
  }
  checkVocabObject(file, model['vocab']);
  if (type === 'BPE') {
    const merges = model['merges'];
    if (!Array.isArray(merges)) throw new FinetuneError(`${file}: model.merges is not a list`);
    merges.forEach((merge, i) => {
      const pair = typeof merge === 'string' ? merge.split(' ') : merge;
      if (!Array.isArray(pair) || pair.length !== 2 || pair.some((part) => typeof part !== 'string')) {
        throw new FinetuneError(`${file}: model.merges[${i}] is not a pair of tokens`);
      }
    });
    return { ...model, type } as unknown as BpeModelJson;
  }
  const unk = model['unk_token'];
  if (typeof unk !== 'string') throw new FinetuneError(`${file}: model.unk_token is missing`);
  if (!known(unk)) throw new FinetuneError(`${file}: model.unk_token "${unk}" is not in the vocabulary`);
  return { ...model, type } as unknown as WordPieceModelJson | WordLevelModelJson;
}

function checkAddedTokens(file: string, value: unknown): AddedTokenJson[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FinetuneError(`${file}: added_tokens is not a list`);
  value.forEach((token, i) => {
    if (!isObject(token) || !isId(token['id']) || typeof token['content'] !== 'string' || token['content'] === '') {
      throw new FinetuneError(`${file}: added_tokens[${i}] needs a non-negative integer "id" and a non-empty "content"`);
    }
  });
  return value as AddedTokenJson[];
}

function checkPostProcessor(file: string, value: unknown): void {
  checkComponent(file, 'post_processor', value, POST_PROCESSORS, 'processors');
  const visit = (processor: unknown, where: string): void => {
    if (!isObject(processor)) return;
    if (processor['type'] === 'Sequence') {
      (processor['processors'] as unknown[]).forEach((p, i) => visit(p, `${where}.processors[${i}]`));
    } else if (processor['type'] === 'TemplateProcessing') {
      const specials = processor['special_tokens'];
      if (!isObject(specials)) throw new FinetuneError(`${file}: ${where}.special_tokens is not an object`);
      for (const key of ['single', 'pair']) {
        const template = processor[key];
        if (!Array.isArray(template)) throw new FinetuneError(`${file}: ${where}.${key} is not a list`);
        template.forEach((piece: unknown, i: number) => {
          // Each piece is {SpecialToken: {id, type_id}} or {Sequence: {id: 'A' | 'B', type_id}}.
          const at = `${file}: ${where}.${key}[${i}]`;
          const body = isObject(piece) ? (piece['SpecialToken'] ?? piece['Sequence']) : undefined;
          if (!isObject(body) || !isId(body['type_id'])) throw new FinetuneError(`${at} is not a SpecialToken or Sequence with a type_id`);
          if (isObject(piece) && 'SpecialToken' in piece) {
            const special = body['id'];
            if (typeof special !== 'string') throw new FinetuneError(`${at}: SpecialToken id is not a string`);
            if (!Object.hasOwn(specials, special) || !isObject(specials[special])) {
              throw new FinetuneError(`${file}: ${where}.${key} uses special token ${JSON.stringify(special)}, which special_tokens does not define`);
            }
          } else if (body['id'] !== 'A' && body['id'] !== 'B') {
            throw new FinetuneError(`${at}: Sequence id must be "A" or "B"`);
          }
        });
      }
      for (const [name, special] of Object.entries(specials)) {
        const ids = isObject(special) ? special['ids'] : undefined;
        const tokens = isObject(special) ? special['tokens'] : undefined;
        if (!Array.isArray(ids) || !ids.every(isId) || !Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) {
          throw new FinetuneError(`${file}: ${where}.special_tokens[${JSON.stringify(name)}] needs ids (numbers) and tokens (strings)`);
        }
      }
    } else if (processor['type'] === 'BertProcessing' || processor['type'] === 'RobertaProcessing') {
      for (const key of ['sep', 'cls']) {
        const pair = processor[key];
        if (!Array.isArray(pair) || typeof pair[0] !== 'string' || !isId(pair[1])) {
          throw new FinetuneError(`${file}: ${where}.${key} is not a [token, id] pair`);
        }
      }
    }
  };
  visit(value, 'post_processor');
}

/** Parses and checks tokenizer.json text; `file` names it in errors. */
export function parseTokenizerJson(text: string, file: string): TokenizerJson {
  const raw = parseJson(text, file);
  if (!isObject(raw)) throw new FinetuneError(`${file}: expected a JSON object`);
  if (!isObject(raw['model'])) throw new FinetuneError(`${file}: no "model" object`);
  const added = checkAddedTokens(file, raw['added_tokens']);
  const model = checkModel(file, raw['model'], added);
  checkComponent(file, 'normalizer', raw['normalizer'], NORMALIZERS, 'normalizers');
  checkComponent(file, 'pre_tokenizer', raw['pre_tokenizer'], PRE_TOKENIZERS, 'pretokenizers');
  checkPostProcessor(file, raw['post_processor']);
  const padding = isObject(raw['padding']) ? (raw['padding'] as TokenizerJson['padding']) : null;
  return {
    ...(raw as object),
    version: typeof raw['version'] === 'string' ? raw['version'] : '1.0',
    truncation: raw['truncation'] ?? null,
    padding,
    added_tokens: added,
    normalizer: (raw['normalizer'] ?? null) as ComponentJson | null,
    pre_tokenizer: (raw['pre_tokenizer'] ?? null) as ComponentJson | null,
    post_processor: (raw['post_processor'] ?? null) as PostProcessorJson | null,
    decoder: (raw['decoder'] ?? null) as ComponentJson | null,
    model,
  };
}
