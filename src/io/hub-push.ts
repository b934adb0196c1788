// Uploads a model or adapter folder to a Hub repository: create the repo, preupload, Git LFS for large files, one commit.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FinetuneError } from '../errors.js';
import { hubSettings, type HubOptions } from './hub-settings.js';

export interface PushOptions extends Pick<HubOptions, 'endpoint' | 'token' | 'env' | 'revision'> {
  /** The repository, `user/name` or `org/name`. */
  readonly repo: string;
  /** The folder to upload (every file under it except checkpoints, locks and temporaries). */
  readonly folder: string;
  /** Create the repository as private when it does not exist (default false). */
  readonly private?: boolean;
  /** The commit's title (default `Upload <folder name> with finetune`). */
  readonly message?: string;
}

export interface PushResult {
  readonly repo: string;
  readonly url: string;
  readonly files: readonly { readonly path: string; readonly size: number; readonly lfs: boolean }[];
}

/** What a run folder holds that is no part of the model: resumable state and the writers' own files. */
const SKIPPED = /^(checkpoints|\.finetune\.lock|tensorboard)$|^\.|\.tmp-/;

function filesOf(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (SKIPPED.test(name)) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(folder, path).split('\\').join('/'));
    }
  };
  walk(folder);
  return out;
}

/** A JSON request to the Hub; an error status is one line naming the step and the server's message. */
async function request(url: string, init: RequestInit, step: string, alsoFine: readonly number[] = []): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new FinetuneError(`push: ${step}: cannot reach ${new URL(url).origin} (${(error as Error).message})`);
  }
  if (!response.ok && !alsoFine.includes(response.status)) {
    const text = (await response.text()).slice(0, 200).replace(/\s+/g, ' ');
    const hint = response.status === 401 || response.status === 403 ? ' (set HF_TOKEN to a token with write access)' : '';
    throw new FinetuneError(`push: ${step}: HTTP ${response.status}${text ? `: ${text}` : ''}${hint}`);
  }
  return response;
}

/** Uploads `folder` to `repo` in one commit; files the server asks for through LFS (weights) go there first. */
export async function pushFolder(options: PushOptions): Promise<PushResult> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(options.repo)) throw new FinetuneError(`--repo ${options.repo}: expected user/name or org/name`);
  let files: string[];
  try {
    files = filesOf(options.folder);
  } catch {
    throw new FinetuneError(`${options.folder}: no such folder`);
  }
  if (!files.some((f) => /\.(safetensors|bin)$/.test(f))) {
    throw new FinetuneError(`${options.folder}: no model or adapter weights (*.safetensors) to push`);
  }
  const settings = hubSettings({ ...options, ...(options.env ? { env: options.env } : {}) });
  if (settings.token === undefined) throw new FinetuneError('push: no Hub token: set HF_TOKEN (or log in with huggingface-cli login)');
  const auth = { Authorization: `Bearer ${settings.token}` };
  const json = { ...auth, 'Content-Type': 'application/json' };
  const hub = settings.endpoint;
  const revision = encodeURIComponent(settings.revision);
  const [organization, name] = options.repo.split('/') as [string, string];

  // An existing repository answers 409, which is fine: the commit goes on top of it.
  await request(
    `${hub}/api/repos/create`,
    { method: 'POST', headers: json, body: JSON.stringify({ type: 'model', name, organization, private: options.private ?? false }) },
    `creating ${options.repo}`,
    [409],
  );

  const contents = files.map((path) => {
    const bytes = readFileSync(join(options.folder, path));
    return { path, bytes, oid: createHash('sha256').update(bytes).digest('hex') };
  });
  const preupload = (await (
    await request(
      `${hub}/api/models/${options.repo}/preupload/${revision}`,
      {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          files: contents.map((c) => ({ path: c.path, size: c.bytes.length, sample: Buffer.from(c.bytes.subarray(0, 512)).toString('base64') })),
        }),
      },
      'preupload',
    )
  ).json()) as { files?: { path: string; uploadMode: string }[] };
  const lfs = new Set((preupload.files ?? []).filter((f) => f.uploadMode === 'lfs').map((f) => f.path));

  const large = contents.filter((c) => lfs.has(c.path));
  if (large.length > 0) {
    const batch = (await (
      await request(
        `${hub}/${options.repo}.git/info/lfs/objects/batch`,
        {
          method: 'POST',
          headers: { ...auth, Accept: 'application/vnd.git-lfs+json', 'Content-Type': 'application/vnd.git-lfs+json' },
          body: JSON.stringify({
            operation: 'upload',
            transfers: ['basic'],
            hash_algo: 'sha256',
            objects: large.map((c) => ({ oid: c.oid, size: c.bytes.length })),
          }),
        },
        'LFS batch',
      )
    ).json()) as { objects?: { oid: string; actions?: Record<string, { href: string; header?: Record<string, string> }> }[] };
    for (const object of batch.objects ?? []) {
      const content = large.find((c) => c.oid === object.oid);
      const upload = object.actions?.upload;
      // No upload action: the server has these bytes already.
      if (!content || !upload) continue;
      await request(upload.href, { method: 'PUT', headers: upload.header ?? {}, body: content.bytes }, `uploading ${content.path}`);
      const verify = object.actions?.verify;
      if (verify) {
        await request(
          verify.href,
          {
            method: 'POST',
            headers: { ...(verify.header ?? {}), 'Content-Type': 'application/vnd.git-lfs+json' },
            body: JSON.stringify({ oid: content.oid, size: content.bytes.length }),
          },
          `verifying ${content.path}`,
        );
      }
    }
  }

  const lines = [
    {
      key: 'header',
      value: { summary: options.message ?? `Upload ${options.folder.split('/').filter(Boolean).at(-1) ?? 'model'} with finetune`, description: '' },
    },
    ...contents.map((c) =>
      lfs.has(c.path)
        ? { key: 'lfsFile', value: { path: c.path, algo: 'sha256', oid: c.oid, size: c.bytes.length } }
        : { key: 'file', value: { path: c.path, content: c.bytes.toString('base64'), encoding: 'base64' } },
    ),
  ];
  await request(
    `${hub}/api/models/${options.repo}/commit/${revision}`,
    { method: 'POST', headers: { ...auth, 'Content-Type': 'application/x-ndjson' }, body: `${lines.map((l) => JSON.stringify(l)).join('\n')}\n` },
    'commit',
  );
  return { repo: options.repo, url: `${hub}/${options.repo}`, files: contents.map((c) => ({ path: c.path, size: c.bytes.length, lfs: lfs.has(c.path) })) };
}
