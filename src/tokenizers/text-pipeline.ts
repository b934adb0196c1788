// Text -> ids as tokenizers runs it: added tokens, normalizer, pre-tokenizer, then the model word by word.

import { AddedTokenMatcher, type Segment } from './added-tokens.js';
import { buildModel } from './components.js';
import type { EngineModel, NormalizeFn, PreTokenizeFn } from './engine.js';
import { createNormalizer } from './normalizers.js';
import type { TokenSequence } from './post-process.js';
import { createPreTokenizer } from './pre-tokenizers.js';
import type { TokenizerJson } from './tokenizer-json.js';

/** One piece of the input after added-token matching: an added token's id, or a word for the model. */
type Split = { readonly id: number; readonly token: string } | { readonly word: string };

/** The model's output for one word. */
interface WordTokens {
  readonly ids: readonly number[];
  readonly tokens: readonly string[];
}

/** Words are few and repeat: remember this many before starting over. */
const WORD_CACHE_SIZE = 200_000;

/** The stages of one tokenizer.json before post-processing. */
export class TextPipeline {
  private readonly normalize: NormalizeFn | null;
  private readonly preTokenize: PreTokenizeFn | null;
  private readonly model: EngineModel;
  private readonly rawTokens: AddedTokenMatcher;
  private readonly normalizedTokens: AddedTokenMatcher;
  private readonly wordCache = new Map<string, WordTokens>();

  constructor(spec: TokenizerJson) {
    this.normalize = createNormalizer(spec.normalizer);
    this.preTokenize = createPreTokenizer(spec.pre_tokenizer);
    this.model = buildModel(spec);
    // Special tokens match the raw text; other added tokens (normalized by default) match after normalization.
    const normalizedToo = (token: TokenizerJson['added_tokens'][number]): boolean => token.normalized ?? !token.special;
    const normalize = this.normalize;
    this.rawTokens = new AddedTokenMatcher(spec.added_tokens.filter((t) => !normalizedToo(t) || normalize === null));
    this.normalizedTokens = new AddedTokenMatcher(
      normalize === null ? [] : spec.added_tokens.filter(normalizedToo),
      (token) => normalize?.(token.content) ?? token.content,
    );
  }

  /** The pieces of `text`, in order: added tokens, and the words of the text between them. */
  private splits(text: string): Split[] {
    const out: Split[] = [];
    const rawSegments = this.rawTokens.split(text);
    rawSegments.forEach((raw, index) => {
      if (raw.id !== undefined) {
        out.push({ id: raw.id, token: raw.text });
        return;
      }
      const normalized = this.normalize === null ? raw.text : this.normalize(raw.text);
      // Metaspace's "first" scheme prepends only to the piece that opens the input.
      const opensInput = index === 0;
      this.normalizedTokens.split(normalized).forEach((segment: Segment, subIndex) => {
        if (segment.id !== undefined) {
          out.push({ id: segment.id, token: segment.text });
          return;
        }
        const words = this.preTokenize === null ? [segment.text] : this.preTokenize(segment.text, { section_index: opensInput && subIndex === 0 ? 0 : 1 });
        for (const word of words) if (word !== '') out.push({ word });
      });
    });
    return out;
  }

  /**
   * The ids of `text` without special tokens. With `limit`, stops after the word that brings the
   * count to `limit` or more, as tokenizers 0.23 does when it truncates on the right: the lengths
   * its pair truncation then compares are these shortened ones. Added tokens count but never stop it.
   */
  encode(text: string, limit?: number): TokenSequence {
    const ids: number[] = [];
    const tokens: string[] = [];
    for (const split of this.splits(text)) {
      if ('id' in split) {
        ids.push(split.id);
        tokens.push(split.token);
        continue;
      }
      const word = this.tokenizeWord(split.word);
      ids.push(...word.ids);
      tokens.push(...word.tokens);
      if (limit !== undefined && ids.length >= limit) break;
    }
    return { ids, tokens };
  }

  /**
   * The ids of pre-split words without special tokens, each word run through the whole pipeline
   * on its own as tokenizers does for pre-tokenized input; `wordIds` gives each id's word index.
   * With `limit`, stops after the word that brings the count to `limit` or more.
   */
  encodeWords(words: readonly string[], limit?: number): TokenSequence & { wordIds: number[] } {
    const ids: number[] = [];
    const tokens: string[] = [];
    const wordIds: number[] = [];
    for (let index = 0; index < words.length; index++) {
      if (limit !== undefined && ids.length >= limit) break;
      const word = this.encode(words[index]!);
      ids.push(...word.ids);
      tokens.push(...word.tokens);
      for (let i = 0; i < word.ids.length; i++) wordIds.push(index);
    }
    return { ids, tokens, wordIds };
  }

  private tokenizeWord(word: string): WordTokens {
    const cached = this.wordCache.get(word);
    if (cached !== undefined) return cached;
    const ids: number[] = [];
    const tokens: string[] = [];
    for (const token of this.model([word])) {
      // A BPE model without an unknown token drops what it cannot spell, as tokenizers does.
      const id = this.model.tokens_to_ids.get(token) ?? this.model.unk_token_id;
      if (id === undefined) continue;
      ids.push(id);
      tokens.push(token);
    }
    if (this.wordCache.size >= WORD_CACHE_SIZE) this.wordCache.clear();
    const result = { ids, tokens };
    this.wordCache.set(word, result);
    return result;
  }
}
