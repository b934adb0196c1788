// The packed layout of int8 weights that Backend.linearInt8 reads: 16 output columns by 4 inputs per 64-byte line.

/** Output columns per block, and inputs per 32-bit word (what one vpdpbusd lane sums). */
export const INT8_BLOCK = 16;
export const INT8_GROUP = 4;

export interface PackedInt8Weights {
  /** Words [ceil(n / 16)][ceil(k / 4)][16]; word (b, g, c) holds w[16b + c][4g .. 4g + 3] as bytes (zero past the edges). */
  readonly packed: Int32Array;
  /** sum_k w[j, k] per output column: the zero-point correction of the inputs. */
  readonly colSums: Int32Array;
}

/** Packs int8 weights w [n, k] (PyTorch's [out, in] layout). */
export function packInt8Weights(w: Int8Array, n: number, k: number): PackedInt8Weights {
  const groups = Math.ceil(k / INT8_GROUP);
  const blocks = Math.ceil(n / INT8_BLOCK);
  const bytes = new Int8Array(blocks * groups * INT8_BLOCK * INT8_GROUP);
  const colSums = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const block = Math.floor(j / INT8_BLOCK);
    const c = j % INT8_BLOCK;
    for (let i = 0; i < k; i++) {
      const value = w[j * k + i]!;
      colSums[j]! += value;
      const g = Math.floor(i / INT8_GROUP);
      bytes[((block * groups + g) * INT8_BLOCK + c) * INT8_GROUP + (i % INT8_GROUP)] = value;
    }
  }
  return { packed: new Int32Array(bytes.buffer), colSums };
}

/** The byte of packed weight w[j, i] (what the reference kernel reads). */
export function packedInt8At(packed: Int32Array, k: number, j: number, i: number): number {
  const groups = Math.ceil(k / INT8_GROUP);
  const bytes = new Int8Array(packed.buffer, packed.byteOffset, packed.byteLength);
  const block = Math.floor(j / INT8_BLOCK);
  return bytes[((block * groups + Math.floor(i / INT8_GROUP)) * INT8_BLOCK + (j % INT8_BLOCK)) * INT8_GROUP + (i % INT8_GROUP)]!;
}
