// The USE-lite family (sequence and token heads): saved use-lite folders (config.json + model.safetensors + vocab.json) and the built-in pre-trained model.
import { loadCheckpoint } from '../encoder/checkpoint.js';
import { textHead } from '../encoder/family-kit.js';
import type { ModelFamily } from '../family.js';
import { parseUseLiteConfig, USE_LITE_MODEL_TYPE } from './config.js';
import { initEncoderWeights, initHead } from './init.js';
import { createUseLite, type UseLiteTaskModel } from './model.js';
import { USE_LITE_LAYOUT } from './weights.js';

export {
  parseUseLiteConfig,
  useLiteConfigJson,
  USE_LITE_ARCHITECTURE,
  USE_LITE_CONFIG_DEFAULTS,
  USE_LITE_MODEL_TYPE,
  type UseLiteConfig,
} from './config.js';
export {
  createUseLite,
  timingSignal,
  UseLiteAttention,
  UseLiteEncoder,
  UseLiteFeedForward,
  UseLiteForSequenceClassification,
  UseLiteLayer,
  type UseLiteTaskModel,
} from './model.js';
export { USE_LITE_LAYOUT, USE_LITE_LORA_TARGETS, USE_LITE_TFJS_WEIGHTS, type TfjsWeightSource } from './weights.js';
export {
  findUseLitePackage,
  loadBuiltinUseLite,
  loadTfjsWeights,
  USE_LITE_BUILTIN_NAME,
  USE_LITE_PACKAGE,
  type BuiltinLoadOptions,
} from './pretrained.js';

/** Initialises the whole model (`--init random`) or the named modules (a new head) of a use-lite classifier. */
function initialize(model: UseLiteTaskModel, modules?: readonly string[]): void {
  if (modules === undefined) {
    initEncoderWeights(model.encoder);
    initHead(model.classifier);
    return;
  }
  const byName = new Map(model.namedModules());
  for (const name of modules) {
    const module = byName.get(name);
    if (!module) throw new Error(`use-lite: no module '${name}' to initialise`);
    if (module === model.classifier) initHead(model.classifier);
    else initEncoderWeights(module);
  }
}

export const useLiteFamily: ModelFamily = {
  modelTypes: [USE_LITE_MODEL_TYPE],
  create: (config, file, head) => createUseLite(parseUseLiteConfig(config, file), textHead(head, config, file)),
  initialize: (model, modules) => initialize(model as UseLiteTaskModel, modules),
  loadWeights(model, tensors, file) {
    const report = loadCheckpoint(model, tensors, USE_LITE_LAYOUT, file);
    // A head saved for another number of labels is replaced as a whole (weight and bias).
    const owners = report.mismatched.map(([name]) => name.slice(0, name.lastIndexOf('.')));
    const modules = [...new Set([...report.newModules, ...owners])];
    if (modules.length > 0) initialize(model as UseLiteTaskModel, modules);
    return report;
  },
};
