// Reads causal LM data: plain text (a document per line, or fortune files' %-separated quotes), a text column, prompt/completion columns, or chat messages.
import { FinetuneError } from '../../errors.js';
import { formatFromPath, readDataBytes, readTable } from '../read-table.js';
import { decodeText } from '../text-decode.js';
import { checkMessages } from './chat-template.js';
import type { Conversation, PromptCompletion } from './encode.js';

/** What a causal data file holds, and how it was read. */
export type CausalRows =
  | { readonly kind: 'text'; readonly documents: readonly string[]; readonly layout: string; readonly warnings: readonly string[] }
  | { readonly kind: 'prompt-completion'; readonly pairs: readonly PromptCompletion[]; readonly layout: string; readonly warnings: readonly string[] }
  | { readonly kind: 'chat'; readonly conversations: readonly Conversation[]; readonly layout: string; readonly warnings: readonly string[] };

export interface ReadCausalOptions {
  /** The text column of a table (default: 'text'). */
  readonly textColumn?: string;
}

/** A line holding only '%' separates fortune quotes (strfile's format). */
const FORTUNE_SEPARATOR = /^%[ \t]*$/m;

/** The quotes of a fortune file: the text between '%' lines, trailing whitespace removed, empty ones dropped. */
export function splitFortunes(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/^%[ \t]*$/m)
    .map((quote) => quote.replace(/^\n/, '').trimEnd())
    .filter((quote) => quote.trim() !== '');
}

/** One document per non-blank line, without its line break. */
export function splitLines(text: string): string[] {
  return text
    .split(/\r\n|\n|\r/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
}

function cellText(value: unknown, where: string, column: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new FinetuneError(`${where}: '${column}' is ${value === null || value === undefined ? 'missing' : typeof value}, not text`);
}

/**
 * Reads `path` as causal LM data. A table (CSV, TSV, JSON Lines, JSON, Parquet) with a `messages` column
 * is chat, with `prompt` and `completion` columns prompt/completion pairs, else the text column's rows
 * are documents. Any other file is text: fortune quotes when '%' lines separate them, else a document
 * per line. Every problem is one line naming the file and row.
 */
export async function readCausalData(path: string, options: ReadCausalOptions = {}): Promise<CausalRows> {
  if (formatFromPath(path) === undefined) {
    const decoded = decodeText(await readDataBytes(path), path, 'text');
    const text = decoded.text.replace(/^\ufeff/, '');
    const fortunes = FORTUNE_SEPARATOR.test(text);
    const documents = fortunes ? splitFortunes(text) : splitLines(text);
    if (documents.length === 0) throw new FinetuneError(`${path}: no text`);
    return {
      kind: 'text',
      documents,
      layout: fortunes ? `fortune file ('%' lines separate ${documents.length} quotes)` : 'text, a document per line',
      warnings: decoded.warnings,
    };
  }
  const { table, format } = await readTable(path);
  const at = (name: string): number => table.columns.indexOf(name);
  const warnings = table.warnings;
  if (at('messages') >= 0) {
    const column = at('messages');
    const conversations = table.rows.map((row, i) => {
      const where = table.origin(i);
      const messages = row[column];
      if (messages === undefined || messages === null) throw new FinetuneError(`${where}: no 'messages'`);
      return { messages: checkMessages(messages, where), origin: where };
    });
    return { kind: 'chat', conversations, layout: `${format}, chat messages`, warnings };
  }
  if (at('prompt') >= 0 || at('completion') >= 0) {
    if (at('prompt') < 0 || at('completion') < 0)
      throw new FinetuneError(`${path}: a '${at('prompt') < 0 ? 'completion' : 'prompt'}' column without '${at('prompt') < 0 ? 'prompt' : 'completion'}'`);
    const pairs = table.rows.map((row, i) => {
      const where = table.origin(i);
      return { prompt: cellText(row[at('prompt')], where, 'prompt'), completion: cellText(row[at('completion')], where, 'completion'), origin: where };
    });
    return { kind: 'prompt-completion', pairs, layout: `${format}, prompt and completion columns`, warnings };
  }
  const name = options.textColumn ?? 'text';
  const column = at(name);
  if (column < 0) {
    throw new FinetuneError(`${path}: no '${name}' column (columns: ${table.columns.join(', ')}); causal LM data needs text, prompt + completion, or messages`);
  }
  const documents = table.rows
    .map((row, i) => (row[column] === null || row[column] === undefined ? '' : cellText(row[column], table.origin(i), name)))
    .filter((text) => text.trim() !== '');
  if (documents.length === 0) throw new FinetuneError(`${path}: the '${name}' column holds no text`);
  return { kind: 'text', documents, layout: `${format}, '${name}' column`, warnings };
}
