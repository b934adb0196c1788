// Asynchronous successive halving (ASHA): rungs at minResource * eta^k, and whether a trial reaching a rung is in its top 1/eta.
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
 * Whether a trial whose value at a rung is `value` continues, given every value recorded at that
 * rung (its own included). As Optuna's SuccessiveHalvingPruner, it continues when it is within the
 * top max(1, floor(n / eta)) of the rung: the first trial always continues, and while fewer than eta
 * have reported, a later one only when it is the best so far. (Letting every one of the first eta - 1
 * through, as an earlier version did, spent two thirds of a sequential search's steps.)
 */
export function continuesAtRung(value: number, rungValues: readonly number[], eta: number, direction: 'maximize' | 'minimize'): boolean {
  if (!Number.isFinite(value)) return false;
  const sorted = rungValues.filter(Number.isFinite).sort((a, b) => (direction === 'maximize' ? b - a : a - b));
  const keep = Math.max(1, Math.floor(sorted.length / eta));
  const threshold = sorted[keep - 1];
  if (threshold === undefined) return true;
  return direction === 'maximize' ? value >= threshold : value <= threshold;
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
  private lastRung = -1;

  constructor(
    private readonly options: AshaOptions,
    private readonly direction: 'maximize' | 'minimize',
    private readonly store: RungStore,
    private readonly trial: number,
  ) {}

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
