// The output-folder lock: exclusive, names its holder, takes over a dead process's lock, released on signals.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeFsError, folderLockOwner, LOCK_FILE, lockFolder } from './folder-lock.js';
import { inTempFolder, throwsOneLine } from './test-support.js';

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('lockFolder', () => {
  it(
    'creates the folder, holds it exclusively and names the holder to a second writer',
    inTempFolder('finetune-lock-', (root) => {
      const folder = join(root, 'runs', 'x');
      const lock = lockFolder(folder, { command: 'train' });
      assert.equal(lock.createdFolder, true);
      assert.equal(lock.notice, undefined);
      const owner = JSON.parse(readFileSync(join(folder, LOCK_FILE), 'utf8'));
      assert.equal(owner.pid, process.pid);
      assert.equal(owner.host, hostname());
      assert.deepEqual(folderLockOwner(folder)?.pid, process.pid);
      throwsOneLine(
        () => lockFolder(folder, { command: 'merge' }),
        new RegExp(
          `^${folder.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is in use by process ${process.pid} on host ${hostname()} \\(train started \\d{4}-\\d\\d-\\d\\dT`,
        ),
      );
      lock.release({ removeFolderIfEmpty: true });
      assert.equal(existsSync(folder), false, 'the lock created the folder and the run left it empty');
      lock.release();
    }),
  );

  it(
    'keeps a folder that existed or that the run filled',
    inTempFolder('finetune-lock-', (root) => {
      const lock = lockFolder(root);
      assert.equal(lock.createdFolder, false);
      lock.release({ removeFolderIfEmpty: true });
      assert.ok(existsSync(root));
      const fresh = join(root, 'fresh');
      const second = lockFolder(fresh);
      writeFileSync(join(fresh, 'config.json'), '{}');
      second.release({ removeFolderIfEmpty: true });
      assert.ok(existsSync(join(fresh, 'config.json')));
      assert.equal(existsSync(join(fresh, LOCK_FILE)), false);
    }),
  );

  it(
    'takes over the lock of a process that no longer runs on this host, with a notice',
    inTempFolder('finetune-lock-', (root) => {
      const pid = deadPid();
      writeFileSync(join(root, LOCK_FILE), JSON.stringify({ pid, host: hostname(), command: 'train', started: '2026-01-01T00:00:00.000Z' }));
      assert.equal(folderLockOwner(root), undefined);
      const lock = lockFolder(root);
      assert.match(
        lock.notice!,
        new RegExp(`taking over the lock of process ${pid} on host .* \\(train started 2026-01-01T00:00:00.000Z\\), which no longer runs$`),
      );
      assert.equal(JSON.parse(readFileSync(join(root, LOCK_FILE), 'utf8')).pid, process.pid);
      lock.release();
    }),
  );

  it(
    'takes over a lock whose pid now belongs to another process (the owner died and its pid was reused)',
    inTempFolder('finetune-lock-', (root) => {
      // This process is alive, but did not start when the lock says its owner did.
      writeFileSync(join(root, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), command: 'train', started: 'then', processStart: '1' }));
      const lock = lockFolder(root);
      assert.match(lock.notice!, /taking over the lock of process \d+ .*, which no longer runs$/);
      lock.release();
      // The same process, same start: the lock is live.
      const held = lockFolder(root);
      assert.throws(() => lockFolder(root), / is in use by process /);
      held.release();
    }),
  );

  it(
    'never takes over a lock held on another host, whose processes it cannot see',
    inTempFolder('finetune-lock-', (root) => {
      writeFileSync(join(root, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: 'elsewhere', command: 'train', started: 'then' }));
      throwsOneLine(() => lockFolder(root), / is in use by process \d+ on host elsewhere \(train started then\)$/);
    }),
  );

  it(
    'refuses a file where the folder should be',
    inTempFolder('finetune-lock-', (root) => {
      writeFileSync(join(root, 'file'), 'x');
      throwsOneLine(() => lockFolder(join(root, 'file'), { label: '--output f' }), '--output f: is a file, expected a folder');
      throwsOneLine(
        () => lockFolder(join(root, 'file', 'below'), { label: '--output g' }),
        '--output g: cannot create the folder (a path component is a file, not a directory)',
      );
    }),
  );

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(
      `is released when the process gets ${signal}, which still ends it`,
      inTempFolder('finetune-lock-', async (root) => {
        const module = fileURLToPath(new URL('./folder-lock.js', import.meta.url));
        const script = `import(${JSON.stringify(module)}).then((m) => { m.lockFolder(${JSON.stringify(root)}); console.log('locked'); setInterval(() => {}, 1000); });`;
        const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
        assert.ok(existsSync(join(root, LOCK_FILE)));
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
        child.kill(signal);
        assert.equal(await exited, signal);
        assert.equal(existsSync(join(root, LOCK_FILE)), false);
      }),
    );
  }
});

describe('describeFsError', () => {
  it('says what a file-system error code means', () => {
    const error = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: something`), { code });
    assert.equal(describeFsError(error('EROFS')), 'read-only file system');
    assert.equal(describeFsError(error('ENOSPC')), 'no space left on the device');
    assert.equal(describeFsError(error('ENOTDIR')), 'a path component is a file, not a directory');
    assert.equal(describeFsError(new Error('plain\nsecond')), 'plain');
  });
});
