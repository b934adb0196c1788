// loadTaggedDataset: reads CoNLL, CoNLL-U or JSON Lines tagging files into sentences with a report; sentence splits and tag counts.
import { count } from '../plural.js';
import { basename } from 'node:path';
import { FinetuneError } from '../errors.js';
import { parseConll, parseConllu } from './conll.js';
import { labelCounts } from './distribution.js';
import { parseJsonArray, parseJsonLines } from './json-lines.js';
import { readDataBytes } from './read-table.js';
import { randomSplit, type Split } from './split.js';
import { tagSchemeWarnings } from './tag-scheme.js';
import { taggedFromTable } from './tagged-json.js';
import type { LoadedTaggedDataset, LoadTaggedOptions, ParsedTagged, TaggedFormat } from './tagged-types.js';
import { decodeText } from './text-decode.js';
import type { ClassCount } from './types.js';

const TAGGED_EXTENSIONS: Readonly<Record<string, TaggedFormat>> = {
  '.conll': 'conll',
  '.conllu': 'conllu',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.jsonlines': 'jsonl',
  '.json': 'jsonl',
};

// Tokens that tokenizers reduce to nothing: whitespace, control and format characters (zero-width space).
const INVISIBLE = /^[\s\p{Cc}\p{Cf}]*$/u;

const DESCRIPTIONS: Readonly<Record<TaggedFormat, string>> = {
  conll: 'CoNLL text',
  conllu: 'CoNLL-U text',
  jsonl: 'JSON Lines text',
};

/** The format an extension stands for (`.gz` looked through); undefined for names that say nothing (.txt, .tsv, .bio). */
export function taggedFormatFromPath(path: string): TaggedFormat | undefined {
  const name = basename(path).toLowerCase().replace(/\.gz$/, '');
  const dot = name.lastIndexOf('.');
  return dot < 0 ? undefined : TAGGED_EXTENSIONS[name.slice(dot)];
}

/**
 * Guesses the format of tagging text: JSON when it opens with `{` or `[`; CoNLL-U when the first line
 * that is not a comment has 10 tab-separated columns and a word id; else CoNLL.
 */
export function sniffTaggedFormat(text: string): TaggedFormat {
  const body = text.replace(/^\ufeff/, '');
  const first = body.trimStart()[0];
  if (first === '{' || first === '[') return 'jsonl';
  for (const line of body.split(/\r\n|\n|\r/)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const fields = line.split('\t');
    return fields.length === 10 && /^\d+([-.]\d+)?$/.test(fields[0] as string) ? 'conllu' : 'conll';
  }
  return 'conll';
}

/**
 * Reads a tagging data set (named entities, part of speech): CoNLL, CoNLL-U or JSON Lines, plain or
 * gzip-compressed. Every problem is a FinetuneError naming the file and line.
 */
export async function loadTaggedDataset(path: string, options: LoadTaggedOptions = {}): Promise<LoadedTaggedDataset> {
  const bytes = await readDataBytes(path);
  const named = options.format ?? taggedFormatFromPath(path);
  const decoded = decodeText(bytes, path, named === undefined ? 'tagging text (CoNLL, CoNLL-U or JSON Lines)' : DESCRIPTIONS[named]);
  const text = decoded.text.replace(/^\ufeff/, '');
  if (text.trim() === '') throw new FinetuneError(`${path}: empty file`);
  const format = named ?? sniffTaggedFormat(text);
  if (format === 'conll' && (options.labelColumn !== undefined || options.tokensColumn !== undefined)) {
    const option = options.labelColumn !== undefined ? 'labelColumn' : 'tokensColumn';
    throw new FinetuneError(`${path}: ${option} does not apply to CoNLL files (token and tag, in that order); it names a CoNLL-U column or a JSON key`);
  }
  const parsed = parseTagged(text, format, path, options);
  const { sentences } = parsed;
  if (sentences.length === 0) {
    const empty = parsed.emptyDropped > 0 ? ` (${count(parsed.emptyDropped, 'empty sentence')} dropped)` : '';
    throw new FinetuneError(`${path}: no sentences${empty}`);
  }

  let tokens = 0;
  let maxTokens = 0;
  let blankTokens = 0;
  let firstBlank: string | undefined;
  for (const sentence of sentences) {
    tokens += sentence.tokens.length;
    maxTokens = Math.max(maxTokens, sentence.tokens.length);
    for (const token of sentence.tokens) {
      if (!INVISIBLE.test(token)) continue;
      blankTokens++;
      firstBlank ??= sentence.origin;
    }
  }
  const warnings = [...decoded.warnings, ...parsed.warnings];
  if (parsed.emptyDropped > 0) warnings.push(`${path}: ${count(parsed.emptyDropped, 'empty sentence')} dropped`);
  if (blankTokens > 0) {
    warnings.push(
      `${path}: ${count(blankTokens, 'empty or invisible token')} (first in the sentence at ${(firstBlank ?? '').replace(`${path}: `, '')}); a tokenizer gives them no pieces, so their tags are not learned`,
    );
  }
  warnings.push(...tagSchemeWarnings(sentences, path));
  const tags = tagDistribution(sentences);
  if (tags.length === 1) warnings.push(`${path}: only one tag ('${tags[0]?.label}'); a tagger needs at least two`);
  return {
    sentences,
    report: {
      source: path,
      format,
      tokensColumn: parsed.tokensColumn,
      tagsColumn: parsed.tagsColumn,
      sentences: sentences.length,
      tokens,
      maxTokens,
      tags,
      emptyDropped: parsed.emptyDropped,
      warnings,
    },
  };
}

function parseTagged(text: string, format: TaggedFormat, path: string, options: LoadTaggedOptions): ParsedTagged {
  switch (format) {
    case 'conll':
      return parseConll(text, path);
    case 'conllu':
      return parseConllu(text, path, options.labelColumn, options.tokensColumn);
    case 'jsonl': {
      const table = text.trimStart().startsWith('[') ? parseJsonArray(text, path) : parseJsonLines(text, path);
      if (table.rows.length === 0) throw new FinetuneError(`${path}: no sentences`);
      return taggedFromTable(table, path, options);
    }
  }
}

/** Tokens per tag over `sentences`, in label order; fractions of all tokens. */
export function tagDistribution(sentences: readonly { readonly tags: readonly string[] }[]): ClassCount[] {
  function* all(): Generator<string> {
    for (const sentence of sentences) yield* sentence.tags;
  }
  return labelCounts(all());
}

/**
 * A seeded random split by sentence: about `fraction` of the sentences (at least one) for validation,
 * the rest (at least one) for training, each part in the original order. The same sentences, fraction
 * and seed always give the same split.
 */
export function splitSentences<T>(sentences: readonly T[], fraction: number, seed: number): Split<T> {
  return randomSplit(sentences, fraction, seed, 'sentence');
}
