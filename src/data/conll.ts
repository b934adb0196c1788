// Readers for CoNLL (token and tag per line) and CoNLL-U (10 tab-separated columns) tagging files.
import { FinetuneError } from '../errors.js';
import type { ParsedTagged, TaggedSentence } from './tagged-types.js';

/** CoNLL-U column names, in file order. */
export const CONLLU_COLUMNS: readonly string[] = ['id', 'form', 'lemma', 'upos', 'xpos', 'feats', 'head', 'deprel', 'deps', 'misc'];

// Columns where '_' is a value (an empty feature or dependency set), not a missing annotation.
const UNDERSCORE_IS_VALUE = new Set(['feats', 'deps', 'misc']);

/** The lines of `text`, whatever the line ends (LF, CRLF or CR). */
function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

/** Collects tokens and tags into sentences, each named by the line it starts on. */
class SentenceBuilder {
  readonly sentences: TaggedSentence[] = [];
  private tokens: string[] = [];
  private tags: string[] = [];
  private start = 0;

  constructor(private readonly file: string) {}

  /** Marks `line` as the sentence's first line unless one is open. */
  begin(line: number): void {
    if (this.start === 0) this.start = line;
  }

  add(token: string, tag: string, line: number): void {
    this.begin(line);
    this.tokens.push(token);
    this.tags.push(tag);
  }

  /** Ends the open sentence; returns true when it had no tokens (a block of comments only). */
  end(): boolean {
    const empty = this.start > 0 && this.tokens.length === 0;
    if (this.tokens.length > 0) this.sentences.push({ tokens: this.tokens, tags: this.tags, origin: `${this.file}: line ${this.start}` });
    this.tokens = [];
    this.tags = [];
    this.start = 0;
    return empty;
  }
}

/**
 * Parses CoNLL: `token<TAB>tag` (or the two separated by spaces) per line, a blank or whitespace-only
 * line after each sentence, `-DOCSTART-` lines skipped. `#` starts no comment: it is a word (hashtags).
 */
export function parseConll(text: string, file: string): ParsedTagged {
  const builder = new SentenceBuilder(file);
  splitLines(text).forEach((raw, i) => {
    const lineNumber = i + 1;
    const line = raw.trimEnd();
    if (line.trim() === '') {
      builder.end();
      return;
    }
    // Tabs separate when present, so a token may hold a space; else any run of whitespace does.
    const fields = line.includes('\t') ? line.split('\t').map((field) => field.trim()) : line.trim().split(/\s+/);
    if (fields[0] === '-DOCSTART-') {
      builder.end();
      return;
    }
    if (fields.length !== 2) {
      // CoNLL-2003 files carry part-of-speech and chunk tags between the word and its entity tag.
      const hint = fields.length === 4 ? '; CoNLL-2003 layout (token, POS, chunk, NER)? keep the first and last columns' : '';
      throw new FinetuneError(`${file}: line ${lineNumber}: expected 2 columns (token, tag), found ${fields.length}${hint}`);
    }
    // The line is trimmed at its end, so only the token can be empty (a line that opens with a tab).
    const [token, tag] = fields as [string, string];
    if (token === '') throw new FinetuneError(`${file}: line ${lineNumber}: empty token before the tag '${tag}'`);
    builder.add(token, tag, lineNumber);
  });
  builder.end();
  return { sentences: builder.sentences, tokensColumn: 'token', tagsColumn: 'tag', emptyDropped: 0, warnings: [] };
}

/** The index of a CoNLL-U column named by the caller (case-insensitive); errors list the names. */
export function conlluColumn(name: string, what: 'tag' | 'word', file: string): number {
  const index = CONLLU_COLUMNS.indexOf(name.trim().toLowerCase());
  if (index <= 0) {
    throw new FinetuneError(`${file}: no CoNLL-U ${what} column '${name}' (columns: ${CONLLU_COLUMNS.slice(1).join(', ')})`);
  }
  return index;
}

/**
 * Parses CoNLL-U: `#` comment lines, one word per line in 10 tab-separated columns, a blank line after
 * each sentence. Multi-word token ranges (`3-4`) and empty nodes (`5.1`) are skipped, so the tokens are
 * the syntactic words. Word ids must count 1, 2, 3... within a sentence, which catches a missing blank line.
 */
export function parseConllu(text: string, file: string, tagColumn = 'upos', wordColumn = 'form'): ParsedTagged {
  const tagAt = conlluColumn(tagColumn, 'tag', file);
  const wordAt = conlluColumn(wordColumn, 'word', file);
  const tagName = CONLLU_COLUMNS[tagAt] as string;
  const wordName = CONLLU_COLUMNS[wordAt] as string;
  const builder = new SentenceBuilder(file);
  let emptyDropped = 0;
  let previousId = 0;
  splitLines(text).forEach((raw, i) => {
    const lineNumber = i + 1;
    if (raw.trim() === '') {
      if (builder.end()) emptyDropped++;
      previousId = 0;
      return;
    }
    if (raw.startsWith('#')) {
      builder.begin(lineNumber);
      return;
    }
    const fields = raw.split('\t');
    if (fields.length !== 10) {
      throw new FinetuneError(`${file}: line ${lineNumber}: expected 10 tab-separated columns (CoNLL-U), found ${fields.length}`);
    }
    const id = fields[0] as string;
    if (/^\d+-\d+$/.test(id) || /^\d+\.\d+$/.test(id)) {
      builder.begin(lineNumber);
      return;
    }
    if (!/^\d+$/.test(id)) throw new FinetuneError(`${file}: line ${lineNumber}: word id '${id}' is not a number, a range (3-4) or an empty node (5.1)`);
    const wordId = Number(id);
    if (wordId !== previousId + 1) {
      const after = previousId === 0 ? 'as the first word of a sentence' : `after word ${previousId}`;
      throw new FinetuneError(`${file}: line ${lineNumber}: word id ${wordId} ${after}; ids run 1, 2, 3... within a sentence (a blank line missing?)`);
    }
    previousId = wordId;
    const word = fields[wordAt] as string;
    const tag = (fields[tagAt] as string).trim();
    if (word === '') throw new FinetuneError(`${file}: line ${lineNumber}: empty ${wordName}`);
    if (tag === '' || (tag === '_' && !UNDERSCORE_IS_VALUE.has(tagName))) {
      throw new FinetuneError(`${file}: line ${lineNumber}: no ${tagName} tag ('${tag}') for the word '${word}'`);
    }
    builder.add(word, tag, lineNumber);
  });
  if (builder.end()) emptyDropped++;
  return { sentences: builder.sentences, tokensColumn: wordName, tagsColumn: tagName, emptyDropped, warnings: [] };
}
