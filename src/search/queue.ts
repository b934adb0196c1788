// Trials across machines: a BullMQ queue on Redis that `finetune worker` processes pull from; rung values and stop requests live in Redis.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
// Types only at the top: bullmq and ioredis load when a queue is used, not whenever the package is imported.
import type { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { FinetuneError } from '../errors.js';
import { folderLockOwner } from '../io/folder-lock.js';
import type { RungStore } from './asha.js';
import type { TrialExecutor } from './local-executor.js';
import type { SearchState } from './state.js';
import { runTrial, type TrialOutcome, type TrialSpec } from './trial.js';

/** The one queue every search and worker shares; jobs carry their search's id. */
export const QUEUE_NAME = 'finetune-trials';

/** What a job carries. */
export interface TrialJob {
  readonly searchId: string;
  readonly spec: TrialSpec;
}

/** What a job reports as progress: a rung reached and ASHA's decision there. */
export interface RungReport {
  readonly rung: number;
  readonly value: number;
  readonly continues: boolean;
}

/** Train flags that name files or folders. */
const PATH_FLAGS: ReadonlySet<string> = new Set(['model', 'data', 'eval-data', 'output']);

const key = (searchId: string, ...rest: string[]): string => ['finetune', 'search', searchId, ...rest].join(':');

/** Opens a connection for BullMQ, failing within `timeoutMs` with one line when Redis cannot be reached. */
export async function connectRedis(url: string, timeoutMs = 3000): Promise<Redis> {
  if (!/^rediss?:\/\/[^/]+/.test(url)) throw new FinetuneError(`--queue ${url}: expected redis://host:port/db`);
  const { Redis } = await import('ioredis');
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new FinetuneError(`--queue ${url}: cannot reach Redis (${(error as Error).message.split('\n')[0]})`);
  } finally {
    probe.disconnect();
  }
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  return connection;
}

/** Rung values of a search in a Redis hash per rung, shared by every worker. */
export class RedisRungStore implements RungStore {
  constructor(
    private readonly redis: Redis,
    private readonly searchId: string,
  ) {}

  async record(rung: number, trial: number, value: number): Promise<readonly number[]> {
    const k = key(this.searchId, 'rung', String(rung));
    await this.redis.hset(k, String(trial), String(value));
    return (await this.redis.hvals(k)).map(Number);
  }
}

/** The coordinator's side: each trial a job (id from search, trial and attempt, so a restarted coordinator finds its jobs again). */
export function queueExecutor(url: string, state: SearchState, log: (line: string) => void): TrialExecutor {
  type Opened = { queue: Queue; events: QueueEvents; redis: Redis; eventsRedis: Redis };
  let opened: Promise<Opened> | undefined;
  const open = (): Promise<Opened> => {
    opened ??= (async () => {
      const { Queue, QueueEvents } = await import('bullmq');
      const redis = await connectRedis(url);
      const queue = new Queue(QUEUE_NAME, { connection: redis });
      const eventsRedis = await connectRedis(url);
      const events = new QueueEvents(QUEUE_NAME, { connection: eventsRedis });
      await events.waitUntilReady();
      await redis.del(key(state.id, 'stop'));
      events.on('progress', ({ jobId, data }) => {
        if (!jobId.startsWith(`${state.id}-`) || typeof data !== 'object' || data === null) return;
        const report = data as RungReport;
        log(
          `${jobId.slice(state.id.length + 1)}: rung ${report.rung}, value ${report.value.toFixed(4)}, ${report.continues ? 'continues' : 'stopped by ASHA'}`,
        );
      });
      return { queue, events, redis, eventsRedis };
    })();
    return opened;
  };
  return {
    async run(spec: TrialSpec, attempt: number): Promise<TrialOutcome> {
      const { queue, events } = await open();
      const jobId = `${state.id}-t${spec.index}-a${attempt}`;
      // Workers run elsewhere (another cwd, another machine on the shared file system): paths that exist here go as absolute paths.
      const flags = Object.fromEntries(
        Object.entries(spec.flags).map(([k, v]) => [k, PATH_FLAGS.has(k) && typeof v === 'string' && existsSync(v) ? resolve(v) : v]),
      );
      let job: Job | undefined = await queue.getJob(jobId);
      if (job && (await job.isFailed())) await job.remove();
      if (!job || (await job.getState()) === 'unknown') {
        job = await queue.add('trial', { searchId: state.id, spec: { ...spec, flags } } satisfies TrialJob, {
          jobId,
          removeOnComplete: false,
          removeOnFail: false,
          attempts: 20,
          backoff: { type: 'fixed', delay: 3000 },
        });
      }
      const result = (await job.waitUntilFinished(events)) as TrialOutcome | string;
      return typeof result === 'string' ? (JSON.parse(result) as TrialOutcome) : result;
    },
    stopAll(): void {
      void open().then(({ redis }) => redis.set(key(state.id, 'stop'), '1'));
    },
    async close(): Promise<void> {
      if (!opened) return;
      const { queue, events, redis, eventsRedis } = await opened;
      await events.close();
      await queue.close();
      // BullMQ leaves connections it was given open.
      redis.disconnect();
      eventsRedis.disconnect();
    },
  };
}

