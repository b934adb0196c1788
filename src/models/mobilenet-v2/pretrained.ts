// The built-in `nsfwjs-mobilenet-v2`: nsfwjs's MobileNetV2 (TF.js Layers, uint8-quantised, base64 in JS modules) cut at its last conv block.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FinetuneError } from '../../errors.js';
import { type KerasLayerSpec, type TfjsLayersModel, tfjsLayersModelFromMemory } from '../../io/tfjs/layers-model.js';
import type { LoadedClassifier } from '../load.js';
import type { HeadSpec } from '../types.js';
import {
  kerasModelConfig,
  MOBILENET_V2_KERAS_ARCHITECTURE,
  MOBILENET_V2_KERAS_TYPE,
  type MobileNetV2KerasConfig,
  mobileNetV2KerasConfigJson,
} from './config.js';
import { layersUpTo, mobileNetGroup } from './graph.js';
import { initMobileNetWeights } from './init.js';
import { MobileNetV2KerasForImageClassification } from './model.js';
import { BACKBONE, kerasInChannels, kerasWeightsToState } from './weights.js';

/** The npm package that carries the weights (a development dependency of this repository; MIT). */
export const NSFWJS_PACKAGE = 'nsfwjs';
/** The name `--model` accepts for it. */
export const NSFWJS_MOBILENET_BUILTIN_NAME = 'nsfwjs-mobilenet-v2';
/** Where the backbone is cut: the ReLU6 after the last 1 x 1 convolution block (7 x 7 x 1280 at 224). */
export const MOBILENET_V2_BACKBONE_OUTPUT = 'out_relu';

/** nsfwjs's dist/models/mobilenet_v2 folder, resolved from this library's folder, then the working directory. */
export function findNsfwjsMobileNet(searchFrom: readonly string[] = [dirname(fileURLToPath(import.meta.url)), process.cwd()]): string {
  for (const dir of searchFrom) {
    try {
      const main = createRequire(pathToFileURL(join(dir, 'noop.js')).href).resolve(NSFWJS_PACKAGE);
      return join(dirname(main), '..', 'models', 'mobilenet_v2');
    } catch {
      // Not installed where this base looks; try the next.
    }
  }
  throw new FinetuneError(`built-in model '${NSFWJS_MOBILENET_BUILTIN_NAME}' needs the package ${NSFWJS_PACKAGE}: npm install --save-dev ${NSFWJS_PACKAGE}`);
}

/**
 * Reads the model nsfwjs bundles: model.min.js exports model.json's object (Keras topology + weightsManifest),
 * group1-shard1of1.min.js the weight shard as base64. Both are UMD modules, loaded as CommonJS.
 */
export function readNsfwjsMobileNet(dir = findNsfwjsMobileNet()): TfjsLayersModel {
  const require = createRequire(pathToFileURL(join(dir, 'noop.js')).href);
  const file = join(dir, 'model.min.js');
  let json: unknown;
  let shard: unknown;
  try {
    json = require(file);
    shard = require(join(dir, 'group1-shard1of1.min.js'));
  } catch (error) {
    throw new FinetuneError(`${dir}: cannot load nsfwjs's MobileNetV2 modules (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof shard !== 'string') throw new FinetuneError(`${join(dir, 'group1-shard1of1.min.js')}: expected the weight shard as a base64 string`);
  return tfjsLayersModelFromMemory(json, [new Uint8Array(Buffer.from(shard, 'base64'))], file);
}

/** The channels out of `name`'s layer chain: the nearest weighted layer at or above it. */
function outputChannels(tfjs: TfjsLayersModel, layers: readonly KerasLayerSpec[], name: string): number {
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (let spec = byName.get(name); spec; spec = byName.get(spec.inbound[0] ?? '')) {
    const c = kerasInChannels(tfjs, spec);
    if (c === undefined) continue;
    if (spec.className === 'Conv2D') return Number(spec.config.filters);
    if (spec.className === 'DepthwiseConv2D') return c * Number(spec.config.depth_multiplier ?? 1);
    if (spec.className === 'Dense') return Number(spec.config.units);
    return c;
  }
  throw new FinetuneError(`${tfjs.file}: no weighted layer feeds '${name}'`);
}

/**
 * A classifier from a TF.js Layers model: its layers up to `output` as the backbone (their weights converted),
 * global average pooling and a new head for `head`'s labels ('random' initialises the backbone too).
 */
export function mobileNetFromTfjs(
  tfjs: TfjsLayersModel,
  head: HeadSpec,
  init: 'pretrained' | 'random',
  output = MOBILENET_V2_BACKBONE_OUTPUT,
): MobileNetV2KerasForImageClassification {
  if (head.kind !== 'image-classification') throw new FinetuneError(`${tfjs.file}: MobileNetV2 classifies images; it has no ${head.kind} head`);
  const layers = layersUpTo(tfjs.layers, output, tfjs.file).map((spec) => {
    const c = kerasInChannels(tfjs, spec);
    return c === undefined ? spec : { ...spec, config: { ...spec.config, in_channels: c } };
  });
  const input = layers.find((l) => l.className === 'InputLayer');
  const shape = input?.config.batch_input_shape;
  const config: MobileNetV2KerasConfig = {
    layers,
    kerasModelConfig: kerasModelConfig('mobilenetv2_backbone', layers),
    hiddenSize: outputChannels(tfjs, layers, output),
    numChannels: Array.isArray(shape) && typeof shape[3] === 'number' ? shape[3] : 3,
    imageSize: Array.isArray(shape) && typeof shape[1] === 'number' ? shape[1] : 224,
    classifierDropoutProb: 0.2,
  };
  const identity = {
    source: {},
    defaults: mobileNetV2KerasConfigJson(config),
    modelType: MOBILENET_V2_KERAS_TYPE,
    architecture: MOBILENET_V2_KERAS_ARCHITECTURE,
    head,
  };
  const model = new MobileNetV2KerasForImageClassification(config, identity);
  initMobileNetWeights(model);
  if (init === 'pretrained') {
    let afterTop = false;
    const prefixOf = (layer: string): string => {
      const group = mobileNetGroup(layer, afterTop);
      afterTop ||= group === 'top';
      return `${BACKBONE}.${group}.${layer}`;
    };
    const state = model.stateDict();
    for (const [key, tensor] of kerasWeightsToState(tfjs, layers, prefixOf)) {
      const target = state.get(key);
      if (!target) throw new Error(`mobileNetFromTfjs: no parameter '${key}' for a weight of ${tfjs.file}`);
      target.data.set(tensor.data);
    }
  }
  return model.eval();
}

/** The built-in loader: nsfwjs's MobileNetV2 backbone with a new head. */
export function loadBuiltinMobileNet(options: { readonly head: HeadSpec; readonly init: 'pretrained' | 'random' }): LoadedClassifier {
  const tfjs = readNsfwjsMobileNet();
  // A built-in name carries no config.json to say which head: the default (sequence) head means the image one.
  const head = options.head.kind === 'sequence-classification' ? { ...options.head, kind: 'image-classification' as const } : options.head;
  const model = mobileNetFromTfjs(tfjs, head, options.init);
  const warnings = [`${tfjs.file}: MobileNetV2 cut at '${MOBILENET_V2_BACKBONE_OUTPUT}'; classifier newly initialised for ${model.numLabels} labels`];
  return { model, tokenizer: null, source: findNsfwjsMobileNet(), warnings };
}
