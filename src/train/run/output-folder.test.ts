// The output folder a run takes: locked before it is checked, --resume locks the run it continues, leftovers of a failed start do not block.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FinetuneError } from '../../errors.js';
import { folderLockOwner, LOCK_FILE } from '../../io/folder-lock.js';
import { inTempFolder } from '../../io/test-support.js';
import { lockOutputFolder, planOutput } from './output-folder.js';

describe('lockOutputFolder', () => {
  it(
    'locks --output, and the run folder that --resume names (a checkpoint inside it, or the folder itself)',
    inTempFolder('finetune-output-', (root) => {
      const run = join(root, 'run');
      const checkpoint = join(run, 'checkpoints', 'checkpoint-4');
      mkdirSync(checkpoint, { recursive: true });
      writeFileSync(join(checkpoint, 'trainer_state.json'), '{}');
      writeFileSync(join(checkpoint, 'model.safetensors'), '');
      for (const options of [{ output: run }, { resume: checkpoint }, { resume: run }]) {
        const lock = lockOutputFolder(options);
        assert.equal(folderLockOwner(run)?.pid, process.pid, JSON.stringify(options));
        assert.throws(
          () => lockOutputFolder({ output: run }),
          (error: unknown) => error instanceof FinetuneError && / is in use by process /.test(error.message),
        );
        lock.release();
        assert.equal(existsSync(join(run, LOCK_FILE)), false);
      }
    }),
  );

  it(
    'creates nothing for a --resume folder that does not exist, and reports it as planOutput does',
    inTempFolder('finetune-output-', (root) => {
      const missing = join(root, 'missing');
      assert.throws(() => lockOutputFolder({ resume: missing }), { message: `--resume ${missing}: no such folder` });
      assert.equal(existsSync(missing), false);
      assert.throws(() => lockOutputFolder({ resume: true }), { message: '--resume without a folder needs --output (the run to continue)' });
    }),
  );

  it(
    'lets a plain rerun take a folder that a run left before its first checkpoint; not one with a model in it',
    inTempFolder('finetune-output-', (root) => {
      mkdirSync(join(root, 'checkpoints'));
      writeFileSync(join(root, 'training_args.json'), '{}');
      writeFileSync(join(root, '.model.safetensors.tmp-999999999-abcd1234'), '');
      assert.deepEqual(planOutput({ output: root }), { outputDir: root });
      writeFileSync(join(root, 'model.safetensors'), '');
      assert.throws(() => planOutput({ output: root }), /the folder is not empty/);
    }),
  );
});
