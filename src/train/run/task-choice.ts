// Which task a run does: `--task`, else what a fine-tuned model's config.json says, else the data's shape when that is unambiguous.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { namesBuiltinDataset } from '../../data/builtin.js';
import { detectLabelKind } from '../../data/label-kinds.js';
import { readTable } from '../../data/read-table.js';
import { selectColumns } from '../../data/columns.js';
import { taggedFormatFromPath } from '../../data/tagged.js';
import { FinetuneError } from '../../errors.js';
import { checkReadableFile } from '../../io/bounded-read.js';
import { readJsonObject } from '../../io/json-file.js';
import { TASK_NAMES, type TaskName } from '../../tasks/task.js';
import { imageFolderKind, listsImages } from '../../data/images/sources.js';

/** The task and why it was chosen (printed: "task: token-classification (from the data: a CoNLL file)"). */
export interface TaskChoice {
  readonly task: TaskName;
  readonly reason: string;
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
  if (architectures.some((a) => typeof a === 'string' && a.endsWith('ForImageClassification'))) return 'image-classification';
  if (config.problem_type === 'multi_label_classification') return 'multi-label';
  if (config.problem_type === 'regression') return 'regression';
  return undefined;
}

function modelTask(model: string): TaskName | undefined {
  const file = join(model, 'config.json');
  if (!existsSync(file)) return undefined;
  // Read within the config size limit: a config.json that is a device or huge fails here, naming it.
  return taskOfConfig(readJsonObject(file));
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
 * The task of a run. Without `--task`: a model fine-tuned for a task keeps it; a CoNLL/CoNLL-U file or
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
  const { table } = await readTable(options.data);
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
  return { task, reason: `the data: ${guess.reason}` };
}
