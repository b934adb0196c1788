// Reading JSON files with one-line errors that name the file.
import { FinetuneError } from '../errors.js';
import { readTextBounded, type FileKind } from './bounded-read.js';

/** Why a file system call failed, for an error line: 'no such file', else the error code (or message). */
export function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : (code ?? (error as Error).message);
}

/** Parses JSON text; `file` names it in the error (the parser's message cut to its first line). */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new FinetuneError(`${file}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
}

/** Reads and parses a UTF-8 JSON file of `kind` (default 'config': see FILE_LIMITS); devices, pipes and oversized files fail by name. */
export function readJsonFile(path: string, kind: FileKind = 'config'): unknown {
  let text: string;
  try {
    text = readTextBounded(path, kind);
  } catch (error) {
    if (error instanceof FinetuneError) throw error;
    throw new FinetuneError(`${path}: cannot read (${fileErrorReason(error)})`);
  }
  return parseJson(text, path);
}

/** Reads a JSON file that must hold an object. */
export function readJsonObject(path: string, kind: FileKind = 'config'): Record<string, unknown> {
  const value = readJsonFile(path, kind);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FinetuneError(`${path}: expected a JSON object`);
  return value as Record<string, unknown>;
}
