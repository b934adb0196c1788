// `finetune info`: a model's architecture, labels, parameter count and what trains under the given freeze / LoRA options.
import { UsageError } from '../../errors.js';
import { applyFreeze, parseFreezeSpec } from '../../models/freeze.js';
import { labelList, labelsOf } from '../../models/labels.js';
import type { EncoderTaskModel } from '../../models/types.js';
import { applyLora } from '../../peft/lora/apply.js';
import { loadClassifierWithAdapter } from '../../peft/lora/load-model.js';
import type { Command, CommandContext } from '../command.js';
import { adapterLoadOptions, LORA_FLAGS, loraFromFlags } from './lora-flags.js';

const count = (n: number): string => n.toLocaleString('en-US');

/** The info command's body; warnings go to `warn` (stderr by default). */
export async function runInfo(context: CommandContext, warn: (line: string) => void = (line) => void process.stderr.write(`${line}\n`)): Promise<unknown> {
  const { flags, log } = context;
  const name = flags.string('model') ?? context.positional[0];
  if (name === undefined) throw new UsageError('info: --model is required');
  const freeze = parseFreezeSpec(flags.string('freeze') ?? 'none');
  const loaded = await loadClassifierWithAdapter(name, adapterLoadOptions(flags));
  const model = loaded.model;
  const encoder = model as unknown as Partial<EncoderTaskModel>;
  const lora = loraFromFlags(flags);
  let counts = loaded.adapter ? model.parameterCount() : applyFreeze(model, freeze);
  if (lora && !loaded.adapter) counts = applyLora(model, lora);
  const labels = labelList(labelsOf(model));
  const result = {
    model: name,
    source: loaded.source,
    modelType: model.modelType,
    architecture: encoder.architecture ?? model.modelType,
    layers: model.layerPrefixes.length,
    hiddenSize: encoder.hiddenSize ?? null,
    labels,
    parameters: counts.total,
    trainable: counts.trainable,
    freeze: loaded.adapter || lora ? null : freeze,
    lora: loaded.adapter ? 'adapter' : lora ? 'new' : null,
    tokenizer: loaded.tokenizer ? { vocabSize: loaded.tokenizer.vocabSize, modelMaxLength: loaded.tokenizer.modelMaxLength ?? null } : null,
    adapter: loaded.adapterSummary,
    warnings: loaded.warnings,
  };
  for (const warning of loaded.warnings) warn(`warning: ${warning}`);
  log(`model: ${name}${loaded.source !== name ? ` (${loaded.source})` : ''}`);
  if (loaded.adapterSummary) log(`adapter: ${loaded.adapterSummary}`);
  log(
    `architecture: ${result.architecture} (model_type ${model.modelType}), ${result.layers} layers${encoder.hiddenSize ? `, hidden size ${encoder.hiddenSize}` : ''}`,
  );
  log(`labels: ${labels.length} (${labels.join(', ')})`);
  log(`parameters: ${count(counts.total)}`);
  const how = loaded.adapter ? `with the adapter ${loaded.adapterDir}` : lora ? 'with a new LoRA adapter' : `--freeze ${freeze}`;
  log(`trainable: ${count(counts.trainable)} (${((100 * counts.trainable) / Math.max(counts.total, 1)).toFixed(2)}%, ${how})`);
  if (loaded.tokenizer)
    log(
      `tokenizer: ${count(loaded.tokenizer.vocabSize)} tokens${loaded.tokenizer.modelMaxLength ? `, at most ${loaded.tokenizer.modelMaxLength} per input` : ''}`,
    );
  else log('tokenizer: none');
  return result;
}

export const infoCommand: Command = {
  name: 'info',
  positional: { max: 1, name: 'one model folder or Hub id' },
  summary: "show a model's architecture, labels and parameter counts",
  usage: 'Usage: finetune info --model <dir or hub id> [--freeze none|base|embeddings|N] [--lora [--lora-r 8 ...]] [--json]',
  flags: {
    model: { type: 'string', help: 'model folder or Hugging Face Hub id' },
    adapter: { type: 'string', help: 'LoRA adapter folder to put on the model' },
    revision: { type: 'string', help: 'Hub revision (branch, tag or commit)', default: 'main' },
    'num-labels': { type: 'int', help: 'classes of the head (default: from config.json)' },
    freeze: { type: 'string', help: 'what does not train: none, base, embeddings, or N (embeddings + N lowest layers)', default: 'none' },
    lora: { type: 'boolean', help: 'count with a new LoRA adapter (base frozen)' },
    ...LORA_FLAGS,
  },
  run: (context) => runInfo(context),
};
