// Runs one fuzz target's cases in a worker thread, reporting each case before it starts so the parent can time it out.
import { parentPort, workerData } from 'node:worker_threads';
import { FinetuneError } from '../../src/errors.js';
import { caseInput } from './cases.js';
import { TARGETS } from './targets.js';

interface Job {
  readonly target: string;
  readonly first: number;
  readonly count: number;
  /** Inputs to replay as they are (regression cases), instead of generated ones. */
  readonly inputs?: readonly Uint8Array[];
}

const job = workerData as Job;
const target = TARGETS.find((t) => t.name === job.target)!;
const seeds = target.seeds();
const port = parentPort!;

async function main(): Promise<void> {
  const total = job.inputs ? job.inputs.length : job.count;
  for (let i = 0; i < total; i++) {
    const index = job.first + i;
    const input = job.inputs ? job.inputs[i]! : caseInput(target, seeds, index);
    port.postMessage({ type: 'case', index });
    try {
      await target.run(input);
    } catch (error) {
      if (!(error instanceof FinetuneError)) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        port.postMessage({ type: 'failure', index, message: message.slice(0, 500), stack: (error as Error)?.stack?.split('\n').slice(0, 6).join('\n') });
      } else if (error.message.includes('\n')) {
        port.postMessage({ type: 'failure', index, message: `a FinetuneError of several lines: ${error.message.slice(0, 500)}` });
      }
    }
    if (i % 64 === 0) port.postMessage({ type: 'memory', index, rss: process.memoryUsage().rss });
  }
  port.postMessage({ type: 'done' });
}

void main();
