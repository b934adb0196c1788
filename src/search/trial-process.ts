// A child process that runs one trial for a local search: the spec arrives over IPC, rung values are asked of the parent, the outcome goes back.
import type { RungStore } from './asha.js';
import { runTrial, type TrialSpec } from './trial.js';

/** Messages from the search process. */
export type ToTrial =
  | { readonly type: 'run'; readonly spec: TrialSpec }
  | { readonly type: 'stop' }
  | { readonly type: 'recorded'; readonly id: number; readonly values: readonly number[] };

/** Messages to the search process. */
export type FromTrial =
  | { readonly type: 'record'; readonly id: number; readonly rung: number; readonly trial: number; readonly value: number }
  | { readonly type: 'done'; readonly outcome: unknown }
  | { readonly type: 'crashed'; readonly error: string };

const send = (message: FromTrial): void => {
  process.send?.(message);
};

/** The last message, then exit once it is handed over (the native thread pool would keep the process alive). */
const finish = (message: FromTrial): void => {
  finished = true;
  process.send?.(message, undefined, {}, () => process.exit(0));
};
let finished = false;

const waiting = new Map<number, (values: readonly number[]) => void>();
let nextId = 0;
const rungs: RungStore = {
  record: (rung, trial, value) =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      send({ type: 'record', id, rung, trial, value });
    }),
};
const controller = new AbortController();

// The search process is gone (killed): stop at once; a resumed search continues from the trial's last checkpoint.
process.on('disconnect', () => {
  if (!finished) process.exit(1);
});
process.on('message', (message: ToTrial) => {
  if (message.type === 'stop') controller.abort();
  else if (message.type === 'recorded') {
    waiting.get(message.id)?.(message.values);
    waiting.delete(message.id);
  } else if (message.type === 'run') {
    runTrial(message.spec, { rungs, signal: controller.signal }).then(
      (outcome) => finish({ type: 'done', outcome }),
      (error: unknown) => finish({ type: 'crashed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  }
});
