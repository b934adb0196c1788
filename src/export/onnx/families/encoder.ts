// The graph of any encoder task model: inputs as transformers.js feeds them, the family's base, the sequence or token head, `logits`.
import { FinetuneError } from '../../../errors.js';
import type { EncoderClassifierBase } from '../../../models/encoder/classifier-base.js';
import type { TaskModel } from '../../../models/types.js';
import type { GraphBuilder } from '../graph.js';
import { DataType } from '../proto.js';

/** The graph inputs of a text model (int64 [batch_size, sequence_length] each). */
export interface TextGraphInputs {
  readonly inputIds: string;
  readonly attentionMask: string;
  /** Present when the family reads segment ids. */
  readonly tokenTypeIds?: string;
}

/** What one model family contributes to the export; the exporter looks it up by config.json's model_type. */
export interface OnnxFamilyExporter {
  readonly modelTypes: readonly string[];
  /** Declares the graph's inputs, adds its nodes and declares its outputs. */
  build(g: GraphBuilder, model: TaskModel): void;
}

/** An encoder family's part of the graph: its base and its own sequence head (the token head is the same for all). */
export interface EncoderGraphParts<M extends EncoderClassifierBase> {
  readonly modelTypes: readonly string[];
  /** Whether the exported model takes token_type_ids (transformers.js passes zeros when a tokenizer gives none). */
  tokenTypeIds(model: M): boolean;
  /** The base's last hidden state [B, T, H]; `basePath` is its attribute (`bert`, `roberta`, ...). */
  lastHiddenState(g: GraphBuilder, model: M, inputs: TextGraphInputs): string;
  /** The sequence head: logits [B, C] from the inputs and the last hidden state. */
  sequenceHead(g: GraphBuilder, model: M, hidden: string, inputs: TextGraphInputs): string;
}

/** The attribute the base sits under: the first part of the embeddings prefix. */
export function basePath(model: EncoderClassifierBase): string {
  return model.embeddingsPrefix.split('.')[0]!;
}

/**
 * An exporter from an encoder family's parts. Inputs `input_ids`, `attention_mask` (and `token_type_ids`)
 * int64 [batch_size, sequence_length]; output `logits` [batch_size, C] or [batch_size, sequence_length, C].
 */
export function encoderExporter<M extends EncoderClassifierBase>(parts: EncoderGraphParts<M>): OnnxFamilyExporter {
  return {
    modelTypes: parts.modelTypes,
    build(g, taskModel) {
      const model = taskModel as M;
      const dims = ['batch_size', 'sequence_length'];
      const inputs: TextGraphInputs = {
        inputIds: g.input('input_ids', DataType.INT64, dims),
        attentionMask: g.input('attention_mask', DataType.INT64, dims),
        ...(parts.tokenTypeIds(model) ? { tokenTypeIds: g.input('token_type_ids', DataType.INT64, dims) } : {}),
      };
      const hidden = parts.lastHiddenState(g, model, inputs);
      if (model.head.kind === 'token-classification') {
        const classifier = (model as unknown as { classifier?: Parameters<GraphBuilder['linear']>[1] }).classifier;
        if (!classifier) throw new FinetuneError(`ONNX export: ${model.architecture} has no classifier layer`);
        g.output('logits', g.linear('classifier', classifier, hidden), DataType.FLOAT, ['batch_size', 'sequence_length', model.numLabels]);
      } else {
        g.output('logits', parts.sequenceHead(g, model, hidden, inputs), DataType.FLOAT, ['batch_size', model.numLabels]);
      }
    },
  };
}
