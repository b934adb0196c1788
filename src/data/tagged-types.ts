// Types of tag-sequence data (token classification: named entities, part of speech): sentences, load options, report.
import type { ClassCount } from './types.js';

/** One sentence of a tagging data set: a tag per token. */
export interface TaggedSentence {
  /** The words as the file splits them (not trimmed, never re-tokenized). */
  readonly tokens: readonly string[];
  /** One tag per token (trimmed); integer tags of a JSON file are kept as their decimal strings ("0", "3"). */
  readonly tags: readonly string[];
  /** Where the sentence starts, for messages: `file: line N` (a JSON array gives `file: row N`). */
  readonly origin: string;
}

/** File formats of tagging data. */
export type TaggedFormat = 'conll' | 'conllu' | 'jsonl';

/** Options of `loadTaggedDataset`. */
export interface LoadTaggedOptions {
  /**
   * File format. Default: from the extension (.conll -> 'conll', .conllu -> 'conllu', .jsonl/.ndjson/.json ->
   * 'jsonl', optionally .gz); sniffed from the content for any other name (.txt, .tsv, .bio, ...).
   */
  readonly format?: TaggedFormat;
  /**
   * The tag column. CoNLL-U: a column name (id, form, lemma, upos, xpos, feats, head, deprel, deps, misc);
   * default 'upos'. JSON Lines: a key holding a list; default the first of ner_tags, tags, pos_tags, upos,
   * ... that exists, else the one list column besides the tokens. Not accepted for CoNLL (token, tag only).
   */
  readonly labelColumn?: string;
  /** The word column. CoNLL-U: default 'form'. JSON Lines: default 'tokens' or 'words', else detected. Not accepted for CoNLL. */
  readonly tokensColumn?: string;
}

/** What loading a tagging file did, for logs and the training report. */
export interface TaggedDataReport {
  /** The file as given by the caller. */
  readonly source: string;
  readonly format: TaggedFormat;
  /** The column the words came from: 'token' for CoNLL (column 1), a CoNLL-U column name, or a JSON key. */
  readonly tokensColumn: string;
  /** The column the tags came from: 'tag' for CoNLL (column 2), a CoNLL-U column name, or a JSON key. */
  readonly tagsColumn: string;
  /** Sentences kept (empty ones excluded). */
  readonly sentences: number;
  /** Tokens over all kept sentences. */
  readonly tokens: number;
  /** Tokens of the longest sentence. */
  readonly maxTokens: number;
  /** Tokens per tag over the tag set, in label order (`sortLabels`); fraction of all tokens. */
  readonly tags: readonly ClassCount[];
  /** Sentences with no tokens, dropped (JSON records with empty lists). */
  readonly emptyDropped: number;
  /** One line per thing the user should know about (encoding fallback, tags off the IOB2 scheme, ...). */
  readonly warnings: readonly string[];
}

/** The result of `loadTaggedDataset`. */
export interface LoadedTaggedDataset {
  readonly sentences: TaggedSentence[];
  readonly report: TaggedDataReport;
}

/** What a format reader returns before the report is made. */
export interface ParsedTagged {
  readonly sentences: TaggedSentence[];
  readonly tokensColumn: string;
  readonly tagsColumn: string;
  /** Sentences with no tokens that the reader skipped. */
  readonly emptyDropped: number;
  readonly warnings: readonly string[];
}
