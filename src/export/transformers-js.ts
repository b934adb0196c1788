// Writes the folder transformers.js loads: config.json, the tokenizer files (or preprocessor_config.json), generation_config.json for causal LMs, onnx/model.onnx and (int8) onnx/model_quantized.onnx.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { isCausalLM } from '../models/causal/types.js';
import { configJsonText } from '../models/encoder/config-json.js';
import type { TaskModel } from '../models/types.js';
import { isImageTaskModel } from '../models/vision/image-model.js';
import { preprocessorConfigJson } from '../models/vision/preprocessor.js';
import type { TextTokenizer } from '../tokenizers/types.js';
import { type OnnxExportOptions, type WrittenOnnx, writeOnnxModel } from './onnx/export-model.js';

export interface TransformersJsExportOptions extends Pick<OnnxExportOptions, 'externalData' | 'externalThreshold'> {
  /** Also write onnx/model_quantized.onnx with int8 linear weights (transformers.js's `dtype: 'q8'`). Default false. */
  readonly quantize?: boolean;
}

export interface TransformersJsExport {
  readonly folder: string;
  /** onnx/model.onnx as written. */
  readonly fp32: WrittenOnnx;
  /** onnx/model_quantized.onnx, or null without `quantize`. */
  readonly int8: WrittenOnnx | null;
  /** Whether the tokenizer files were written (a model folder without a tokenizer gives none). */
  readonly tokenizer: boolean;
  /** The other files written beside config.json: generation_config.json (causal LMs), preprocessor_config.json (image models). */
  readonly extraFiles: readonly string[];
}

/**
 * Model types transformers.js does not know, written as the class of theirs that runs the same graph (inputs and
 * outputs alike); the original stays in config.json as `finetune_model_type`.
 */
const TRANSFORMERS_JS_CLASSES: Readonly<Record<string, { readonly modelType: string; readonly architecture: string }>> = {
  'mobilenet-v2-keras': { modelType: 'mobilenet_v2', architecture: 'MobileNetV2ForImageClassification' },
};

/** What transformers' GenerationConfig.from_model_config keeps of a causal model's config.json: its special token ids. */
export function generationConfigJson(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { _from_model_config: true };
  for (const key of ['bos_token_id', 'eos_token_id', 'pad_token_id']) if (config[key] !== undefined && config[key] !== null) out[key] = config[key];
  return out;
}

/**
 * Exports `model` (LoRA merged) into `dir` in transformers.js's layout. When the weights go to an
 * external data file, config.json says so (`transformers.js_config.use_external_data_format`), which is
 * how transformers.js knows to fetch `model.onnx_data`.
 */
export async function exportTransformersJs(
  model: TaskModel,
  tokenizer: TextTokenizer | null,
  dir: string,
  options: TransformersJsExportOptions = {},
): Promise<TransformersJsExport> {
  const onnxDir = join(dir, 'onnx');
  mkdirSync(onnxDir, { recursive: true });
  const fp32 = writeOnnxModel(model, join(onnxDir, 'model.onnx'), options);
  const int8 = options.quantize ? writeOnnxModel(model, join(onnxDir, 'model_quantized.onnx'), { ...options, weights: 'int8' }) : null;
  const config: Record<string, unknown> = model.configJson();
  if (fp32.dataFile || int8?.dataFile) config['transformers.js_config'] = { use_external_data_format: true };
  const known = TRANSFORMERS_JS_CLASSES[model.modelType];
  if (known) Object.assign(config, { finetune_model_type: model.modelType, model_type: known.modelType, architectures: [known.architecture] });
  writeFileAtomic(join(dir, 'config.json'), configJsonText(config));
  const extraFiles: string[] = [];
  if (isCausalLM(model)) {
    writeFileAtomic(join(dir, 'generation_config.json'), configJsonText(generationConfigJson(config)));
    extraFiles.push('generation_config.json');
  }
  if (isImageTaskModel(model)) {
    writeFileAtomic(join(dir, 'preprocessor_config.json'), configJsonText(preprocessorConfigJson(model.preprocessor)));
    extraFiles.push('preprocessor_config.json');
  }
  if (tokenizer) await tokenizer.save(dir);
  return { folder: dir, fp32, int8, tokenizer: tokenizer !== null, extraFiles };
}
