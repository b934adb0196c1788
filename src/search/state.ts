// search.json: the search's settings, every trial (values, status, curve, steps) and the leaderboard; rewritten after every change.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedFlags } from '../cli/args.js';
import { FinetuneError } from '../errors.js';
import { writeJsonAtomic } from '../io/atomic-write.js';
import type { SearchSettings, ParamValues } from './space.js';
import type { TrialPoint, TrialStatus } from './trial.js';

export const SEARCH_FILE = 'search.json';

/** A trial as search.json records it. */
export interface TrialRecord {
  readonly index: number;
  readonly params: ParamValues;
  /** 'running' while a process has it (or had it, when the search was killed). */
  readonly status: TrialStatus | 'running';
  readonly value: number | null;
  readonly globalStep: number;
  /** The step each attempt started from: more than one entry means the trial was resumed. */
  readonly startSteps: readonly number[];
  readonly history: readonly TrialPoint[];
  readonly rungs: Readonly<Record<string, number>>;
  readonly folder: string;
  readonly error?: string;
}

export interface SearchState {
  readonly version: 1;
  /** Names the search in a shared queue (so two searches never share jobs or rungs). */
  readonly id: string;
  readonly base: ParsedFlags;
  readonly settings: SearchSettings;
  readonly trials: readonly TrialRecord[];
}

/** search.json with the leaderboard (finished trials, best first) and the step total added. */
export function stateJson(state: SearchState): Record<string, unknown> {
  return {
    ...state,
    leaderboard: leaderboard(state).map((t) => ({ trial: t.index, value: t.value, status: t.status, steps: t.globalStep, params: t.params })),
    total_steps: state.trials.reduce((sum, t) => sum + t.globalStep, 0),
  };
}

/** Trials with a value, best first (ties: the lower trial index first). */
export function leaderboard(state: SearchState): TrialRecord[] {
  const sign = state.settings.direction === 'maximize' ? -1 : 1;
  return state.trials
    .filter((t) => t.value !== null && (t.status === 'complete' || t.status === 'pruned'))
    .sort((a, b) => Number(a.status === 'pruned') - Number(b.status === 'pruned') || sign * (a.value! - b.value!) || a.index - b.index);
}

export function writeState(folder: string, state: SearchState): void {
  writeJsonAtomic(join(folder, SEARCH_FILE), stateJson(state));
}

/** The state of an earlier search in `folder`, or undefined when there is none. */
export function readState(folder: string): SearchState | undefined {
  const path = join(folder, SEARCH_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as SearchState & { leaderboard?: unknown; total_steps?: unknown };
    if (value.version !== 1 || !Array.isArray(value.trials) || typeof value.id !== 'string') throw new Error('not a search state');
    const { leaderboard: _l, total_steps: _t, ...state } = value;
    return state;
  } catch (error) {
    throw new FinetuneError(`${path}: not a search.json this version wrote (${(error as Error).message.split('\n')[0]})`);
  }
}

/** The settings a resumed search must share with the first run (trials, parallel and budget may change). */
export function sameSearch(a: SearchState, base: ParsedFlags, settings: SearchSettings): string | undefined {
  const key = (s: SearchSettings): string => JSON.stringify([s.space, s.metric, s.direction, s.sampler, s.seed, s.asha ?? null]);
  if (key(a.settings) !== key(settings)) return 'the search block (space, metric, sampler, seed or asha) differs';
  const strip = (flags: ParsedFlags): string =>
    JSON.stringify(
      Object.entries(flags)
        .filter(([k]) => k !== 'threads')
        .sort(([x], [y]) => (x < y ? -1 : 1)),
    );
  if (strip(a.base) !== strip(base)) return 'the train options differ';
  return undefined;
}
