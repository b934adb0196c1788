// Symmetric per-channel int8 weight quantisation, the scheme of ONNX Runtime's quantize_dynamic(per_channel=True, weight_type=QInt8); shared by the ONNX export and int8 predict.

export interface QuantizedWeight {
  /** round(w / scale), clipped to [-127, 127]; same layout as the input, [out, in]. */
  readonly values: Int8Array;
  /** One scale per output channel: max |w| / 127 (1 for an all-zero channel, so dequantising gives 0). */
  readonly scales: Float32Array;
}

/** numpy's rint: round half to even. */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Quantises W [out, in] (PyTorch's layout) per output row, with zero point 0 (the int8 range used symmetrically). */
export function quantizeWeightPerChannel(w: ArrayLike<number>, out: number, inFeatures: number): QuantizedWeight {
  const scales = new Float32Array(out);
  const values = new Int8Array(out * inFeatures);
  for (let o = 0; o < out; o++) {
    let max = 0;
    for (let i = 0; i < inFeatures; i++) max = Math.max(max, Math.abs(w[o * inFeatures + i]!));
    const scale = max > 0 ? Math.fround(max / 127) : 1;
    scales[o] = scale;
    for (let i = 0; i < inFeatures; i++) values[o * inFeatures + i] = Math.max(-127, Math.min(127, rint(w[o * inFeatures + i]! / scale)));
  }
  return { values, scales };
}