export interface WorkerOptions {
  readonly url: string;
  /** Kernel threads of each trial (default: the process's). */
  readonly threads?: number;
  /** Seconds a job's lock lasts without renewal: a dead worker's trial goes to another after about this long (default 30). */
  readonly lockSeconds?: number;
  readonly log: (line: string) => void;
  /** Aborting it stops the worker: its trial stops at a checkpoint and goes back to the queue. */
  readonly signal?: AbortSignal;
}

/** Pulls trials from the queue and runs them one at a time, until the signal aborts; a trial found half done resumes from its checkpoint. */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const { Worker } = await import('bullmq');
  const connection = await connectRedis(options.url);
  const lockDuration = (options.lockSeconds ?? 30) * 1000;
  let current: AbortController | undefined;
  const worker = new Worker<TrialJob, TrialOutcome>(
    QUEUE_NAME,
    async (job) => {
      const { searchId, spec } = job.data;
      // A job taken over while its first worker still runs it (a lock not renewed in time on a loaded machine):
      // this attempt fails and BullMQ retries it later, by when the trial has ended or its worker is gone.
      const owner = folderLockOwner(String(spec.flags.output));
      if (owner) throw new Error(`trial ${spec.index}: its folder is in use by process ${owner.pid} on host ${owner.host}`);
      options.log(`${job.id}: trial ${spec.index} in ${String(spec.flags.output)}`);
      const controller = new AbortController();
      current = controller;
      const stopKey = key(searchId, 'stop');
      const poll = setInterval(() => {
        void connection.get(stopKey).then(
          (v) => v === '1' && controller.abort(),
          () => {},
        );
      }, 1000);
      try {
        // An interrupted outcome (the worker or the search stopped) makes the search queue the trial again, resumed from its checkpoint.
        const outcome = await runTrial(
          { ...spec, ...(options.threads === undefined ? {} : { threads: options.threads }) },
          {
            rungs: new RedisRungStore(connection, searchId),
            signal: controller.signal,
            onRung: (report) => void job.updateProgress(report as unknown as object).catch(() => {}),
          },
        );
        options.log(`${job.id}: ${outcome.status} at step ${outcome.globalStep}`);
        return outcome;
      } finally {
        clearInterval(poll);
        current = undefined;
      }
    },
    { connection, concurrency: 1, lockDuration, stalledInterval: lockDuration, maxStalledCount: 5, autorun: true },
  );
  worker.on('error', (error) => options.log(`worker: ${error.message}`));
  await worker.waitUntilReady();
  options.log(`worker: waiting for trials on ${options.url}`);
  await new Promise<void>((resolve) => {
    if (options.signal?.aborted) resolve();
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  current?.abort();
  await worker.close();
  connection.disconnect();
}
