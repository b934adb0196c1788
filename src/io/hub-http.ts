// HTTP side of the Hub client: file metadata by HEAD, resumable verified downloads, one-line errors.

import { createHash } from 'node:crypto';
import { createReadStream, existsSync, rmSync, statSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FinetuneError } from '../errors.js';
import { normalizeEtag } from './hub-cache.js';
import type { DownloadProgress, HubSettings } from './hub-settings.js';

/** What a request is for: names the repo and file in errors, and carries the token for the endpoint's origin. */
export interface RequestContext {
  readonly repoId: string;
  readonly file: string;
  readonly revision: string;
  readonly endpoint: string;
  readonly token: string | undefined;
  readonly onProgress: ((progress: DownloadProgress) => void) | undefined;
  /** Timeouts and retries (see HubSettings). */
  readonly timing: Pick<HubSettings, 'etagTimeoutMs' | 'downloadTimeoutMs' | 'totalTimeoutMs' | 'retries' | 'retryDelayMs'>;
}

/** A request or transfer that took too long: never retried, the message names the URL and the setting. */
export class HubTimeoutError extends FinetuneError {
  constructor(message: string) {
    super(message);
    this.name = 'HubTimeoutError';
  }
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

export type HeadResult = { readonly found: true; readonly remote: RemoteFile } | { readonly found: false; readonly commit: string | undefined };

const MAX_REDIRECTS = 10;
/** The least a download must receive per HF_HUB_DOWNLOAD_TIMEOUT window. */
const STALL_BYTES = 1024;
const DOWNLOAD_ATTEMPTS = 3;

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;

/**
 * One request. A HEAD must be answered within HF_HUB_ETAG_TIMEOUT (else the server counts as
 * unreachable and the cache may serve); a GET's response headers within HF_HUB_DOWNLOAD_TIMEOUT.
 * `signal` (a GET's own) stays attached to the body.
 */
async function send(url: string, method: string, context: RequestContext, extra: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'finetune', ...extra };
  // The token is for the Hub only; CDNs get signed URLs and must not see it.
  if (context.token && new URL(url).origin === new URL(context.endpoint).origin) headers['authorization'] = `Bearer ${context.token}`;
  const head = method === 'HEAD';
  const limit = head ? context.timing.etagTimeoutMs : context.timing.downloadTimeoutMs;
  const waiting = new AbortController();
  const timer = setTimeout(() => waiting.abort(), limit);
  try {
    return await fetch(url, { method, headers, redirect: 'manual', signal: signal ? AbortSignal.any([signal, waiting.signal]) : waiting.signal });
  } catch (error) {
    if (signal?.aborted && signal.reason instanceof FinetuneError) throw signal.reason;
    if (waiting.signal.aborted) {
      const message = `${context.repoId}: no answer from ${url} within ${seconds(limit)} (${head ? 'HF_HUB_ETAG_TIMEOUT' : 'HF_HUB_DOWNLOAD_TIMEOUT'}) for ${context.file}`;
      throw head ? new HubUnreachableError(message) : new HubTimeoutError(message);
    }
    throw new HubUnreachableError(`${context.repoId}: cannot reach ${new URL(url).origin} for ${context.file} (${describeCause(error)})`);
  } finally {
    clearTimeout(timer);
  }
}

