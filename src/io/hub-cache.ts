// The huggingface_hub cache layout: `<cache>/models--org--name/{blobs,snapshots/<commit>,refs,.no_exist}`.
//
// Files are stored once under `blobs/<etag>` and appear in each snapshot as relative symbolic
// links (copies where links are not allowed), so Python tools and this library share one cache.

import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { readTextBounded } from './bounded-read.js';

const SAFE_NAME = /^[\w.-]+$/;

/**
 * A name safe to use as one path segment: an ETag or a revision that is already plain stays as
 * huggingface_hub would store it; anything else (quotes, slashes, `..`) is replaced by its hash,
 * so a hostile server cannot make the cache write outside its folder.
 */
export function safeSegment(value: string): string {
  return SAFE_NAME.test(value) && value !== '.' && value !== '..' ? value : createHash('sha256').update(value).digest('hex');
}

/** `"abc"` and `W/"abc"` -> `abc`, as huggingface_hub normalises ETags. */
export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

export class RepoCache {
  /** `<cache>/models--org--name`. */
  readonly folder: string;

  constructor(cacheDir: string, repoType: 'model' | 'dataset', repoId: string) {
    this.folder = join(cacheDir, `${repoType}s--${repoId.split('/').join('--')}`);
  }

  /**
   * The snapshot a revision was last seen at: `refs/<revision>`, else the revision itself when it
   * has a snapshot folder (a commit hash, or a branch of a server that sends no commit header).
   */
  commitFor(revision: string): string | undefined {
    const ref = join(this.folder, 'refs', revision);
    if (existsSync(ref)) {
      const commit = readTextBounded(ref, 'config').trim();
      if (commit !== '') return commit;
    }
    return existsSync(this.snapshotFolder(revision)) ? revision : undefined;
  }

  writeRef(revision: string, commit: string): void {
    if (revision === commit) return;
    const ref = join(this.folder, 'refs', revision);
    if (existsSync(ref) && readTextBounded(ref, 'config').trim() === commit) return;
    writeFileAtomic(ref, commit);
  }

  snapshotFolder(commit: string): string {
    return join(this.folder, 'snapshots', safeSegment(commit));
  }

  snapshotFile(commit: string, file: string): string {
    return join(this.snapshotFolder(commit), file);
  }

  /** True when the snapshot holds the file (a dangling link, after someone pruned blobs, does not count). */
  hasFile(commit: string, file: string): boolean {
    return existsSync(this.snapshotFile(commit, file));
  }

  blobPath(etag: string): string {
    return join(this.folder, 'blobs', safeSegment(etag));
  }

  incompletePath(etag: string): string {
    return `${this.blobPath(etag)}.incomplete`;
  }

  /** Whether an earlier request found that the file does not exist at this commit. */
  isKnownMissing(commit: string, file: string): boolean {
    return existsSync(join(this.folder, '.no_exist', safeSegment(commit), file));
  }

  markMissing(commit: string, file: string): void {
    // An empty marker: a torn write still means "missing", so no temporary or flush is needed.
    const marker = join(this.folder, '.no_exist', safeSegment(commit), file);
    mkdirSync(dirname(marker), { recursive: true });
    writeFileSync(marker, '');
  }

  /** Makes the snapshot's `file` point at the blob; returns the snapshot path. */
  linkSnapshot(commit: string, file: string, etag: string): string {
    const target = this.snapshotFile(commit, file);
    const blob = this.blobPath(etag);
    mkdirSync(dirname(target), { recursive: true });
    rmSync(target, { force: true });
    try {
      symlinkSync(relative(dirname(target), blob), target);
    } catch {
      // Windows without developer mode cannot create links; huggingface_hub copies there too.
      copyFileSync(blob, target);
    }
    return target;
  }
}
