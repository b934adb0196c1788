// Tests for Hub downloads against local servers (a hub and a CDN on 127.0.0.1): cache layout, offline reuse, resume, errors.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { FinetuneError } from '../errors.js';
import { locateModel, resolveModelFiles, type ResolveModelFilesOptions } from './hub.js';
import { inTempFolder } from './test-support.js';

interface Logged {
  readonly server: 'hub' | 'cdn';
  readonly method: string;
  readonly url: string;
  readonly range: string | undefined;
  readonly authorization: string | undefined;
}

const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const sha256 = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

/** Repositories served: repo id -> file -> bytes; `lfs` files redirect to the CDN as the real Hub does. */
const repos = new Map<string, Map<string, Buffer>>();
const lfs = new Set<string>();
const lies = new Map<string, { size?: number; etag?: string }>();
const cutOnce = new Set<string>();
const ignoresRange = new Set<string>();
const renamed = new Map<string, string>([
  ['org/old-name', 'org/bert'],
  ['org/loop', 'org/loop'],
]);
const tokens = new Map<string, string>([['org/private', 'secret-token']]);
const log: Logged[] = [];
let hub: Server;
let cdn: Server;
let endpoint: string;
let cdnOrigin: string;
let deadEndpoint: string;

function record(server: 'hub' | 'cdn', request: IncomingMessage): void {
  log.push({ server, method: request.method!, url: request.url!, range: request.headers.range, authorization: request.headers.authorization });
}

function serveBytes(request: IncomingMessage, response: ServerResponse, body: Buffer, headers: Record<string, string>, key: string): void {
  const range = ignoresRange.has(key) ? null : /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  if (start > 0 && start >= body.length) {
    response.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
    return;
  }
  const part = body.subarray(start);
  response.writeHead(range ? 206 : 200, {
    ...headers,
    'content-length': String(part.length),
    ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
  });
  if (request.method === 'HEAD') {
    response.end();
  } else if (cutOnce.has(key)) {
    cutOnce.delete(key);
    // Half the body, a pause so the client takes it in, then the connection drops.
    response.write(part.subarray(0, part.length >> 1), () => setTimeout(() => response.socket?.destroy(), 50));
  } else {
    response.end(part);
  }
}

function handleHub(request: IncomingMessage, response: ServerResponse): void {
  record('hub', request);
  const match = /^\/(datasets\/)?(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(request.url!);
  if (!match) return void response.writeHead(400).end();
  const [, datasetPrefix = '', repoId, revision, filePath] = match as unknown as [string, string | undefined, string, string, string];
  if (repoId === 'org/broken') return void response.writeHead(500, 'Internal Server Error').end();
  const target = renamed.get(repoId!);
  if (target) return void response.writeHead(307, { location: `/${datasetPrefix}${target}/resolve/${revision}/${filePath}` }).end();
  const files = repos.get(`${datasetPrefix}${repoId}`);
  const token = tokens.get(repoId!);
  if (!files || (token && request.headers.authorization !== `Bearer ${token}`)) {
    return void response.writeHead(401, { 'x-error-code': 'RepoNotFound' }).end();
  }
  if (revision !== 'main' && revision !== COMMIT) return void response.writeHead(404, { 'x-error-code': 'RevisionNotFound' }).end();
  const file = decodeURIComponent(filePath!);
  const body = files.get(file);
  if (!body) return void response.writeHead(404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': COMMIT }).end();
  const key = `${repoId}/${file}`;
  const lie = lies.get(key);
  if (lfs.has(key)) {
    const etag = lie?.etag ?? sha256(body);
    return void response
      .writeHead(302, {
        location: `${cdnOrigin}/blob/${sha256(body)}`,
        'x-repo-commit': COMMIT,
        'x-linked-etag': `"${etag}"`,
        'x-linked-size': String(lie?.size ?? body.length),
      })
      .end();
  }
  serveBytes(request, response, body, { etag: `"${createHash('sha1').update(body).digest('hex')}"`, 'x-repo-commit': COMMIT }, key);
}

function handleCdn(request: IncomingMessage, response: ServerResponse): void {
  record('cdn', request);
  const hash = request.url!.replace('/blob/', '');
  for (const [repoId, files] of repos) {
    for (const [file, body] of files) {
      if (sha256(body) === hash) {
        serveBytes(request, response, body, {}, `${repoId}/${file}`);
        return;
      }
    }
  }
  response.writeHead(404).end();
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  hub = createServer(handleHub);
  cdn = createServer(handleCdn);
  endpoint = await listen(hub);
  cdnOrigin = await listen(cdn);
  const closed = createServer();
  deadEndpoint = await listen(closed);
  await new Promise((done) => closed.close(done));
});

after(() => {
  hub.closeAllConnections();
  cdn.closeAllConnections();
  hub.close();
  cdn.close();
});

function addRepo(repoId: string, files: Record<string, string | Buffer>, lfsFiles: string[] = []): void {
  repos.set(repoId, new Map(Object.entries(files).map(([name, body]) => [name, Buffer.from(body)])));
  for (const file of lfsFiles) lfs.add(`${repoId}/${file}`);
}

const options = (cacheDir: string, extra: Partial<ResolveModelFilesOptions> = {}): ResolveModelFilesOptions => ({
  endpoint,
  cacheDir,
  env: {},
  retryDelayMs: 5,
  log: null,
  ...extra,
});

async function rejectsOneLine(promise: Promise<unknown>, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FinetuneError, String(error));
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

const weights = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7) % 256));
addRepo('org/bert', { 'config.json': '{"model_type":"bert"}', 'model.safetensors': weights, 'tokenizer.json': '{}', 'vocab.txt': 'a\nb\n' }, [
  'model.safetensors',
]);

