// The key / value cache of generation: each layer's keys and values of the tokens seen so far, in the fused attention's layout.
import { Tensor } from './tensor.js';

/**
 * Keys and values per layer, [B, capacity, W] each (W = kvHeads * D, the layout the fused attention reads), filled
 * up to `length` tokens. A step appends its new tokens' keys and values layer by layer, then `advance` moves
 * `length` past them. Appending copies only the new tokens, so a step's cost does not grow with the prompt
 * beyond the attention itself.
 */
export class KeyValueCache {
  /** Tokens held (the same for every row; padding is in the attention mask). */
  length = 0;
  private readonly keys: Float32Array[];
  private readonly values: Float32Array[];

  constructor(
    readonly batch: number,
    readonly capacity: number,
    readonly layers: number,
    /** Per-token key (and value) width W of each layer. */
    readonly width: number,
  ) {
    if (!(Number.isInteger(batch) && batch >= 1 && Number.isInteger(capacity) && capacity >= 1)) {
      throw new Error(`KeyValueCache: batch ${batch} and capacity ${capacity} must be positive integers`);
    }
    this.keys = Array.from({ length: layers }, () => new Float32Array(batch * capacity * width));
    this.values = Array.from({ length: layers }, () => new Float32Array(batch * capacity * width));
  }

  /**
   * Writes layer `layer`'s new keys and values k, v [B, Tn, W] after the `length` tokens held, and returns the keys
   * and values of all length + Tn tokens, [B, length + Tn, W] each (views when B is 1, copies otherwise).
   */
  append(layer: number, k: Tensor, v: Tensor): [Tensor, Tensor] {
    const [b, tn, w] = k.shape as [number, number, number];
    if (b !== this.batch || w !== this.width || k.rank !== 3 || v.shape.some((d, i) => d !== k.shape[i])) {
      throw new Error(`KeyValueCache: keys [${k.shape.join(', ')}] do not fit a cache of ${this.batch} rows of width ${this.width}`);
    }
    const total = this.length + tn;
    if (total > this.capacity) throw new Error(`KeyValueCache: ${total} tokens exceed the capacity of ${this.capacity}`);
    return [this.write(this.keys[layer]!, k.f32(), tn, total), this.write(this.values[layer]!, v.f32(), tn, total)];
  }

  /** Marks the `n` tokens just appended to every layer as held. */
  advance(n: number): void {
    this.length += n;
  }

  private write(store: Float32Array, data: Float32Array, tn: number, total: number): Tensor {
    const { batch, capacity, width, length } = this;
    for (let row = 0; row < batch; row++) {
      store.set(data.subarray(row * tn * width, (row + 1) * tn * width), (row * capacity + length) * width);
    }
    if (batch === 1) return new Tensor(store.subarray(0, total * width), [1, total, width]);
    const out = new Float32Array(batch * total * width);
    for (let row = 0; row < batch; row++) {
      out.set(store.subarray(row * capacity * width, (row * capacity + total) * width), row * total * width);
    }
    return new Tensor(out, [batch, total, width]);
  }
}
