// The search loop: samples trials, keeps K running on an executor, records outcomes in search.json and report.html, resumes a killed search.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ParsedFlags } from '../cli/args.js';
import { FinetuneError } from '../errors.js';
import { lockFolder } from '../io/folder-lock.js';
import { highestRung, MemoryRungStore, promotable } from './asha.js';
import { TrialProcessError, type TrialExecutor } from './local-executor.js';
import { writeSearchReport } from './report.js';
import { makeSampler, type Observation } from './samplers.js';
import type { SearchSettings } from './space.js';
import { leaderboard, readState, sameSearch, SEARCH_FILE, writeState, type SearchState, type TrialRecord } from './state.js';
import { trialFlags, type TrialOutcome, type TrialSpec } from './trial.js';

export interface SearchOptions {
  /** The search folder: search.json, report.html and trial-NNN/ run folders. */
  readonly folder: string;
  /** The train options every trial shares (flag names, as a config file holds them). */
  readonly base: ParsedFlags;
  readonly settings: SearchSettings;
  /** Continue the search in `folder` (default false: the folder must be new or empty). */
  readonly resume?: boolean;
  /** Kernel threads of each trial (default: all of the process's, divided among parallel trials). */
  readonly threadsPerTrial?: number;
  /** Makes the executor; the rung store is the search's own (local trials ask it over IPC). */
  readonly executor: (rungs: MemoryRungStore, state: SearchState) => TrialExecutor;
  readonly log: (line: string) => void;
}

export interface SearchResult {
  readonly state: SearchState;
  readonly best: TrialRecord | undefined;
  /** Whether the budget ran out before every trial finished. */
  readonly outOfBudget: boolean;
}

export const trialFolderName = (index: number): string => `trial-${String(index).padStart(3, '0')}`;

function startState(options: SearchOptions): SearchState {
  const { folder, base, settings } = options;
  const previous = readState(folder);
  if (previous) {
    if (!options.resume) throw new FinetuneError(`--output ${folder}: holds a search (${SEARCH_FILE}); pass --resume to continue it, or choose another folder`);
    const differs = sameSearch(previous, base, settings);
    if (differs) throw new FinetuneError(`${join(folder, SEARCH_FILE)}: ${differs} from the search being resumed; use the same config, or another --output`);
    // Trials, parallel and budget are this run's; a budget is never carried over from an earlier run.
    const { budgetSeconds: _spent, ...kept } = previous.settings;
    return { ...previous, settings: { ...kept, trials: settings.trials, parallel: settings.parallel, ...budgetOf(settings) } };
  }
  if (existsSync(folder) && readdirSync(folder).some((name) => !name.startsWith('.'))) {
    throw new FinetuneError(`--output ${folder}: the folder is not empty and holds no ${SEARCH_FILE}; choose another folder`);
  }
  return { version: 1, id: randomBytes(6).toString('hex'), base, settings, trials: [] };
}

const budgetOf = (s: SearchSettings): { budgetSeconds?: number } => (s.budgetSeconds === undefined ? {} : { budgetSeconds: s.budgetSeconds });

function observation(t: TrialRecord): Observation {
  return { params: t.params, value: t.value ?? undefined, pruned: t.status === 'pruned' };
}

/** Runs a search to its trial count or budget; resumable after any kill (see SearchOptions.resume). */
export async function runSearch(options: SearchOptions): Promise<SearchResult> {
  const folder = resolve(options.folder);
  mkdirSync(folder, { recursive: true });
  const lock = lockFolder(folder, { command: 'search', label: `--output ${folder}` });
  try {
    return await searchInFolder({ ...options, folder });
  } finally {
    lock.release();
  }
}

