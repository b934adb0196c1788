// Keras layers (channels last) as our modules (channels first): the layer classes a TF.js Layers CNN uses, each from its config.
import { FinetuneError } from '../../errors.js';
import { Dropout, Linear } from '../../nn/layers.js';
import { Module, Parameter } from '../../nn/module.js';
import { BatchNorm2d } from '../../nn/vision.js';
import { conv2d } from '../../tensor/ops/conv.js';
import { concat } from '../../tensor/ops/layout.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from '../../tensor/ops/pooling.js';
import { silu } from '../../tensor/ops/swiglu.js';
import { relu6 } from '../../tensor/ops/vision-activations.js';
import { Tensor } from '../../tensor/tensor.js';
import type { KerasLayerSpec } from '../../io/tfjs/layers-model.js';

/** The layer classes we build; any other class is refused by name. */
export const KERAS_LAYER_CLASSES = [
  'InputLayer',
  'Conv2D',
  'DepthwiseConv2D',
  'BatchNormalization',
  'ReLU',
  'Activation',
  'ZeroPadding2D',
  'Add',
  'AveragePooling2D',
  'MaxPooling2D',
  'GlobalAveragePooling2D',
  'Flatten',
  'Dense',
  'Dropout',
] as const;

type Fn = (x: Tensor) => Tensor;

const ACTIVATIONS: Readonly<Record<string, Fn>> = {
  linear: (x) => x,
  relu: (x) => x.relu(),
  relu6: (x) => relu6(x),
  sigmoid: (x) => x.sigmoid(),
  tanh: (x) => x.tanh(),
  softmax: (x) => x.softmax(),
  swish: (x) => silu(x),
  silu: (x) => silu(x),
};

/** Reads one layer's config fields with one-line errors naming the file, the layer and the field. */
class LayerConfig {
  constructor(
    readonly spec: KerasLayerSpec,
    readonly where: string,
  ) {}

  fail(key: string, expected: string): never {
    throw new FinetuneError(
      `${this.where}: layer '${this.spec.name}' (${this.spec.className}) ${key} must be ${expected}, got ${JSON.stringify(this.spec.config[key])}`,
    );
  }

  int(key: string, fallback?: number): number {
    const v = this.spec.config[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) this.fail(key, 'a positive integer');
    return v;
  }

  pair(key: string, fallback?: number): [number, number] {
    const v = this.spec.config[key] ?? fallback;
    const p = typeof v === 'number' ? [v, v] : v;
    if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1))
      this.fail(key, 'a positive integer or a pair');
    return [p[0] as number, p[1] as number];
  }

  number(key: string, fallback: number): number {
    const v = this.spec.config[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, 'a number');
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.spec.config[key] ?? fallback;
    if (!allowed.includes(v as T)) this.fail(key, allowed.map((a) => `'${a}'`).join(' or '));
    return v as T;
  }

  activation(): Fn {
    const name = this.spec.config.activation ?? 'linear';
    const fn = typeof name === 'string' ? ACTIVATIONS[name] : undefined;
    if (!fn) this.fail('activation', `one of ${Object.keys(ACTIVATIONS).join(', ')}`);
    return fn;
  }

  channelsLast(): void {
    this.oneOf('data_format', ['channels_last'], 'channels_last');
  }
}

/** Zeros added around the spatial axes of [B, C, H, W]: [top, bottom, left, right]. */
export function zeroPad(x: Tensor, [top, bottom, left, right]: readonly number[]): Tensor {
  let y = x;
  const [b, c] = x.shape as [number, number];
  const rows = (n: number): Tensor => Tensor.zeros([b, c, n, y.shape[3]!]);
  if (top! > 0 || bottom! > 0) y = concat([...(top! > 0 ? [rows(top!)] : []), y, ...(bottom! > 0 ? [rows(bottom!)] : [])], 2);
  const cols = (n: number): Tensor => Tensor.zeros([b, c, y.shape[2]!, n]);
  if (left! > 0 || right! > 0) y = concat([...(left! > 0 ? [cols(left!)] : []), y, ...(right! > 0 ? [cols(right!)] : [])], 3);
  return y;
}

