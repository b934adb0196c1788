// Reference dynamic int8 linear layer (Backend.linearInt8), the oracle of the native kernel.
import type { F32, I32 } from '../backend.js';
import { packedInt8At } from '../int8-pack.js';
import { rint } from '../int8-quantize.js';

export function linearInt8(x: F32, m: number, k: number, packed: I32, n: number, wScale: F32, colSums: I32, bias: F32 | null, out: F32): void {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < m * k; i++) {
    lo = Math.min(lo, x[i]!);
    hi = Math.max(hi, x[i]!);
  }
  const scale = Math.fround((hi - lo) / 255);
  const zero = scale > 0 ? Math.min(255, Math.max(0, rint(Math.fround(-lo / scale)))) : 0;
  const q = new Uint8Array(m * k);
  for (let i = 0; i < m * k; i++) q[i] = scale > 0 ? Math.min(255, Math.max(0, rint(Math.fround(x[i]! / scale)) + zero)) : zero;
  for (let j = 0; j < n; j++) {
    const s = Math.fround(scale * wScale[j]!);
    const w = Int32Array.from({ length: k }, (_, i) => packedInt8At(packed, k, j, i));
    for (let r = 0; r < m; r++) {
      let acc = 0;
      for (let i = 0; i < k; i++) acc += q[r * k + i]! * w[i]!;
      const value = Math.fround(Math.fround(acc - zero * colSums[j]!) * s);
      out[r * n + j] = bias ? Math.fround(value + bias[j]!) : value;
    }
  }
}
