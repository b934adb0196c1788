// The graph of a causal language model with its key / value cache: inputs and outputs as optimum writes them and transformers.js feeds them.
import { FinetuneError } from '../../../errors.js';
import type { CausalLMBase } from '../../../models/causal/base.js';
import type { TaskModel } from '../../../models/types.js';
import { type LayerCache, linearWeights } from '../decoder-ops.js';
import type { GraphBuilder } from '../graph.js';
import { DataType } from '../proto.js';
import type { OnnxFamilyExporter } from './encoder.js';

/** The graph inputs of a decoder: ids, mask, positions (int64) and each layer's cache. */
export interface DecoderGraphInputs {
  /** int64 [B, Tn]. */
  readonly inputIds: string;
  /** int64 [B, Tp + Tn]: 1 for tokens, 0 for padding, cached tokens included. */
  readonly attentionMask: string;
  /** int64 [B, Tn]: cumsum(mask) - 1, 1 at padding (transformers.js computes them so). */
  readonly positionIds: string;
  /** Per layer: past keys and values [B, KV, Tp, D]. */
  readonly caches: readonly LayerCache[];
}

/** The sizes of a decoder's cache. */
export interface DecoderShape {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headDim: number;
}

/** What a causal family contributes: its cache shape and its decoder up to the final norm. */
export interface DecoderGraphParts<M extends CausalLMBase> {
  readonly modelTypes: readonly string[];
  shape(model: M): DecoderShape;
  /** The final-norm hidden states [B, Tn, H]; each layer's attention declares its present.{i}.* outputs. */
  hiddenStates(g: GraphBuilder, model: M, inputs: DecoderGraphInputs): string;
}

/**
 * An exporter from a causal family's parts. Inputs `input_ids`, `attention_mask`, `position_ids` (int64) and
 * `past_key_values.{i}.key` / `.value` [batch_size, KV, past_sequence_length, D] (the head count fixed: transformers.js
 * makes the empty first-step cache from these shapes, reading any named axis but batch_size as 0); outputs `logits`
 * [batch_size, sequence_length, V] and `present.{i}.key` / `.value` [batch_size, KV, total_sequence_length, D].
 */
export function decoderExporter<M extends CausalLMBase>(parts: DecoderGraphParts<M>): OnnxFamilyExporter {
  return {
    modelTypes: parts.modelTypes,
    build(g, taskModel: TaskModel) {
      if (taskModel.head.kind !== 'causal-lm')
        throw new FinetuneError(`ONNX export: ${taskModel.architecture} has a ${taskModel.head.kind} head; only causal-lm exports`);
      const model = taskModel as unknown as M;
      const { layers, kvHeads, headDim } = parts.shape(model);
      const inputIds = g.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
      const attentionMask = g.input('attention_mask', DataType.INT64, ['batch_size', 'total_sequence_length']);
      const positionIds = g.input('position_ids', DataType.INT64, ['batch_size', 'sequence_length']);
      const pastDims = ['batch_size', kvHeads, 'past_sequence_length', headDim];
      const caches = Array.from({ length: layers }, (_, i) => ({
        pastKey: g.input(`past_key_values.${i}.key`, DataType.FLOAT, pastDims),
        pastValue: g.input(`past_key_values.${i}.value`, DataType.FLOAT, pastDims),
      }));
      const hidden = parts.hiddenStates(g, model, { inputIds, attentionMask, positionIds, caches });
      g.output('logits', g.linear('lm_head', linearWeights(model.lm_head), hidden), DataType.FLOAT, ['batch_size', 'sequence_length', model.vocabSize]);
      // logits first, then present.0.key, present.0.value, ... (optimum's order).
      g.outputs.unshift(g.outputs.pop()!);
    },
  };
}
