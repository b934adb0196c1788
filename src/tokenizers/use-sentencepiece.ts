// The Universal Sentence Encoder's SentencePiece tokenizer (vocab.json of [piece, score] pairs), id for id as TF.js runs it.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { readJsonFile } from '../io/json-file.js';
import { countWords } from './post-process.js';
import type { EncodeOptions, Encoding, TextTokenizer, WordEncoding } from './types.js';

/** The [piece, score] list of vocab.json; the index is the id. */
export type UseVocabulary = ReadonlyArray<readonly [string, number | null]>;

export interface UseTokenizerOptions {
  /** Default `maxLength` of `encode`. Default: 128, where the USE-lite graph clips its input (`ClipToMaxLength`). */
  readonly modelMaxLength?: number;
  /** Names the vocabulary in errors. Default: `vocab.json`. */
  readonly source?: string;
}

/** The file `save` writes and `fromFile` reads in a model folder. */
export const USE_VOCAB_FILE = 'vocab.json';

const SEPARATOR = '\u2581';
// Ids 0..5 are unk, <s>, </s> and three extra ids: never matched in text. Only 0 (unk) is ever emitted.
const RESERVED_COUNT = 6;
const UNKNOWN_ID = 0;

interface TrieNode {
  readonly children: Map<number, TrieNode>;
  /** Id of the piece ending here, or -1. A repeated piece keeps its last id and score, as TF.js's trie does. */
  id: number;
  score: number;
}

function newNode(): TrieNode {
  return { children: new Map(), id: -1, score: 0 };
}

function validateVocabulary(value: unknown, source: string): UseVocabulary {
  if (!Array.isArray(value) || value.length <= RESERVED_COUNT) {
    throw new FinetuneError(`${source}: must be a list of more than ${RESERVED_COUNT} [piece, score] pairs`);
  }
  value.forEach((entry, i) => {
    if (!Array.isArray(entry) || entry.length < 2 || typeof entry[0] !== 'string') {
      throw new FinetuneError(`${source}: entry ${i} must be a [piece, score] pair`);
    }
    // vocab.json as shipped has `null` scores for a few pieces; TF.js adds them as 0, so they are kept.
    if (entry[1] !== null && (typeof entry[1] !== 'number' || !Number.isFinite(entry[1]))) {
      throw new FinetuneError(`${source}: entry ${i} ('${entry[0]}') has score ${JSON.stringify(entry[1])}, expected a number`);
    }
  });
  // Backtracking steps back by the length of the emitted piece, so the unknown piece must span one unit.
  if ((value[UNKNOWN_ID] as [string])[0].length !== 1) {
    throw new FinetuneError(`${source}: entry ${UNKNOWN_ID} (the unknown piece) must be one character`);
  }
  return value as UseVocabulary;
}

function checkMaxLength(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new FinetuneError(`${name} must be a positive integer, got ${value}`);
}

/**
 * Unigram SentencePiece as `@tensorflow-models/universal-sentence-encoder` implements it, quirks
 * included, because the pre-trained weights were used with exactly these ids:
 * - text is NFKC-normalised, every space becomes U+2581 and one U+2581 is prepended; case is kept;
 * - the text is split into UTF-16 code units (an emoji is two unmatched units, merged into one unknown id);
 * - Viterbi treats a best score of exactly 0 as "unset", so a zero-score path (or an unreachable
 *   position) loses to any later candidate, and ties go to the later start;
 * - runs of unknown ids collapse into one.
 */
export class UseSentencePieceTokenizer implements TextTokenizer {
  /** Number of pieces in the vocabulary (the USE-lite embedding table has two more, unused rows). */
  readonly vocabSize: number;
  /**
   * Id used for padding: `<s>` (1), a reserved id this tokenizer never emits, so padding cannot be
   * taken for text (unknown characters give 0). The model masks padded positions (the graph zeroes
   * them), so the row's value never reaches an output.
   */
  readonly padId = 1;
  readonly modelMaxLength: number;
  private readonly vocabulary: UseVocabulary;
  private readonly pieces: readonly string[];
  private readonly pieceLengths: Int32Array;
  private readonly pieceIds = new Map<string, number>();
  private readonly root = newNode();

  constructor(vocabulary: unknown, options: UseTokenizerOptions = {}) {
    const vocab = validateVocabulary(vocabulary, options.source ?? USE_VOCAB_FILE);
    const modelMaxLength = options.modelMaxLength ?? 128;
    checkMaxLength(modelMaxLength, 'modelMaxLength');
    this.modelMaxLength = modelMaxLength;
    this.vocabulary = vocab;
    this.vocabSize = vocab.length;
    this.pieces = vocab.map(([piece]) => piece);
    this.pieceLengths = Int32Array.from(vocab, ([piece]) => piece.length);
    this.pieces.forEach((piece, id) => this.pieceIds.set(piece, id));
    for (let id = RESERVED_COUNT; id < vocab.length; id++) {
      const [piece, score] = vocab[id]!;
      if (piece.length === 0) continue;
      let node = this.root;
      for (let i = 0; i < piece.length; i++) {
        const unit = piece.charCodeAt(i);
        let child = node.children.get(unit);
        if (!child) node.children.set(unit, (child = newNode()));
        node = child;
      }
      node.id = id;
      node.score = score ?? 0;
    }
  }

