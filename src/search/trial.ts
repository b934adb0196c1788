// One trial: an ordinary `finetune train` run in its own folder (resumed from its last checkpoint when one is there), with ASHA fed by its evaluations.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setThreads } from '../backend/index.js';
import { Flags, type ParsedFlags } from '../cli/args.js';
import { trainOptionsFromFlags } from '../cli/commands/train.js';
import { FinetuneError } from '../errors.js';
import type { CallbackContext, Evaluation, TrainerCallback } from '../train/callbacks/callback.js';
import { trainClassifier } from '../train/run/train-classifier.js';
import { AshaJudge, type RungStore } from './asha.js';
import type { AshaOptions, ParamValues } from './space.js';

/** Everything a process needs to run trial `index` (plain JSON: it crosses process and machine boundaries). */
export interface TrialSpec {
  readonly index: number;
  /** The train flags of the trial: the search's base options with the trial's values (its folder under `output`). */
  readonly flags: ParsedFlags;
  /** Kernel threads of the trial (default: the process's). */
  readonly threads?: number;
  /** The metric optimised, without the eval_ prefix. */
  readonly metric: string;
  readonly direction: 'maximize' | 'minimize';
  /** Early stopping of weak trials (default: none). */
  readonly asha?: AshaOptions;
  /** The highest rung an earlier attempt was judged at, which this attempt resumes past (default -1: judge every rung). */
  readonly passedRung?: number;
}

/** One evaluation of a trial: the metric at a step. */
export interface TrialPoint {
  readonly step: number;
  readonly epoch: number;
  readonly value: number;
}

export type TrialStatus = 'complete' | 'pruned' | 'failed' | 'interrupted';

export interface TrialOutcome {
  readonly index: number;
  readonly status: TrialStatus;
  /** The best metric over its evaluations (the restored best model's, for a complete trial); undefined without one. */
  readonly value: number | undefined;
  /** Optimizer steps the run reached. */
  readonly globalStep: number;
  /** The step this attempt started from (0, or the checkpoint it resumed). */
  readonly startStep: number;
  /** Every evaluation of the run, resumed ones included. */
  readonly history: readonly TrialPoint[];
  /** The value at each rung reached, by rung index. */
  readonly rungs: Readonly<Record<string, number>>;
  /** Why it failed. */
  readonly error?: string;
}

/** The train flags of a trial: base options, its values, and its folder; LoRA's own values only when LoRA is on. */
export function trialFlags(base: ParsedFlags, params: ParamValues, folder: string): ParsedFlags {
  const flags: Record<string, unknown> = { ...base, ...params, output: folder };
  if (flags.lora === false) for (const name of ['lora-r', 'lora-alpha', 'lora-dropout', 'lora-targets']) delete flags[name];
  return flags as ParsedFlags;
}

const metricOf = (entry: Readonly<Record<string, unknown>>, metric: string): number | undefined => {
  const value = entry[`eval_${metric}`];
  return typeof value === 'number' ? value : undefined;
};

/** The callback that records the metric curve and asks ASHA at each rung whether to go on. */
class TrialWatcher implements TrainerCallback {
  readonly name = 'SearchTrial';
  history: TrialPoint[] = [];
  rungs: Record<string, number> = {};
  startStep = 0;
  pruned = false;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly spec: TrialSpec,
    private readonly judge: AshaJudge | undefined,
    private readonly prune: () => void,
    private readonly onRung: TrialHooks['onRung'],
  ) {}

  private collect(context: CallbackContext): void {
    this.history = context.state.logHistory.flatMap((entry) => {
      const value = metricOf(entry, this.spec.metric);
      return value === undefined ? [] : [{ step: entry.step, epoch: entry.epoch, value }];
    });
  }

  onTrainBegin(context: CallbackContext): void {
    this.startStep = context.state.globalStep;
    this.collect(context);
  }

  onEvaluate(context: CallbackContext, evaluation: Evaluation): void {
    this.collect(context);
    const value = evaluation.metrics[`eval_${this.spec.metric}`];
    if (this.judge === undefined || value === undefined || !this.spec.asha) return;
    const resource = this.spec.asha.unit === 'epoch' ? context.state.epoch : context.state.globalStep;
    // A rung at the run's last step is recorded for the others, but there is nothing left to stop.
    const last = context.state.globalStep >= context.state.maxSteps;
    // The trainer's hooks are synchronous: the decision comes back between later steps and stops the run there.
    this.pending = this.pending.then(async () => {
      const decision = await this.judge!.report(resource, value);
      if (!decision) return;
      this.rungs[String(decision.rung)] = value;
      this.onRung?.({ rung: decision.rung, value, continues: decision.continues || last });
      if (!decision.continues && !last && !this.pruned) {
        this.pruned = true;
        this.prune();
      }
    });
  }

  settled(): Promise<void> {
    return this.pending;
  }
}