async function searchInFolder(options: SearchOptions): Promise<SearchResult> {
  const { folder, log } = options;
  let state = startState(options);
  const settings = state.settings;
  const rungs = new MemoryRungStore();
  for (const t of state.trials) for (const [rung, value] of Object.entries(t.rungs)) rungs.restore(Number(rung), t.index, value);
  const sampler = makeSampler(settings.sampler, settings.space, settings.seed, settings.direction, settings.trials);
  const executor = options.executor(rungs, state);
  const save = (): void => {
    writeState(folder, state);
    writeSearchReport(folder, state);
  };
  const update = (record: TrialRecord): void => {
    const trials = [...state.trials];
    trials[record.index] = record;
    state = { ...state, trials };
    save();
  };
  const finished = (t: TrialRecord): boolean => t.status === 'complete' || t.status === 'pruned' || t.status === 'failed';
  const done = state.trials.filter(finished).length;
  if (done > 0) log(`resuming the search in ${folder}: ${done} trials finished, ${state.trials.length - done} to resume`);
  // Trials a killed search left running (or a budget interrupted) go first, each from its last checkpoint.
  const queue = state.trials.filter((t) => !finished(t)).map((t) => t.index);
  const deadline = settings.budgetSeconds === undefined ? Infinity : Date.now() + settings.budgetSeconds * 1000;
  let outOfBudget = false;
  const timer =
    deadline === Infinity
      ? undefined
      : setTimeout(
          () => {
            outOfBudget = true;
            log('search: the budget is spent; stopping the running trials at their next step (--resume continues them)');
            executor.stopAll();
          },
          Math.max(0, deadline - Date.now()),
        );
  const threads = options.threadsPerTrial;

  const specOf = (record: TrialRecord): TrialSpec => ({
    index: record.index,
    flags: trialFlags(state.base, record.params, record.folder),
    metric: settings.metric,
    direction: settings.direction,
    ...(threads === undefined ? {} : { threads }),
    // Rungs an earlier attempt reported are not judged again: it ended at a checkpoint at or past them, where this one resumes.
    ...(settings.asha && !toEnd.has(record.index) ? { asha: settings.asha, passedRung: highestRung(record) } : {}),
  });

  // Trials run to their end whatever their rungs say (see leaderToFinish).
  const toEnd = new Set<number>();
  // An ASHA search that has started every trial and ends with none complete runs its leader to the end, so it returns a
  // trained model: the paused trial with the best value at the highest rung any paused trial reached.
  const leaderToFinish = (): TrialRecord | undefined => {
    if (!settings.asha || state.trials.some((t) => t.status === 'complete' || t.status === 'running')) return undefined;
    const sign = settings.direction === 'maximize' ? -1 : 1;
    const valueAt = (t: TrialRecord): number => t.rungs[String(highestRung(t))]!;
    const [leader] = state.trials
      .filter((t) => t.status === 'pruned' && highestRung(t) >= 0)
      .sort((a, b) => highestRung(b) - highestRung(a) || sign * (valueAt(a) - valueAt(b)) || a.index - b.index);
    if (leader === undefined) return undefined;
    log(`trial ${leader.index}: no trial is complete; the leader goes on from step ${leader.globalStep} to its end`);
    toEnd.add(leader.index);
    update({ ...leader, status: 'running' });
    return state.trials[leader.index];
  };

  const next = (): TrialRecord | undefined => {
    if (outOfBudget) return undefined;
    const resumed = queue.shift();
    if (resumed !== undefined) return state.trials[resumed];
    // ASHA resumes a paused trial that now ranks in the top 1/eta of its rung before it starts a new one.
    const promoted = settings.asha ? promotable(state.trials, settings.asha.reductionFactor, settings.direction) : undefined;
    if (promoted !== undefined) {
      const record = state.trials[promoted.index]!;
      const rung = highestRung(record);
      log(
        `trial ${record.index}: promoted from rung ${rung} (${settings.metric} ${record.rungs[String(rung)]!.toFixed(4)}), goes on from step ${record.globalStep}`,
      );
      update({ ...record, status: 'running' });
      return state.trials[promoted.index];
    }
    if (state.trials.length >= settings.trials) return leaderToFinish();
    const index = state.trials.length;
    const params = sampler.sample(index, state.trials.filter(finished).map(observation));
    const record: TrialRecord = {
      index,
      params,
      status: 'running',
      value: null,
      globalStep: 0,
      startSteps: [],
      history: [],
      rungs: {},
      folder: join(folder, trialFolderName(index)),
    };
    return record;
  };

  const runOne = async (record: TrialRecord): Promise<void> => {
    update({ ...record, status: 'running' });
    log(`trial ${record.index}: ${describe(record)}${record.startSteps.length > 0 ? ' (resumed)' : ''}`);
    let outcome: TrialOutcome;
    let retry = true;
    try {
      outcome = await executor.run(specOf(record), record.startSteps.length);
    } catch (error) {
      // Killed by a signal (Ctrl-C reaches the whole process group): resumable from its checkpoint with --resume, not failed.
      const killed = error instanceof TrialProcessError && error.signal !== null;
      outcome = {
        index: record.index,
        status: killed ? 'interrupted' : 'failed',
        value: undefined,
        globalStep: record.globalStep,
        startStep: record.globalStep,
        history: record.history,
        rungs: record.rungs,
        error: (error as Error).message,
      };
      retry = !killed;
    }
    const updated: TrialRecord = {
      ...record,
      status: outcome.status,
      value: outcome.value ?? null,
      globalStep: outcome.globalStep,
      startSteps: [...record.startSteps, outcome.startStep],
      history: outcome.history,
      rungs: { ...record.rungs, ...outcome.rungs },
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
    };
    update(updated);
    // Interrupted without the budget running out (a worker was stopped): it goes again, from its checkpoint.
    if (outcome.status === 'interrupted' && !outOfBudget && retry) queue.push(record.index);
    const shown = outcome.value === undefined ? 'no value' : `${settings.metric} ${outcome.value.toFixed(4)}`;
    log(`trial ${record.index} ${outcome.status} at step ${outcome.globalStep}: ${shown}${outcome.error ? ` (${outcome.error})` : ''}`);
  };

  save();
  try {
    const slots = Array.from({ length: settings.parallel }, async () => {
      for (let record = next(); record !== undefined; record = next()) await runOne(record);
    });
    await Promise.all(slots);
  } finally {
    if (timer) clearTimeout(timer);
    await executor.close();
  }
  const best = leaderboard(state)[0];
  return { state, best, outOfBudget };
}

/** A trial's values in a line; LoRA's own values are left out when LoRA is off (the trial does not use them). */
export function describe(record: TrialRecord): string {
  const unused = record.params.lora === false ? /^lora-/ : /^$/;
  return Object.entries(record.params)
    .filter(([k]) => !unused.test(k))
    .map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : String(v)}`)
    .join(', ');
}