/** `send`, repeated after a 5xx answer with doubling waits (up to 8 s), as huggingface_hub's back-off does. */
async function sendRetrying(url: string, method: string, context: RequestContext, extra: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await send(url, method, context, extra, signal);
    if (response.status < 500 || attempt >= context.timing.retries) return response;
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, Math.min(8000, context.timing.retryDelayMs * 2 ** attempt)));
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
    const response = await sendRetrying(current, 'HEAD', context);
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
async function getFollowing(url: string, context: RequestContext, extra: Record<string, string>, signal: AbortSignal): Promise<Response> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await sendRetrying(current, 'GET', context, extra, signal);
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
  transfer: AbortController,
): Promise<unknown> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, append ? 'a' : 'w');
  let received = append ? fileSize(path) : 0;
  // A server that trickles (1 byte a second) never trips an idle timeout: each window must bring STALL_BYTES.
  const window = context.timing.downloadTimeoutMs;
  let inWindow = 0;
  const watchdog = setInterval(() => {
    if (inWindow < STALL_BYTES) {
      transfer.abort(
        new HubTimeoutError(
          `${context.repoId}: ${context.file}: ${response.url} sent ${inWindow} bytes in ${seconds(window)} ` +
            `(HF_HUB_DOWNLOAD_TIMEOUT); stopped at byte ${received}, run again to resume`,
        ),
      );
    }
    inWindow = 0;
  }, window);
  try {
    if (!response.body) return undefined;
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return undefined;
      await handle.write(value);
      received += value.byteLength;
      inWindow += value.byteLength;
      context.onProgress?.({ repoId: context.repoId, file: context.file, receivedBytes: received, totalBytes: total });
    }
  } catch (error) {
    return transfer.signal.aborted && transfer.signal.reason instanceof FinetuneError ? transfer.signal.reason : error;
  } finally {
    clearInterval(watchdog);
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
      const transfer = new AbortController();
      const totalMs = context.timing.totalTimeoutMs;
      const totalTimer =
        totalMs === undefined
          ? undefined
          : setTimeout(
              () => transfer.abort(new HubTimeoutError(`${where}: ${remote.downloadUrl} took longer than ${seconds(totalMs)} in all; run again to resume`)),
              totalMs,
            );
      try {
        lastCause = await transferOnce(remote, incomplete, existing, context, transfer);
      } finally {
        clearTimeout(totalTimer);
      }
      if (lastCause === RESTART) continue;
      if (lastCause instanceof HubTimeoutError) throw lastCause;
      if (lastCause !== undefined) continue;
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
  const cause = lastCause === undefined || lastCause === RESTART ? 'the server rejected the resume' : describeCause(lastCause);
  throw new FinetuneError(`${where}: download interrupted at ${have} of ${remote.size ?? '?'} bytes (${cause}); run again to resume`);
}

/** Marks an attempt whose partial file did not fit the server's copy and was removed: start over. */
const RESTART = Symbol('restart');

/**
 * One GET of the rest of `remote` into `incomplete` (holding `existing` bytes). Returns undefined when
 * the file is complete and its size checked, RESTART, or the error that cut the transfer short.
 */
async function transferOnce(remote: RemoteFile, incomplete: string, existing: number, context: RequestContext, transfer: AbortController): Promise<unknown> {
  const where = `${context.repoId}: ${context.file}`;
  const response = await getFollowing(remote.downloadUrl, context, existing > 0 ? { range: `bytes=${existing}-` } : {}, transfer.signal);
  const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
  const resumed = response.status === 206 && range !== null && Number(range[1]) === existing;
  // 416, or a range other than asked: the partial file does not fit the server's copy (it changed).
  if (response.status === 416 || (response.status === 206 && !resumed)) {
    await response.body?.cancel();
    rmSync(incomplete, { force: true });
    return RESTART;
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw statusError(response, context);
  }
  const length = parseSize(response.headers.get('content-length'));
  let total = remote.size;
  if (total === undefined && resumed && range![2] !== '*') total = Number(range![2]);
  else if (total === undefined && length !== undefined) total = (resumed ? existing : 0) + length;
  const cause = await receive(response, incomplete, resumed, total, context, transfer);
  if (cause !== undefined) return cause;
  const size = fileSize(incomplete);
  if (total !== undefined && size !== total) {
    rmSync(incomplete, { force: true });
    throw new FinetuneError(`${where}: downloaded ${size} bytes, but the server announced ${total}`);
  }
  return undefined;
}
