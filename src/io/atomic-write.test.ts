// Tests for crash-safe writes: complete files and folders, failures that leave the old state, stale temporaries.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeFolderAtomic, writeJsonAtomic } from './atomic-write.js';
import { inTempFolder } from './test-support.js';

// A process id that cannot be running: above the kernel's maximum.
const DEAD_PID = 4_194_999;

test(
  'writes text, bytes and chunk sequences, replacing the old file',
  inTempFolder('atomic-', (folder) => {
    const path = join(folder, 'nested', 'out.txt');
    writeFileAtomic(path, 'first');
    assert.equal(readFileSync(path, 'utf8'), 'first');
    writeFileAtomic(path, Uint8Array.from([104, 105]));
    assert.equal(readFileSync(path, 'utf8'), 'hi');
    function* chunks(): Generator<Uint8Array> {
      yield Buffer.from('a');
      yield Buffer.from('bc');
    }
    writeFileAtomic(path, chunks());
    assert.equal(readFileSync(path, 'utf8'), 'abc');
    writeJsonAtomic(join(folder, 'x.json'), { a: 1 });
    assert.equal(readFileSync(join(folder, 'x.json'), 'utf8'), '{\n  "a": 1\n}\n');
    assert.deepEqual(readdirSync(join(folder, 'nested')), ['out.txt']);
  }),
);

test(
  'a write that fails midway keeps the old file and removes its temporary',
  inTempFolder('atomic-', (folder) => {
    const path = join(folder, 'model.bin');
    writeFileAtomic(path, 'old');
    function* failing(): Generator<Uint8Array> {
      yield Buffer.from('partial');
      throw new Error('killed');
    }
    assert.throws(() => writeFileAtomic(path, failing()), /killed/);
    assert.equal(readFileSync(path, 'utf8'), 'old');
    assert.deepEqual(readdirSync(folder), ['model.bin']);
  }),
);

test(
  'temporaries of dead writers are removed, those of live ones kept',
  inTempFolder('atomic-', (folder) => {
    const stale = `.out.txt.tmp-${DEAD_PID}-abcd1234`;
    const live = `.out.txt.tmp-${process.pid}-live0000`;
    const other = `.other.txt.tmp-${DEAD_PID}-abcd1234`;
    for (const name of [stale, live, other]) writeFileSync(join(folder, name), 'x');
    writeFileAtomic(join(folder, 'out.txt'), 'done');
    assert.deepEqual(readdirSync(folder).sort(), [live, other, 'out.txt'].sort());
  }),
);

test(
  'folders appear complete under their name and replace an old one',
  inTempFolder('atomic-', async (folder) => {
    const target = join(folder, 'checkpoints', 'checkpoint-10');
    await writeFolderAtomic(target, (temp) => {
      assert.notEqual(temp, target);
      writeFileSync(join(temp, 'a.txt'), 'one');
      mkdirSync(join(temp, 'sub'));
      writeFileSync(join(temp, 'sub', 'b.txt'), 'two');
    });
    assert.deepEqual(readdirSync(target).sort(), ['a.txt', 'sub']);
    assert.equal(readFileSync(join(target, 'sub', 'b.txt'), 'utf8'), 'two');
    await writeFolderAtomic(target, async (temp) => {
      await Promise.resolve();
      writeFileSync(join(temp, 'c.txt'), 'three');
    });
    assert.deepEqual(readdirSync(target), ['c.txt']);
    assert.deepEqual(readdirSync(join(folder, 'checkpoints')), ['checkpoint-10']);
  }),
);

test(
  'a folder write that fails leaves the old folder and no temporary',
  inTempFolder('atomic-', async (folder) => {
    const target = join(folder, 'run');
    await writeFolderAtomic(target, (temp) => writeFileSync(join(temp, 'keep.txt'), 'kept'));
    mkdirSync(join(folder, `.run.tmp-${DEAD_PID}-00000000`));
    await assert.rejects(
      writeFolderAtomic(target, (temp) => {
        writeFileSync(join(temp, 'half.txt'), 'half');
        throw new Error('disk full');
      }),
      /disk full/,
    );
    assert.deepEqual(readdirSync(folder), ['run']);
    assert.equal(readFileSync(join(target, 'keep.txt'), 'utf8'), 'kept');
  }),
);
