// Loading a classifier by Hub id from a local server that serves the /{repo}/resolve/{revision}/{file} layout.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTaskModel } from '../../src/models/load.js';
import { expectedTensors, goldenDir, goldenInputs, maxAbsDiff } from './support.js';

const COMMIT = 'fedcba9876543210fedcba9876543210fedcba98';
const files = new Map(
  readdirSync(goldenDir('bert'))
    .filter((f) => !f.startsWith('expected'))
    .map((f) => [f, readFileSync(join(goldenDir('bert'), f))]),
);
const requests: string[] = [];
let server: Server;
let endpoint: string;
const cacheDir = mkdtempSync(join(tmpdir(), 'finetune-hub-'));

before(async () => {
  server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const match = /^\/org\/tiny-bert\/resolve\/(main|[0-9a-f]{40})\/(.+)$/.exec(request.url ?? '');
    const body = match ? files.get(decodeURIComponent(match[2]!)) : undefined;
    if (!match) return void response.writeHead(401, { 'x-error-code': 'RepoNotFound' }).end();
    if (!body) return void response.writeHead(404, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': COMMIT }).end();
    response.writeHead(200, {
      etag: `"${createHash('sha1').update(body).digest('hex')}"`,
      'x-repo-commit': COMMIT,
      'content-length': String(body.length),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('loading by Hub id', () => {
  it('downloads config, weights and tokenizer once, then loads from the cache with no server', async () => {
    const first = await loadTaskModel('org/tiny-bert', { hub: { endpoint, cacheDir, env: {} } });
    assert.match(first.source, /models--org--tiny-bert[/\\]snapshots[/\\]fedcba98/);
    assert.ok(first.tokenizer, 'tokenizer downloaded');
    assert.deepEqual(first.warnings, []);
    const get = expectedTensors('bert');
    assert.ok(maxAbsDiff(first.model.forward(goldenInputs(get, 'pair')), get('pair.logits')!) < 1e-4);
    assert.ok(
      requests.some((r) => /^GET \/org\/tiny-bert\/resolve\/[^/]+\/model\.safetensors$/.test(r)),
      requests.join('\n'),
    );

    requests.length = 0;
    const again = await loadTaskModel('org/tiny-bert', { hub: { endpoint: 'http://127.0.0.1:9', cacheDir, offline: true, env: {} } });
    assert.deepEqual(requests, []);
    assert.equal(again.source, first.source);
    assert.ok(maxAbsDiff(again.model.forward(goldenInputs(get, 'single')), get('single.logits')!) < 1e-4);
  });

  it('an id the server does not know fails with one line naming it', async () => {
    await assert.rejects(loadTaskModel('org/missing', { hub: { endpoint, cacheDir, env: {} } }), (error: Error) => {
      assert.match(error.message, /org\/missing/);
      assert.ok(!error.message.includes('\n'));
      return true;
    });
  });
});
