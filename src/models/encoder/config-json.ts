// The config.json a model saves: the fields transformers writes for the class, sorted, with the labels and architecture.
import type { HeadSpec } from '../types.js';
import { isDefaultLabels } from '../labels.js';
import type { ConfigJson } from './config-fields.js';

/** Keys of the source config.json that saving replaces (transformers 5 reads `torch_dtype` as `dtype`). */
const REPLACED_KEYS = ['architectures', 'id2label', 'label2id', 'torch_dtype', 'dtype', 'num_labels', '_num_labels', 'problem_type'];

/**
 * What transformers' save_pretrained writes for a model of class `architecture` loaded from `source`:
 * the class defaults for fields the source lacks, every source field (unknown ones included), the
 * architecture, `dtype` float32, and id2label / label2id unless they are the implied LABEL_0, LABEL_1.
 * `problem_type` is written for multi-label and regression heads (transformers picks the loss from it)
 * and kept from the source otherwise. Keys are sorted, as transformers writes them.
 */
export function savedConfigJson(defaults: ConfigJson, source: ConfigJson, architecture: string, head: HeadSpec): Record<string, unknown> {
  const { labels } = head;
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(source)) if (!REPLACED_KEYS.includes(key)) merged[key] = value;
  merged.architectures = [architecture];
  merged.dtype = 'float32';
  if (head.problemType !== 'single_label_classification') merged.problem_type = head.problemType;
  else if (source.problem_type === 'single_label_classification' && head.kind === 'sequence-classification') merged.problem_type = source.problem_type;
  if (!isDefaultLabels(labels)) {
    merged.id2label = { ...labels.id2label };
    merged.label2id = { ...labels.label2id };
  }
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(merged).sort()) sorted[key] = merged[key];
  return sorted;
}

/**
 * config.json text as transformers writes it: two-space indent, keys sorted at every level, non-ASCII
 * escaped as \uXXXX (Python's json.dumps default), a final newline.
 */
export function configJsonText(config: Readonly<Record<string, unknown>>): string {
  // JSON.stringify keeps integer-like keys ("0", "1", "10") in numeric order; Python sorts them as strings.
  const text = stringifySorted(config, '');
  return `${text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

function stringifySorted(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inner = `${indent}  `;
    return `[\n${value.map((v) => inner + stringifySorted(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return '{}';
    const inner = `${indent}  `;
    const rows = keys.map((k) => `${inner}${JSON.stringify(k)}: ${stringifySorted((value as Record<string, unknown>)[k], inner)}`);
    return `{\n${rows.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