test(
  'a first download lays out the cache as huggingface_hub does; later runs need no server',
  inTempFolder('hub-', async (cacheDir) => {
    const progress: number[] = [];
    const snapshot = await resolveModelFiles(
      'org/bert',
      options(cacheDir, { onProgress: (p) => p.file === 'model.safetensors' && progress.push(p.receivedBytes) }),
    );
    const repoFolder = join(cacheDir, 'models--org--bert');
    assert.equal(snapshot, join(repoFolder, 'snapshots', COMMIT));
    assert.deepEqual(readdirSync(snapshot).sort(), ['config.json', 'model.safetensors', 'tokenizer.json', 'vocab.txt']);
    assert.deepEqual(readFileSync(join(snapshot, 'model.safetensors')), weights);
    assert.ok(lstatSync(join(snapshot, 'model.safetensors')).isSymbolicLink());
    assert.equal(readlinkSync(join(snapshot, 'model.safetensors')), join('..', '..', 'blobs', sha256(weights)));
    assert.equal(readFileSync(join(repoFolder, 'refs', 'main'), 'utf8'), COMMIT);
    assert.ok(existsSync(join(repoFolder, '.no_exist', COMMIT, 'merges.txt')));
    assert.ok(readdirSync(join(repoFolder, 'blobs')).every((name) => !name.endsWith('.incomplete')));
    assert.equal(progress.at(-1), weights.length);
    assert.ok(log.some((entry) => entry.server === 'cdn' && entry.method === 'GET'));

    const requests = log.length;
    assert.equal(await resolveModelFiles('org/bert', options(cacheDir, { endpoint: deadEndpoint })), snapshot);
    assert.equal(await resolveModelFiles('org/bert', options(cacheDir, { offline: true })), snapshot);
    assert.equal(await resolveModelFiles('org/bert', { cacheDir, env: { HF_HUB_OFFLINE: '1', HF_ENDPOINT: endpoint } }), snapshot);
    assert.equal(log.length, requests, 'no request once everything is cached');

    await rejectsOneLine(
      resolveModelFiles('org/bert', options(cacheDir, { endpoint: deadEndpoint, files: ['extra.json'] })),
      /^org\/bert: cannot reach http:\/\/127\.0\.0\.1:\d+ for extra\.json \(ECONNREFUSED\)$/,
    );
    await rejectsOneLine(
      resolveModelFiles('org/bert', options(cacheDir, { offline: true, files: ['extra.json'] })),
      `org/bert: extra.json not in the cache ${join(cacheDir, 'models--org--bert')}, and HF_HUB_OFFLINE forbids downloads`,
    );
  }),
);

test(
  'the first weights format present is taken, and an index brings its shards',
  inTempFolder('hub-', async (cacheDir) => {
    addRepo('org/old', { 'config.json': '{}', 'pytorch_model.bin': 'PK...', 'vocab.txt': 'x' });
    const old = await resolveModelFiles('org/old', options(cacheDir));
    assert.deepEqual(readdirSync(old).sort(), ['config.json', 'pytorch_model.bin', 'vocab.txt']);
    const before = log.length;
    await resolveModelFiles('org/old', options(cacheDir));
    assert.equal(log.length, before, 'known-missing alternatives are not asked for again');

    const index = { metadata: {}, weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } };
    addRepo('org/sharded', {
      'config.json': '{}',
      'model.safetensors.index.json': JSON.stringify(index),
      'model-00001-of-00002.safetensors': 'one',
      'model-00002-of-00002.safetensors': 'two',
    });
    const sharded = await resolveModelFiles(
      'org/sharded',
      options(cacheDir, { files: ['config.json', { firstOf: ['model.safetensors', 'model.safetensors.index.json'] }] }),
    );
    assert.deepEqual(readdirSync(sharded).sort(), [
      'config.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
    ]);
  }),
);

