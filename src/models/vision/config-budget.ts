// The parameter count an image model's config.json implies (ResNet, ViT, Keras MobileNetV2), checked before anything is allocated.
import { FinetuneError } from '../../errors.js';
import { formatBytes } from '../../io/bounded-read.js';
import type { ConfigJson } from '../encoder/config-fields.js';

/** Models whose float32 weights take less than this are built before their weights file is judged (as for encoders). */
const WEIGHTS_CHECK_BYTES = 256 * 1024 * 1024;
/** Stages, layers or blocks beyond this are a typo or an attack (ResNet-152 has 50 layers, ViT-G 48 blocks, MobileNetV2 162 Keras layers). */
const MAX_LAYERS = 4096;

const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback);
const list = (v: unknown, fallback: number[]): number[] => (Array.isArray(v) && v.every((x) => typeof x === 'number' && x > 0) ? (v as number[]) : fallback);

/** Weights of the convolutions and linear layers (biases and norms are a rounding error), and the deepest count with its field. */
function imageParameters(config: ConfigJson): { parameters: number; depth: [string, number] } | undefined {
  if (config.model_type === 'vit') {
    const h = num(config.hidden_size, 768);
    const layers = num(config.num_hidden_layers, 12);
    const image = num(Array.isArray(config.image_size) ? config.image_size[0] : config.image_size, 224);
    const patch = num(Array.isArray(config.patch_size) ? config.patch_size[0] : config.patch_size, 16);
    const perLayer = 4 * h * h + 2 * h * num(config.intermediate_size, 3072);
    return { parameters: layers * perLayer + (image / patch) ** 2 * h + num(config.num_channels, 3) * patch * patch * h, depth: ['num_hidden_layers', layers] };
  }
  if (config.model_type === 'resnet') {
    const sizes = list(config.hidden_sizes, [256, 512, 1024, 2048]);
    const depths = list(config.depths, [3, 4, 6, 3]);
    const basic = config.layer_type === 'basic';
    let parameters = num(config.num_channels, 3) * 49 * num(config.embedding_size, 64);
    let previous = num(config.embedding_size, 64);
    sizes.forEach((out, i) => {
      const perLayer = basic ? 18 * out * out : (out * out * (2 + 9 / 4)) / 4;
      parameters += (depths[i] ?? 1) * perLayer + previous * out;
      previous = out;
    });
    return { parameters, depth: ['depths', depths.reduce((a, b) => a + b, 0)] };
  }
  if (config.model_type === 'mobilenet-v2-keras') {
    const model = config.keras_model_config as { config?: { layers?: unknown } } | undefined;
    const layers = Array.isArray(model?.config?.layers) ? (model.config.layers as { class_name?: unknown; config?: Record<string, unknown> }[]) : [];
    let parameters = 0;
    for (const layer of layers) {
      const c = layer.config ?? {};
      const inChannels = num(c.in_channels, 0);
      const kernel = list(c.kernel_size, [1, 1]);
      if (layer.class_name === 'Conv2D') parameters += inChannels * num(c.filters, 0) * (kernel[0] ?? 1) * (kernel[1] ?? 1);
      else if (layer.class_name === 'DepthwiseConv2D') parameters += inChannels * num(c.depth_multiplier, 1) * (kernel[0] ?? 1) * (kernel[1] ?? 1);
      else if (layer.class_name === 'Dense') parameters += inChannels * num(c.units, 0);
    }
    return { parameters: parameters + num(config.hidden_size, 0), depth: ['keras_model_config', layers.length] };
  }
  return undefined;
}

/**
 * For an image model_type: checks the float32 weights fit `memoryBytes` and that a weights file of
 * `weightsBytes` can hold them (2 bytes per parameter at the least). Undefined for other model types.
 */
export function checkImageConfigBudget(
  config: ConfigJson,
  file: string,
  memoryBytes: number,
  weightsBytes: number | undefined,
  weightsFile: string | undefined,
): { parameters: number } | undefined {
  const found = imageParameters(config);
  if (found === undefined) return undefined;
  const { parameters, depth } = found;
  if (depth[1] > MAX_LAYERS) throw new FinetuneError(`${file}: ${depth[0]} gives ${depth[1]} layers, more than any model has (at most ${MAX_LAYERS})`);
  const millions = `${Number((parameters / 1e6).toPrecision(3))} million`;
  if (parameters * 4 > memoryBytes) {
    throw new FinetuneError(
      `${file}: the sizes make a model of ${millions} parameters (${formatBytes(parameters * 4)} as float32), more than this machine's ${formatBytes(memoryBytes)} of memory`,
    );
  }
  if (weightsBytes !== undefined && parameters * 2 > weightsBytes && parameters * 4 > WEIGHTS_CHECK_BYTES) {
    throw new FinetuneError(
      `${file}: the sizes make a model of ${millions} parameters, but ${weightsFile ?? 'the weights file'} holds only ${formatBytes(weightsBytes)}: the config does not belong to these weights`,
    );
  }
  return { parameters };
}
