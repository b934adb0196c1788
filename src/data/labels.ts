// Class labels <-> integer ids: integer labels in numeric order, names sorted; saved as config.json id2label/label2id.
import { FinetuneError } from '../errors.js';
import type { Example } from './types.js';

/** The label mapping as stored in a model's config.json. */
export interface LabelMapConfig {
  readonly id2label: Readonly<Record<string, string>>;
  readonly label2id: Readonly<Record<string, number>>;
}

const INTEGER = /^-?\d+$/;
const INTEGER_LIKE = /^[+-]?\d+(\.0*)?$/;

/** True when every label is an integer written in decimal ("0", "-1", "12"). */
export function allIntegerLabels(labels: Iterable<string>): boolean {
  for (const label of labels) if (!INTEGER.test(label)) return false;
  return true;
}

/**
 * The canonical spelling of integer-like labels ("+1", "01", "1.0" -> "1") when every label in
 * `labels` is integer-like, so a column written by a tool that prints floats still gives the
 * classes 0 and 1; otherwise the labels unchanged.
 */
export function canonicalIntegerLabels(labels: readonly string[]): string[] {
  if (!labels.every((label) => INTEGER_LIKE.test(label))) return labels.slice();
  return labels.map((label) => BigInt(label.replace(/\.0*$/, '').replace(/^\+/, '')).toString());
}

/** Order of classes: numeric when all labels are integers, else by UTF-16 code units (locale-free, stable). */
export function sortLabels(labels: Iterable<string>): string[] {
  const unique = [...new Set(labels)];
  if (allIntegerLabels(unique)) {
    return unique.sort((a, b) => {
      const x = BigInt(a);
      const y = BigInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
  return unique.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A fixed, bijective mapping between class labels and ids 0..size-1. */
export class LabelMap {
  /** Labels in id order: `labels[id]`. */
  readonly labels: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;

  private constructor(labels: readonly string[]) {
    this.labels = Object.freeze(labels.slice());
    this.ids = new Map(labels.map((label, id) => [label, id]));
  }

  /** The mapping for a set of labels, in `sortLabels` order. */
  static fromLabels(labels: Iterable<string>): LabelMap {
    const sorted = sortLabels(labels);
    if (sorted.length === 0) throw new FinetuneError('no labels: the data holds no labelled examples');
    return new LabelMap(sorted);
  }

  /** The mapping for the labels that occur in `examples` (each of a multi-label example's `labels`). */
  static fromExamples(examples: readonly Example[]): LabelMap {
    return LabelMap.fromLabels(examples.flatMap((example) => example.labels ?? [example.label]));
  }

  /** The mapping for the tags that occur in tagged sentences. */
  static fromSentences(sentences: readonly { readonly tags: readonly string[] }[]): LabelMap {
    return LabelMap.fromLabels(sentences.flatMap((sentence) => sentence.tags));
  }

  /**
   * The mapping stored in a config.json (`source` names it in errors). id2label must cover ids
   * 0..n-1 exactly with distinct labels; label2id, when present, must agree with it.
   */
  static fromConfig(config: { readonly id2label?: unknown; readonly label2id?: unknown }, source = 'config.json'): LabelMap {
    const { id2label, label2id } = config;
    if (id2label === null || typeof id2label !== 'object' || Array.isArray(id2label)) {
      throw new FinetuneError(`${source}: id2label is missing or not an object`);
    }
    const entries = Object.entries(id2label as Record<string, unknown>);
    if (entries.length === 0) throw new FinetuneError(`${source}: id2label is empty`);
    const labels: string[] = new Array<string>(entries.length);
    for (const [key, value] of entries) {
      const id = Number(key);
      if (String(id) !== key || id < 0 || id >= entries.length) {
        throw new FinetuneError(`${source}: id2label key '${key}' is not an id in 0..${entries.length - 1}`);
      }
      if (typeof value !== 'string' || value === '') throw new FinetuneError(`${source}: id2label['${key}'] is not a label name`);
      labels[id] = value;
    }
    const map = new LabelMap(labels);
    if (map.ids.size !== labels.length) {
      const repeated = labels.find((label, i) => labels.indexOf(label) !== i);
      throw new FinetuneError(`${source}: label '${repeated}' appears twice in id2label`);
    }
    if (label2id !== undefined && label2id !== null) {
      if (typeof label2id !== 'object' || Array.isArray(label2id)) throw new FinetuneError(`${source}: label2id is not an object`);
      for (const [label, id] of Object.entries(label2id as Record<string, unknown>)) {
        if (map.ids.get(label) !== id) {
          throw new FinetuneError(`${source}: label2id['${label}'] is ${JSON.stringify(id)} but id2label says ${JSON.stringify(map.ids.get(label) ?? null)}`);
        }
      }
      if (Object.keys(label2id).length !== labels.length) {
        throw new FinetuneError(`${source}: label2id has ${Object.keys(label2id).length} labels, id2label ${labels.length}`);
      }
    }
    return map;
  }

  get size(): number {
    return this.labels.length;
  }

  has(label: string): boolean {
    return this.ids.has(label);
  }

  /** The id of `label`; an unknown label is an error naming `origin` (e.g. `eval.csv: line 17`). */
  id(label: string, origin?: string): number {
    const id = this.ids.get(label);
    if (id === undefined) {
      const shown = this.labels.length <= 10 ? this.labels.join(', ') : `${this.labels.slice(0, 10).join(', ')}, ...`;
      throw new FinetuneError(`${origin ?? 'data'}: label '${label}' is not one of the ${this.labels.length} training labels (${shown})`);
    }
    return id;
  }

  /** The label of `id`; an id outside 0..size-1 is an error. */
  label(id: number): string {
    const label = Number.isInteger(id) ? this.labels[id] : undefined;
    if (label === undefined) throw new FinetuneError(`class id ${id} is outside 0..${this.labels.length - 1}`);
    return label;
  }

  /** Ids of the examples' labels; an unseen label fails naming the example's origin (file and line/row). */
  encode(examples: readonly Example[]): Int32Array {
    const ids = new Int32Array(examples.length);
    examples.forEach((example, i) => {
      ids[i] = this.id(example.label, example.origin ?? `example ${i + 1}`);
    });
    return ids;
  }

  /**
   * Multi-hot targets of multi-label examples, [N, C] row-major (N examples, C = size): 1 where the
   * example carries the label. An example without `labels` counts its `label` as its only label; an
   * unseen label fails naming the example's origin.
   */
  encodeMultiHot(examples: readonly Example[]): Float32Array {
    const size = this.labels.length;
    const hot = new Float32Array(examples.length * size);
    examples.forEach((example, i) => {
      for (const label of example.labels ?? [example.label]) hot[i * size + this.id(label, example.origin ?? `example ${i + 1}`)] = 1;
    });
    return hot;
  }

  /** Tag ids of each sentence, in token order; an unseen tag fails naming the sentence's origin. */
  encodeTags(sentences: readonly { readonly tags: readonly string[]; readonly origin?: string }[]): Int32Array[] {
    return sentences.map((sentence, i) => Int32Array.from(sentence.tags, (tag) => this.id(tag, sentence.origin ?? `sentence ${i + 1}`)));
  }

  /** The JSON form stored in config.json. */
  toConfig(): LabelMapConfig {
    const id2label: Record<string, string> = {};
    const label2id: Record<string, number> = {};
    this.labels.forEach((label, id) => {
      id2label[String(id)] = label;
      label2id[label] = id;
    });
    return { id2label, label2id };
  }
}
