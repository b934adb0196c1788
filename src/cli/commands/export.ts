// `finetune export`: a model (LoRA merged) as ONNX in transformers.js's folder layout, fp32 and optionally int8.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FinetuneError, UsageError } from '../../errors.js';
import { exportTransformersJs } from '../../export/transformers-js.js';
import { lockFolder } from '../../io/folder-lock.js';
import { withOutputErrors } from '../../io/output-errors.js';
import { loadClassifierWithAdapter } from '../../peft/lora/load-model.js';
import { mergeLora } from '../../peft/lora/merge.js';
import type { Command, CommandContext } from '../command.js';
import { adapterLoadOptions } from './lora-flags.js';

/** Files an export writes: an output folder already holding one is refused rather than half overwritten. */
const EXPORT_FILES = ['config.json', join('onnx', 'model.onnx'), join('onnx', 'model_quantized.onnx')];

async function runExport({ flags, log }: CommandContext): Promise<unknown> {
  const model = flags.string('model');
  const output = flags.string('output');
  const format = flags.string('format') ?? 'onnx';
  const quantize = flags.string('quantize');
  if (model === undefined) throw new UsageError('export: --model is required (a model folder, Hub id or adapter folder)');
  if (output === undefined) throw new UsageError('export: --output is required (the folder for the exported model)');
  if (format !== 'onnx') throw new FinetuneError(`--format '${format}' is not supported (supported: onnx)`);
  if (quantize !== undefined && quantize !== 'int8') throw new FinetuneError(`--quantize '${quantize}' is not supported (supported: int8)`);
  const lock = lockFolder(output, { command: 'export', label: `--output ${output}` });
  if (lock.notice) process.stderr.write(`warning: ${lock.notice}\n`);
  try {
    return await withOutputErrors(output, `--output ${output}`, async () => {
      const taken = EXPORT_FILES.find((f) => existsSync(join(output, f)));
      if (taken) throw new FinetuneError(`--output ${output}: already holds ${taken}; choose a new folder for the export`);
      const loaded = await loadClassifierWithAdapter(model, adapterLoadOptions(flags));
      for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
      const merged = loaded.adapter ? mergeLora(loaded.model).length : 0;
      const written = await exportTransformersJs(loaded.model, loaded.tokenizer, output, { quantize: quantize === 'int8' });
      if (merged > 0) log(`merged ${merged} LoRA layers of ${loaded.adapterDir} before export`);
      log(`wrote ${written.fp32.file} (${(written.fp32.bytes / 2 ** 20).toFixed(1)} MiB)${written.fp32.dataFile ? ` with ${written.fp32.dataFile}` : ''}`);
      if (written.int8) log(`wrote ${written.int8.file} (${(written.int8.bytes / 2 ** 20).toFixed(1)} MiB, int8 linear weights)`);
      for (const file of written.extraFiles) log(`wrote ${join(output, file)}`);
      // use-lite keeps its SentencePiece vocabulary as vocab.json: ONNX Runtime runs the export, transformers.js's pipelines cannot.
      // Image models read preprocessor_config.json instead.
      if (!written.extraFiles.includes('preprocessor_config.json') && !existsSync(join(output, 'tokenizer.json'))) {
        process.stderr.write(
          `warning: ${output} has no tokenizer.json (${written.tokenizer ? 'this tokenizer saves another format' : 'the model has no tokenizer files'}); transformers.js pipelines need one\n`,
        );
      }
      return {
        output: resolve(output),
        model: loaded.source,
        adapter: loaded.adapterDir,
        mergedLayers: merged,
        fp32: resolve(written.fp32.file),
        int8: written.int8 ? resolve(written.int8.file) : null,
        externalData: written.fp32.dataFile !== null,
      };
    });
  } finally {
    lock.release({ removeFolderIfEmpty: true });
  }
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'export a model to ONNX in the layout transformers.js and ONNX Runtime load (fp32, optionally int8)',
  usage: 'Usage: finetune export --model <dir> [--adapter <dir>] --format onnx [--quantize int8] --output <dir> [--json]',
  flags: {
    model: { type: 'string', help: 'the model folder (or Hub id, or an adapter folder that names its base)' },
    adapter: { type: 'string', help: 'a LoRA adapter folder, merged into the model before export' },
    format: { type: 'string', help: 'export format: onnx', default: 'onnx' },
    quantize: { type: 'string', help: 'also write onnx/model_quantized.onnx with dynamic int8 linear weights: int8' },
    output: { type: 'string', help: 'a new folder for config.json, the tokenizer files and onnx/' },
    revision: { type: 'string', help: 'Hub revision of the model (branch, tag or commit)', default: 'main' },
  },
  run: runExport,
};
