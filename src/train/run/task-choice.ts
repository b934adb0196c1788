// Which task a run does: `--task`, else what a fine-tuned model's config.json says, else the data's shape when that is unambiguous.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { namesBuiltinDataset } from '../../data/builtin.js';
import { detectLabelKind } from '../../data/label-kinds.js';
import { formatFromPath, readTable } from '../../data/read-table.js';
import { selectColumns } from '../../data/columns.js';
import { sampleTable, usesRowIndex } from '../../data/row-index-plan.js';
import { taggedFormatFromPath } from '../../data/tagged.js';
import { FinetuneError } from '../../errors.js';
import { CAUSAL_MODEL_TYPES, isCausalArchitecture } from '../../models/causal/model-types.js';
import { checkReadableFile } from '../../io/bounded-read.js';
import { readJsonObject } from '../../io/json-file.js';
import { TASK_NAMES, type TaskName } from '../../tasks/task.js';
import { imageFolderKind, listsImages } from '../../data/images/sources.js';

/** The task and why it was chosen (printed: "task: token-classification (from the data: a CoNLL file)"). */
export interface TaskChoice {
  readonly task: TaskName;
  readonly reason: string;
  /** A note on the choice for the user (integer labels that may be a regression target). */
  readonly hint?: string;
}

/** Checks a `--task` value. */
export function parseTaskName(value: string): TaskName {
  if ((TASK_NAMES as readonly string[]).includes(value)) return value as TaskName;
  throw new FinetuneError(`--task '${value}': one of ${TASK_NAMES.join(', ')}`);
}

/** The task a saved model's head was trained for, from its config.json (undefined for a plain pre-trained model). */
export function taskOfConfig(config: Readonly<Record<string, unknown>>): TaskName | undefined {
  const architectures = Array.isArray(config.architectures) ? config.architectures : [];
  if (architectures.some((a) => typeof a === 'string' && a.endsWith('ForTokenClassification'))) return 'token-classification';
  if (isCausalConfig(config)) return 'causal-lm';
  if (architectures.some((a) => typeof a === 'string' && a.endsWith('ForImageClassification'))) return 'image-classification';
  if (config.problem_type === 'multi_label_classification') return 'multi-label';
  if (config.problem_type === 'regression') return 'regression';
  return undefined;
}

/** Whether a config.json is a causal LM's: a ...ForCausalLM / ...LMHeadModel architecture, or a decoder-only model_type without one. */
export function isCausalConfig(config: Readonly<Record<string, unknown>>): boolean {
  const architectures = Array.isArray(config.architectures) ? config.architectures : [];
  if (architectures.some((a) => typeof a === 'string' && isCausalArchitecture(a))) return true;
  return architectures.length === 0 && typeof config.model_type === 'string' && CAUSAL_MODEL_TYPES.includes(config.model_type);
}

function modelTask(model: string): TaskName | undefined {
  // --init random takes a config.json file itself.
  const file = /\.json$/i.test(model) && existsSync(model) && statSync(model).isFile() ? model : join(model, 'config.json');
  if (!existsSync(file)) return undefined;
  // Read within the config size limit: a config.json that is a device or huge fails here, naming it.
  return taskOfConfig(readJsonObject(file));
}

/** The first 64 KB of a file. */
function head(path: string): string {
  const bytes = Buffer.alloc(65536);
  const fd = openSync(path, 'r');
  try {
    return bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** A file that is no table by its name and whose head has a line of '%' alone: fortune quotes, text for a language model. */
function looksLikeFortunes(path: string): boolean {
  if (formatFromPath(path) !== undefined || !existsSync(path) || !statSync(path).isFile()) return false;
  checkReadableFile(path, 'data');
  return /^%[ \t]*$/m.test(head(path));
}

/** A JSON Lines file whose first record holds a list of words: tagged sentences in the datasets layout. */
function looksTaggedJson(path: string): boolean {
  if (!/\.(jsonl|ndjson|json)$/i.test(path) || !existsSync(path)) return false;
  checkReadableFile(path, 'data');
  // The first record is enough: read at most 64 KB of the file.
  const head = Buffer.alloc(65536);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const first = head.subarray(0, read).toString('utf8').split('\n', 1)[0]!;
  try {
    const record = JSON.parse(first) as Record<string, unknown>;
    return Array.isArray(record.tokens) || Array.isArray(record.words);
  } catch {
    return false;
  }
}

/**
 * The task of a run. Without `--task`: a model fine-tuned for a task keeps it (a causal LM's config means
 * causal-lm); a fortune file ('%'-separated quotes) is causal-lm; a CoNLL/CoNLL-U file or
 * JSON Lines of word lists is token classification; a label column of lists or separated labels is
 * multi-label, one of many fractional numbers regression; anything else classification.
 */
export async function chooseTask(options: {
  readonly task?: TaskName;
  readonly model: string;
  readonly data: string;
  readonly labelColumn?: string;
  readonly textColumn?: string;
}): Promise<TaskChoice> {
  if (options.task !== undefined) return { task: options.task, reason: '--task' };
  const fromModel = modelTask(options.model);
  if (fromModel !== undefined) return { task: fromModel, reason: `the model's config.json` };
  if (namesBuiltinDataset(options.data)) return { task: 'classification', reason: 'the built-in data set' };
  const images = imageFolderKind(options.data);
  if (images !== undefined) return { task: 'image-classification', reason: `the data: ${images}` };
  const tagged = taggedFormatFromPath(options.data);
  if (tagged === 'conll' || tagged === 'conllu')
    return { task: 'token-classification', reason: `the data: a ${tagged === 'conll' ? 'CoNLL' : 'CoNLL-U'} file` };
  if (looksTaggedJson(options.data)) return { task: 'token-classification', reason: 'the data: JSON records with word lists' };
  if (looksLikeFortunes(options.data)) return { task: 'causal-lm', reason: "the data: text in '%'-separated quotes (a fortune file)" };
  // A file large enough to be indexed is judged by its first rows; any other is read whole and kept for
  // prepareData, which reads the same source next: a pipe cannot be read twice, a large file need not be parsed twice.
  const sampled = usesRowIndex(options.data);
  const { table } = sampled ? sampleTable(options.data) : await readTable(options.data, undefined, { keep: true });
  if (listsImages(table)) return { task: 'image-classification', reason: 'the data: a list of image files' };
  const columns = selectColumns(
    table,
    {
      ...(options.labelColumn === undefined ? {} : { labelColumn: options.labelColumn }),
      ...(options.textColumn === undefined ? {} : { textColumn: options.textColumn }),
    },
    options.data,
  );
  const at = table.columns.indexOf(columns.label);
  const guess = detectLabelKind(table.rows.map((row) => row[at]));
  const task: TaskName = guess.kind === 'multi' ? 'multi-label' : guess.kind === 'number' ? 'regression' : 'classification';
  const from = sampled ? `the data's first ${table.rows.length.toLocaleString('en-US')} rows` : 'the data';
  return { task, reason: `${from}: ${guess.reason}`, ...(guess.hint === undefined ? {} : { hint: guess.hint }) };
}
