// `finetune predict`: runs a trained model on texts given on the command line or in a file, one JSON object per input (JSONL): a class, labels, a value or tagged words.
import { TEXT_COLUMN_NAMES, TEXT_PAIR_COLUMN_NAMES } from '../../data/columns.js';
import { readTable } from '../../data/read-table.js';
import type { Cell, RawTable } from '../../data/table.js';
import { FinetuneError, UsageError } from '../../errors.js';
import { readTextBounded } from '../../io/bounded-read.js';
import { predictBatches, predictionKeys, type PredictInput } from '../../tasks/predict.js';
import { loadClassifierWithAdapter } from '../../peft/lora/load-model.js';
import type { Command, CommandContext } from '../command.js';
import { checkQuantize, prepareForInference } from './inference-flags.js';
import { adapterLoadOptions } from './lora-flags.js';
import { isImageTaskModel } from '../../models/vision/image-model.js';
import { predictImages } from '../../tasks/image-classification/predict.js';

function column(table: RawTable, name: string, what: string, file: string): number {
  const exact = table.columns.indexOf(name);
  if (exact >= 0) return exact;
  const folded = table.columns.filter((c) => c.toLowerCase() === name.toLowerCase());
  if (folded.length === 1) return table.columns.indexOf(folded[0]!);
  throw new FinetuneError(`${file}: no ${what} column '${name}' (columns: ${table.columns.map((c) => `'${c}'`).join(', ')})`);
}

/** The text (and pair) columns: as named, else by the usual names, else the only column. */
function textColumns(table: RawTable, file: string, textName?: string, pairName?: string): { text: number; pair: number | null } {
  const find = (name: string): number => table.columns.findIndex((c) => c.toLowerCase() === name);
  let text = textName === undefined ? -1 : column(table, textName, 'text', file);
  let pair = pairName === undefined ? -1 : column(table, pairName, 'text-pair', file);
  if (pair < 0 && pairName === undefined) {
    for (const [first, second] of TEXT_PAIR_COLUMN_NAMES) {
      const a = find(first);
      const b = find(second);
      if (a >= 0 && b >= 0 && (text < 0 || text === a)) {
        [text, pair] = [a, b];
        break;
      }
    }
  }
  for (const name of TEXT_COLUMN_NAMES) if (text < 0) text = find(name);
  if (text < 0 && table.columns.length === 1) text = 0;
  if (text < 0) {
    throw new FinetuneError(
      `${file}: cannot tell which column holds the text (columns: ${table.columns.map((c) => `'${c}'`).join(', ')}); name it with --text-column`,
    );
  }
  return { text, pair: pair < 0 ? null : pair };
}

const cellText = (cell: unknown): string => (cell === null || cell === undefined ? '' : typeof cell === 'object' ? JSON.stringify(cell) : String(cell));

/** Most bytes read from standard input (as a data file may hold). */
const STDIN_LIMIT = 512 * 1024 * 1024;

/** All of standard input as text, bounded. */
async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > STDIN_LIMIT) throw new FinetuneError(`--data -: standard input is over ${STDIN_LIMIT / 1024 / 1024} MB; give a file`);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Inputs from standard input (`--data -`): JSON Lines when every line is a JSON object (the text
 * column found as in a file), else one text per line.
 */
