// Runs an exported causal LM in ONNX Runtime step by step as transformers.js does (positions from the mask, the cache fed back), for the export tests.
import ort from 'onnxruntime-node';

/** One step's result: logits [B, Tn, V] and the cache to feed to the next step. */
export interface DecoderStep {
  readonly logits: Float32Array;
  readonly dims: readonly number[];
  readonly cache: Record<string, ort.Tensor>;
}

/** transformers' position ids: cumsum(mask) - 1, 1 at padding; the last `tn` columns. */
export function positionIds(mask: readonly (readonly number[])[], tn: number): number[][] {
  return mask.map((row) => {
    let count = 0;
    const all = row.map((on) => (on ? count++ : 1));
    return all.slice(row.length - tn);
  });
}

export class OnnxDecoder {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async open(file: string): Promise<OnnxDecoder> {
    return new OnnxDecoder(await ort.InferenceSession.create(file, { intraOpNumThreads: 1 }));
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** The empty cache of the first step, shaped from the graph's inputs (past length 0), as transformers.js makes it. */
  emptyCache(batch: number, kvHeads: number, headDim: number): Record<string, ort.Tensor> {
    const cache: Record<string, ort.Tensor> = {};
    for (const name of this.session.inputNames.filter((n) => n.startsWith('past_key_values.'))) {
      cache[name] = new ort.Tensor('float32', new Float32Array(0), [batch, kvHeads, 0, headDim]);
    }
    return cache;
  }

  /** Runs new `ids` [B, Tn] with the whole `mask` [B, Tp + Tn] and the cache of the earlier steps. */
  async step(ids: readonly (readonly number[])[], mask: readonly (readonly number[])[], cache: Record<string, ort.Tensor>): Promise<DecoderStep> {
    const int64 = (rows: readonly (readonly number[])[]): ort.Tensor =>
      new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0]!.length]);
    const feeds = { input_ids: int64(ids), attention_mask: int64(mask), position_ids: int64(positionIds(mask, ids[0]!.length)), ...cache };
    const out = await this.session.run(feeds);
    const next: Record<string, ort.Tensor> = {};
    for (const [name, value] of Object.entries(out)) if (name.startsWith('present.')) next[name.replace('present.', 'past_key_values.')] = value;
    return { logits: Float32Array.from(out.logits!.data as Float32Array), dims: out.logits!.dims, cache: next };
  }

  /** Greedy ids after `prompt` (one row), with the cache, stopping after an id of `eos` or `count` ids. */
  async greedy(prompt: readonly number[], count: number, eos: ReadonlySet<number>, kvHeads: number, headDim: number): Promise<number[]> {
    let cache = this.emptyCache(1, kvHeads, headDim);
    let fresh = [...prompt];
    const mask = prompt.map(() => 1);
    const out: number[] = [];
    for (let n = 0; n < count; n++) {
      const step = await this.step([fresh], [mask], cache);
      const v = step.dims[2]!;
      const last = step.logits.subarray((fresh.length - 1) * v, fresh.length * v);
      let best = 0;
      for (let i = 1; i < v; i++) if (last[i]! > last[best]!) best = i;
      out.push(best);
      if (eos.has(best)) break;
      cache = step.cache;
      fresh = [best];
      mask.push(1);
    }
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
