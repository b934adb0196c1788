// finetune push against a local server that speaks the Hub's upload protocol: repo creation, preupload, Git LFS batch and PUT, the NDJSON commit.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../../test/support/run-cli.js';
import { pushFolder } from './hub-push.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-push-'));
const folder = join(root, 'run');
const weights = Buffer.alloc(4096, 7);
let server: Server;
let endpoint: string;
/** What the server saw: request lines, LFS objects stored, committed files. */
const seen: string[] = [];
const stored = new Map<string, Buffer>();
let committed: Record<string, unknown>[] = [];
let existing = false;

const body = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
  });

before(async () => {
  mkdirSync(join(folder, 'checkpoints', 'checkpoint-5'), { recursive: true });
  writeFileSync(join(folder, 'model.safetensors'), weights);
  writeFileSync(join(folder, 'config.json'), '{"model_type":"bert"}');
  writeFileSync(join(folder, 'checkpoints', 'checkpoint-5', 'model.safetensors'), 'old');
  writeFileSync(join(folder, '.finetune.lock'), '1');
  server = createServer(async (req, res) => {
    const data = await body(req);
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    // The storage URL the batch answer names gets its own headers, never the Hub token.
    if (req.url?.startsWith('/lfs/') && req.method === 'PUT') {
      if (req.headers.authorization !== undefined || req.headers['x-upload'] !== 'yes') return void res.writeHead(403).end('unexpected headers');
      stored.set(req.url.slice(5), data);
      return void res.end();
    }
    if (req.headers.authorization !== 'Bearer hf_test') return void res.writeHead(401).end('{"error":"Invalid credentials"}');
    if (req.url === '/api/repos/create') return void res.writeHead(existing ? 409 : 200).end('{}');
    if (req.url === '/api/models/me/spam/preupload/main') {
      const files = (JSON.parse(data.toString()) as { files: { path: string }[] }).files;
      return void res.end(JSON.stringify({ files: files.map((f) => ({ path: f.path, uploadMode: f.path.endsWith('.safetensors') ? 'lfs' : 'regular' })) }));
    }
    if (req.url === '/me/spam.git/info/lfs/objects/batch') {
      const objects = (JSON.parse(data.toString()) as { objects: { oid: string; size: number }[] }).objects;
      const actions = (oid: string): unknown =>
        stored.has(oid) ? {} : { actions: { upload: { href: `${endpoint}/lfs/${oid}`, header: { 'x-upload': 'yes' } } } };
      return void res.end(JSON.stringify({ objects: objects.map((o) => ({ ...o, ...(actions(o.oid) as object) })) }));
    }
    if (req.url === '/api/models/me/spam/commit/main') {
      committed = data
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      return void res.end('{"commitUrl":"x"}');
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('pushFolder', () => {
  it('creates the repo, sends the weights through LFS and commits the rest inline, leaving checkpoints behind', async () => {
    const result = await pushFolder({ folder, repo: 'me/spam', endpoint, token: 'hf_test', env: {} });
    assert.deepEqual(result.files, [
      { path: 'config.json', size: 21, lfs: false },
      { path: 'model.safetensors', size: 4096, lfs: true },
    ]);
    const oid = createHash('sha256').update(weights).digest('hex');
    assert.deepEqual(stored.get(oid), weights);
    assert.deepEqual(committed[0], { key: 'header', value: { summary: 'Upload run with finetune', description: '' } });
    assert.deepEqual(committed[1], {
      key: 'file',
      value: { path: 'config.json', content: Buffer.from('{"model_type":"bert"}').toString('base64'), encoding: 'base64' },
    });
    assert.deepEqual(committed[2], { key: 'lfsFile', value: { path: 'model.safetensors', algo: 'sha256', oid, size: 4096 } });
    assert.equal(committed.length, 3);
    assert.ok(seen.every((line) => !line.includes('checkpoint')));
  });

  it('pushes to an existing repo without uploading LFS bytes the server has', async () => {
    existing = true;
    const before = seen.length;
    await pushFolder({ folder, repo: 'me/spam', endpoint, token: 'hf_test', env: {}, message: 'again' });
    assert.ok(!seen.slice(before).some((line) => line.startsWith('PUT')));
    assert.equal((committed[0] as { value: { summary: string } }).value.summary, 'again');
  });

  it('refuses a bad token, a bad repo name, no token and a folder without weights, in one line', async () => {
    await assert.rejects(pushFolder({ folder, repo: 'me/spam', endpoint, token: 'wrong', env: {} }), {
      message: 'push: creating me/spam: HTTP 401: {"error":"Invalid credentials"} (set HF_TOKEN to a token with write access)',
    });
    await assert.rejects(pushFolder({ folder, repo: 'spam', endpoint, token: 'hf_test', env: {} }), { message: '--repo spam: expected user/name or org/name' });
    await assert.rejects(pushFolder({ folder, repo: 'me/spam', endpoint, env: { HF_HOME: root } }), /push: no Hub token: set HF_TOKEN/);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'config.json'), '{}');
    await assert.rejects(pushFolder({ folder: empty, repo: 'me/spam', endpoint, token: 'hf_test', env: {} }), {
      message: `${empty}: no model or adapter weights (*.safetensors) to push`,
    });
  });

  it('finetune push: the command, its result, and its usage error', async () => {
    const previous = { endpoint: process.env.HF_ENDPOINT, token: process.env.HF_TOKEN };
    Object.assign(process.env, { HF_ENDPOINT: endpoint, HF_TOKEN: 'hf_test' });
    try {
      const run = await runCli(['push', '--model', folder, '--repo', 'me/spam', '--json']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, `pushed 2 files (1 through LFS) to ${endpoint}/me/spam\n`);
      assert.equal(JSON.parse(run.stdout).repo, 'me/spam');
      const missing = await runCli(['push', '--model', folder]);
      assert.equal(missing.code, 2);
      assert.equal(missing.stderr, 'finetune: push: --model <folder> and --repo <user/name> are required\n');
    } finally {
      for (const [key, value] of [
        ['HF_ENDPOINT', previous.endpoint],
        ['HF_TOKEN', previous.token],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
