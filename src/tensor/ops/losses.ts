// Cross-entropy on integer targets with PyTorch's semantics: ignore index, class weights, label smoothing.
import { getBackend } from '../../backend/index.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { allocF32 } from '../memory.js';

export interface CrossEntropyOptions {
  /** Targets equal to this contribute nothing (default -100, as PyTorch). */
  readonly ignoreIndex?: number;
  /** Per-class weights [C] (default: all 1). */
  readonly classWeights?: Tensor;
  /** Mass moved from the target to a uniform distribution over classes (default 0). */
  readonly labelSmoothing?: number;
  /** 'mean' divides by the summed weights of non-ignored targets (default); 'sum' does not. */
  readonly reduction?: 'mean' | 'sum';
}

/** Loss of logits [N, C] against int32 targets [N]; a scalar. */
export function crossEntropy(logits: Tensor, targets: Tensor, options: CrossEntropyOptions = {}): Tensor {
  if (logits.rank !== 2 || targets.rank !== 1 || targets.shape[0] !== logits.shape[0]) {
    throw new Error(`crossEntropy: logits ${formatShape(logits.shape)} and targets ${formatShape(targets.shape)} must be [N, C] and [N]`);
  }
  const [rows, cols] = logits.shape as [number, number];
  const ignoreIndex = options.ignoreIndex ?? -100;
  const smoothing = options.labelSmoothing ?? 0;
  if (!(smoothing >= 0 && smoothing <= 1)) throw new Error(`crossEntropy: label smoothing ${smoothing} must be in [0, 1]`);
  const weights = options.classWeights?.f32() ?? null;
  if (weights !== null && weights.length !== cols) {
    throw new Error(`crossEntropy: ${weights.length} class weights for ${cols} classes`);
  }
  const probs = allocF32(logits.size);
  const rowLoss = new Float32Array(rows);
  const rowWeight = new Float32Array(rows);
  const target = targets.i32();
  const bad = getBackend().crossEntropy(logits.f32(), target, rows, cols, weights, ignoreIndex, smoothing, probs, rowLoss, rowWeight);
  if (bad >= 0) throw new Error(`crossEntropy: target ${target[bad]} in row ${bad} is not a class in [0, ${cols})`);
  let total = 0;
  let denominator = 0;
  for (let r = 0; r < rows; r++) {
    total += rowLoss[r]!;
    denominator += rowWeight[r]!;
  }
  const mean = options.reduction !== 'sum';
  // All targets ignored gives 0/0 = NaN, as PyTorch does.
  const loss = mean ? total / denominator : total;
  return Tensor.fromOp(Float32Array.of(loss), [], 'crossEntropy', [logits], (g) => {
    const dLogits = allocF32(logits.size);
    const scale = g.item() / (mean ? denominator : 1);
    getBackend().crossEntropyGrad(probs, target, rows, cols, weights, ignoreIndex, smoothing, scale, dLogits);
    return [new Tensor(dLogits, logits.shape)];
  });
}

/** Which elements a loss averages: 'mean' over every element (default), or their 'sum'. */
export type Reduction = 'mean' | 'sum';

function checkSameShape(name: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${name}: input ${formatShape(a.shape)} and targets ${formatShape(b.shape)} must have the same shape`);
  }
}

/**
 * PyTorch's BCEWithLogitsLoss: -[y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))] per element, computed
 * as max(x, 0) - x y + log(1 + exp(-|x|)) so large logits do not overflow. Logits and float targets of
 * one shape ([B, L] for multi-label heads); a scalar. Gradient: (sigmoid(x) - y) / n.
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkSameShape('binaryCrossEntropyWithLogits', logits, targets);
  const x = logits.f32();
  const y = targets.f32();
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    total += Math.max(v, 0) - v * y[i]! + Math.log1p(Math.exp(-Math.abs(v)));
  }
  const divisor = reduction === 'mean' ? x.length : 1;
  return Tensor.fromOp(Float32Array.of(total / divisor), [], 'binaryCrossEntropyWithLogits', [logits], (g) => {
    const scale = g.item() / divisor;
    const dx = allocF32(x.length);
    for (let i = 0; i < x.length; i++) dx[i] = (1 / (1 + Math.exp(-x[i]!)) - y[i]!) * scale;
    return [new Tensor(dx, logits.shape)];
  });
}

/** PyTorch's MSELoss: (input - target)^2 per element, averaged (or summed); a scalar. Gradient: 2 (input - target) / n. */
export function mseLoss(input: Tensor, targets: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkSameShape('mseLoss', input, targets);
  const x = input.f32();
  const y = targets.f32();
  let total = 0;
  for (let i = 0; i < x.length; i++) total += (x[i]! - y[i]!) ** 2;
  const divisor = reduction === 'mean' ? x.length : 1;
  return Tensor.fromOp(Float32Array.of(total / divisor), [], 'mseLoss', [input], (g) => {
    const scale = (2 * g.item()) / divisor;
    const dx = allocF32(x.length);
    for (let i = 0; i < x.length; i++) dx[i] = (x[i]! - y[i]!) * scale;
    return [new Tensor(dx, input.shape)];
  });
}
