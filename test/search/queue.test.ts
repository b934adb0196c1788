// A search across processes on a real redis-server: a coordinator and 2 workers, one SIGKILLed mid-trial; the same leaderboard as a one-process search.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectRedis, RedisRungStore } from '../../src/search/queue.js';
import { runCli } from '../support/run-cli.js';
import { boardOf, checkpointsOf, start, trialsOf, until, writeSearchSetup } from './support.js';

const REDIS = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
const root = mkdtempSync(join(tmpdir(), 'finetune-queue-'));
const started: ChildProcess[] = [];
after(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** A loopback port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts redis-server on a free loopback port, without persistence; resolves with its URL once it accepts connections. */
async function startRedis(): Promise<string> {
  const port = await freePort();
  const redis = spawn(REDIS!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', root], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(redis);
  let log = '';
  redis.stdout!.setEncoding('utf8').on('data', (t: string) => (log += t));
  await until(() => /Ready to accept connections/.test(log), 'redis-server to start', 15_000);
  return `redis://127.0.0.1:${port}/0`;
}

const stepOf = (name: string): number => Number(/^checkpoint-(\d+)$/.exec(name)?.[1] ?? 0);

describe('finetune search --queue with finetune worker', { skip: REDIS ? false : 'redis-server is not installed (Debian package redis-server)' }, () => {
  let url = '';
  let config = '';
  before(async () => {
    config = writeSearchSetup(root, 4);
    url = await startRedis();
  });

  it('survives a worker killed mid-trial: every trial once, the killed one resumed, the leaderboard of a one-process search', async () => {
    const workers = [0, 1].map(() => start(['worker', '--queue', url, '--threads', '1', '--lock-seconds', '3']));
    for (const w of workers) started.push(w.child);
    await until(() => workers.every((w) => w.stdout().includes('waiting for trials')), 'both workers to connect', 30_000);
    const coordinator = start(['search', '--config', config, '--output', join(root, 'queued'), '--queue', url, '--parallel', '2', '--json']);
    started.push(coordinator.child);

    // Worker 0 takes a trial; once the trial has a checkpoint at step 10 or later, the worker dies.
    let folder = '';
    await until(() => {
      folder = /: trial \d+ in (\S+)/.exec(workers[0]!.stdout())?.[1] ?? '';
      return folder !== '' && checkpointsOf(folder).some((c) => stepOf(c) >= 10);
    }, 'a checkpoint of worker 0 trial');
    workers[0]!.child.kill('SIGKILL');
    const killedTrial = Number(/trial-(\d+)$/.exec(folder)![1]);

    const exit = await coordinator.done;
    assert.equal(exit.code, 0, exit.stderr);
    workers[1]!.child.kill('SIGTERM');
    await workers[1]!.done;

    const trials = trialsOf(join(root, 'queued'));
    assert.deepEqual(
      trials.map((t) => [t.index, t.status, t.globalStep]),
      [0, 1, 2, 3].map((i) => [i, 'complete', 30]),
    );
    const killed = trials[killedTrial]!;
    assert.ok(killed.startSteps[0]! >= 10, `trial ${killedTrial} resumed from its checkpoint (started at step ${killed.startSteps[0]})`);
    assert.match(workers[1]!.stdout(), new RegExp(`t${killedTrial}-a0: trial ${killedTrial} in`), 'the other worker ran the killed trial');

    const local = await runCli(['search', '--config', config, '--output', join(root, 'local'), '--parallel', '1', '--threads', '1']);
    assert.equal(local.code, 0, local.stderr);
    assert.deepEqual(boardOf(join(root, 'queued')), boardOf(join(root, 'local')));
  });

  it('a coordinator SIGKILLed and restarted with --resume picks up its jobs from Redis and ends with the same leaderboard', async () => {
    const workers = [0, 1].map(() => start(['worker', '--queue', url, '--threads', '1', '--lock-seconds', '3']));
    for (const w of workers) started.push(w.child);
    const args = ['search', '--config', config, '--output', join(root, 'restarted'), '--queue', url, '--parallel', '2'];
    const first = start(args);
    started.push(first.child);
    await until(
      () => existsSync(join(root, 'restarted', 'search.json')) && trialsOf(join(root, 'restarted')).some((t) => t.status === 'complete'),
      'a finished trial',
    );
    first.child.kill('SIGKILL');
    await first.done;
    const again = start([...args, '--resume']);
    started.push(again.child);
    const exit = await again.done;
    assert.equal(exit.code, 0, exit.stderr);
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.all(workers.map((w) => w.done));
    const trials = trialsOf(join(root, 'restarted'));
    assert.deepEqual(
      trials.map((t) => [t.index, t.status, t.globalStep]),
      [0, 1, 2, 3].map((i) => [i, 'complete', 30]),
    );
    assert.deepEqual(boardOf(join(root, 'restarted')), boardOf(join(root, 'local')));
  });

  it("keeps ASHA's rung values in Redis, per search and rung, a trial's repeated report replacing its value", async () => {
    const redis = await connectRedis(url);
    try {
      const a = new RedisRungStore(redis, 'search-a');
      await a.record(0, 1, 0.5);
      await a.record(0, 2, 0.7);
      assert.deepEqual([...(await a.record(0, 1, 0.6))].sort(), [0.6, 0.7]);
      assert.deepEqual(await new RedisRungStore(redis, 'search-b').record(0, 1, 0.1), [0.1]);
      assert.deepEqual(await a.record(1, 2, 0.8), [0.8]);
    } finally {
      redis.disconnect();
    }
  });
});
