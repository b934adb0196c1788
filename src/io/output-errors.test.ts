// File-system failures while writing an output folder become one line naming --output, the file and the cause.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { FinetuneError } from '../errors.js';
import { outputWriteError, withOutputErrors } from './output-errors.js';

const fsError = (code: string, path?: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: simulated, write '${path}'`), { code, ...(path === undefined ? {} : { path }) });

test('maps read-only, no space and not-a-directory failures inside the folder, naming the file', () => {
  const folder = join('/runs', 'x');
  const message = (error: unknown): string | undefined => outputWriteError(error, folder, '--output runs/x')?.message;
  assert.equal(
    message(fsError('EROFS', join(folder, '.model.safetensors.tmp-12-ab12cd34'))),
    '--output runs/x: cannot write model.safetensors (read-only file system)',
  );
  assert.equal(message(fsError('ENOSPC')), '--output runs/x: cannot write (no space left on the device)');
  assert.equal(
    message(fsError('ENOTDIR', join(folder, 'checkpoints'))),
    '--output runs/x: cannot write checkpoints (a path component is a file, not a directory)',
  );
  assert.equal(
    message(fsError('EDQUOT', join(folder, 'checkpoints', '.checkpoint-4.tmp-9-00ff00ff', '.optimizer.safetensors.tmp-9-0a0b0c0d'))),
    '--output runs/x: cannot write checkpoints/checkpoint-4/optimizer.safetensors (disk quota exceeded)',
  );
  assert.equal(message(fsError('EACCES', folder)), '--output runs/x: cannot write (permission denied)');
});

test('leaves other errors alone: outside the folder, not a file-system error, already a FinetuneError', () => {
  assert.equal(outputWriteError(fsError('ENOENT', '/data/train.csv'), '/runs/x', 'o'), undefined);
  assert.equal(outputWriteError(fsError('ENOENT'), '/runs/x', 'o'), undefined);
  assert.equal(outputWriteError(new TypeError('x'), '/runs/x', 'o'), undefined);
  assert.equal(outputWriteError(new FinetuneError('a'), '/runs/x', 'o'), undefined);
});

test('withOutputErrors rethrows the mapped line, or the error as it was', async () => {
  await assert.rejects(
    withOutputErrors('/runs/x', '--output /runs/x', async () => {
      throw fsError('ENOSPC');
    }),
    { name: 'FinetuneError', message: '--output /runs/x: cannot write (no space left on the device)' },
  );
  const other = new RangeError('other');
  await assert.rejects(
    withOutputErrors('/runs/x', 'o', async () => {
      throw other;
    }),
    (error) => error === other,
  );
  assert.equal(await withOutputErrors('/runs/x', 'o', async () => 5), 5);
});