/** TF's 'same' padding of one axis: [before, after] (after gets the odd one). */
function samePadding(size: number, kernel: number, stride: number, dilation: number): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + effective - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * Conv2D and DepthwiseConv2D: weight [O, C / groups, KH, KW] (Keras's [KH, KW, C, O] and [KH, KW, C, M]
 * transposed on load), 'valid' or TF's 'same' padding (asymmetric where TF's is). Shapes: [B, C, H, W] -> [B, O, OH, OW].
 */
export class KerasConv extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    inChannels: number,
    outChannels: number,
    readonly groups: number,
    readonly kernel: [number, number],
    readonly stride: [number, number],
    readonly dilation: [number, number],
    readonly padding: 'valid' | 'same',
    useBias: boolean,
    private readonly activation: Fn,
  ) {
    super();
    this.weight = new Parameter(new Float32Array(outChannels * (inChannels / groups) * kernel[0] * kernel[1]), [outChannels, inChannels / groups, ...kernel]);
    this.bias = useBias ? new Parameter(new Float32Array(outChannels), [outChannels]) : null;
  }

  forward(x: Tensor): Tensor {
    let input = x;
    let padding: [number, number] = [0, 0];
    if (this.padding === 'same') {
      const [top, bottom] = samePadding(x.shape[2]!, this.kernel[0], this.stride[0], this.dilation[0]);
      const [left, right] = samePadding(x.shape[3]!, this.kernel[1], this.stride[1], this.dilation[1]);
      if (top === bottom && left === right) padding = [top, left];
      else input = zeroPad(x, [top, bottom, left, right]);
    }
    return this.activation(conv2d(input, this.weight, this.bias, { stride: this.stride, padding, dilation: this.dilation, groups: this.groups }));
  }
}

/** Dense (weight [out, in], Keras's kernel [in, out] transposed) with its activation. */
export class KerasDense extends Module {
  dense: Linear;

  constructor(
    inFeatures: number,
    units: number,
    useBias: boolean,
    private readonly activation: Fn,
  ) {
    super();
    this.dense = new Linear(inFeatures, units, { bias: useBias });
  }

  forward(x: Tensor): Tensor {
    return this.activation(this.dense.forward(x));
  }
}

/** A layer without weights. */
export class KerasFunction extends Module {
  constructor(private readonly fn: (inputs: Tensor[]) => Tensor) {
    super();
  }

  forward(inputs: Tensor[]): Tensor {
    return this.fn(inputs);
  }
}

function flatten(x: Tensor): Tensor {
  if (x.rank !== 4) return x.reshape([x.shape[0]!, x.size / x.shape[0]!]);
  const [b, c, h, w] = x.shape as [number, number, number, number];
  // Keras flattens channels last: [B, H, W, C] order.
  return (h * w === 1 ? x : x.permute([0, 2, 3, 1])).reshape([b, c * h * w]);
}

function paddingOf(cfg: LayerConfig): [number, number, number, number] {
  const v = cfg.spec.config.padding ?? 1;
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  if (ok(v)) return [v, v, v, v];
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [v[0], v[0], v[1], v[1]];
  if (Array.isArray(v) && v.length === 2 && v.every((p) => Array.isArray(p) && p.length === 2 && p.every(ok))) {
    const [[t, b], [l, r]] = v as [[number, number], [number, number]];
    return [t, b, l, r];
  }
  cfg.fail('padding', 'n, [h, w] or [[top, bottom], [left, right]]');
}

/** The channels a weighted layer takes: its config's in_channels (our saved layout) or the caller's (from the TF.js weights). */
function inChannels(cfg: LayerConfig, given: number | undefined): number {
  return given ?? cfg.int('in_channels');
}

