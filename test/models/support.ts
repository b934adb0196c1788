// Shared by the model tests: the golden folders, their expected tensors as model inputs, and difference measures.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '../../src/io/safetensors.js';
import type { TextInputs } from '../../src/models/types.js';
import { Tensor } from '../../src/tensor/tensor.js';

/** test/golden/models/ (made by scripts/make-model-golden.py with the real transformers). */
export const GOLDEN = fileURLToPath(new URL('../../../test/golden/models/', import.meta.url));

export function goldenDir(name: string): string {
  return `${GOLDEN}${name}`;
}

/** expected.safetensors of a golden folder as tensors by name. */
export function expectedTensors(name: string): (key: string) => Tensor | undefined {
  const tensors = readSafetensors(`${goldenDir(name)}/expected.safetensors`).tensors;
  return (key) => {
    const raw = tensors.get(key);
    return raw && new Tensor(raw.data, raw.shape);
  };
}

export function expectedJson(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${goldenDir(name)}/expected.json`, 'utf8')) as Record<string, unknown>;
}

/** The inputs of batch `batch` ('single' or 'pair') of a golden folder. */
export function goldenInputs(get: (key: string) => Tensor | undefined, batch: string): TextInputs {
  const ids = get(`${batch}.input_ids`)!;
  const types = get(`${batch}.token_type_ids`);
  return { inputIds: ids, attentionMask: get(`${batch}.attention_mask`)!, ...(types ? { tokenTypeIds: types } : {}) };
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  if (a.size !== b.size) return Infinity;
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

/** ||ours - ref|| / ||ref||; a zero reference compares the plain norm of ours. */
export function relativeError(ours: Tensor, ref: Tensor): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.size; i++) {
    num += (ours.data[i]! - ref.data[i]!) ** 2;
    den += ref.data[i]! ** 2;
  }
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num) / Math.sqrt(den);
}
