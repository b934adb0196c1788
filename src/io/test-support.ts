// Assertions the io tests share: a reader fails with one FinetuneError line.
import assert from 'node:assert/strict';
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