  /** Reads a vocab.json file (the USE format: a list of [piece, score] pairs). */
  static fromFile(path: string, options: Omit<UseTokenizerOptions, 'source'> = {}): UseSentencePieceTokenizer {
    const json = readJsonFile(path);
    return new UseSentencePieceTokenizer(json, { ...options, source: path });
  }

  /** The piece of `id` (U+2581 marks a preceding space), or undefined outside the vocabulary. */
  idToToken(id: number): string | undefined {
    return this.pieces[id];
  }

  /** The id of a piece (for a repeated piece the last id, the one matching emits). */
  tokenToId(token: string): number | undefined {
    return this.pieceIds.get(token);
  }

  /** The ids of `text`, with no length limit and no special ids (USE adds none). */
  tokenize(text: string): number[] {
    const normalized = text.normalize('NFKC');
    if (normalized.length === 0) return [];
    const symbols = SEPARATOR + normalized.replace(/ /g, SEPARATOR);
    const n = symbols.length;
    // Viterbi over the lattice, relaxing edges forward by ascending start. Every edge into `end`
    // starts earlier, so best[start] is final when read, and the candidates for one end arrive in
    // ascending start order: the order in which TF.js compares them, which its ties depend on.
    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    const relax = (end: number, candidate: number, id: number): void => {
      if (best[end] === 0 || candidate >= best[end]!) {
        best[end] = candidate;
        words[end] = id;
      }
    };
    for (let start = 0; start < n; start++) {
      const base = best[start]!;
      let node = this.root.children.get(symbols.charCodeAt(start));
      let found = false;
      for (let end = start + 1; node; end++) {
        if (node.id >= 0) {
          relax(end, node.score + base, node.id);
          found = true;
        }
        node = end < n ? node.children.get(symbols.charCodeAt(end)) : undefined;
      }
      if (!found) relax(start + 1, base, UNKNOWN_ID);
    }
    const reversed: number[] = [];
    for (let pos = n; pos > 0; pos -= this.pieceLengths[words[pos]!]!) {
      const id = words[pos]!;
      if (!(id === UNKNOWN_ID && reversed.length > 0 && reversed[reversed.length - 1] === UNKNOWN_ID)) reversed.push(id);
    }
    return reversed.reverse();
  }

  /**
   * Ids, segment ids and mask of `text` (and `pair`, appended), cut to `maxLength` (default
   * `modelMaxLength`). USE has no special tokens, so `addSpecialTokens` changes nothing.
   */
  encode(text: string, pair?: string, options: EncodeOptions = {}): Encoding {
    const maxLength = options.maxLength ?? this.modelMaxLength;
    checkMaxLength(maxLength, 'maxLength');
    let first = this.tokenize(text);
    let second = pair === undefined ? [] : this.tokenize(pair);
    if (first.length + second.length > maxLength) {
      // Longest first, ties shortening the pair: the first side keeps ceil(maxLength / 2) when both are long.
      let keepFirst = first.length;
      let keepSecond = second.length;
      while (keepFirst + keepSecond > maxLength) {
        if (keepFirst > keepSecond) keepFirst--;
        else keepSecond--;
      }
      first = first.slice(0, keepFirst);
      second = second.slice(0, keepSecond);
    }
    const ids = first.concat(second);
    return {
      ids,
      typeIds: ids.map((_, i) => (i < first.length ? 0 : 1)),
      attentionMask: ids.map(() => 1),
      tokens: ids.map((id) => this.pieces[id]!),
    };
  }

  /**
   * Ids of pre-split words: each word tokenized alone (so each starts a new piece with U+2581, as
   * the words of a space-joined text would), concatenated and cut to `maxLength` (default
   * `modelMaxLength`). There are no special tokens, so every id has a word index.
   */
  encodeWords(words: readonly string[], options: EncodeOptions = {}): WordEncoding {
    const maxLength = options.maxLength ?? this.modelMaxLength;
    checkMaxLength(maxLength, 'maxLength');
    const ids: number[] = [];
    const wordIds: number[] = [];
    for (let index = 0; index < words.length && ids.length < maxLength; index++) {
      const word = words[index];
      if (typeof word !== 'string') throw new FinetuneError(`word ${index} is ${word === null ? 'null' : typeof word}, not a string`);
      for (const id of this.tokenize(word)) {
        ids.push(id);
        wordIds.push(index);
      }
    }
    ids.length = Math.min(ids.length, maxLength);
    wordIds.length = ids.length;
    return {
      ids,
      typeIds: ids.map(() => 0),
      attentionMask: ids.map(() => 1),
      tokens: ids.map((id) => this.pieces[id]!),
      wordIds,
      wordsKept: countWords(wordIds),
    };
  }

  encodeBatch(texts: readonly string[], pairs?: readonly string[], options: EncodeOptions = {}): Encoding[] {
    if (pairs !== undefined && pairs.length !== texts.length) {
      throw new FinetuneError(`${texts.length} texts but ${pairs.length} pairs`);
    }
    return texts.map((text, i) => this.encode(text, pairs?.[i], options));
  }

  /** Writes vocab.json into `dir` (created when missing) exactly as read, null scores included. */
  async save(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(join(dir, USE_VOCAB_FILE), JSON.stringify(this.vocabulary));
  }
}
