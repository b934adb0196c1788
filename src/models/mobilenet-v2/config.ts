// MobileNetV2KerasConfig: our saved config.json for a CNN backbone read from a Keras topology (TF.js Layers), with a new head.
import { FinetuneError } from '../../errors.js';
import { type KerasLayerSpec, parseKerasTopology } from '../../io/tfjs/layers-model.js';
import { type ConfigJson, ConfigReader } from '../encoder/config-fields.js';

/** config.json `model_type` of this layout. */
export const MOBILENET_V2_KERAS_TYPE = 'mobilenet-v2-keras';
export const MOBILENET_V2_KERAS_ARCHITECTURE = 'MobileNetV2KerasForImageClassification';

/**
 * The documented layout (config.json): `model_type` 'mobilenet-v2-keras'; `keras_model_config`, the backbone as
 * a Keras functional model config (class_name 'Model', config.layers with inbound_nodes, input_layers,
 * output_layers; each Conv2D, DepthwiseConv2D, BatchNormalization and Dense config also carries `in_channels`);
 * `hidden_size`, `num_channels`, `image_size`, `classifier_dropout_prob`, id2label / label2id. model.safetensors
 * holds `backbone.<group>.<layer>.{weight,bias,running_mean,running_var,num_batches_tracked}` (channels first,
 * PyTorch's layouts; Dense layers under `.dense.`) and `classifier.{weight,bias}`.
 */
export interface MobileNetV2KerasConfig {
  /** The backbone's layers, each after its inputs, ending at the layer whose output is pooled. */
  readonly layers: readonly KerasLayerSpec[];
  /** The Keras model config the layers came from (written back as is). */
  readonly kerasModelConfig: ConfigJson;
  /** Channels F of the backbone's output, the pooled features [B, F] (1280 for MobileNetV2). */
  readonly hiddenSize: number;
  /** Channels of pixel_values (default 3). */
  readonly numChannels: number;
  /** The input size the backbone was trained at (default 224). */
  readonly imageSize: number;
  /** Dropout before the classifier (default 0.2, as transformers' MobileNetV2). */
  readonly classifierDropoutProb: number;
}

export function parseMobileNetV2KerasConfig(json: ConfigJson, file: string): MobileNetV2KerasConfig {
  const r = new ConfigReader(json, file);
  const kerasModelConfig = json.keras_model_config;
  if (typeof kerasModelConfig !== 'object' || kerasModelConfig === null || Array.isArray(kerasModelConfig)) {
    throw new FinetuneError(`${file}: missing keras_model_config (the backbone's Keras topology)`);
  }
  const { layers, outputs } = parseKerasTopology(kerasModelConfig, `${file} keras_model_config`);
  if (outputs.length !== 1 || outputs[0] !== layers.at(-1)!.name) throw new FinetuneError(`${file}: keras_model_config must have one output, its last layer`);
  return {
    layers,
    kerasModelConfig: kerasModelConfig as ConfigJson,
    hiddenSize: r.positiveInt('hidden_size'),
    numChannels: r.positiveInt('num_channels', 3),
    imageSize: r.positiveInt('image_size', 224),
    classifierDropoutProb: r.probability('classifier_dropout_prob', 0.2),
  };
}

/** The fields this layout writes besides labels and architectures. */
export function mobileNetV2KerasConfigJson(config: MobileNetV2KerasConfig): ConfigJson {
  return {
    classifier_dropout_prob: config.classifierDropoutProb,
    hidden_size: config.hiddenSize,
    image_size: config.imageSize,
    keras_model_config: config.kerasModelConfig,
    model_type: MOBILENET_V2_KERAS_TYPE,
    num_channels: config.numChannels,
  };
}

/** A Keras functional model config of `layers` (each after its inputs), output = the last. */
export function kerasModelConfig(name: string, layers: readonly KerasLayerSpec[]): ConfigJson {
  const input = layers.find((l) => l.className === 'InputLayer');
  return {
    class_name: 'Model',
    config: {
      name,
      layers: layers.map((l) => ({
        name: l.name,
        class_name: l.className,
        config: l.config,
        inbound_nodes: l.inbound.length === 0 ? [] : [l.inbound.map((n) => [n, 0, 0, {}])],
      })),
      input_layers: input ? [[input.name, 0, 0]] : [],
      output_layers: [[layers.at(-1)!.name, 0, 0]],
    },
  };
}
