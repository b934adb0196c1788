// Batch normalisation over [N, C, H, W] per channel (PyTorch's F.batch_norm), updating the running statistics in place.
import { Unary } from '../../backend/backend.js';
import { getBackend } from '../../backend/index.js';
import { allocF32 } from '../memory.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';

export interface BatchNorm2dOptions {
  /** Training normalises with the batch's statistics and updates the running ones; evaluation uses the running ones. */
  readonly training: boolean;
  /**
   * Weight of the batch statistic in the running-statistics update (default 0.1): running = (1 - m) running
   * + m batch. null: the cumulative average, m = 1 / numBatchesTracked (which must then be given).
   */
  readonly momentum?: number | null;
  /** Added to the variance before the square root (default 1e-5). */
  readonly eps?: number;
  /** A one-element counter of training steps, incremented in place in training (PyTorch's num_batches_tracked). */
  readonly numBatchesTracked?: Tensor;
}

function checkChannels(what: string, t: Tensor | null, channels: number, x: Tensor): void {
  if (t !== null && (t.rank !== 1 || t.shape[0] !== channels || t.dtype !== 'float32')) {
    throw new Error(`batchNorm2d: ${what} ${formatShape(t.shape)} must be float32 [${channels}] for input ${formatShape(x.shape)}`);
  }
}

/**
 * (x - mean) / sqrt(var + eps) * weight + bias per channel. Shapes: x [N, C, H, W]; weight, bias,
 * runningMean, runningVar [C] (any may be null: weight 1, bias 0; without running statistics the batch's are
 * always used, as PyTorch's track_running_stats=False). In training the batch mean and biased variance
 * normalise, and the running mean / variance move toward the batch mean and the unbiased batch variance
 * (M / (M - 1) times the biased one, M = N H W). Backward: dweight = sum(dy xhat), dbias = sum(dy), and dx
 * through the batch statistics when they were used, else dy weight / sqrt(var + eps).
 */
export function batchNorm2d(
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: BatchNorm2dOptions,
): Tensor {
  if (x.rank !== 4) throw new Error(`batchNorm2d: input ${formatShape(x.shape)} must be [N, C, H, W]`);
  const [n, channels, h, w] = x.shape as [number, number, number, number];
  checkChannels('weight', weight, channels, x);
  checkChannels('bias', bias, channels, x);
  checkChannels('running mean', runningMean, channels, x);
  checkChannels('running variance', runningVar, channels, x);
  if ((runningMean === null) !== (runningVar === null)) throw new Error('batchNorm2d: give both running mean and running variance, or neither');
  const eps = options.eps ?? 1e-5;
  if (!(eps >= 0)) throw new Error(`batchNorm2d: eps ${eps} must be >= 0`);
  const momentum = options.momentum === undefined ? 0.1 : options.momentum;
  if (momentum !== null && !(momentum >= 0 && momentum <= 1)) throw new Error(`batchNorm2d: momentum ${momentum} must be in [0, 1] or null`);
  const counter = options.numBatchesTracked;
  if (counter !== undefined && counter.size !== 1) throw new Error(`batchNorm2d: numBatchesTracked ${formatShape(counter.shape)} must hold one number`);
  const spatial = h * w;
  const count = n * spatial;
  const batchStats = options.training || runningMean === null;
  const be = getBackend();
  let mean: Float32Array;
  let variance: Float32Array;
  if (batchStats) {
    if (options.training && count <= 1) throw new Error(`batchNorm2d: training needs more than one value per channel, got input ${formatShape(x.shape)}`);
    mean = new Float32Array(channels);
    variance = new Float32Array(channels);
    be.batchNormStats(x.f32(), n, channels, spatial, mean, variance);
  } else {
    // Copies: backward must see the statistics of this call even if a later step updates them.
    mean = runningMean!.f32().slice();
    variance = runningVar!.f32().slice();
  }
  if (options.training && runningMean !== null && runningVar !== null) {
    if (counter !== undefined) counter.data[0] = counter.data[0]! + 1;
    let factor: number;
    if (momentum === null) {
      if (counter === undefined) throw new Error('batchNorm2d: momentum null (cumulative average) needs numBatchesTracked');
      factor = 1 / counter.data[0]!;
    } else {
      factor = momentum;
    }
    const rm = runningMean.f32();
    const rv = runningVar.f32();
    be.unary(Unary.Scale, rm, rm, 1 - factor);
    be.axpy(factor, mean, rm);
    be.unary(Unary.Scale, rv, rv, 1 - factor);
    be.axpy((factor * count) / (count - 1), variance, rv);
  }
  const out = allocF32(x.size);
  be.batchNorm(x.f32(), mean, variance, weight?.f32() ?? null, bias?.f32() ?? null, n, channels, spatial, eps, out);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return Tensor.fromOp(out, x.shape, 'batchNorm2d', inputs, (g) => {
    const dx = allocF32(x.size);
    const dweight = new Float32Array(channels);
    const dbias = new Float32Array(channels);
    getBackend().batchNormGrad(x.f32(), g.f32(), mean, variance, weight?.f32() ?? null, n, channels, spatial, eps, batchStats, dx, dweight, dbias);
    const grads: (Tensor | null)[] = [x.requiresGrad ? new Tensor(dx, x.shape) : null];
    if (weight) grads.push(weight.requiresGrad ? new Tensor(dweight, weight.shape) : null);
    if (bias) grads.push(bias.requiresGrad ? new Tensor(dbias, bias.shape) : null);
    return grads;
  });
}
