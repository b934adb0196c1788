// TF.js Layers weights (channels last, Keras names) to our parameter names and layouts (channels first, PyTorch's).
import { FinetuneError } from '../../errors.js';
import type { KerasLayerSpec, TfjsLayersModel } from '../../io/tfjs/layers-model.js';
import { formatShape, type RawTensor } from '../../io/raw-tensor.js';

/** Where the backbone sits in our parameter names. */
export const BACKBONE = 'backbone';

function weight(model: TfjsLayersModel, layer: string, key: string, rank: number): RawTensor {
  const w = model.weights.get(`${layer}/${key}`);
  if (!w) throw new FinetuneError(`${model.file}: no weight '${layer}/${key}' in weightsManifest`);
  if (w.shape.length !== rank || w.dtype !== 'float32')
    throw new FinetuneError(`${model.file}: weight '${layer}/${key}' is ${w.dtype} ${formatShape(w.shape)}, expected float32 of rank ${rank}`);
  return w;
}

/** The input channels (features for Dense) of a weighted layer, from its weights; undefined for layers without. */
export function kerasInChannels(model: TfjsLayersModel, spec: KerasLayerSpec): number | undefined {
  switch (spec.className) {
    case 'Conv2D':
      return weight(model, spec.name, 'kernel', 4).shape[2];
    case 'DepthwiseConv2D':
      return weight(model, spec.name, 'depthwise_kernel', 4).shape[2];
    case 'BatchNormalization':
      return weight(model, spec.name, 'moving_mean', 1).shape[0];
    case 'Dense':
      return weight(model, spec.name, 'kernel', 2).shape[0];
    default:
      return undefined;
  }
}

/** [KH, KW, C, O] -> [O, C, KH, KW]. */
function convKernel(w: RawTensor): RawTensor {
  const [kh, kw, c, o] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < c; i++) for (let j = 0; j < o; j++) out[((j * c + i) * kh + y) * kw + x] = w.data[((y * kw + x) * c + i) * o + j]!;
  return { dtype: 'float32', shape: [o, c, kh, kw], data: out };
}

/** Depthwise [KH, KW, C, M] -> [C * M, 1, KH, KW]: output channel c * M + m, as a grouped convolution orders them. */
function depthwiseKernel(w: RawTensor): RawTensor {
  const [kh, kw, c, m] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < c; i++) for (let j = 0; j < m; j++) out[((i * m + j) * kh + y) * kw + x] = w.data[((y * kw + x) * c + i) * m + j]!;
  return { dtype: 'float32', shape: [c * m, 1, kh, kw], data: out };
}

/** [in, out] -> [out, in]. */
function denseKernel(w: RawTensor): RawTensor {
  const [n, o] = w.shape as [number, number];
  const out = new Float32Array(w.data.length);
  for (let i = 0; i < n; i++) for (let j = 0; j < o; j++) out[j * n + i] = w.data[i * o + j]!;
  return { dtype: 'float32', shape: [o, n], data: out };
}

/**
 * The backbone's weights under our parameter names (`backbone.<group>.<layer>.<name>`), converted to our layouts.
 * `prefixOf(layer)` gives `backbone.<group>.<layer>`.
 */
export function kerasWeightsToState(model: TfjsLayersModel, specs: readonly KerasLayerSpec[], prefixOf: (layer: string) => string): Map<string, RawTensor> {
  const out = new Map<string, RawTensor>();
  for (const spec of specs) {
    const p = prefixOf(spec.name);
    const bias = (key: string): void => {
      if (spec.config.use_bias !== false) out.set(`${p}.${key}`, weight(model, spec.name, 'bias', 1));
    };
    switch (spec.className) {
      case 'Conv2D':
        out.set(`${p}.weight`, convKernel(weight(model, spec.name, 'kernel', 4)));
        bias('bias');
        break;
      case 'DepthwiseConv2D':
        out.set(`${p}.weight`, depthwiseKernel(weight(model, spec.name, 'depthwise_kernel', 4)));
        bias('bias');
        break;
      case 'BatchNormalization':
        out.set(`${p}.weight`, weight(model, spec.name, 'gamma', 1));
        out.set(`${p}.bias`, weight(model, spec.name, 'beta', 1));
        out.set(`${p}.running_mean`, weight(model, spec.name, 'moving_mean', 1));
        out.set(`${p}.running_var`, weight(model, spec.name, 'moving_variance', 1));
        out.set(`${p}.num_batches_tracked`, { dtype: 'int32', shape: [], data: new Int32Array(1) });
        break;
      case 'Dense':
        out.set(`${p}.dense.weight`, denseKernel(weight(model, spec.name, 'kernel', 2)));
        bias('dense.bias');
        break;
      default:
        break;
    }
  }
  return out;
}
