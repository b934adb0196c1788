// Truncation and special tokens, done as tokenizers does them: truncate the bare sequences, then apply the template.

import { FinetuneError } from '../errors.js';
import type { Encoding, WordEncoding } from './types.js';

/** A tokenized text before special tokens: ids with their token strings. */
export interface TokenSequence {
  readonly ids: number[];
  readonly tokens: string[];
  /** The index of the word each id comes from, for pre-split input. Default: null for every id. */
  readonly wordIds?: (number | null)[];
}

/** A special token of a template: one or more ids inserted as a unit. */
export interface TemplateSpecialToken {
  readonly id: string;
  readonly ids: readonly number[];
  readonly tokens: readonly string[];
}

/** One item of a TemplateProcessing template. */
export type TemplatePiece =
  | { readonly SpecialToken: { readonly id: string; readonly type_id: number } }
  | { readonly Sequence: { readonly id: 'A' | 'B'; readonly type_id: number } };

/** The post_processor section of tokenizer.json, in the forms this layer applies. */
export type PostProcessorJson =
  | {
      readonly type: 'TemplateProcessing';
      readonly single: readonly TemplatePiece[];
      readonly pair: readonly TemplatePiece[];
      readonly special_tokens: Readonly<Record<string, TemplateSpecialToken>>;
    }
  | { readonly type: 'BertProcessing' | 'RobertaProcessing'; readonly sep: readonly [string, number]; readonly cls: readonly [string, number] }
  | { readonly type: 'ByteLevel' }
  | { readonly type: 'Sequence'; readonly processors: readonly PostProcessorJson[] };

/** BERT's template, `cls A sep` and `cls A sep B sep` (B's segment id 1), as transformers writes it into tokenizer.json. */
export function bertTemplate(cls: string, clsId: number, sep: string, sepId: number): PostProcessorJson {
  return {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: sep, type_id: 0 } }],
    pair: [
      { SpecialToken: { id: cls, type_id: 0 } },
      { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: sep, type_id: 0 } },
      { Sequence: { id: 'B', type_id: 1 } },
      { SpecialToken: { id: sep, type_id: 1 } },
    ],
    special_tokens: {
      [cls]: { id: cls, ids: [clsId], tokens: [cls] },
      [sep]: { id: sep, ids: [sepId], tokens: [sep] },
    },
  };
}

/** A sequence laid out with its special tokens, before conversion to an Encoding. */
interface Laid {
  ids: number[];
  tokens: string[];
  typeIds: number[];
  /** null for the special tokens. */
  wordIds: (number | null)[];
}

const emptyLaid = (): Laid => ({ ids: [], tokens: [], typeIds: [], wordIds: [] });

function pushRun(out: Laid, ids: readonly number[], tokens: readonly string[], typeId: number, wordIds?: readonly (number | null)[]): void {
  for (let i = 0; i < ids.length; i++) {
    out.ids.push(ids[i]!);
    out.tokens.push(tokens[i] ?? '');
    out.typeIds.push(typeId);
    out.wordIds.push(wordIds?.[i] ?? null);
  }
}

/** pushRun for a whole sequence, word ids included. */
function pushSequence(out: Laid, sequence: TokenSequence, typeId: number): void {
  pushRun(out, sequence.ids, sequence.tokens, typeId, sequence.wordIds);
}

function applyTemplate(
  processor: Extract<PostProcessorJson, { type: 'TemplateProcessing' }>,
  a: TokenSequence,
  b: TokenSequence | undefined,
  addSpecialTokens: boolean,
): Laid {
  const out = emptyLaid();
  for (const piece of b === undefined ? processor.single : processor.pair) {
    if ('SpecialToken' in piece) {
      if (!addSpecialTokens) continue;
      const special = processor.special_tokens[piece.SpecialToken.id];
      if (special === undefined) throw new Error(`template special token ${piece.SpecialToken.id} is not defined`);
      pushRun(out, special.ids, special.tokens, piece.SpecialToken.type_id);
    } else {
      const sequence = piece.Sequence.id === 'A' ? a : b;
      if (sequence !== undefined) pushSequence(out, sequence, piece.Sequence.type_id);
    }
  }
  return out;
}

/**
 * Lays out (a, b) with the processor's special tokens; `Sequence` processors apply the last one that
 * adds tokens. Without special tokens a template still sets its segment ids (as tokenizers does),
 * while the other processors and no processor at all leave every segment id 0.
 */
