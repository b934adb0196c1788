// Helpers of the causal-model tests: the golden checkpoints and tensors of scripts/make-causal-golden.py, the shifted loss.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '../../io/safetensors.js';
import { crossEntropy } from '../../tensor/ops/losses.js';
import { Tensor } from '../../tensor/tensor.js';
import { loadTaskModel } from '../load.js';
import type { CausalLMModel } from './types.js';

export const CAUSAL_GOLDEN = fileURLToPath(new URL('../../../../test/golden/causal/', import.meta.url));
export const CAUSAL_NAMES = ['gpt2', 'llama', 'qwen2'] as const;

/** The golden tensors of checkpoint `name` (see the script's docstring). */
export function goldenTensors(name: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [key, raw] of readSafetensors(join(CAUSAL_GOLDEN, `${name}.safetensors`)).tensors) out.set(key, new Tensor(raw.data, raw.shape));
  return out;
}

export async function loadGoldenModel(name: string): Promise<CausalLMModel> {
  return (await loadTaskModel(join(CAUSAL_GOLDEN, name))).model as CausalLMModel;
}

/**
 * transformers' ForCausalLMLoss: logits [B, T, V] at t against ids at t + 1, mean over targets; a target that is
 * padding, or whose previous position is padding (no context), is ignored.
 */
export function shiftedLoss(logits: Tensor, ids: Tensor, mask: Tensor): Tensor {
  const [b, t, v] = logits.shape as [number, number, number];
  const targets = new Int32Array(b * (t - 1));
  for (let row = 0; row < b; row++) {
    for (let i = 0; i < t - 1; i++)
      targets[row * (t - 1) + i] = mask.data[row * t + i + 1] === 0 || mask.data[row * t + i] === 0 ? -100 : ids.data[row * t + i + 1]!;
  }
  const shifted = logits.slice(1, 0, t - 1).reshape([b * (t - 1), v]);
  return crossEntropy(shifted, new Tensor(targets, [b * (t - 1)]));
}

/** Largest |a - b| over the positions where the mask [B, T] is 1; a and b are [B, T, ...]. */
export function maskedMaxDiff(a: Tensor, b: Tensor, mask: Tensor): number {
  const [rows, t] = mask.shape as [number, number];
  const per = a.size / (rows * t);
  let worst = 0;
  for (let p = 0; p < rows * t; p++) {
    if (mask.data[p] === 0) continue;
    for (let j = p * per; j < (p + 1) * per; j++) worst = Math.max(worst, Math.abs(a.data[j]! - b.data[j]!));
  }
  return worst;
}

/** max |a - b| / (max |b| + 1e-12): a relative difference for whole gradient tensors. */
export function relativeDiff(a: Tensor, b: Tensor): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.size; i++) {
    diff = Math.max(diff, Math.abs(a.data[i]! - b.data[i]!));
    scale = Math.max(scale, Math.abs(b.data[i]!));
  }
  return diff / (scale + 1e-12);
}
