// `finetune train` when its output cannot be written: a file where the folder should be, and a disk that fills up mid-run.
import assert from 'node:assert/strict';
import fs, { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LOCK_FILE } from '../../src/io/folder-lock.js';
import { runCli, TINY_BERT_CONFIG } from '../support/run-cli.js';
import { syntheticExamples } from '../support/tiny-classifier.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-output-errors-'));
after(() => rmSync(root, { recursive: true, force: true }));
const at = (name: string): string => join(root, name);
const train = (output: string): string[] => [
  'train',
  '--model',
  at('model/config.json'),
  '--init',
  'random',
  '--data',
  at('train.tsv'),
  '--eval-split',
  '0',
  '--max-steps',
  '2',
  '--threads',
  '1',
  '--no-progress',
  '--output',
  output,
];

before(() => {
  mkdirSync(at('model'));
  writeFileSync(at('model/config.json'), JSON.stringify(TINY_BERT_CONFIG));
  writeFileSync(
    at('train.tsv'),
    `sentence\tlabel\n${syntheticExamples(30, 2)
      .map((e) => `${e.text}\t${e.label}`)
      .join('\n')}\n`,
  );
  writeFileSync(at('a-file'), 'x');
});

describe('output folder file-system errors', () => {
  it('a file where a folder of --output should be: one line naming --output and the cause', async () => {
    const run = await runCli(train(at('a-file/run')));
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `finetune: --output ${at('a-file/run')}: cannot create the folder (a path component is a file, not a directory)\n`);
  });

  it('a disk that fills up while a checkpoint is saved: one line naming --output, the file and the cause; the lock is released', async () => {
    const { writeSync } = fs;
    // Every write of a model.safetensors under this output fails as a full disk would.
    const failing = new Set<number>();
    const { openSync } = fs;
    fs.openSync = ((path: fs.PathLike, ...rest: unknown[]) => {
      const fd = (openSync as (...a: unknown[]) => number)(path, ...rest);
      if (String(path).startsWith(at('full')) && /\.model\.safetensors\.tmp-/.test(String(path))) failing.add(fd);
      return fd;
    }) as typeof fs.openSync;
    fs.writeSync = ((fd: number, ...rest: unknown[]) => {
      if (failing.has(fd)) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      return (writeSync as (...a: unknown[]) => number)(fd, ...rest);
    }) as typeof fs.writeSync;
    syncBuiltinESMExports();
    try {
      const run = await runCli(train(at('full')));
      assert.equal(run.code, 1);
      assert.equal(
        run.stderr.trimEnd().split('\n').at(-1),
        `finetune: --output ${at('full')}: cannot write checkpoints/checkpoint-2/model.safetensors (no space left on the device)`,
      );
      assert.equal(existsSync(join(at('full'), LOCK_FILE)), false);
    } finally {
      fs.openSync = openSync;
      fs.writeSync = writeSync;
      syncBuiltinESMExports();
    }
    // The failed run left no checkpoint: a plain rerun takes the folder.
    const rerun = await runCli(train(at('full')));
    assert.equal(rerun.code, 0, rerun.stderr);
  });
});
