// Runs trials as child processes of the search (one per trial), answering their rung questions from one rung store.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RungStore } from './asha.js';
import type { TrialOutcome, TrialSpec } from './trial.js';
import type { FromTrial, ToTrial } from './trial-process.js';

/** Something that runs trials to an outcome: child processes here, workers on a queue elsewhere. */
export interface TrialExecutor {
  /** Runs (or resumes) a trial; resolves with its outcome. */
  run(spec: TrialSpec, attempt: number): Promise<TrialOutcome>;
  /** Interrupts every running trial at its next step (each keeps a checkpoint). */
  stopAll(): void;
  close(): Promise<void>;
}

/** A trial's process ended without an outcome; `signal` when a signal (Ctrl-C, SIGKILL) ended it, leaving the trial resumable. */
export class TrialProcessError extends Error {
  constructor(
    message: string,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
  }
}

const CHILD = fileURLToPath(new URL('./trial-process.js', import.meta.url));

export class LocalExecutor implements TrialExecutor {
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly rungs: RungStore) {}

  run(spec: TrialSpec): Promise<TrialOutcome> {
    return new Promise((resolve, reject) => {
      const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      this.children.add(child);
      let outcome: TrialOutcome | undefined;
      let crash: string | undefined;
      const post = (message: ToTrial): void => {
        if (child.connected) child.send(message);
      };
      child.on('message', (message: FromTrial) => {
        if (message.type === 'record') {
          void this.rungs.record(message.rung, message.trial, message.value).then((values) => post({ type: 'recorded', id: message.id, values }));
        } else if (message.type === 'done') outcome = message.outcome as TrialOutcome;
        else crash = message.error;
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        this.children.delete(child);
        if (outcome) resolve(outcome);
        else
          reject(
            new TrialProcessError(
              `trial ${spec.index}: its process ended (${signal ?? `exit code ${code}`})${crash ? `: ${crash.split('\n')[0]}` : ''}`,
              signal,
            ),
          );
      });
      post({ type: 'run', spec });
    });
  }

  stopAll(): void {
    for (const child of this.children) if (child.connected) child.send({ type: 'stop' } satisfies ToTrial);
  }

  async close(): Promise<void> {
    this.stopAll();
  }
}
