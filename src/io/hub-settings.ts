// Where the Hugging Face Hub client talks to and caches to: explicit options first, then the variables huggingface_hub reads.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FinetuneError } from '../errors.js';
import { readTextBounded } from './bounded-read.js';

/** One progress report of a file download. */
export interface DownloadProgress {
  readonly repoId: string;
  readonly file: string;
  /** Bytes of the file on disk so far (resumed bytes included). */
  readonly receivedBytes: number;
  /** The file's size, when the server told it. */
  readonly totalBytes: number | undefined;
}

export interface HubOptions {
  /** Branch, tag or commit hash (default `main`). */
  readonly revision?: string;
  /** `model` (default) or `dataset`: datasets live under `/datasets/` and in `datasets--*` cache folders. */
  readonly repoType?: 'model' | 'dataset';
  /** Server root (default `$HF_ENDPOINT`, else `https://huggingface.co`). */
  readonly endpoint?: string;
  /** Access token sent as `Authorization: Bearer` to the endpoint only (default `$HF_TOKEN`, else the file
   * `huggingface-cli login` writes: `$HF_TOKEN_PATH`, else `$HF_HOME/token`; none when absent). */
  readonly token?: string;
  /** Cache folder (default `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`). */
  readonly cacheDir?: string;
  /** Forbids every request and serves from the cache only (default: `$HF_HUB_OFFLINE` is 1, true, yes or on). */
  readonly offline?: boolean;
  /** Called as file bytes arrive (default: nothing). */
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Seconds a metadata (HEAD) request may take (default `$HF_HUB_ETAG_TIMEOUT`, else 10, as huggingface_hub). */
  readonly etagTimeout?: number;
  /** Seconds to wait for a response, and the window in which a download must receive 1 KB or finish
   * (default `$HF_HUB_DOWNLOAD_TIMEOUT`, else 10). */
  readonly downloadTimeout?: number;
  /** Seconds one file's download may take in all (default: no limit). */
  readonly totalTimeout?: number;
  /** Retries of a request answered with a 5xx status, with doubling waits (default 4). */
  readonly retries?: number;
  /** The first wait between retries, in milliseconds, doubling up to 8 s (default 1000). */
  readonly retryDelayMs?: number;
  /** Where a line per downloaded file goes (default: stderr when stdout is not a terminal, else nowhere). */
  readonly log?: ((line: string) => void) | null;
  /** Variables to read the defaults from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Options with every default applied. */
export interface HubSettings {
  readonly revision: string;
  readonly repoType: 'model' | 'dataset';
  readonly endpoint: string;
  readonly token: string | undefined;
  readonly cacheDir: string;
  readonly offline: boolean;
  readonly onProgress: ((progress: DownloadProgress) => void) | undefined;
  readonly etagTimeoutMs: number;
  readonly downloadTimeoutMs: number;
  readonly totalTimeoutMs: number | undefined;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly log: ((line: string) => void) | undefined;
}

/** Seconds from an option or a variable, as milliseconds; a bad value is a one-line error naming it. */
function seconds(option: number | undefined, env: Readonly<Record<string, string | undefined>>, variable: string, fallback: number): number {
  const raw = option ?? (nonEmpty(env[variable]) === undefined ? fallback : Number(env[variable]));
  if (!Number.isFinite(raw) || raw <= 0) {
    throw new FinetuneError(
      `${option === undefined ? variable : variable.replace(/^HF_HUB_/, '').toLowerCase()}: '${option ?? env[variable]}' is not a number of seconds above 0`,
    );
  }
  return raw * 1000;
}

const TRUE_VALUES = new Set(['1', 'true', 'yes', 'on']);

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function readToken(env: Readonly<Record<string, string | undefined>>, hfHome: string): string | undefined {
  const fromEnv = nonEmpty(env['HF_TOKEN']) ?? nonEmpty(env['HUGGING_FACE_HUB_TOKEN']);
  if (fromEnv) return fromEnv;
  const path = nonEmpty(env['HF_TOKEN_PATH']) ?? join(hfHome, 'token');
  return existsSync(path) ? nonEmpty(readTextBounded(path, 'config')) : undefined;
}

/** The server root without trailing slashes; anything but an http(s) URL is a one-line error naming `source`. */
function checkEndpoint(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FinetuneError(`${source} ${value}: not a URL (expected e.g. https://huggingface.co)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FinetuneError(`${source} ${value}: the Hub is reached over http:// or https://, not ${url.protocol}`);
  }
  return value.replace(/\/+$/, '');
}

/** Applies the defaults to `options`. */
export function hubSettings(options: HubOptions = {}): HubSettings {
  const env = options.env ?? process.env;
  const hfHome = nonEmpty(env['HF_HOME']) ?? join(nonEmpty(env['XDG_CACHE_HOME']) ?? join(homedir(), '.cache'), 'huggingface');
  return {
    revision: options.revision ?? 'main',
    repoType: options.repoType ?? 'model',
    endpoint: checkEndpoint(
      options.endpoint ?? nonEmpty(env['HF_ENDPOINT']) ?? 'https://huggingface.co',
      options.endpoint === undefined ? 'HF_ENDPOINT' : 'endpoint',
    ),
    token: options.token ?? readToken(env, hfHome),
    cacheDir: options.cacheDir ?? nonEmpty(env['HF_HUB_CACHE']) ?? join(hfHome, 'hub'),
    offline: options.offline ?? TRUE_VALUES.has((env['HF_HUB_OFFLINE'] ?? '').trim().toLowerCase()),
    onProgress: options.onProgress,
    etagTimeoutMs: seconds(options.etagTimeout, env, 'HF_HUB_ETAG_TIMEOUT', 10),
    downloadTimeoutMs: seconds(options.downloadTimeout, env, 'HF_HUB_DOWNLOAD_TIMEOUT', 10),
    totalTimeoutMs: options.totalTimeout === undefined ? undefined : seconds(options.totalTimeout, {}, 'total_timeout', 0),
    retries: options.retries ?? 4,
    retryDelayMs: options.retryDelayMs ?? 1000,
    log: options.log === null ? undefined : (options.log ?? (process.stdout.isTTY ? undefined : (line: string) => void process.stderr.write(`${line}\n`))),
  };
}