/**
 * The module for one Keras layer. `channels` is the input channels (features for Dense) of a weighted layer,
 * from the TF.js weights; a saved config carries it as `in_channels`. `where` names the file in errors.
 */
export function buildKerasLayer(spec: KerasLayerSpec, where: string, channels?: number): Module {
  const cfg = new LayerConfig(spec, where);
  switch (spec.className) {
    case 'InputLayer':
      return new KerasFunction(([x]) => x!);
    case 'Dropout':
      return new Dropout(cfg.number('rate', 0));
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      cfg.channelsLast();
      const c = inChannels(cfg, channels);
      const depthwise = spec.className === 'DepthwiseConv2D';
      const out = depthwise ? c * cfg.int('depth_multiplier', 1) : cfg.int('filters');
      const layer = new KerasConv(
        c,
        out,
        depthwise ? c : cfg.int('groups', 1),
        cfg.pair('kernel_size'),
        cfg.pair('strides', 1),
        cfg.pair('dilation_rate', 1),
        cfg.oneOf('padding', ['valid', 'same'], 'valid'),
        spec.config.use_bias !== false,
        cfg.activation(),
      );
      if (c % layer.groups !== 0) cfg.fail('groups', `a divisor of the ${c} input channels`);
      return layer;
    }
    case 'BatchNormalization': {
      const axis = spec.config.axis ?? -1;
      if (axis !== -1 && axis !== 3 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3))) cfg.fail('axis', '-1 (channels last)');
      if (spec.config.center === false || spec.config.scale === false) cfg.fail(spec.config.center === false ? 'center' : 'scale', 'true');
      // Keras keeps `momentum` of the old statistics; PyTorch weighs the new batch by momentum.
      return new BatchNorm2d(inChannels(cfg, channels), { eps: cfg.number('epsilon', 1e-3), momentum: 1 - cfg.number('momentum', 0.99) });
    }
    case 'ReLU': {
      if (cfg.number('negative_slope', 0) !== 0) cfg.fail('negative_slope', '0');
      if (cfg.number('threshold', 0) !== 0) cfg.fail('threshold', '0');
      const max = spec.config.max_value ?? null;
      if (max !== null && max !== 6) cfg.fail('max_value', 'null or 6');
      return new KerasFunction(([x]) => (max === 6 ? relu6(x!) : x!.relu()));
    }
    case 'Activation': {
      const fn = cfg.activation();
      return new KerasFunction(([x]) => fn(x!));
    }
    case 'ZeroPadding2D': {
      cfg.channelsLast();
      const pads = paddingOf(cfg);
      return new KerasFunction(([x]) => zeroPad(x!, pads));
    }
    case 'Add':
      return new KerasFunction((xs) => xs.slice(1).reduce((a, b) => a.add(b), xs[0]!));
    case 'AveragePooling2D':
    case 'MaxPooling2D': {
      cfg.channelsLast();
      cfg.oneOf('padding', ['valid'], 'valid');
      const kernel = cfg.pair('pool_size', 2);
      // Keras's strides default (None) is the pool size.
      const options = { kernel, stride: spec.config.strides === undefined || spec.config.strides === null ? kernel : cfg.pair('strides') };
      const max = spec.className === 'MaxPooling2D';
      return new KerasFunction(([x]) => (max ? maxPool2d(x!, options) : avgPool2d(x!, options)));
    }
    case 'GlobalAveragePooling2D':
      cfg.channelsLast();
      return new KerasFunction(([x]) => adaptiveAvgPool2d(x!, 1).reshape([x!.shape[0]!, x!.shape[1]!]));
    case 'Flatten':
      return new KerasFunction(([x]) => flatten(x!));
    case 'Dense':
      return new KerasDense(inChannels(cfg, channels), cfg.int('units'), spec.config.use_bias !== false, cfg.activation());
    default:
      throw new FinetuneError(`${where}: layer '${spec.name}' is a ${spec.className}, which is not supported (supported: ${KERAS_LAYER_CLASSES.join(', ')})`);
  }
}
