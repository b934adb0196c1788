// Hugging Face Hub downloads into the shared cache: which files a model needs, from the cache first, then the server.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { FinetuneError } from '../errors.js';
import { formatBytes } from './bounded-read.js';
import { RepoCache, normalizeEtag } from './hub-cache.js';
import { HubUnreachableError, downloadFile, headFile, type RequestContext } from './hub-http.js';
import { hubSettings, type HubOptions, type HubSettings } from './hub-settings.js';
import { readShardIndex } from './safetensors-index.js';

/**
 * One entry of what to fetch: a file name (required), `{file, optional}`, or `{firstOf: [...]}`:
 * the first alternative that exists (a 404 moves on to the next). A `*.index.json` that is
 * fetched brings the shard files its `weight_map` names.
 */
export type HubFileRequest =
  | string
  | { readonly file: string; readonly optional?: boolean }
  | { readonly firstOf: readonly string[]; readonly optional?: boolean };

/** What a Hugging Face model folder needs: config, the preferred weights format, the tokenizer files present. */
export const DEFAULT_MODEL_FILES: readonly HubFileRequest[] = [
  'config.json',
  { firstOf: ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json'] },
  ...['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'vocab.json', 'merges.txt'].map((file) => ({ file, optional: true })),
];

export interface ResolveModelFilesOptions extends HubOptions {
  /** What to fetch (default DEFAULT_MODEL_FILES). */
  readonly files?: readonly HubFileRequest[];
}

const ID_PART = /^\w(?:[\w.-]{0,94}\w)?$/;

/** True when `value` is shaped like a Hub repository id: `name` or `org/name` (word characters, `.`, `-`). */
export function isHubId(value: string): boolean {
  const parts = value.split('/');
  if (parts.length > 2 || value.includes('--') || value.includes('..') || value.endsWith('.git')) return false;
  return parts.every((part) => ID_PART.test(part));
}

function checkRelativePath(value: string, what: string, repoId: string): void {
  const segments = value.split('/');
  if (value === '' || value.includes('\\') || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new FinetuneError(`${repoId}: invalid ${what} '${value}'`);
  }
}

class Resolver {
  /** The commit every file is fetched at, once the server (or the cache) named it: one consistent snapshot. */
  private commit: string | undefined;

  constructor(
    private readonly repoId: string,
    private readonly settings: HubSettings,
    private readonly cache: RepoCache,
  ) {
    this.commit = cache.commitFor(settings.revision);
  }

  get snapshotFolder(): string {
    return this.cache.snapshotFolder(this.commit ?? this.settings.revision);
  }

  /** Resolves one request; returns the file chosen, or undefined for an optional request with none present. */
  async resolve(request: HubFileRequest): Promise<string | undefined> {
    const alternatives = typeof request === 'string' ? [request] : 'firstOf' in request ? request.firstOf : [request.file];
    const optional = typeof request !== 'string' && request.optional === true;
    for (const file of alternatives) checkRelativePath(file, 'file name', this.repoId);
    const chosen = await this.firstPresent(alternatives);
    if (chosen === undefined) {
      if (optional) return undefined;
      throw this.missingError(alternatives);
    }
    if (chosen.endsWith('.index.json')) {
      const index = readShardIndex(this.cache.snapshotFile(this.commit ?? this.settings.revision, chosen));
      for (const shard of index.shards) await this.resolve(shard);
    }
    return chosen;
  }

  private missingError(alternatives: readonly string[]): FinetuneError {
    const names = alternatives.join(', ');
    if (this.settings.offline) {
      return new FinetuneError(`${this.repoId}: ${names} not in the cache ${this.cache.folder}, and HF_HUB_OFFLINE forbids downloads`);
    }
    const where = alternatives.length === 1 ? names : `none of ${names}`;
    return new FinetuneError(`${this.repoId}: ${where}: not found at revision '${this.settings.revision}' (HTTP 404)`);
  }

  private cachedAlternative(alternatives: readonly string[]): string | undefined {
    return this.commit === undefined ? undefined : alternatives.find((file) => this.cache.hasFile(this.commit!, file));
  }

  private async firstPresent(alternatives: readonly string[]): Promise<string | undefined> {
    if (this.settings.offline) return this.cachedAlternative(alternatives);
    for (const file of alternatives) {
      if (this.commit !== undefined && this.cache.hasFile(this.commit, file)) return file;
      if (this.commit !== undefined && this.cache.isKnownMissing(this.commit, file)) continue;
      try {
        if (await this.fetch(file)) return file;
      } catch (error) {
        // Offline by accident: what the cache holds still serves.
        const cached = error instanceof HubUnreachableError ? this.cachedAlternative(alternatives) : undefined;
        if (cached === undefined) throw error;
        return cached;
      }
    }
    return undefined;
  }

  /** Fetches one file into the cache; false when the server says it does not exist. */
  private async fetch(file: string): Promise<boolean> {
    const { endpoint, repoType, revision, token, onProgress, etagTimeoutMs, downloadTimeoutMs, totalTimeoutMs, retries, retryDelayMs } = this.settings;
    const pinned = this.commit ?? revision;
    const encodedFile = file.split('/').map(encodeURIComponent).join('/');
    const repoPath = `${repoType === 'dataset' ? 'datasets/' : ''}${this.repoId}`;
    const url = `${endpoint}/${repoPath}/resolve/${encodeURIComponent(pinned)}/${encodedFile}`;
    const context: RequestContext = {
      repoId: this.repoId,
      file,
      revision,
      endpoint,
      token,
      onProgress,
      timing: { etagTimeoutMs, downloadTimeoutMs, totalTimeoutMs, retries, retryDelayMs },
    };
    const head = await headFile(url, context);
    const commit = head.found ? head.remote.commit : head.commit;
    if (this.commit === undefined && commit !== undefined) {
      this.commit = commit;
      this.cache.writeRef(revision, commit);
    }
    const snapshot = this.commit ?? revision;
    if (!head.found) {
      this.cache.markMissing(snapshot, file);
      return false;
    }
    // Without an ETag the blob is named after what it is, so a resumed download finds its partial file.
    const etag = head.remote.etag !== undefined ? normalizeEtag(head.remote.etag) : createHash('sha256').update(`${snapshot}/${file}`).digest('hex');
    const blob = this.cache.blobPath(etag);
    if (!existsSync(blob)) {
      const incomplete = this.cache.incompletePath(etag);
      const started = Date.now();
      await downloadFile(head.remote, incomplete, context);
      renameSync(incomplete, blob);
      // One line per file fetched, for logs (a terminal shows the run's own progress instead).
      this.settings.log?.(`downloaded ${this.repoId}/${file} (${formatBytes(statSync(blob).size)} in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
    this.cache.linkSnapshot(snapshot, file, etag);
    return true;
  }
}

/**
 * Makes the files of a Hub repository available locally and returns the snapshot folder
 * (`<cache>/models--org--name/snapshots/<commit>`), laid out as huggingface_hub lays it out.
 * A file already in the cached snapshot of the revision is used without any request, and a
 * file the server said was missing (`.no_exist`) is not asked for again, so a second run works
 * with no network. With `offline` only the cache is used.
 */
export async function resolveModelFiles(repoId: string, options: ResolveModelFilesOptions = {}): Promise<string> {
  if (!isHubId(repoId)) throw new FinetuneError(`'${repoId}' is not a valid Hugging Face repository id`);
  const settings = hubSettings(options);
  checkRelativePath(settings.revision, 'revision', repoId);
  const resolver = new Resolver(repoId, settings, new RepoCache(settings.cacheDir, settings.repoType, repoId));
  for (const request of options.files ?? DEFAULT_MODEL_FILES) await resolver.resolve(request);
  mkdirSync(resolver.snapshotFolder, { recursive: true });
  return resolver.snapshotFolder;
}

/**
 * A model folder from what the user typed: an existing folder as is, else a Hub id whose files
 * are fetched (see resolveModelFiles), else a one-line error.
 */
export async function locateModel(nameOrPath: string, options: ResolveModelFilesOptions = {}): Promise<string> {
  if (existsSync(nameOrPath)) {
    if (!statSync(nameOrPath).isDirectory()) throw new FinetuneError(`${nameOrPath}: not a folder (a model is a folder with config.json)`);
    return resolvePath(nameOrPath);
  }
  if (isHubId(nameOrPath)) return resolveModelFiles(nameOrPath, options);
  throw new FinetuneError(`${nameOrPath}: no such folder, and not a Hugging Face model id`);
}