export interface TrialHooks {
  /** Where rung values are kept (required with ASHA). */
  readonly rungs?: RungStore;
  /** Told of each rung the trial reaches and ASHA's decision there. */
  readonly onRung?: (report: { readonly rung: number; readonly value: number; readonly continues: boolean }) => void;
  /** Aborting it interrupts the trial at the next step (a checkpoint keeps its place). */
  readonly signal?: AbortSignal;
}

function bestOf(history: readonly TrialPoint[], direction: 'maximize' | 'minimize'): number | undefined {
  let best: number | undefined;
  for (const p of history) if (best === undefined || (direction === 'maximize' ? p.value > best : p.value < best)) best = p.value;
  return best;
}

/** Runs (or resumes) a trial in this process; its log goes to `train.log` in the trial's folder. */
export async function runTrial(spec: TrialSpec, hooks: TrialHooks = {}): Promise<TrialOutcome> {
  const folder = String(spec.flags.output);
  mkdirSync(folder, { recursive: true });
  const log = (text: string): void => appendFileSync(join(folder, 'train.log'), `${text}\n`);
  if (spec.threads !== undefined) setThreads(spec.threads);
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  if (hooks.signal?.aborted) stop();
  hooks.signal?.addEventListener('abort', stop, { once: true });
  const judge = spec.asha && hooks.rungs ? new AshaJudge(spec.asha, spec.direction, hooks.rungs, spec.index, spec.passedRung) : undefined;
  const watcher = new TrialWatcher(spec, judge, stop, hooks.onRung);
  const failed = (error: unknown): TrialOutcome => ({
    index: spec.index,
    status: 'failed',
    value: bestOf(watcher.history, spec.direction),
    globalStep: watcher.history.at(-1)?.step ?? 0,
    startStep: watcher.startStep,
    history: watcher.history,
    rungs: watcher.rungs,
    error: error instanceof Error ? error.message.split('\n')[0]! : String(error),
  });
  try {
    const options = trainOptionsFromFlags(new Flags({ ...spec.flags, resume: true }));
    const result = await trainClassifier(
      { ...options, callbacks: [watcher], signal: controller.signal, training: { ...options.training, metricForBest: spec.metric } },
      { output: { line: log, warn: (text) => log(`warning: ${text}`) }, progress: false },
    );
    await watcher.settled();
    const status = watcher.pruned ? 'pruned' : result.train.aborted ? 'interrupted' : 'complete';
    log(`search: trial ${spec.index} ${status} at step ${result.train.globalStep}`);
    return {
      index: spec.index,
      status,
      value: bestOf(watcher.history, spec.direction),
      globalStep: result.train.globalStep,
      startStep: watcher.startStep,
      history: watcher.history,
      rungs: watcher.rungs,
    };
  } catch (error) {
    if (!(error instanceof FinetuneError)) throw error;
    log(`search: trial ${spec.index} failed: ${error.message}`);
    return failed(error);
  } finally {
    hooks.signal?.removeEventListener('abort', stop);
  }
}
