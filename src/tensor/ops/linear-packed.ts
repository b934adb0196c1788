// The float32 linear layer for inference with its weight packed once for the GEMM kernel (Backend.gemmPackB), not per call.
import { getBackend } from '../../backend/index.js';
import { allocF32 } from '../memory.js';
import { Tensor } from '../tensor.js';

/** W^T packed for Backend.gemmPacked, with the bias. */
export interface PackedLinearWeights {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly packed: Float32Array;
  readonly bias: Float32Array | null;
  /** The backend that packed it: the layout is that backend's own. */
  readonly backendName: string;
}

/** Packs a weight [out, in] (or [in, out] with `fanInFanOut`, GPT-2's Conv1D) and copies the bias. */
export function packLinearWeights(weight: Tensor, bias: Tensor | null, fanInFanOut = false): PackedLinearWeights {
  const [rows, cols] = weight.shape as [number, number];
  const [inFeatures, outFeatures] = fanInFanOut ? [rows, cols] : [cols, rows];
  const backend = getBackend();
  const packed = new Float32Array(backend.gemmPackedSize(inFeatures, outFeatures));
  // x W^T: op(B) = W^T [in, out] is W stored transposed; Conv1D's [in, out] weight is op(B) as stored.
  backend.gemmPackB(!fanInFanOut, inFeatures, outFeatures, weight.f32(), cols, packed);
  return { inFeatures, outFeatures, packed, bias: bias ? Float32Array.from(bias.f32()) : null, backendName: backend.name };
}

/**
 * x W^T + b. Shapes: x [..., in] -> [..., out]. Inference only: the result carries no gradient, so it is meant for
 * noGrad regions such as predict. The current backend must be the one that packed the weights.
 */
export function linearPacked(x: Tensor, w: PackedLinearWeights): Tensor {
  if (x.rank < 1 || x.shape[x.rank - 1] !== w.inFeatures) {
    throw new Error(`linearPacked: input [${x.shape.join(', ')}] does not end in ${w.inFeatures} features`);
  }
  const backend = getBackend();
  if (backend.name !== w.backendName) {
    throw new Error(`linearPacked: the weights were packed for the ${w.backendName} backend, the current one is ${backend.name}`);
  }
  const rows = x.size / w.inFeatures;
  const out = allocF32(rows * w.outFeatures);
  // The bias rows go in with the product (linear() writes them first and accumulates onto them: the same sums).
  backend.gemmPacked(false, rows, w.outFeatures, w.inFeatures, 1, x.f32(), w.inFeatures, w.packed, w.bias, 0, out, w.outFeatures);
  return new Tensor(out, [...x.shape.slice(0, -1), w.outFeatures]);
}
