// Checkpoints: model, optimizer, schedule, RNG, data position and trainer state in one folder, written atomically, rotated.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { FinetuneError } from '../errors.js';
import { isProcessAlive, writeFolderAtomic, writeJsonAtomic } from '../io/atomic-write.js';
import { readTextBounded } from '../io/bounded-read.js';
import { parseJson } from '../io/json-file.js';
import { checkFiniteTensors, type RawTensor } from '../io/raw-tensor.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import type { AdamW, AdamWState } from './optim/adamw.js';
import { checkScheduleConfig, type ScheduleConfig } from './schedule.js';
import { TrainerState } from './trainer-state.js';

/** Folder of the checkpoints inside an output folder. */
export const CHECKPOINTS_FOLDER = 'checkpoints';
export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const STATE_FILE = 'trainer_state.json';
export const SCHEDULER_FILE = 'scheduler.json';

/** What a checkpoint holds besides the model weights. */
export interface CheckpointParts {
  readonly model: Module;
  readonly optimizer: AdamW;
  readonly state: TrainerState;
  readonly schedule: ScheduleConfig;
}

function raw(t: Tensor | Float32Array, shape?: readonly number[]): RawTensor {
  if (t instanceof Tensor) return { dtype: t.dtype, shape: [...t.shape], data: t.data };
  return { dtype: 'float32', shape: [...(shape ?? [t.length])], data: t };
}

/** Writes `dir` (e.g. output/checkpoints/checkpoint-120) atomically: it appears complete or not at all. */
export async function saveCheckpoint(dir: string, parts: CheckpointParts, options: { readonly optimizer?: boolean } = {}): Promise<void> {
  const withOptimizer = options.optimizer ?? true;
  const { model, optimizer, state, schedule } = parts;
  const nameOf = new Map(model.namedParameters().map(([n, p]) => [p, n]));
  const optimizerState = optimizer.stateDict();
  const moments = new Map<string, RawTensor>();
  optimizer.allParams().forEach((p, i) => {
    const name = nameOf.get(p);
    const m = optimizerState.m[i];
    const v = optimizerState.v[i];
    if (name === undefined || !m || !v) return;
    moments.set(`exp_avg.${name}`, raw(m, p.shape));
    moments.set(`exp_avg_sq.${name}`, raw(v, p.shape));
  });
  await writeFolderAtomic(dir, (temp) => {
    // Parameters and persistent buffers (running statistics), so a resumed run continues exactly.
    writeSafetensors(join(temp, MODEL_FILE), new Map([...model.stateDict()].map(([n, t]) => [n, raw(t)])), { format: 'finetune' });
    if (withOptimizer) writeSafetensors(join(temp, OPTIMIZER_FILE), moments, { step: String(optimizerState.step) });
    // Says that a missing optimizer file was left out on purpose (saveOptimizer false), not lost.
    writeJsonAtomic(join(temp, SCHEDULER_FILE), { schedule, last_lr: optimizer.lr, ...(withOptimizer ? {} : { optimizer_saved: false }) });
    writeJsonAtomic(join(temp, STATE_FILE), state.toJSON());
  });
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readTextBounded(path, 'state');
  } catch (error) {
    if (error instanceof FinetuneError) throw error;
    throw new FinetuneError(`${path}: missing from the checkpoint`);
  }
  return parseJson(text, path);
}

/** Copies a checkpoint's model weights into `model` (names and shapes must match). */
export function loadModelWeights(dir: string, model: Module): void {
  const path = join(dir, MODEL_FILE);
  if (!existsSync(path)) throw new FinetuneError(`${path}: missing from the checkpoint`);
  const tensors = readSafetensors(path).tensors;
  checkFiniteTensors(tensors, path);
  const state = new Map<string, Tensor>();
  for (const [key, t] of tensors) state.set(key, new Tensor(t.data, t.shape));
  model.loadStateDict(state, { source: path });
}

/**
 * Restores model, optimizer and trainer state from a checkpoint; returns the state, the schedule it ran,
 * and whether it held the optimizer's state (a checkpoint saved without it leaves the optimizer fresh).
 */
