// Size-checked reads: devices, pipes and folders refused by name without reading, limits per kind, endless pipes and gzip bombs capped.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { checkReadableFile, formatBytes, gunzipBounded, readFileBounded, readTextBounded } from './bounded-read.js';
import { readJsonFile } from './json-file.js';
import { readSafetensors } from './safetensors.js';
import { inTempFolder, throwsOneLine } from './test-support.js';

describe('bounded reads', () => {
  it(
    'refuse /dev/zero and a link to it, for every kind, at once',
    inTempFolder('finetune-bounded-', (root) => {
      const link = join(root, 'config.json');
      symlinkSync('/dev/zero', link);
      const started = Date.now();
      throwsOneLine(() => readJsonFile('/dev/zero'), '/dev/zero: is a character device, expected a config file');
      throwsOneLine(() => readJsonFile(link), `${link}: is a character device, expected a config file`);
      throwsOneLine(() => readTextBounded(link, 'tokenizer'), `${link}: is a character device, expected a tokenizer file`);
      throwsOneLine(() => readFileBounded('/dev/zero', 'data'), '/dev/zero: is a character device, expected a data file');
      throwsOneLine(() => readSafetensors(link), `${link}: is a character device, expected a weights file`);
      throwsOneLine(() => checkReadableFile('/dev/null', 'state'), '/dev/null: is a character device, expected a training state file');
      assert.ok(Date.now() - started < 1000);
    }),
  );

  it(
    'refuse a folder and, except for data, a pipe (without blocking on it)',
    inTempFolder('finetune-bounded-', (root) => {
      throwsOneLine(() => readJsonFile(root), `${root}: is a directory, expected a config file`);
      const fifo = join(root, 'fifo');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      throwsOneLine(() => readJsonFile(fifo), `${fifo}: is a pipe, expected a config file`);
      throwsOneLine(() => readSafetensors(fifo), `${fifo}: is a pipe, expected a weights file`);
    }),
  );

  it(
    'check sizes against the limit of the kind before reading',
    inTempFolder('finetune-bounded-', (root) => {
      const big = join(root, 'config.json');
      writeFileSync(big, '');
      truncateSync(big, 65 * 1024 * 1024);
      throwsOneLine(() => readJsonFile(big), `${big}: 65 MB, over the 64 MB limit for a config file`);
      const small = join(root, 'small.json');
      writeFileSync(small, '{"a": 1}');
      assert.deepEqual(readJsonFile(small), { a: 1 });
      throwsOneLine(() => readTextBounded(small, 'state', 4), `${small}: 8 bytes, over the 4 bytes limit for a training state file`);
    }),
  );

  it(
    'read a data pipe to its end, and stop an endless one at the limit with one line',
    inTempFolder('finetune-bounded-', async (root) => {
      const fifo = join(root, 'data.fifo');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      const finite = spawn('sh', ['-c', `printf 'text,label\\na,b\\n' > '${fifo}'`]);
      assert.equal(readTextBounded(fifo, 'data'), 'text,label\na,b\n');
      await new Promise((resolve) => finite.on('close', resolve));
      const endless = spawn('sh', ['-c', `cat /dev/zero > '${fifo}'`], { stdio: 'ignore' });
      try {
        throwsOneLine(() => readFileBounded(fifo, 'data', 4 << 20), `${fifo}: more than 4 MB, the limit for a data file; stopped reading`);
      } finally {
        endless.kill();
      }
    }),
  );

  it('inflate gzip never past the limit', () => {
    const bomb = gzipSync(new Uint8Array(32 << 20));
    assert.ok(bomb.byteLength < 64 * 1024);
    throwsOneLine(() => gunzipBounded(bomb, 1 << 20, 'data.csv.gz'), 'data.csv.gz: broken gzip data (inflates past 1 MB)');
    assert.equal(gunzipBounded(gzipSync(Buffer.from('a,b\n')), 1 << 20, 'x').byteLength, 4);
    throwsOneLine(() => gunzipBounded(Uint8Array.from([0x1f, 0x8b, 1, 2]), 1 << 20, 'x.gz'), /^x\.gz: broken gzip data \(.+\)$/);
  });

  it('formats sizes for messages', () => {
    assert.equal(formatBytes(12), '12 bytes');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(4 * 1024 ** 3), '4 GB');
  });
});
