// One writer per output folder: an exclusive lock file, created atomically, that names the process holding it.
//
// The lock is `<folder>/.finetune.lock`, created exclusively (a hard link fails if the name exists) so that of two processes starting at
// the same instant exactly one gets it. It holds the owner's pid, host, command and start time; a
// lock left by a process that no longer runs on this host is taken over (with a notice). The lock
// is removed on release, on process exit and on SIGINT/SIGTERM.

import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FinetuneError } from '../errors.js';
import { isProcessAlive } from './atomic-write.js';

/** The lock file's name inside the folder it guards. */
export const LOCK_FILE = '.finetune.lock';

/** What a lock file records about its holder. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** What holds it, e.g. 'train' or 'merge'. */
  readonly command: string;
  /** ISO time the lock was taken. */
  readonly started: string;
  /** The process's start time as the kernel counts it (Linux), which tells a reused pid from the owner. */
  readonly processStart?: string;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined where there is no /proc. */
function processStartOf(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export interface FolderLock {
  /** The folder guarded. */
  readonly folder: string;
  /** True when taking the lock created the folder (callers may remove it again if the run leaves it empty). */
  readonly createdFolder: boolean;
  /** A line for the user when a stale lock was taken over; undefined otherwise. */
  readonly notice: string | undefined;
  /** Removes the lock file (idempotent); with `removeFolderIfEmpty`, also the folder when the lock created it and nothing else is in it. */
  release(options?: { readonly removeFolderIfEmpty?: boolean }): void;
}

export interface FolderLockOptions {
  /** What takes the lock, shown to a second writer (default 'finetune'). */
  readonly command?: string;
  /** How the folder is named in errors other than "in use" (default: its path), e.g. `--output runs/x`. */
  readonly label?: string;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (Number.isSafeInteger(value.pid) && typeof value.host === 'string') {
      return {
        pid: value.pid!,
        host: value.host,
        command: String(value.command ?? '?'),
        started: String(value.started ?? '?'),
        ...(typeof value.processStart === 'string' ? { processStart: value.processStart } : {}),
      };
    }
  } catch {
    // a torn or foreign file: judged by its age below
  }
  return undefined;
}

function describeOwner(owner: LockOwner): string {
  return `process ${owner.pid} on host ${owner.host} (${owner.command} started ${owner.started})`;
}

/**
 * Creates the lock file with its content complete from the first instant (a reader never sees it
 * empty): written under a private name, then hard-linked into place, which fails if it exists.
 */
function tryCreate(path: string, owner: LockOwner): boolean {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(temp, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** A lock file is stale when its process is gone from this host; an unreadable one when older than this. */
const UNREADABLE_STALE_MS = 10_000;

function isStale(path: string, owner: LockOwner | undefined, host: string): boolean {
  if (owner) {
    if (owner.host !== host) return false;
    if (!isProcessAlive(owner.pid)) return true;
    // Alive, but perhaps another process that got the dead owner's pid.
    const now = owner.processStart === undefined ? undefined : processStartOf(owner.pid);
    return now !== undefined && now !== owner.processStart;
  }
  try {
    return Date.now() - statSync(path).mtimeMs > UNREADABLE_STALE_MS;
  } catch {
    return true;
  }
}

const held = new Set<() => void>();
let handlersInstalled = false;

function releaseAllOnExit(): void {
  for (const release of [...held]) release();
}

function onSignal(signal: NodeJS.Signals): void {
  releaseAllOnExit();
  // Default behaviour once the locks are gone: die of the same signal, so the exit status tells.
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  handlersInstalled = false;
  process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', releaseAllOnExit);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function removeHandlersWhenIdle(): void {
  if (held.size > 0 || !handlersInstalled) return;
  handlersInstalled = false;
  process.removeListener('exit', releaseAllOnExit);
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
}

/** The folder's lock holder, when a live one holds it (a stale lock counts as free). */
export function folderLockOwner(folder: string): LockOwner | undefined {
  const path = join(folder, LOCK_FILE);
  if (!existsSync(path)) return undefined;
  const owner = readOwner(path);
  return owner && !isStale(path, owner, hostname()) ? owner : undefined;
}

/**
 * Takes `folder` for this process (creating it when missing) or throws a one-line FinetuneError
 * naming the holder: `runs/x is in use by process 1234 on host h (train started 2026-...)`.
 * A lock whose process is gone from this host is taken over; the returned `notice` says so.
 */
export function lockFolder(folder: string, options: FolderLockOptions = {}): FolderLock {
  const label = options.label ?? folder;
  const host = hostname();
  const processStart = processStartOf('self');
  const owner: LockOwner = {
    pid: process.pid,
    host,
    command: options.command ?? 'finetune',
    started: new Date().toISOString(),
    ...(processStart === undefined ? {} : { processStart }),
  };
  const createdFolder = !existsSync(folder);
  if (!createdFolder && !statSync(folder).isDirectory()) throw new FinetuneError(`${label}: is a file, expected a folder`);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new FinetuneError(`${label}: cannot create the folder (${describeFsError(error)})`);
  }
  const path = join(folder, LOCK_FILE);
  let notice: string | undefined;
  for (let attempt = 0; ; attempt++) {
    let created: boolean;
    try {
      created = tryCreate(path, owner);
    } catch (error) {
      throw new FinetuneError(`${label}: cannot create the lock file ${LOCK_FILE} (${describeFsError(error)})`);
    }
    if (created) break;
    const holder = readOwner(path);
    if (!isStale(path, holder, host) || attempt >= 3) {
      throw new FinetuneError(holder ? `${folder} is in use by ${describeOwner(holder)}` : `${folder} is in use (lock file ${path})`);
    }
    // Moved aside under a name of our own before removal: of two processes taking over at once,
    // only one rename succeeds, and the other retries against the fresh lock.
    const aside = `${path}.stale-${process.pid}`;
    try {
      renameSync(path, aside);
    } catch {
      continue;
    }
    const moved = readOwner(aside);
    if (moved && !isStale(aside, moved, host)) {
      // Someone else's fresh lock was moved (it replaced the stale one in between): put it back.
      renameSync(aside, path);
      throw new FinetuneError(`${folder} is in use by ${describeOwner(moved)}`);
    }
    rmSync(aside, { force: true });
    notice = `${folder}: taking over the lock of ${holder ? describeOwner(holder) : 'an unreadable lock file'}, which no longer runs`;
  }
  let released = false;
  const releaseLock = (): void => {
    if (released) return;
    released = true;
    held.delete(releaseLock);
    // Only our own lock is removed: a folder someone else took over since is theirs.
    const current = readOwner(path);
    if (current && current.pid === owner.pid && current.host === host && current.started === owner.started) rmSync(path, { force: true });
    removeHandlersWhenIdle();
  };
  held.add(releaseLock);
  installHandlers();
  return {
    folder,
    createdFolder,
    notice,
    release(releaseOptions = {}) {
      releaseLock();
      if (releaseOptions.removeFolderIfEmpty && createdFolder) {
        try {
          rmdirSync(folder);
        } catch {
          // not empty (the run left files), or gone: either way nothing to do
        }
      }
    },
  };
}

/** A file-system error as the cause in a one-line message: read-only, no space, not a directory... */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'ENOTDIR':
      return 'a path component is a file, not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EEXIST':
      return 'already exists';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOENT':
      return 'no such file or directory';
    default:
      return code ?? (error as Error).message.split('\n')[0]!;
  }
}
