// `finetune worker --queue redis://...`: runs the trials searches put on the queue, one at a time, until SIGINT or SIGTERM.
import { getThreads } from '../../backend/index.js';
import { UsageError } from '../../errors.js';
import { runWorker } from '../../search/queue.js';
import type { Command } from '../command.js';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run search trials from a Redis queue (the search folder on a shared file system)',
  usage: 'Usage: finetune worker --queue redis://host:port/db [--threads N] [--lock-seconds 30]',
  flags: {
    queue: { type: 'string', help: 'redis://host:port/db, as given to finetune search --queue' },
    'lock-seconds': { type: 'int', help: "how long a trial's lock lasts unrenewed: a dead worker's trial moves to another after it", default: 30 },
  },
  async run({ flags, log }) {
    const url = flags.string('queue');
    if (url === undefined) throw new UsageError('worker: --queue redis://host:port/db is required');
    const lockSeconds = flags.number('lock-seconds');
    if (lockSeconds !== undefined && lockSeconds < 1) throw new UsageError(`--lock-seconds ${lockSeconds}: must be >= 1`);
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await runWorker({ url, threads: getThreads(), ...(lockSeconds === undefined ? {} : { lockSeconds }), log, signal: controller.signal });
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
    return { stopped: true };
  },
};
