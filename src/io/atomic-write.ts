// Crash-safe writes: a file or a whole folder appears under its final name complete, or not at all.
//
// Files are written to a hidden temporary name in the same folder, flushed with fsync and renamed
// (rename within one file system is atomic on POSIX). Folders are built under a hidden temporary
// name next to the target, every file in them flushed, then renamed into place: a reader sees the
// old folder or the new one, never a mix. Temporaries carry the writer's process id, so leftovers
// of a killed run are recognised and removed by the next write to the same name.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** What a file write accepts: text (written as UTF-8), bytes, or a sequence of byte chunks written in order. */
export type FileContent = string | Uint8Array | Iterable<Uint8Array>;

const TEMP_MARK = '.tmp-';

function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Whether a process with this id runs (as any user): the writers of temporaries still in use. */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporaries left for `target` by writers that no longer run. */
function removeStaleTemps(target: string): void {
  const folder = dirname(target);
  const prefix = `.${basename(target)}${TEMP_MARK}`;
  let entries: string[];
  try {
    entries = readdirSync(folder);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number.parseInt(entry.slice(prefix.length), 10);
    if (Number.isSafeInteger(pid) && !isProcessAlive(pid)) rmSync(join(folder, entry), { recursive: true, force: true });
  }
}

function syncFolder(folder: string): void {
  // Makes the rename itself durable; some platforms (Windows) cannot open folders, which is harmless there.
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // best effort only
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written);
}

function writeContent(fd: number, content: FileContent): void {
  if (typeof content === 'string') writeAll(fd, Buffer.from(content, 'utf8'));
  else if (content instanceof Uint8Array) writeAll(fd, content);
  else for (const chunk of content) writeAll(fd, chunk);
}

/** Writes `content` to `path` atomically; creates the parent folder when missing. */
export function writeFileAtomic(path: string, content: FileContent): void {
  mkdirSync(dirname(path), { recursive: true });
  removeStaleTemps(path);
  const temp = tempName(path);
  const fd = openSync(temp, 'wx');
  try {
    writeContent(fd, content);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    // Writes to an open file carry no path; the file is what an error line must name.
    if (error instanceof Error && (error as NodeJS.ErrnoException).code !== undefined) (error as NodeJS.ErrnoException).path ??= temp;
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  syncFolder(dirname(path));
}

/** Writes `value` as indented JSON with a final newline, atomically. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

function syncTree(path: string): void {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) syncTree(join(path, entry));
  }
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } catch {
    // folders cannot be flushed on every platform; their files were
  } finally {
    closeSync(fd);
  }
}

/**
 * Builds the folder `path` atomically: `fill` receives an empty temporary folder and writes the
 * files into it with ordinary writes (it may be async); once it returns, everything is flushed and
 * the folder is renamed to `path`. An existing `path` is replaced: it is first moved aside and
 * removed after the new folder is in place, so a crash between the two renames leaves the old
 * folder under a temporary name, never a half-written one under `path`.
 * If `fill` throws, the temporary folder is removed and `path` is left as it was.
 */
export async function writeFolderAtomic(path: string, fill: (tempFolder: string) => void | Promise<void>): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  removeStaleTemps(path);
  const temp = tempName(path);
  mkdirSync(temp);
  try {
    await fill(temp);
    syncTree(temp);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  let previous: string | undefined;
  if (existsSync(path)) {
    previous = tempName(path);
    renameSync(path, previous);
  }
  try {
    renameSync(temp, path);
  } catch (error) {
    if (previous) renameSync(previous, path);
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  syncFolder(dirname(path));
  if (previous) rmSync(previous, { recursive: true, force: true });
}
