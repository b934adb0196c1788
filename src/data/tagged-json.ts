// Reader for tagging data in the Hugging Face datasets layout: one record per sentence with a word list and a tag list.
import { FinetuneError } from '../errors.js';
import type { Cell, RawTable } from './table.js';
import type { LoadTaggedOptions, ParsedTagged, TaggedSentence } from './tagged-types.js';

/** Keys of word lists, most common first (compared case-insensitively). */
export const TOKENS_COLUMN_NAMES: readonly string[] = ['tokens', 'words', 'token', 'form', 'forms'];

/** Keys of tag lists, most common first (compared case-insensitively). */
export const TAGS_COLUMN_NAMES: readonly string[] = [
  'ner_tags',
  'tags',
  'pos_tags',
  'upos',
  'ner',
  'labels',
  'label',
  'upos_tags',
  'xpos',
  'xpos_tags',
  'pos',
  'tag',
  'chunk_tags',
];

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Turns the records of a JSON Lines (or JSON array) table into sentences. The word and tag columns are
 * named by the options or detected; records with two empty lists are dropped and counted.
 */
export function taggedFromTable(table: RawTable, file: string, options: LoadTaggedOptions = {}): ParsedTagged {
  const { columns } = table;
  const listed = columns.map((c) => `'${c}'`).join(', ');
  const named = (name: string, what: string): string => {
    if (columns.includes(name)) return name;
    const folded = columns.filter((c) => c.toLowerCase() === name.toLowerCase());
    if (folded.length === 1) return folded[0] as string;
    throw new FinetuneError(`${file}: no ${what} column '${name}' (columns: ${listed})`);
  };
  // A known name counts only on a column holding lists: 'label' or 'tag' may hold something else.
  const lists = new Set(columns.filter((_, c) => table.rows.some((row) => Array.isArray(row[c]))));
  const byName = (names: readonly string[], exclude: string | undefined): string[] =>
    names.flatMap((name) => columns.filter((c) => c.toLowerCase() === name && c !== exclude && lists.has(c)));
  const warnings: string[] = [];

  let tokens = options.tokensColumn === undefined ? undefined : named(options.tokensColumn, 'tokens');
  let tags = options.labelColumn === undefined ? undefined : named(options.labelColumn, 'tags');
  tokens ??= byName(TOKENS_COLUMN_NAMES, tags)[0] ?? listColumns(table, [tags], 'strings')[0];
  if (tokens === undefined) {
    throw new FinetuneError(`${file}: cannot tell which column holds the words (columns: ${listed}); name it with tokensColumn`);
  }
  if (tags === undefined) {
    const candidates = byName(TAGS_COLUMN_NAMES, tokens);
    tags = candidates[0];
    if (candidates.length > 1) {
      warnings.push(
        `${file}: tags read from '${tags}'; the records also hold ${candidates
          .slice(1)
          .map((c) => `'${c}'`)
          .join(', ')} (name one with labelColumn)`,
      );
    }
  }
  tags ??= onlyListColumn(table, tokens, file, listed);
  if (tags === tokens) throw new FinetuneError(`${file}: the tokens and tags columns are both '${tags}'`);

  const tokensAt = columns.indexOf(tokens);
  const tagsAt = columns.indexOf(tags);
  const sentences: TaggedSentence[] = [];
  let emptyDropped = 0;
  table.rows.forEach((row, r) => {
    const origin = table.origin(r);
    const words = wordList(row[tokensAt], tokens, origin);
    const labels = tagList(row[tagsAt], tags, origin);
    if (words.length !== labels.length) {
      throw new FinetuneError(`${origin}: ${words.length} tokens in '${tokens}' but ${labels.length} tags in '${tags}'`);
    }
    if (words.length === 0) emptyDropped++;
    else sentences.push({ tokens: words, tags: labels, origin });
  });
  return { sentences, tokensColumn: tokens, tagsColumn: tags as string, emptyDropped, warnings };
}

function wordList(cell: Cell, column: string, origin: string): string[] {
  if (!Array.isArray(cell)) throw new FinetuneError(`${origin}: '${column}' holds ${kindOf(cell)}, expected a list of words`);
  return cell.map((word: unknown, i) => {
    if (typeof word !== 'string') throw new FinetuneError(`${origin}: token ${i + 1} in '${column}' is ${kindOf(word)}, expected a string`);
    return word;
  });
}

function tagList(cell: Cell, column: string, origin: string): string[] {
  if (!Array.isArray(cell)) throw new FinetuneError(`${origin}: '${column}' holds ${kindOf(cell)}, expected a list of tags`);
  return cell.map((tag: unknown, i) => {
    if (typeof tag === 'string' && tag.trim() !== '') return tag.trim();
    if ((typeof tag === 'number' && Number.isInteger(tag)) || typeof tag === 'bigint') return String(tag);
    const what = typeof tag === 'string' ? 'empty' : typeof tag === 'number' ? `${tag}, not an integer` : kindOf(tag);
    throw new FinetuneError(`${origin}: tag ${i + 1} in '${column}' is ${what}; expected a string or an integer`);
  });
}

/** Columns other than `exclude` whose filled cells are all lists (of strings only, when asked). */
function listColumns(table: RawTable, exclude: readonly (string | undefined)[], of: 'strings' | 'any'): string[] {
  return table.columns.filter((column, c) => {
    if (exclude.includes(column)) return false;
    let lists = 0;
    for (const row of table.rows) {
      const cell = row[c];
      if (cell === null || cell === undefined) continue;
      if (!Array.isArray(cell)) return false;
      if (of === 'strings' && !cell.every((item: unknown) => typeof item === 'string')) return false;
      lists++;
    }
    return lists > 0;
  });
}

/** The single list column besides the words, when the tags are not under a known name. */
function onlyListColumn(table: RawTable, tokens: string, file: string, listed: string): string {
  const candidates = listColumns(table, [tokens], 'any');
  if (candidates.length === 1) return candidates[0] as string;
  const which = candidates.length === 0 ? 'no list column' : `several list columns (${candidates.map((c) => `'${c}'`).join(', ')})`;
  throw new FinetuneError(`${file}: cannot tell which column holds the tags: ${which} besides '${tokens}' (columns: ${listed}); name it with labelColumn`);
}
