// Hub requests against a local server that stalls, trickles or fails: timeouts, retries with back-off, one line naming the URL.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { FinetuneError } from '../errors.js';
import { resolveModelFiles, type ResolveModelFilesOptions } from './hub.js';
import { hubSettings } from './hub-settings.js';
import { inTempFolder } from './test-support.js';

const BODY = Buffer.from('{"model_type": "bert"}\n');
const heads = new Map<string, number>();
const sockets = new Set<Socket>();
let server: Server;
let endpoint: string;

before(async () => {
  server = createServer((request, response) => {
    const repo = /^\/org\/([\w-]+)\//.exec(request.url!)?.[1] ?? '';
    const headers = { 'content-length': String(BODY.length), etag: `"${repo}-etag"`, 'x-repo-commit': 'c0ffee' };
    if (request.method === 'HEAD') {
      const count = (heads.get(repo) ?? 0) + 1;
      heads.set(repo, count);
      if (repo === 'silent') return; // never answers
      if (repo === 'flaky' && count <= 2) return void response.writeHead(503, 'Service Unavailable').end();
      if (repo === 'down') return void response.writeHead(502, 'Bad Gateway').end();
      return void response.writeHead(200, headers).end();
    }
    if (repo === 'stuck') return; // headers never come
    if (repo === 'slow') {
      // One byte a second: alive, but far too slow.
      response.writeHead(200, headers);
      let sent = 0;
      const timer = setInterval(() => {
        if (response.destroyed || sent >= BODY.length) return void clearInterval(timer);
        response.write(BODY.subarray(sent, ++sent));
      }, 1000);
      response.write(BODY.subarray(0, ++sent));
      return;
    }
    response.writeHead(200, headers).end(BODY);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  for (const socket of sockets) socket.destroy();
  server.close();
});

const options = (cacheDir: string, extra: Partial<ResolveModelFilesOptions> = {}): ResolveModelFilesOptions => ({
  endpoint,
  cacheDir,
  env: {},
  files: ['config.json'],
  retryDelayMs: 20,
  log: null,
  ...extra,
});

async function failsWithin(run: Promise<unknown>, ms: number, message: RegExp): Promise<void> {
  const started = Date.now();
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof FinetuneError, String(error));
    assert.match(error.message, message);
    assert.ok(!error.message.includes('\n'));
    return true;
  });
  assert.ok(Date.now() - started < ms, `took ${Date.now() - started} ms`);
}

test(
  'a server that sends 1 byte a second times out within HF_HUB_DOWNLOAD_TIMEOUT, naming the URL',
  inTempFolder('hub-timeouts-', async (cacheDir) => {
    await failsWithin(
      resolveModelFiles('org/slow', options(cacheDir, { env: { HF_HUB_DOWNLOAD_TIMEOUT: '0.5' } })),
      2500,
      /^org\/slow: config\.json: http:\/\/127\.0\.0\.1:\d+\/org\/slow\/resolve\/main\/config\.json sent \d bytes in 0\.5 s \(HF_HUB_DOWNLOAD_TIMEOUT\); stopped at byte \d+, run again to resume$/,
    );
  }),
);

test(
  'a server that never answers: HEAD times out after HF_HUB_ETAG_TIMEOUT, GET after HF_HUB_DOWNLOAD_TIMEOUT',
  inTempFolder('hub-timeouts-', async (cacheDir) => {
    await failsWithin(
      resolveModelFiles('org/silent', options(cacheDir, { etagTimeout: 0.3 })),
      2500,
      /^org\/silent: no answer from http:\/\/127\.0\.0\.1:\d+\/org\/silent\/resolve\/main\/config\.json within 0\.3 s \(HF_HUB_ETAG_TIMEOUT\) for config\.json$/,
    );
    await failsWithin(
      resolveModelFiles('org/stuck', options(cacheDir, { downloadTimeout: 0.3 })),
      2500,
      /^org\/stuck: no answer from http:\/\/127\.0\.0\.1:\d+\/org\/stuck\/resolve\/main\/config\.json within 0\.3 s \(HF_HUB_DOWNLOAD_TIMEOUT\) for config\.json$/,
    );
  }),
);

test(
  'a whole-download limit stops a transfer that keeps trickling',
  inTempFolder('hub-timeouts-', async (cacheDir) => {
    await failsWithin(
      resolveModelFiles('org/slow', options(cacheDir, { totalTimeout: 0.4 })),
      2500,
      /^org\/slow: config\.json: http:\/\/127\.0\.0\.1:\d+\/org\/slow\/resolve\/main\/config\.json took longer than 0\.4 s in all; run again to resume$/,
    );
  }),
);

test(
  '5xx answers are retried with back-off, then succeed; a server that keeps failing is one line',
  inTempFolder('hub-timeouts-', async (cacheDir) => {
    const lines: string[] = [];
    const started = Date.now();
    await resolveModelFiles('org/flaky', options(cacheDir, { log: (line) => lines.push(line) }));
    assert.equal(heads.get('flaky'), 3);
    assert.ok(Date.now() - started >= 20 + 40, 'waited 20 ms, then 40 ms');
    assert.deepEqual(
      lines.map((l) => l.replace(/in [\d.]+ s/, 'in T s')),
      [`downloaded org/flaky/config.json (${BODY.length} bytes in T s)`],
    );
    await failsWithin(resolveModelFiles('org/down', options(cacheDir, { retries: 2 })), 2500, /^org\/down: config\.json: HTTP 502 Bad Gateway from /);
    assert.equal(heads.get('down'), 3);
  }),
);

test('timeouts come from the variables huggingface_hub reads; a bad value is one line naming it', () => {
  const settings = hubSettings({ env: { HF_HUB_ETAG_TIMEOUT: '2.5', HF_HUB_DOWNLOAD_TIMEOUT: '30' } });
  assert.equal(settings.etagTimeoutMs, 2500);
  assert.equal(settings.downloadTimeoutMs, 30000);
  assert.equal(hubSettings({ env: {} }).downloadTimeoutMs, 10000);
  assert.throws(() => hubSettings({ env: { HF_HUB_DOWNLOAD_TIMEOUT: 'abc' } }), {
    message: "HF_HUB_DOWNLOAD_TIMEOUT: 'abc' is not a number of seconds above 0",
  });
});
