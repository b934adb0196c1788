// MobileNetV2 (a Keras topology from TF.js Layers) as an ONNX graph: each Keras layer in order, channels first, then pooling and the linear head.
import { FinetuneError } from '../../../errors.js';
import type { KerasLayerSpec } from '../../../io/tfjs/layers-model.js';
import { mobileNetGroup } from '../../../models/mobilenet-v2/graph.js';
import type { KerasConv, KerasDense } from '../../../models/mobilenet-v2/keras-layers.js';
import type { MobileNetV2KerasForImageClassification } from '../../../models/mobilenet-v2/model.js';
import { MOBILENET_V2_KERAS_TYPE } from '../../../models/mobilenet-v2/config.js';
import { BACKBONE } from '../../../models/mobilenet-v2/weights.js';
import type { BatchNorm2d } from '../../../nn/vision.js';
import { scopeOf } from '../encoder-ops.js';
import type { GraphBuilder } from '../graph.js';
import { batchNorm, globalAveragePool } from '../vision-ops.js';
import { imageExporter } from './vision.js';

/** A value in the graph and its rank (4: [B, C, H, W]; 2: [B, F]). */
interface Value {
  readonly name: string;
  readonly rank: number;
}

/** Keras's activation names as ONNX nodes (as keras-layers.ts computes them; softmax over the last axis). */
function kerasActivation(g: GraphBuilder, scope: string, name: unknown, x: string): string {
  switch (name ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return g.node(scope, 'Relu', [x]);
    case 'relu6':
      return g.node(scope, 'Clip', [x, g.float32([0], []), g.float32([6], [])]);
    case 'sigmoid':
      return g.node(scope, 'Sigmoid', [x]);
    case 'tanh':
      return g.node(scope, 'Tanh', [x]);
    case 'softmax':
      return g.node(scope, 'Softmax', [x], { axis: -1 });
    case 'swish':
    case 'silu':
      return g.node(scope, 'Mul', [x, g.node(scope, 'Sigmoid', [x])]);
    default:
      throw new FinetuneError(`ONNX export: Keras activation ${JSON.stringify(name)} has no ONNX form here`);
  }
}

function pair(value: unknown, fallback: [number, number]): [number, number] {
  if (value === undefined || value === null) return fallback;
  return typeof value === 'number' ? [value, value] : [(value as number[])[0]!, (value as number[])[1]!];
}

/** ZeroPadding2D's [top, bottom, left, right] from its config (validated when the model was built). */
function zeroPads(padding: unknown): [number, number, number, number] {
  const v = padding ?? 1;
  if (typeof v === 'number') return [v, v, v, v];
  const [h, w] = v as [number | [number, number], number | [number, number]];
  if (typeof h === 'number' && typeof w === 'number') return [h, h, w, w];
  const [[t, b], [l, r]] = v as [[number, number], [number, number]];
  return [t, b, l, r];
}

/** One Keras layer as ONNX nodes: `inputs` are its inbound values, `path` its module path. */
function layer(g: GraphBuilder, spec: KerasLayerSpec, module: unknown, path: string, inputs: readonly Value[]): Value {
  const s = scopeOf(path);
  const x = inputs[0]!;
  const config = spec.config;
  switch (spec.className) {
    case 'InputLayer':
    case 'Dropout':
      return x;
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      const c = module as KerasConv;
      const operands = [x.name, g.weight(`${path}.weight`, c.weight), ...(c.bias ? [g.weight(`${path}.bias`, c.bias)] : [])];
      // TF's 'same' puts the odd padding after, as ONNX's SAME_UPPER does, for any input size.
      const padding = c.padding === 'same' ? { auto_pad: 'SAME_UPPER' } : { pads: [0, 0, 0, 0] };
      const y = g.node(s, 'Conv', operands, { kernel_shape: c.kernel, strides: c.stride, dilations: c.dilation, group: c.groups, ...padding });
      return { name: kerasActivation(g, s, config.activation, y), rank: 4 };
    }
    case 'BatchNormalization':
      return { name: batchNorm(g, path, module as BatchNorm2d, x.name), rank: 4 };
    case 'ReLU':
      return { name: kerasActivation(g, s, config.max_value === 6 ? 'relu6' : 'relu', x.name), rank: x.rank };
    case 'Activation':
      return { name: kerasActivation(g, s, config.activation, x.name), rank: x.rank };
    case 'ZeroPadding2D': {
      const [t, b, l, r] = zeroPads(config.padding);
      return { name: g.node(s, 'Pad', [x.name, g.int64([0, 0, t, l, 0, 0, b, r])], { mode: 'constant' }), rank: 4 };
    }
    case 'Add':
      return { name: inputs.slice(1).reduce((sum, v) => g.node(s, 'Add', [sum, v.name]), x.name), rank: x.rank };
    case 'AveragePooling2D':
    case 'MaxPooling2D': {
      const kernel = pair(config.pool_size, [2, 2]);
      const attrs = { kernel_shape: kernel, strides: pair(config.strides, kernel), pads: [0, 0, 0, 0] };
      return { name: g.node(s, spec.className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [x.name], attrs), rank: 4 };
    }
    case 'GlobalAveragePooling2D':
      return { name: globalAveragePool(g, s, x.name), rank: 2 };
    case 'Flatten': {
      // Keras flattens channels last: [B, H, W, C] order.
      const ordered = x.rank === 4 ? g.node(s, 'Transpose', [x.name], { perm: [0, 2, 3, 1] }) : x.name;
      return { name: g.node(s, 'Flatten', [ordered], { axis: 1 }), rank: 2 };
    }
    case 'Dense': {
      const d = (module as KerasDense).dense;
      return { name: kerasActivation(g, s, config.activation, g.linear(`${path}.dense`, d, x.name)), rank: 2 };
    }
    default:
      throw new FinetuneError(`ONNX export: Keras layer '${spec.name}' (${spec.className}) has no ONNX form here`);
  }
}

export const mobileNetV2Onnx = imageExporter<MobileNetV2KerasForImageClassification>([MOBILENET_V2_KERAS_TYPE], (g, model, pixels) => {
  const values = new Map<string, Value>();
  let last: Value = { name: pixels, rank: 4 };
  let afterTop = false;
  for (const { spec, module } of model.backbone.layerSteps()) {
    const group = mobileNetGroup(spec.name, afterTop);
    afterTop ||= group === 'top';
    const inputs = spec.className === 'InputLayer' ? [{ name: pixels, rank: 4 }] : spec.inbound.map((name) => values.get(name)!);
    last = layer(g, spec, module, `${BACKBONE}.${group}.${spec.name}`, inputs);
    values.set(spec.name, last);
  }
  const features = last.rank === 4 ? globalAveragePool(g, scopeOf(BACKBONE), last.name) : last.name;
  return g.linear('classifier', model.classifier, features);
});
