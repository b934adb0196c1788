// HTTP side of the Hub client: file metadata by HEAD, resumable verified downloads, one-line errors.

import { createHash } from 'node:crypto';
import { createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FinetuneError } from '../errors.js';
import { normalizeEtag } from './hub-cache.js';
import type { DownloadProgress } from './hub-settings.js';

/** What a request is for: names the repo and file in errors, and carries the token for the endpoint's origin. */
export interface RequestContext {
  readonly repoId: string;
  readonly file: string;
  readonly revision: string;
  readonly endpoint: string;
  readonly token: string | undefined;
  readonly onProgress: ((progress: DownloadProgress) => void) | undefined;
}

/** The server could not be reached: callers fall back to the cache when they can. */
export class HubUnreachableError extends FinetuneError {
  constructor(message: string) {
    super(message);
    this.name = 'HubUnreachableError';
  }
}

export interface RemoteFile {
  /** `X-Repo-Commit`: the commit the revision resolved to, when the server says. */
  readonly commit: string | undefined;
  /** `X-Linked-Etag` (LFS files: their sha256) or `ETag`, quotes removed. */
  readonly etag: string | undefined;
  /** `X-Linked-Size` or `Content-Length`, when the server says. */
  readonly size: number | undefined;
  /** Where to GET the bytes (a CDN for LFS files). */
  readonly downloadUrl: string;
}

export type HeadResult =
  | { readonly found: true; readonly remote: RemoteFile }
  | { readonly found: false; readonly commit: string | undefined };

const MAX_REDIRECTS = 10;
const DOWNLOAD_ATTEMPTS = 3;

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

async function send(url: string, method: string, context: RequestContext, extra: Record<string, string> = {}): Promise<Response> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'finetune', ...extra };
  // The token is for the Hub only; CDNs get signed URLs and must not see it.
  if (context.token && new URL(url).origin === new URL(context.endpoint).origin) headers['authorization'] = `Bearer ${context.token}`;
  try {
    return await fetch(url, { method, headers, redirect: 'manual' });
  } catch (error) {
    throw new HubUnreachableError(`${context.repoId}: cannot reach ${new URL(url).origin} for ${context.file} (${describeCause(error)})`);
  }
}

function parseSize(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** The one-line error for an HTTP failure status. */
export function statusError(response: Response, context: RequestContext): FinetuneError {
  const code = response.headers.get('x-error-code');
  const where = `${context.repoId}: ${context.file}`;
  const tokenHint = context.token ? 'the token may lack access' : 'set HF_TOKEN if it is private or gated';
  if (code === 'RevisionNotFound') return new FinetuneError(`${where}: revision '${context.revision}' not found (HTTP ${response.status})`);
  if (code === 'RepoNotFound' || response.status === 401) {
    return new FinetuneError(`${where}: repository not found or not accessible (HTTP ${response.status}; ${tokenHint})`);
  }
  if (response.status === 403) {
    const gated = code === 'GatedRepo' ? 'gated repository: accept its terms on the Hub; ' : '';
    return new FinetuneError(`${where}: access denied (HTTP 403; ${gated}${tokenHint})`);
  }
  if (response.status === 404) return new FinetuneError(`${where}: not found at revision '${context.revision}' (HTTP 404)`);
  return new FinetuneError(`${where}: HTTP ${response.status} ${response.statusText} from ${response.url || context.endpoint}`);
}

/**
 * Asks for a file's metadata. Same-origin redirects (renamed repositories) are followed; a redirect
 * to another origin (the LFS CDN) ends the walk and becomes the download URL, as huggingface_hub does.
 * A plain 404 means the file does not exist; repository, revision and access errors throw.
 */
export async function headFile(url: string, context: RequestContext): Promise<HeadResult> {
  let current = url;
  let commit: string | undefined;
  let linkedEtag: string | undefined;
  let linkedSize: number | undefined;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await send(current, 'HEAD', context);
    const headers = response.headers;
    commit ??= headers.get('x-repo-commit') ?? undefined;
    linkedEtag ??= headers.get('x-linked-etag') ?? undefined;
    linkedSize ??= parseSize(headers.get('x-linked-size'));
    const location = headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, current).toString();
      if (new URL(next).origin === new URL(current).origin) {
        current = next;
        continue;
      }
      return { found: true, remote: { commit, etag: linkedEtag ?? headers.get('etag') ?? undefined, size: linkedSize, downloadUrl: next } };
    }
    if (response.ok) {
      const etag = linkedEtag ?? headers.get('etag') ?? undefined;
      return { found: true, remote: { commit, etag, size: linkedSize ?? parseSize(headers.get('content-length')), downloadUrl: current } };
    }
    const code = headers.get('x-error-code');
    if (response.status === 404 && (code === null || code === 'EntryNotFound')) return { found: false, commit };
    throw statusError(response, context);
  }
  throw new FinetuneError(`${context.repoId}: ${context.file}: more than ${MAX_REDIRECTS} redirects from ${url}`);
}