export function loadCheckpoint(dir: string, model: Module, optimizer: AdamW): { state: TrainerState; schedule: ScheduleConfig; optimizerRestored: boolean } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new FinetuneError(`${dir}: no such checkpoint folder`);
  const statePath = join(dir, STATE_FILE);
  const state = TrainerState.fromJSON(readJson(statePath), statePath);
  // A checkpoint is written at its own step, never past its run's end: anything else was damaged or edited.
  const folderStep = /^checkpoint-(\d+)$/.exec(basename(dir))?.[1];
  if ((state.maxSteps > 0 && state.globalStep > state.maxSteps) || (folderStep !== undefined && Number(folderStep) !== state.globalStep)) {
    throw new FinetuneError(
      `${statePath}: global_step ${state.globalStep} does not fit the checkpoint ` +
        `(${folderStep === undefined ? '' : `folder step ${folderStep}, `}max_steps ${state.maxSteps}); the file is damaged or was edited`,
    );
  }
  const schedulerPath = join(dir, SCHEDULER_FILE);
  const scheduler = readJson(schedulerPath) as { schedule?: unknown; optimizer_saved?: unknown };
  const schedule = checkScheduleConfig(scheduler.schedule, schedulerPath);
  loadModelWeights(dir, model);
  const optimizerPath = join(dir, OPTIMIZER_FILE);
  if (scheduler.optimizer_saved === false && !existsSync(optimizerPath)) return { state, schedule, optimizerRestored: false };
  if (!existsSync(optimizerPath)) throw new FinetuneError(`${optimizerPath}: missing from the checkpoint`);
  const { tensors, metadata } = readSafetensors(optimizerPath);
  checkFiniteTensors(tensors, optimizerPath);
  const step = Number(metadata.step);
  if (!Number.isInteger(step) || step < 0) throw new FinetuneError(`${optimizerPath}: metadata 'step' is missing or not a count`);
  const nameOf = new Map(model.namedParameters().map(([n, p]) => [p, n]));
  const used = new Set<string>();
  const take = (key: string): Float32Array | null => {
    const t = tensors.get(key);
    if (!t) return null;
    used.add(key);
    return t.data as Float32Array;
  };
  const params = optimizer.allParams();
  const loaded: AdamWState = {
    step,
    m: params.map((p) => take(`exp_avg.${nameOf.get(p)}`)),
    v: params.map((p) => take(`exp_avg_sq.${nameOf.get(p)}`)),
  };
  const unused = [...tensors.keys()].filter((k) => !used.has(k));
  if (unused.length > 0) {
    const name = unused[0]!.replace(/^exp_avg(_sq)?\./, '');
    throw new FinetuneError(`${optimizerPath}: optimizer state for '${name}', which this run does not train (were the frozen parameters changed?)`);
  }
  optimizer.loadStateDict(loaded);
  return { state, schedule, optimizerRestored: true };
}

/** The checkpoints in an output folder, oldest step first. Temporary folders of interrupted writes are ignored. */
export function listCheckpoints(outputDir: string): { step: number; path: string }[] {
  const folder = join(outputDir, CHECKPOINTS_FOLDER);
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .map((name) => ({ name, match: /^checkpoint-(\d+)$/.exec(name) }))
    .filter((e) => e.match !== null && existsSync(join(folder, e.name, STATE_FILE)))
    .map((e) => ({ step: Number(e.match![1]), path: join(folder, e.name) }))
    .sort((a, b) => a.step - b.step);
}

/** The path of a step's checkpoint. */
export function checkpointPath(outputDir: string, step: number): string {
  return join(outputDir, CHECKPOINTS_FOLDER, `checkpoint-${step}`);
}

/** Deletes checkpoints other than the `keepLast` most recent and `keep` (the best); returns the removed paths. */
export function rotateCheckpoints(outputDir: string, keepLast: number, keep: readonly string[]): string[] {
  const all = listCheckpoints(outputDir);
  const recent = new Set(all.slice(-keepLast).map((c) => c.path));
  const kept = new Set(keep.map((p) => join(p)));
  const removed: string[] = [];
  for (const { path } of all) {
    if (recent.has(path) || kept.has(path)) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

/**
 * Removes what killed writers left in `folder`: hidden `.<name>.tmp-<pid>-*` files and folders of
 * processes that no longer run. Returns the names removed.
 */
export function removeStaleTemporaries(folder: string): string[] {
  if (!existsSync(folder)) return [];
  const removed: string[] = [];
  for (const entry of readdirSync(folder)) {
    const match = /^\..+\.tmp-(\d+)-[0-9a-f]+$/.exec(entry);
    if (!match || isProcessAlive(Number(match[1]))) continue;
    rmSync(join(folder, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}