test(
  'a partial download resumes with a Range request',
  inTempFolder('hub-', async (cacheDir) => {
    const blobs = join(cacheDir, 'models--org--bert', 'blobs');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${sha256(weights)}.incomplete`), weights.subarray(0, 4000));
    const snapshot = await resolveModelFiles('org/bert', options(cacheDir, { files: ['model.safetensors'] }));
    assert.deepEqual(readFileSync(join(snapshot, 'model.safetensors')), weights);
    assert.equal(log.filter((entry) => entry.server === 'cdn').at(-1)!.range, 'bytes=4000-');
    assert.deepEqual(readdirSync(blobs), [sha256(weights)]);
  }),
);

test(
  'resume edge cases: a finished partial file, a server ignoring Range, a partial file the server rejects',
  inTempFolder('hub-', async (cacheDir) => {
    const blobs = join(cacheDir, 'models--org--bert', 'blobs');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(join(blobs, `${sha256(weights)}.incomplete`), weights);
    const start = log.length;
    const snapshot = await resolveModelFiles('org/bert', options(cacheDir, { files: ['model.safetensors'] }));
    assert.deepEqual(readFileSync(join(snapshot, 'model.safetensors')), weights);
    assert.ok(
      log.slice(start).every((entry) => entry.server === 'hub'),
      'a complete partial file is not downloaded again',
    );

    addRepo('org/plain', { 'a.bin': weights.subarray(0, 3000), 'b.bin': weights.subarray(0, 1000) }, ['a.bin', 'b.bin']);
    ignoresRange.add('org/plain/a.bin');
    const plainBlobs = join(cacheDir, 'models--org--plain', 'blobs');
    mkdirSync(plainBlobs, { recursive: true });
    writeFileSync(join(plainBlobs, `${sha256(weights.subarray(0, 3000))}.incomplete`), weights.subarray(0, 1000));
    const plain = await resolveModelFiles('org/plain', options(cacheDir, { files: ['a.bin'] }));
    assert.deepEqual(readFileSync(join(plain, 'a.bin')), weights.subarray(0, 3000));

    lies.set('org/plain/b.bin', { size: 5000 });
    writeFileSync(join(plainBlobs, `${sha256(weights.subarray(0, 1000))}.incomplete`), weights.subarray(0, 1000));
    await rejectsOneLine(
      resolveModelFiles('org/plain', options(cacheDir, { files: ['b.bin'] })),
      'org/plain: b.bin: downloaded 1000 bytes, but the server announced 5000',
    );
    const ranges = log
      .filter((entry) => entry.server === 'cdn')
      .slice(-2)
      .map((entry) => entry.range);
    assert.deepEqual(ranges, ['bytes=1000-', undefined]);
  }),
);

test(
  'with the server unreachable, a cached later alternative serves',
  inTempFolder('hub-', async (cacheDir) => {
    addRepo('org/binonly', { 'config.json': '{}', 'pytorch_model.bin': 'PK' });
    const files = ['config.json', { firstOf: ['model.safetensors', 'pytorch_model.bin'] }];
    const online = await resolveModelFiles('org/binonly', options(cacheDir, { files: ['config.json', { firstOf: ['pytorch_model.bin'] }] }));
    assert.equal(await resolveModelFiles('org/binonly', options(cacheDir, { endpoint: deadEndpoint, files })), online);
    assert.ok(!existsSync(join(online, 'model.safetensors')));
  }),
);

test(
  'a transfer cut off midway is resumed within the same run',
  inTempFolder('hub-', async (cacheDir) => {
    addRepo('org/flaky', { 'big.bin': weights.subarray(0, 6000) });
    cutOnce.add('org/flaky/big.bin');
    const snapshot = await resolveModelFiles('org/flaky', options(cacheDir, { files: ['big.bin'] }));
    assert.deepEqual(readFileSync(join(snapshot, 'big.bin')), weights.subarray(0, 6000));
    const gets = log.filter((entry) => entry.method === 'GET' && entry.url.includes('org/flaky'));
    assert.equal(gets.length, 2);
    assert.equal(gets[1]!.range, 'bytes=3000-');
  }),
);

test(
  'a size or hash that does not match is an error and leaves nothing behind',
  inTempFolder('hub-', async (cacheDir) => {
    addRepo('org/liar', { 'model.safetensors': weights.subarray(0, 100), 'other.bin': weights.subarray(100, 200) }, ['model.safetensors', 'other.bin']);
    lies.set('org/liar/model.safetensors', { size: 999 });
    lies.set('org/liar/other.bin', { etag: 'f'.repeat(64) });
    await rejectsOneLine(
      resolveModelFiles('org/liar', options(cacheDir, { files: ['model.safetensors'] })),
      'org/liar: model.safetensors: downloaded 100 bytes, but the server announced 999',
    );
    await rejectsOneLine(
      resolveModelFiles('org/liar', options(cacheDir, { files: ['other.bin'] })),
      `org/liar: other.bin: sha256 ${sha256(weights.subarray(100, 200))} does not match the ETag ${'f'.repeat(64)}`,
    );
    assert.deepEqual(readdirSync(join(cacheDir, 'models--org--liar', 'blobs')), []);
  }),
);

test(
  'missing files, repositories and revisions fail with one line naming the repo and file',
  inTempFolder('hub-', async (cacheDir) => {
    addRepo('org/empty', { 'README.md': 'hi' });
    await rejectsOneLine(resolveModelFiles('org/empty', options(cacheDir)), "org/empty: config.json: not found at revision 'main' (HTTP 404)");
    await rejectsOneLine(
      resolveModelFiles('org/empty', options(cacheDir, { files: [{ firstOf: ['a.bin', 'b.bin'] }] })),
      "org/empty: none of a.bin, b.bin: not found at revision 'main' (HTTP 404)",
    );
    assert.ok(await resolveModelFiles('org/empty', options(cacheDir, { files: [{ file: 'a.bin', optional: true }, 'README.md'] })));
    await rejectsOneLine(
      resolveModelFiles('org/nope', options(cacheDir)),
      'org/nope: config.json: repository not found or not accessible (HTTP 401; set HF_TOKEN if it is private or gated)',
    );
    await rejectsOneLine(resolveModelFiles('org/bert', options(cacheDir, { revision: 'v9' })), "org/bert: config.json: revision 'v9' not found (HTTP 404)");
    await rejectsOneLine(
      resolveModelFiles('org/broken', options(cacheDir)),
      /^org\/broken: config\.json: HTTP 500 Internal Server Error from http:\/\/127\.0\.0\.1:\d+\/org\/broken\/resolve\/main\/config\.json$/,
    );
    await rejectsOneLine(resolveModelFiles('org/loop', options(cacheDir)), /^org\/loop: config\.json: more than 10 redirects from http:/);
    await rejectsOneLine(resolveModelFiles('org/bert', options(cacheDir, { files: ['../etc/passwd'] })), "org/bert: invalid file name '../etc/passwd'");
    await rejectsOneLine(resolveModelFiles('../x', options(cacheDir)), "'../x' is not a valid Hugging Face repository id");
  }),
);

test(
  'the token goes to the hub only, never to the CDN',
  inTempFolder('hub-', async (cacheDir) => {
    addRepo('org/private', { 'config.json': '{}', 'model.safetensors': weights.subarray(0, 50) }, ['model.safetensors']);
    await rejectsOneLine(
      resolveModelFiles('org/private', options(cacheDir)),
      /^org\/private: config\.json: repository not found or not accessible \(HTTP 401; set HF_TOKEN/,
    );
    const start = log.length;
    await resolveModelFiles('org/private', options(cacheDir, { env: { HF_TOKEN: 'secret-token' }, files: ['config.json', 'model.safetensors'] }));
    const requests = log.slice(start);
    assert.ok(requests.filter((entry) => entry.server === 'hub').every((entry) => entry.authorization === 'Bearer secret-token'));
    assert.ok(requests.some((entry) => entry.server === 'cdn'));
    assert.ok(requests.filter((entry) => entry.server === 'cdn').every((entry) => entry.authorization === undefined));
  }),
);

test(
  'a renamed repository redirects; datasets use their own URL and cache folder',
  inTempFolder('hub-', async (cacheDir) => {
    const snapshot = await resolveModelFiles('org/old-name', options(cacheDir, { files: ['config.json'] }));
    assert.equal(snapshot, join(cacheDir, 'models--org--old-name', 'snapshots', COMMIT));
    assert.equal(readFileSync(join(snapshot, 'config.json'), 'utf8'), '{"model_type":"bert"}');
    addRepo('datasets/org/data', { 'train.csv': 'text,label\n' });
    const data = await resolveModelFiles('org/data', options(cacheDir, { repoType: 'dataset', files: ['train.csv'] }));
    assert.equal(data, join(cacheDir, 'datasets--org--data', 'snapshots', COMMIT));
  }),
);

test(
  'locateModel takes a folder as is and fetches a Hub id',
  inTempFolder('hub-', async (cacheDir) => {
    assert.equal(await locateModel(cacheDir), cacheDir);
    writeFileSync(join(cacheDir, 'file.txt'), '');
    await rejectsOneLine(locateModel(join(cacheDir, 'file.txt')), `${join(cacheDir, 'file.txt')}: not a folder (a model is a folder with config.json)`);
    await rejectsOneLine(locateModel('./no/such/folder'), './no/such/folder: no such folder, and not a Hugging Face model id');
    const snapshot = await locateModel('org/bert', options(cacheDir));
    assert.ok(existsSync(join(snapshot, 'model.safetensors')));
  }),
);
