// What the io tests share: a reader fails with one FinetuneError line; bodies run in a temporary folder.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FinetuneError } from '../errors.js';

/** Asserts `run` throws a FinetuneError of one line, equal to `message` (a string) or matching it (a pattern). */
export function throwsOneLine(run: () => unknown, message: string | RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof FinetuneError, String(error));
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    assert.ok(!error.message.includes('\n'));
    return true;
  });
}

/** A test body that runs `use` in a fresh temporary folder (named from `prefix`) and removes the folder afterwards. */
export function inTempFolder(prefix: string, use: (folder: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const folder = mkdtempSync(join(tmpdir(), prefix));
    try {
      await use(folder);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  };
}
