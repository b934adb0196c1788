// The pieces image classifier exports share, as ONNX subgraphs: Conv2d, BatchNorm2d (running statistics), pooling, the pixel_values input.
//
// Shapes: B batch, C channels, H height, W width.
import type { BatchNorm2d, Conv2d } from '../../nn/vision.js';
import type { Pair } from '../../tensor/ops/window.js';
import { float, type GraphBuilder, scopeOf } from './graph.js';
import { DataType } from './proto.js';

/** [a, a] from a number, the pair itself otherwise. */
export function pairOf(value: Pair | undefined, fallback: number): [number, number] {
  if (value === undefined) return [fallback, fallback];
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

/** The graph input `pixel_values` float32 [batch_size, num_channels, height, width], as optimum names its axes. */
export function pixelValuesInput(g: GraphBuilder): string {
  return g.input('pixel_values', DataType.FLOAT, ['batch_size', 'num_channels', 'height', 'width']);
}

/** A Conv node with the layer's weight (and bias) under `path`; `pads` [top, left, bottom, right] overrides the layer's symmetric padding. */
export function conv(g: GraphBuilder, path: string, layer: Conv2d, x: string, pads?: readonly number[]): string {
  const geometry = layer.geometry;
  const [ph, pw] = pairOf(geometry.padding, 0);
  const inputs = [x, g.weight(`${path}.weight`, layer.weight)];
  if (layer.bias) inputs.push(g.weight(`${path}.bias`, layer.bias));
  return g.node(scopeOf(path), 'Conv', inputs, {
    kernel_shape: layer.weight.shape.slice(2),
    strides: pairOf(geometry.stride, 1),
    dilations: pairOf(geometry.dilation, 1),
    pads: pads ?? [ph, pw, ph, pw],
    group: geometry.groups ?? 1,
  });
}

/** BatchNormalization in inference mode: the running mean and variance. */
export function batchNorm(g: GraphBuilder, path: string, bn: BatchNorm2d, x: string): string {
  const inputs = [x, ...(['weight', 'bias', 'running_mean', 'running_var'] as const).map((key) => g.weight(`${path}.${key}`, bn[key]))];
  return g.node(scopeOf(path), 'BatchNormalization', inputs, { epsilon: float(bn.options.eps ?? 1e-5) });
}

/** Global average pooling flattened: [B, C, H, W] -> [B, C]. */
export function globalAveragePool(g: GraphBuilder, scope: string, x: string): string {
  return g.node(scope, 'Flatten', [g.node(scope, 'GlobalAveragePool', [x])], { axis: 1 });
}
