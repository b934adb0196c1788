// Learning-rate schedules: linear warm-up, then linear decay, cosine decay or constant, as transformers' get_*_schedule_with_warmup.
import { FinetuneError } from '../errors.js';
import type { SchedulerName } from './training-args.js';

/** What a schedule is built from; saved with checkpoints so a resumed run continues the same curve. */
export interface ScheduleConfig {
  readonly name: SchedulerName;
  /** The peak learning rate, reached at the end of warm-up. */
  readonly baseLr: number;
  readonly warmupSteps: number;
  readonly totalSteps: number;
}

/**
 * The learning rate of the optimizer update that follows `step` completed updates (0-based), so
 * the first update uses lrAt(0): 0 when there is warm-up, as transformers' LambdaLR schedules do.
 */
export function lrAt(config: ScheduleConfig, step: number): number {
  const { name, baseLr, warmupSteps, totalSteps } = config;
  if (step < warmupSteps) return (baseLr * step) / Math.max(1, warmupSteps);
  if (name === 'constant') return baseLr;
  const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
  if (name === 'linear') return baseLr * Math.max(0, 1 - progress);
  return baseLr * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
}

/** Warm-up steps: explicit, else ceil(ratio * total) as transformers computes them. */
export function warmupStepsFor(totalSteps: number, warmupRatio: number, warmupSteps?: number): number {
  if (warmupSteps !== undefined) return warmupSteps;
  return Math.ceil(warmupRatio * totalSteps);
}

/** Checks a schedule read back from a checkpoint. */
export function checkScheduleConfig(value: unknown, source: string): ScheduleConfig {
  const c = value as Partial<ScheduleConfig> | null;
  if (
    c === null ||
    typeof c !== 'object' ||
    !['linear', 'cosine', 'constant'].includes(c.name as string) ||
    !(typeof c.baseLr === 'number' && c.baseLr > 0) ||
    !Number.isInteger(c.warmupSteps) ||
    !Number.isInteger(c.totalSteps)
  ) {
    throw new FinetuneError(`${source}: 'schedule' is not a learning-rate schedule`);
  }
  return c as ScheduleConfig;
}
