// Symmetric per-channel int8 weight quantisation, the scheme of ONNX Runtime's quantize_dynamic(per_channel=True, weight_type=QInt8).

export interface QuantizedWeight {
  /** round(w / scale), clipped to [-127, 127]; same layout as the input. */
  readonly values: Int8Array;
  /** One scale per output channel: max |w| / 127 (1 for an all-zero channel, so dequantising gives 0). */
  readonly scales: Float32Array;
}

/**
 * Quantises W [in, out] (MatMul's layout, so a channel is a column) per output column.
 * The zero point is 0: the int8 range is used symmetrically, as ORT does for weights.
 */
export function quantizeWeightPerChannel(w: Float32Array, inFeatures: number, out: number): QuantizedWeight {
  const scales = new Float32Array(out);
  for (let i = 0; i < inFeatures; i++) {
    for (let o = 0; o < out; o++) scales[o] = Math.max(scales[o]!, Math.abs(w[i * out + o]!));
  }
  for (let o = 0; o < out; o++) scales[o] = scales[o]! > 0 ? Math.fround(scales[o]! / 127) : 1;
  const values = new Int8Array(w.length);
  for (let i = 0; i < inFeatures; i++) {
    for (let o = 0; o < out; o++) {
      // Round half to even, as numpy's rint in ORT's quantiser.
      const q = roundHalfEven(w[i * out + o]! / scales[o]!);
      values[i * out + o] = Math.max(-127, Math.min(127, q));
    }
  }
  return { values, scales };
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
