// ResNet and ViT image classifiers as ONNX graphs: input pixel_values [batch_size, 3, height, width], output logits [batch_size, C].
import { FinetuneError } from '../../../errors.js';
import type { ResNetConvLayer, ResNetForImageClassification } from '../../../models/resnet/model.js';
import type { ViTForImageClassification } from '../../../models/vit/model.js';
import type { TaskModel } from '../../../models/types.js';
import { activation, attention, firstToken, layerNorm, scopeOf } from '../encoder-ops.js';
import type { GraphBuilder } from '../graph.js';
import { DataType } from '../proto.js';
import { batchNorm, conv, globalAveragePool, pairOf, pixelValuesInput } from '../vision-ops.js';
import type { OnnxFamilyExporter } from './encoder.js';

/**
 * An exporter for an image classifier: `pixel_values` in, `logits` [batch_size, C] out; `logits(g, model, pixels)`
 * builds the rest.
 */
export function imageExporter<M extends TaskModel>(
  modelTypes: readonly string[],
  logits: (g: GraphBuilder, model: M, pixels: string) => string,
): OnnxFamilyExporter {
  return {
    modelTypes,
    build(g, model) {
      if (model.head.kind !== 'image-classification') {
        throw new FinetuneError(`ONNX export: ${model.architecture} has a ${model.head.kind} head; only image-classification exports`);
      }
      g.output('logits', logits(g, model as M, pixelValuesInput(g)), DataType.FLOAT, ['batch_size', model.numLabels]);
    },
  };
}

function convLayer(g: GraphBuilder, path: string, layer: ResNetConvLayer, x: string, act: string | null): string {
  const y = batchNorm(g, `${path}.normalization`, layer.normalization, conv(g, `${path}.convolution`, layer.convolution, x));
  return act === null ? y : activation(g, scopeOf(path), act, y);
}

export const resnetOnnx = imageExporter<ResNetForImageClassification>(['resnet'], (g, model, pixels) => {
  const act = model.config.hiddenAct;
  const stem = model.resnet.embedder;
  const pool = pairOf(stem.pooler.options.kernel, 1);
  const [pt, pl] = pairOf(stem.pooler.options.padding, 0);
  let x = g.node(scopeOf('resnet.embedder.pooler'), 'MaxPool', [convLayer(g, 'resnet.embedder.embedder', stem.embedder, pixels, act)], {
    kernel_shape: pool,
    strides: pairOf(stem.pooler.options.stride, pool[0]),
    pads: [pt, pl, pt, pl],
  });
  model.resnet.encoder.stages.forEach((stage, s) => {
    stage.layers.forEach((residual, l) => {
      const at = `resnet.encoder.stages.${s}.layers.${l}`;
      let h = x;
      residual.layer.forEach((layer, i) => {
        h = convLayer(g, `${at}.layer.${i}`, layer, h, i === residual.layer.length - 1 ? null : act);
      });
      const shortcut = residual.shortcut
        ? batchNorm(g, `${at}.shortcut.normalization`, residual.shortcut.normalization, conv(g, `${at}.shortcut.convolution`, residual.shortcut.convolution, x))
        : x;
      x = activation(g, scopeOf(at), act, g.node(scopeOf(at), 'Add', [h, shortcut]));
    });
  });
  return g.linear('classifier.1', model.classifier[1], globalAveragePool(g, scopeOf('resnet.pooler'), x));
});

export const vitOnnx = imageExporter<ViTForImageClassification>(['vit'], (g, model, pixels) => {
  const config = model.config;
  const h = config.hiddenSize;
  const e = model.vit.embeddings;
  const scope = scopeOf('vit.embeddings');
  const grid = conv(g, 'vit.embeddings.patch_embeddings.projection', e.patch_embeddings.projection, pixels);
  const patches = g.node(scope, 'Transpose', [g.node(scope, 'Reshape', [grid, g.int64([0, h, -1])])], { perm: [0, 2, 1] });
  const batch = g.node(scope, 'Slice', [g.node(scope, 'Shape', [pixels]), g.int64([0]), g.int64([1])]);
  const cls = g.node(scope, 'Tile', [g.weight('vit.embeddings.cls_token', e.cls_token), g.node(scope, 'Concat', [batch, g.int64([1, 1])], { axis: 0 })]);
  const tokens = g.node(scope, 'Concat', [cls, patches], { axis: 1 });
  let x = g.node(scope, 'Add', [tokens, g.weight('vit.embeddings.position_embeddings', e.position_embeddings)]);
  const noMask = g.float32([0], []);
  model.vit.encoder.layer.forEach((layer, i) => {
    const at = `vit.encoder.layer.${i}`;
    const self = layer.attention.attention;
    const normed = layerNorm(g, `${at}.layernorm_before`, layer.layernorm_before, x);
    const q = g.linear(`${at}.attention.attention.query`, self.query, normed);
    const k = g.linear(`${at}.attention.attention.key`, self.key, normed);
    const v = g.linear(`${at}.attention.attention.value`, self.value, normed);
    const context = attention(g, `${at}.attention.attention`, q, k, v, noMask, config.numAttentionHeads, h);
    x = g.node(scopeOf(at), 'Add', [g.linear(`${at}.attention.output.dense`, layer.attention.output.dense, context), x]);
    const after = layerNorm(g, `${at}.layernorm_after`, layer.layernorm_after, x);
    const inner = activation(g, scopeOf(`${at}.intermediate`), config.hiddenAct, g.linear(`${at}.intermediate.dense`, layer.intermediate.dense, after));
    x = g.node(scopeOf(at), 'Add', [g.linear(`${at}.output.dense`, layer.output.dense, inner), x]);
  });
  const last = layerNorm(g, 'vit.layernorm', model.vit.layernorm, x);
  return g.linear('classifier', model.classifier, firstToken(g, scopeOf('vit'), last));
});
