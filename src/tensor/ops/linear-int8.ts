// The int8 linear layer as an inference-only op: y = x W^T + b with W int8 per output channel and x quantised on the fly.
import { packInt8Weights } from '../../backend/int8-pack.js';
import { quantizeWeightPerChannel } from '../../backend/int8-quantize.js';
import { getBackend } from '../../backend/index.js';
import { allocF32 } from '../memory.js';
import { Tensor } from '../tensor.js';

/** A linear layer's weights quantised once, packed for Backend.linearInt8. */
export interface Int8LinearWeights {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly packed: Int32Array;
  readonly colSums: Int32Array;
  /** Per output channel. */
  readonly scales: Float32Array;
  readonly bias: Float32Array | null;
}

/** Quantises W [out, in] (and copies the bias), the scheme of the ONNX export's model_quantized.onnx. */
export function quantizeLinearWeights(weight: Tensor, bias: Tensor | null): Int8LinearWeights {
  const [outFeatures, inFeatures] = weight.shape as [number, number];
  const q = quantizeWeightPerChannel(weight.f32(), outFeatures, inFeatures);
  const { packed, colSums } = packInt8Weights(q.values, outFeatures, inFeatures);
  return { inFeatures, outFeatures, packed, colSums, scales: q.scales, bias: bias ? Float32Array.from(bias.f32()) : null };
}

/**
 * Shapes: x [..., in] -> [..., out]. Inference only: the result carries no gradient (the int8 product
 * has none worth taking), so it is meant for noGrad regions such as predict.
 */
export function linearInt8(x: Tensor, w: Int8LinearWeights): Tensor {
  if (x.rank < 1 || x.shape[x.rank - 1] !== w.inFeatures) {
    throw new Error(`linearInt8: input [${x.shape.join(', ')}] does not end in ${w.inFeatures} features`);
  }
  const rows = x.size / w.inFeatures;
  // Recycled inside predict's scope like every other op result (the kernel writes every element).
  const out = allocF32(rows * w.outFeatures);
  getBackend().linearInt8(x.f32(), rows, w.inFeatures, w.packed, w.outFeatures, w.scales, w.colSums, w.bias, out);
  return new Tensor(out, [...x.shape.slice(0, -1), w.outFeatures]);
}
