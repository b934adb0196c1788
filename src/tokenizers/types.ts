// The tokenizer contract the data and training layers use: text in, unpadded ids with segment ids and mask out.

/** One encoded text (or text pair), unpadded: batches pad later with the tokenizer's `padId`. */
export interface Encoding {
  readonly ids: number[];
  /** Segment ids: 0 for the first text and its special tokens, 1 for the pair's where the template says so. */
  readonly typeIds: number[];
  /** All ones: an encoding holds no padding. */
  readonly attentionMask: number[];
  /** The token strings behind `ids`, for inspection. */
  readonly tokens?: string[];
}

/** The encoding of pre-split words (a sentence of a token-classification data set). */
export interface WordEncoding extends Encoding {
  /** Index of the word each id comes from; null for special tokens. */
  readonly wordIds: readonly (number | null)[];
  /**
   * Words with at least one id kept after truncation. Words that give no ids at all (an empty
   * string, only whitespace or characters the normalizer drops) are not counted.
   */
  readonly wordsKept: number;
}

/** Options of one `encode` call; the defaults are those of transformers' `tokenizer(text, truncation=True)`. */
export interface EncodeOptions {
  /**
   * Keep at most this many ids, special tokens included; a pair is shortened longest side first.
   * Default: the tokenizer's `modelMaxLength` (no limit when it has none).
   */
  readonly maxLength?: number;
  /** Add the template's special tokens ([CLS] ... [SEP] or <s> ... </s>). Default: true. */
  readonly addSpecialTokens?: boolean;
}

/** A text tokenizer as loaded from, and saved to, a Hugging Face model folder. */
export interface TextTokenizer {
  /** Encodes `text`, or the pair (`text`, `pair`) as one sequence with segment ids 0 and 1. */
  encode(text: string, pair?: string, options?: EncodeOptions): Encoding;
  /**
   * Encodes pre-split words as transformers' `tokenizer(words, is_split_into_words=True,
   * truncation=True, max_length=...)` does: each word is tokenized on its own (a word holding
   * spaces may give several pieces, all with its index), the ids are concatenated, cut on the right
   * to `maxLength` with the special tokens, and the special tokens added. Byte-level BPE
   * tokenizers give every word a leading space, as transformers' `add_prefix_space=True` does
   * (which it needs for split words), whatever tokenizer.json says.
   */
  encodeWords(words: readonly string[], options?: EncodeOptions): WordEncoding;
  /** Encodes many texts (and their pairs, index for index) with the same options. */
  encodeBatch(texts: readonly string[], pairs?: readonly string[], options?: EncodeOptions): Encoding[];
  /** The id a batch pads with. */
  readonly padId: number;
  /** One more than the largest id the tokenizer can emit: the row count an embedding matrix needs. */
  readonly vocabSize: number;
  /** The longest sequence the model takes (tokenizer_config.json `model_max_length`), when the files say. */
  readonly modelMaxLength?: number;
  /** The id of a token string (added tokens included), or undefined when the vocabulary lacks it. */
  tokenToId(token: string): number | undefined;
  /** The token string of an id, or undefined when no token has it. */
  idToToken(id: number): string | undefined;
  /**
   * Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json into `dir` (created when
   * missing), each file atomically, in the form transformers and tokenizers load.
   */
  save(dir: string): Promise<void>;
}
