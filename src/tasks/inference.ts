// One forward pass as inference runs it: no autograd bookkeeping, op buffers recycled, the logits copied out.
import type { ModelInputs, TaskModel } from '../models/types.js';
import { noGrad } from '../tensor/autograd.js';
import { recycleBuffers } from '../tensor/memory.js';

/** The model's logits for one batch, flat (shape as model.forward gives it). */
export function inferenceLogits(model: TaskModel, inputs: ModelInputs): Float32Array {
  return recycleBuffers(() => Float32Array.from(noGrad(() => model.forward(inputs)).f32()));
}