function applySpecialTokens(processor: PostProcessorJson | null, a: TokenSequence, b: TokenSequence | undefined, addSpecialTokens: boolean): Laid {
  const out = emptyLaid();
  switch (processor?.type) {
    case 'TemplateProcessing':
      return applyTemplate(processor, a, b, addSpecialTokens);
    case 'BertProcessing':
    case 'RobertaProcessing': {
      if (!addSpecialTokens) return applySpecialTokens(null, a, b, false);
      const [clsToken, clsId] = processor.cls;
      const [sepToken, sepId] = processor.sep;
      // RoBERTa writes `<s> A </s></s> B </s>` with every segment id 0; BERT `[CLS] A [SEP] B [SEP]` with B as 1.
      const pairType = processor.type === 'BertProcessing' ? 1 : 0;
      pushRun(out, [clsId], [clsToken], 0);
      pushSequence(out, a, 0);
      pushRun(out, [sepId], [sepToken], 0);
      if (b !== undefined) {
        if (processor.type === 'RobertaProcessing') pushRun(out, [sepId], [sepToken], pairType);
        pushSequence(out, b, pairType);
        pushRun(out, [sepId], [sepToken], pairType);
      }
      return out;
    }
    case 'Sequence': {
      const adding = processor.processors.filter((p) => p.type !== 'ByteLevel');
      return applySpecialTokens(adding.at(-1) ?? null, a, b, addSpecialTokens);
    }
    default:
      pushSequence(out, a, 0);
      if (b !== undefined) pushSequence(out, b, 0);
      return out;
  }
}

/** How many special tokens the processor adds to a single text, or to a pair. */
export function specialTokenCount(processor: PostProcessorJson | null, isPair: boolean): number {
  const empty: TokenSequence = { ids: [], tokens: [] };
  return applySpecialTokens(processor, empty, isPair ? empty : undefined, true).ids.length;
}

function truncated(sequence: TokenSequence, length: number): TokenSequence {
  if (sequence.ids.length <= length) return sequence;
  const ids = sequence.ids.slice(0, length);
  const tokens = sequence.tokens.slice(0, length);
  return sequence.wordIds === undefined ? { ids, tokens } : { ids, tokens, wordIds: sequence.wordIds.slice(0, length) };
}

/**
 * Shortens (a, b) to `maxLength` ids together, cutting on the right, as tokenizers' `longest_first`
 * does: when the shorter one fits beside the longer one's share, only the longer one is cut;
 * otherwise each gets half, the longer one (the second on a tie) taking the odd id.
 */
export function truncateLongestFirst(a: TokenSequence, b: TokenSequence | undefined, maxLength: number): [TokenSequence, TokenSequence | undefined] {
  const total = a.ids.length + (b?.ids.length ?? 0);
  if (total <= maxLength) return [a, b];
  if (b === undefined) return [truncated(a, maxLength), undefined];
  const aIsLonger = a.ids.length > b.ids.length;
  let shorter = Math.min(a.ids.length, b.ids.length);
  let longer = shorter > maxLength ? shorter : Math.max(shorter, maxLength - shorter);
  if (shorter + longer > maxLength) {
    shorter = Math.floor(maxLength / 2);
    longer = shorter + (maxLength % 2);
  }
  return aIsLonger ? [truncated(a, longer), truncated(b, shorter)] : [truncated(a, shorter), truncated(b, longer)];
}

/** Options of `postProcess`. */
export interface PostProcessOptions {
  /** Total length limit, special tokens included; undefined: no limit. */
  readonly maxLength: number | undefined;
  readonly addSpecialTokens: boolean;
  /** Names the tokenizer in errors. */
  readonly source: string;
}

function layOut(processor: PostProcessorJson | null, a: TokenSequence, b: TokenSequence | undefined, options: PostProcessOptions): Laid {
  let first = a;
  let second = b;
  if (options.maxLength !== undefined) {
    const added = options.addSpecialTokens ? specialTokenCount(processor, b !== undefined) : 0;
    if (!Number.isInteger(options.maxLength) || options.maxLength < added) {
      throw new FinetuneError(
        `${options.source}: maxLength ${options.maxLength} must be an integer of at least ${added}, the special tokens of a ${b === undefined ? 'single text' : 'text pair'}`,
      );
    }
    [first, second] = truncateLongestFirst(a, b, options.maxLength - added);
  }
  return applySpecialTokens(processor, first, second, options.addSpecialTokens);
}

/** Truncates (a, b), adds the special tokens and returns the finished encoding. */
export function postProcess(processor: PostProcessorJson | null, a: TokenSequence, b: TokenSequence | undefined, options: PostProcessOptions): Encoding {
  const laid = layOut(processor, a, b, options);
  return { ids: laid.ids, typeIds: laid.typeIds, attentionMask: laid.ids.map(() => 1), tokens: laid.tokens };
}

/** postProcess for pre-split words: `words.wordIds` must be set; the result says which word each id comes from. */
export function postProcessWords(processor: PostProcessorJson | null, words: TokenSequence, options: PostProcessOptions): WordEncoding {
  const laid = layOut(processor, words, undefined, options);
  return {
    ids: laid.ids,
    typeIds: laid.typeIds,
    attentionMask: laid.ids.map(() => 1),
    tokens: laid.tokens,
    wordIds: laid.wordIds,
    wordsKept: countWords(laid.wordIds),
  };
}

/** How many distinct words the ids come from. */
export function countWords(wordIds: readonly (number | null)[]): number {
  return new Set(wordIds.filter((id) => id !== null)).size;
}