/** GET with redirects followed by hand, so the token never leaves the endpoint's origin. */
async function getFollowing(url: string, context: RequestContext, extra: Record<string, string>): Promise<Response> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await send(current, 'GET', context, extra);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) return response;
    await response.body?.cancel();
    current = new URL(location, current).toString();
  }
  throw new FinetuneError(`${context.repoId}: ${context.file}: more than ${MAX_REDIRECTS} redirects from ${url}`);
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/** Streams the body to `path` (appending or from scratch); returns the error that cut it short, if any. */
async function receive(
  response: Response,
  path: string,
  append: boolean,
  total: number | undefined,
  context: RequestContext,
): Promise<unknown> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, append ? 'a' : 'w');
  let received = append ? fileSize(path) : 0;
  try {
    if (!response.body) return undefined;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return undefined;
      await handle.write(value);
      received += value.byteLength;
      context.onProgress?.({ repoId: context.repoId, file: context.file, receivedBytes: received, totalBytes: total });
    }
  } catch (error) {
    return error;
  } finally {
    await handle.sync();
    await handle.close();
  }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Downloads `remote` into `incomplete`, resuming what is already there with a Range request and
 * retrying an interrupted transfer twice. On return the file is complete: its size matches the
 * announced size (X-Linked-Size / Content-Length / Content-Range) and, when the ETag is a sha256
 * (LFS files), its hash. A wrong file is deleted; a cut-off one is kept so the next run resumes it.
 */
export async function downloadFile(remote: RemoteFile, incomplete: string, context: RequestContext): Promise<void> {
  const where = `${context.repoId}: ${context.file}`;
  let lastCause: unknown;
  for (let attempt = 0; attempt < DOWNLOAD_ATTEMPTS; attempt++) {
    let existing = fileSize(incomplete);
    if (remote.size !== undefined && existing > remote.size) {
      rmSync(incomplete, { force: true });
      existing = 0;
    }
    const complete = remote.size !== undefined && existing === remote.size && existing > 0;
    if (!complete) {
      const response = await getFollowing(remote.downloadUrl, context, existing > 0 ? { range: `bytes=${existing}-` } : {});
      if (response.status === 416) {
        // The partial file does not fit the server's copy (it changed): start over.
        await response.body?.cancel();
        rmSync(incomplete, { force: true });
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw statusError(response, context);
      }
      const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
      const resumed = response.status === 206 && range !== null && Number(range[1]) === existing;
      if (response.status === 206 && !resumed) {
        await response.body?.cancel();
        rmSync(incomplete, { force: true });
        continue;
      }
      const length = parseSize(response.headers.get('content-length'));
      let total = remote.size;
      if (total === undefined && resumed && range![2] !== '*') total = Number(range![2]);
      else if (total === undefined && length !== undefined) total = (resumed ? existing : 0) + length;
      lastCause = await receive(response, incomplete, resumed, total, context);
      if (lastCause !== undefined) continue;
      const size = fileSize(incomplete);
      if (total !== undefined && size !== total) {
        rmSync(incomplete, { force: true });
        throw new FinetuneError(`${where}: downloaded ${size} bytes, but the server announced ${total}`);
      }
    }
    const etag = remote.etag === undefined ? undefined : normalizeEtag(remote.etag);
    if (etag !== undefined && /^[0-9a-f]{64}$/.test(etag)) {
      const digest = await sha256Of(incomplete);
      if (digest !== etag) {
        rmSync(incomplete, { force: true });
        throw new FinetuneError(`${where}: sha256 ${digest} does not match the ETag ${etag}`);
      }
    }
    return;
  }
  const have = fileSize(incomplete);
  const cause = lastCause === undefined ? 'the server rejected the resume' : describeCause(lastCause);
  throw new FinetuneError(`${where}: download interrupted at ${have} of ${remote.size ?? '?'} bytes (${cause}); run again to resume`);
}
