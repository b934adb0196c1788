// Asynchronous successive halving (ASHA): rungs at minResource * eta^k, whether a trial reaching a rung is in its top 1/eta, and which paused trial to promote.
import type { AshaOptions } from './space.js';

/** The rung index a trial has reached after `resource` units (epochs or steps), or -1 before the first rung. */
export function rungOf(resource: number, options: AshaOptions): number {
  if (resource + 1e-9 < options.minResource) return -1;
  // Rung k sits at minResource * eta^k; a small tolerance absorbs fractional epochs (2.9999...).
  return Math.floor(Math.log(resource / options.minResource) / Math.log(options.reductionFactor) + 1e-9);
}

/** The resource (epochs or steps) of rung k. */
export function rungResource(rung: number, options: AshaOptions): number {
  return options.minResource * options.reductionFactor ** rung;
}

/**
 * Whether a trial whose value at a rung is `value` goes on now, given every value recorded at that
 * rung (its own included): as in ASHA (Li et al., 2020), when it is within the top floor(n / eta).
 * While fewer than eta trials have reported, none is; a trial stopped there waits, paused with its
 * checkpoint, and `promotable` resumes it once enough later trials rank below it. (Optuna's rule,
 * which lets the first trial of a rung through, ran a sequential search's first random trials to
 * their end: a fifth of its steps.)
 */
export function continuesAtRung(value: number, rungValues: readonly number[], eta: number, direction: 'maximize' | 'minimize'): boolean {
  if (!Number.isFinite(value)) return false;
  const sorted = rungValues.filter(Number.isFinite).sort((a, b) => (direction === 'maximize' ? b - a : a - b));
  const threshold = sorted[Math.floor(sorted.length / eta) - 1];
  if (threshold === undefined) return false;
  return direction === 'maximize' ? value >= threshold : value <= threshold;
}

/** What `promotable` reads of a trial: its status and its value at each rung it reached. */
export interface RungedTrial {
  readonly index: number;
  readonly status: string;
  readonly rungs: Readonly<Record<string, number>>;
}

/** The highest rung a trial has a value at, or -1. */
export function highestRung(trial: RungedTrial): number {
  return Math.max(-1, ...Object.keys(trial.rungs).map(Number));
}

/**
 * The paused ('pruned') trial to resume now, or undefined: from the highest rung down, the best
 * paused trial of the rung that is within its top floor(n / eta) (ties: the lower index). ASHA
 * prefers promoting a paused trial to starting a new one.
 */
export function promotable(trials: readonly RungedTrial[], eta: number, direction: 'maximize' | 'minimize'): RungedTrial | undefined {
  const top = Math.max(-1, ...trials.map(highestRung));
  const better = (a: number, b: number): boolean => (direction === 'maximize' ? a > b : a < b);
  for (let rung = top; rung >= 0; rung--) {
    const key = String(rung);
    const values = trials.flatMap((t) => (t.rungs[key] === undefined ? [] : [t.rungs[key]!]));
    let pick: RungedTrial | undefined;
    for (const t of trials) {
      if (t.status !== 'pruned' || highestRung(t) !== rung || !continuesAtRung(t.rungs[key]!, values, eta, direction)) continue;
      if (pick === undefined || better(t.rungs[key]!, pick.rungs[key]!)) pick = t;
    }
    if (pick) return pick;
  }
  return undefined;
}

/** Where the values of each rung are kept: in memory (one process), or in Redis (many machines). */
export interface RungStore {
  /** Records trial `trial`'s value at `rung` (a repeated report of the same trial replaces it) and returns every value of the rung. */
  record(rung: number, trial: number, value: number): Promise<readonly number[]>;
}

/** Rung values in this process; `snapshot` and `restore` let a resumed search keep them. */
export class MemoryRungStore implements RungStore {
  private readonly rungs = new Map<number, Map<number, number>>();

  async record(rung: number, trial: number, value: number): Promise<readonly number[]> {
    let values = this.rungs.get(rung);
    if (!values) this.rungs.set(rung, (values = new Map()));
    values.set(trial, value);
    return [...values.values()];
  }

  restore(rung: number, trial: number, value: number): void {
    void this.record(rung, trial, value);
  }
}

/** What a trial's evaluations reveal to ASHA: one decision per rung crossed. */
export class AshaJudge {
  private lastRung: number;

  /** `passedRung`: the highest rung an earlier attempt was judged at before the step this one resumes from (default -1: none). */
  constructor(
    private readonly options: AshaOptions,
    private readonly direction: 'maximize' | 'minimize',
    private readonly store: RungStore,
    private readonly trial: number,
    passedRung = -1,
  ) {
    this.lastRung = passedRung;
  }

  /**
   * An evaluation at `resource` units with metric `value`. Resolves with the rung reached (when the
   * evaluation crossed a new one) and whether the trial continues; a resumed trial that reports a
   * rung again replaces its own value, so the decision is the same.
   */
  async report(resource: number, value: number): Promise<{ readonly rung: number; readonly continues: boolean } | undefined> {
    const rung = rungOf(resource, this.options);
    if (rung <= this.lastRung) return undefined;
    this.lastRung = rung;
    const values = await this.store.record(rung, this.trial, value);
    return { rung, continues: continuesAtRung(value, values, this.options.reductionFactor, this.direction) };
  }
}