export function stdinInputs(text: string, textName?: string, pairName?: string): PredictInput[] {
  const all = text.split(/\r?\n/);
  const lines = all.filter((line) => line.trim() !== '');
  const objects = lines.map((line) => {
    if (!line.trimStart().startsWith('{')) return undefined;
    try {
      const value = JSON.parse(line) as unknown;
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  });
  if (lines.length === 0 || objects.some((o) => o === undefined)) {
    if (textName !== undefined || pairName !== undefined) {
      const bad = lines[objects.indexOf(undefined)];
      if (bad !== undefined) throw new FinetuneError(`--data -: line ${all.indexOf(bad) + 1} is not a JSON object, so there are no columns for --text-column`);
    }
    return lines.map((line) => ({ text: line }));
  }
  const columns = [...new Set(objects.flatMap((o) => Object.keys(o!)))];
  const table: RawTable = {
    columns,
    rows: objects.map((o) => columns.map((c) => o![c] as Cell)),
    origin: (index) => `standard input: line ${index + 1}`,
    warnings: [],
  };
  const { text: t, pair } = textColumns(table, 'standard input', textName, pairName);
  return table.rows.map((row) => ({ text: cellText(row[t]), ...(pair === null ? {} : { textPair: cellText(row[pair]) }) }));
}

/** Inputs from --data: `-` is standard input; a .txt file holds one text per line; other files are tables (CSV, TSV, JSONL, JSON, Parquet). */
async function readInputs(file: string, textName?: string, pairName?: string): Promise<PredictInput[]> {
  if (file === '-') return stdinInputs(await readStdin(), textName, pairName);
  if (file.toLowerCase().endsWith('.txt')) {
    let text: string;
    try {
      text = readTextBounded(file, 'data');
    } catch (error) {
      if (error instanceof FinetuneError) throw error;
      throw new FinetuneError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    return text
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .map((line) => ({ text: line }));
  }
  const { table } = await readTable(file);
  const { text, pair } = textColumns(table, file, textName, pairName);
  return table.rows.map((row) => ({ text: cellText(row[text]), ...(pair === null ? {} : { textPair: cellText(row[pair]) }) }));
}

/** Where predict writes: JSONL to `out`, warnings and the summary to `err`. */
export interface PredictStreams {
  out(text: string): void;
  err(text: string): void;
}

const PROCESS_STREAMS: PredictStreams = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** The predict command's body, with its output streams as a parameter. */
export async function runPredict({ flags }: CommandContext, streams: PredictStreams = PROCESS_STREAMS): Promise<unknown> {
  const model = flags.string('model');
  if (model === undefined) throw new UsageError('predict: --model is required');
  const texts = flags.list('text') ?? [];
  const pairs = flags.list('text-pair');
  const data = flags.string('data');
  const images = flags.list('image') ?? [];
  if (images.length > 0) {
    if (texts.length > 0 || data !== undefined) throw new UsageError('predict: give --image, or --text / --data, not both');
    return runPredictImages(model, images, flags, streams);
  }
  if (texts.length === 0 && data === undefined) throw new UsageError('predict: give --text "..." (repeatable) or --data <file>');
  if (texts.length > 0 && data !== undefined) throw new UsageError('predict: give --text or --data, not both');
  if (pairs !== undefined && pairs.length !== texts.length) {
    throw new UsageError(`predict: ${texts.length} --text but ${pairs.length} --text-pair; give one pair per text`);
  }
  const batchSize = flags.number('batch-size') ?? 32;
  if (batchSize < 1) throw new FinetuneError(`--batch-size ${batchSize}: must be at least 1`);
  const maxLength = flags.number('max-length');
  const threshold = flags.number('threshold');
  if (threshold !== undefined && !(threshold > 0 && threshold < 1)) throw new FinetuneError(`--threshold ${threshold}: must be between 0 and 1`);
  if (maxLength !== undefined && maxLength < 2) throw new FinetuneError(`--max-length ${maxLength}: must be at least 2`);

  checkQuantize(flags.string('quantize'));
  const inputs =
    data !== undefined
      ? await readInputs(data, flags.string('text-column'), flags.string('text-pair-column'))
      : texts.map((text, i) => ({ text, ...(pairs ? { textPair: pairs[i]! } : {}) }));
  const loaded = await loadClassifierWithAdapter(model, adapterLoadOptions(flags));
  for (const warning of loaded.warnings) streams.err(`warning: ${warning}\n`);
  if (loaded.adapterSummary) streams.err(`adapter: ${loaded.adapterSummary}\n`);
  if (!loaded.tokenizer)
    throw new FinetuneError(`${loaded.source}: no tokenizer files (tokenizer.json, vocab.txt, vocab.json + merges.txt); predict needs the model's tokenizer`);
  prepareForInference(loaded, flags.string('quantize'));
  const counts = new Map<string, number>();
  predictBatches(
    loaded.model,
    loaded.tokenizer,
    inputs,
    (batch) => {
      for (const p of batch) for (const key of predictionKeys(p)) counts.set(key, (counts.get(key) ?? 0) + 1);
      streams.out(batch.map((p) => `${JSON.stringify(p)}\n`).join(''));
    },
    { batchSize, ...(maxLength === undefined ? {} : { maxLength }), ...(threshold === undefined ? {} : { threshold }) },
  );
  // stdout carries only the JSONL; the summary goes to stderr.
  const summary = [...counts].map(([label, n]) => `${label} ${n}`).join(', ');
  streams.err(`predicted ${inputs.length} input${inputs.length === 1 ? '' : 's'}${summary ? `: ${summary}` : ''}\n`);
  return { predictions: inputs.length, labels: Object.fromEntries(counts) };
}

/** predict --image: an image model on image files, one JSON object per image. */
async function runPredictImages(model: string, images: readonly string[], flags: CommandContext['flags'], streams: PredictStreams): Promise<unknown> {
  const batchSize = flags.number('batch-size') ?? 32;
  if (batchSize < 1) throw new FinetuneError(`--batch-size ${batchSize}: must be at least 1`);
  const loaded = await loadClassifierWithAdapter(model, adapterLoadOptions(flags));
  if (!isImageTaskModel(loaded.model)) throw new FinetuneError(`--model ${model}: a ${loaded.model.modelType} model reads text; --image needs an image model`);
  for (const warning of loaded.warnings.filter((w) => !w.includes('no tokenizer files'))) streams.err(`warning: ${warning}\n`);
  const counts = new Map<string, number>();
  await predictImages(
    loaded.model,
    images,
    (batch) => {
      for (const p of batch) counts.set(p.label, (counts.get(p.label) ?? 0) + 1);
      streams.out(batch.map((p) => `${JSON.stringify(p)}\n`).join(''));
    },
    batchSize,
  );
  const summary = [...counts].map(([label, n]) => `${label} ${n}`).join(', ');
  streams.err(`predicted ${images.length} image${images.length === 1 ? '' : 's'}${summary ? `: ${summary}` : ''}\n`);
  return { predictions: images.length, labels: Object.fromEntries(counts) };
}

export const predictCommand: Command = {
  name: 'predict',
  summary: 'classify texts with a trained model (one JSON object per input)',
  writesJsonLines: true,
  usage: 'Usage: finetune predict --model <dir or hub id> [--adapter <dir>] (--text "..." [--text "..."] | --data <file> | --image <file> [--image <file>])',
  flags: {
    model: { type: 'string', help: 'model folder (a training run output) or Hub id' },
    adapter: { type: 'string', help: 'LoRA adapter folder to put on the model' },
    revision: { type: 'string', help: 'Hub revision (branch, tag or commit)', default: 'main' },
    text: { type: 'texts', help: 'a text to classify (repeatable; commas are kept)' },
    image: { type: 'texts', help: 'an image file to classify with an image model (repeatable)' },
    'text-pair': { type: 'texts', help: 'the second text of a pair, one per --text' },
    data: {
      type: 'string',
      help: "texts to classify: .txt (one per line), CSV, TSV, JSONL, JSON or Parquet; '-': standard input (JSON Lines or one text per line)",
    },
    'text-column': { type: 'string', help: 'column of the text in --data (detected when omitted)' },
    'text-pair-column': { type: 'string', help: 'column of the second text of a pair (detected when omitted)' },
    'batch-size': { type: 'int', help: 'inputs per batch', default: 32 },
    'max-length': { type: 'int', help: "tokens per input (default: the tokenizer's limit)" },
    threshold: { type: 'number', help: 'multi-label models: probability above which a label is given', default: 0.5 },
    quantize: { type: 'string', help: 'int8: run linear layers in int8 (the scheme of export --quantize int8)' },
  },
  run: (context) => runPredict(context),
};
