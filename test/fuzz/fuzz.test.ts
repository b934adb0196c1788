// Fuzzes every reader: FUZZ_RUNS mutated inputs each (default 2,000) must end in a FinetuneError or a value, within a time and memory bound.
//
// Each target runs in a worker thread with a heap limit; the parent times every case and stops a
// worker that hangs. Inputs that ever failed live in test/fixtures/fuzz/<target>/ and are replayed
// first. FUZZ_SAVE=1 writes new failing inputs there; FUZZ_RUNS=100000 is the long mode; FUZZ_TARGETS picks readers.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { caseInput } from './cases.js';
import { TARGETS, type FuzzTarget } from './targets.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
/** FUZZ_TARGETS=parquet,csv runs only those readers (a long run of one reader after a fix). */
const ONLY = process.env.FUZZ_TARGETS?.split(',').map((name) => name.trim());
/** A case slower than this is a hang (generous: the machine is shared). */
const CASE_TIMEOUT_MS = Number(process.env.FUZZ_CASE_TIMEOUT_MS ?? 10_000);
/** How long a worker may take to load before its first case. */
const STARTUP_TIMEOUT_MS = 60_000;
/** Heap of a worker, and how far the process may grow while fuzzing. */
const HEAP_LIMIT_MB = 384;
const RSS_GROWTH_LIMIT = 1536 * 1024 * 1024;
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/fuzz/', import.meta.url));
const WORKER = new URL('./worker.js', import.meta.url);

interface Failure {
  readonly index: number;
  readonly message: string;
}

interface Job {
  readonly target: string;
  readonly first: number;
  readonly count: number;
  readonly inputs?: readonly Uint8Array[];
}

function runWorker(job: Job): Promise<Failure[]> {
  return new Promise((resolve) => {
    const failures: Failure[] = [];
    const baseline = process.memoryUsage().rss;
    const worker = new Worker(WORKER, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: HEAP_LIMIT_MB } });
    let current = -1;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (failure?: Failure): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (failure) failures.push(failure);
      void worker.terminate().then(() => resolve(failures));
    };
    const arm = (): void => {
      clearTimeout(timer);
      // Loading the readers in a fresh worker can take seconds on a busy machine: not a case's time.
      const limit = current < 0 ? Math.max(CASE_TIMEOUT_MS, STARTUP_TIMEOUT_MS) : CASE_TIMEOUT_MS;
      timer = setTimeout(() => finish({ index: current, message: `no result within ${limit} ms (a hang)` }), limit);
    };
    arm();
    worker.on('message', (message: { type: string; index: number; message?: string; stack?: string; rss?: number }) => {
      if (message.type === 'case') {
        current = message.index;
        arm();
      } else if (message.type === 'failure') {
        failures.push({ index: message.index, message: `${message.message}${message.stack ? `\n${message.stack}` : ''}` });
      } else if (message.type === 'memory' && message.rss! - baseline > RSS_GROWTH_LIMIT) {
        finish({ index: message.index, message: `memory grew by ${Math.round((message.rss! - baseline) / 2 ** 20)} MB` });
      } else if (message.type === 'done') {
        finish();
      }
    });
    worker.on('error', (error) => finish({ index: current, message: `the worker died: ${error.message}` }));
    worker.on('exit', (code) => finish(code === 0 ? undefined : { index: current, message: `the worker exited with code ${code}` }));
  });
}

function regressionInputs(target: FuzzTarget): { names: string[]; inputs: Uint8Array[] } {
  const folder = join(FIXTURES, target.name);
  const names = existsSync(folder) ? readdirSync(folder).sort() : [];
  return { names, inputs: names.map((name) => Uint8Array.from(readFileSync(join(folder, name)))) };
}

function report(target: FuzzTarget, failures: readonly Failure[], name: (index: number) => string): string {
  return failures
    .slice(0, 5)
    .map((f) => `${target.name} ${name(f.index)}: ${f.message}`)
    .join('\n');
}

describe('fuzz', { concurrency: 2 }, () => {
  for (const target of TARGETS.filter((t) => ONLY === undefined || ONLY.includes(t.name))) {
    it(`${target.name}: saved regression inputs, then ${RUNS.toLocaleString('en-US')} mutated inputs end in a FinetuneError or a value`, async () => {
      const { names, inputs } = regressionInputs(target);
      if (inputs.length > 0) {
        const failures = await runWorker({ target: target.name, first: 0, count: inputs.length, inputs });
        assert.deepEqual(
          failures,
          [],
          report(target, failures, (i) => `regression input ${names[i]}`),
        );
      }
      const failures = await runWorker({ target: target.name, first: 0, count: RUNS });
      if (failures.length > 0 && process.env.FUZZ_SAVE === '1') {
        const seeds = target.seeds();
        mkdirSync(join(FIXTURES, target.name), { recursive: true });
        for (const f of failures) if (f.index >= 0) writeFileSync(join(FIXTURES, target.name, `case-${f.index}.bin`), caseInput(target, seeds, f.index));
      }
      assert.equal(failures.length, 0, `${failures.length} failing cases (FUZZ_SAVE=1 saves them):\n${report(target, failures, (i) => `case ${i}`)}`);
    });
  }
});
