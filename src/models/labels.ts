// Class names of a classification head: reading, checking and defaulting id2label / label2id as transformers does.
import { FinetuneError } from '../errors.js';
import type { HeadKind, HeadSpec, LabelNames, ProblemType, TaskModel } from './types.js';

/** transformers' names for unnamed classes: LABEL_0, LABEL_1, ... */
export function defaultLabels(count: number): LabelNames {
  const names = Array.from({ length: count }, (_, i) => `LABEL_${i}`);
  return labelsFromNames(names);
}

/** id2label / label2id for class names in id order. */
export function labelsFromNames(names: readonly string[]): LabelNames {
  const id2label: Record<string, string> = {};
  const label2id: Record<string, number> = {};
  names.forEach((name, id) => {
    id2label[String(id)] = name;
    label2id[name] = id;
  });
  return { id2label, label2id };
}

/** The class names in id order. */
export function labelList(labels: LabelNames): string[] {
  return Array.from({ length: Object.keys(labels.id2label).length }, (_, i) => labels.id2label[String(i)]!);
}

export function labelCount(labels: LabelNames): number {
  return Object.keys(labels.id2label).length;
}

/** Whether these are the names transformers leaves out of config.json: exactly LABEL_0 and LABEL_1. */
export function isDefaultLabels(labels: LabelNames): boolean {
  const names = labelList(labels);
  return (
    names.length === 2 &&
    names.every((n, i) => n === `LABEL_${i}`) &&
    Object.keys(labels.label2id).length === 2 &&
    labels.label2id.LABEL_0 === 0 &&
    labels.label2id.LABEL_1 === 1
  );
}

/** Whether every name is transformers' placeholder LABEL_<id>. */
export function hasPlaceholderNames(labels: LabelNames): boolean {
  return labelList(labels).every((name, i) => name === `LABEL_${i}`);
}

/**
 * Checks id2label (keys exactly 0..N-1, string names) and label2id (integer ids); `where` names the
 * source in errors. label2id is kept as given (transformers writes it back unchanged); when it is
 * absent, it is derived from id2label.
 */
export function checkLabels(id2label: unknown, label2id: unknown, where: string): LabelNames {
  if (typeof id2label !== 'object' || id2label === null || Array.isArray(id2label)) {
    throw new FinetuneError(`${where}: id2label must be an object of id -> name`);
  }
  const entries = Object.entries(id2label as Record<string, unknown>);
  if (entries.length === 0) throw new FinetuneError(`${where}: id2label is empty`);
  const names: string[] = [];
  for (let id = 0; id < entries.length; id++) {
    const name = (id2label as Record<string, unknown>)[String(id)];
    if (typeof name !== 'string') {
      throw new FinetuneError(
        `${where}: id2label must map every id 0..${entries.length - 1} to a name; '${id}' is ${name === undefined ? 'missing' : JSON.stringify(name)}`,
      );
    }
    names.push(name);
  }
  const derived = labelsFromNames(names);
  if (label2id === undefined || label2id === null) return derived;
  if (typeof label2id !== 'object' || Array.isArray(label2id)) throw new FinetuneError(`${where}: label2id must be an object of name -> id`);
  for (const [name, id] of Object.entries(label2id as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isInteger(id))
      throw new FinetuneError(`${where}: label2id '${name}' must be an integer id, got ${JSON.stringify(id)}`);
  }
  return { id2label: derived.id2label, label2id: { ...(label2id as Record<string, number>) } };
}

/** The labels a classifier was built with, read back from the config it saves. */
export function labelsOf(model: TaskModel): LabelNames {
  const config = model.configJson();
  if (config.id2label === undefined) return defaultLabels(model.numLabels);
  return checkLabels(config.id2label, config.label2id, `${model.modelType} config`);
}

/** A head spec: by default a single-label sequence classifier over `labels`. */
export function headSpec(labels: LabelNames, kind: HeadKind = 'sequence-classification', problemType: ProblemType = 'single_label_classification'): HeadSpec {
  return { kind, labels, problemType };
}
