// Checkpoint housekeeping around a run: leftovers of killed writers, checkpoints of an abandoned future, restoring the best weights.
import { count } from '../plural.js';
import { existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Module } from '../nn/module.js';
import type { TrainerOutput } from './callbacks/callback.js';
import { CHECKPOINTS_FOLDER, listCheckpoints, loadModelWeights, removeStaleTemporaries } from './checkpoint.js';
import type { TrainerState } from './trainer-state.js';

/**
 * Readies an output folder for a run at `state.globalStep`: removes what killed writers left, and the
 * checkpoints of later steps, which belong to a run that is now being redone from an earlier point
 * (keeping them would let rotation prefer them over the new ones).
 */
export function prepareCheckpointFolder(outputDir: string, state: TrainerState, output: TrainerOutput): void {
  removeStaleTemporaries(outputDir);
  removeStaleTemporaries(join(outputDir, CHECKPOINTS_FOLDER));
  const later = listCheckpoints(outputDir).filter((c) => c.step > state.globalStep);
  for (const checkpoint of later) rmSync(checkpoint.path, { recursive: true, force: true });
  if (later.length > 0) {
    output.line(
      `removed ${count(later.length, 'checkpoint')} after step ${state.globalStep} left by an earlier run (${later.map((c) => relative(outputDir, c.path)).join(', ')})`,
    );
  }
}

/**
 * Loads the best checkpoint's weights into `model` when they are not the current ones. Returns
 * whether it did; a best checkpoint that no longer exists is a warning, and the final weights stay.
 */
export function restoreBestWeights(outputDir: string, state: TrainerState, model: Module, output: TrainerOutput): boolean {
  if (state.bestModelCheckpoint === null || state.bestGlobalStep === state.globalStep) return false;
  const dir = join(outputDir, state.bestModelCheckpoint);
  if (!existsSync(dir)) {
    output.warn(`the best checkpoint ${state.bestModelCheckpoint} no longer exists; keeping the weights of step ${state.globalStep}`);
    return false;
  }
  loadModelWeights(dir, model);
  output.line(`restored the best checkpoint (step ${state.bestGlobalStep}, ${state.metricForBest} ${state.bestMetric?.toFixed(4)})`);
  return true;
}
