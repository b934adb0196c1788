// Entity-level metrics of tag sequences as seqeval computes them in strict IOB2 mode, from counts kept while streaming.
import { FinetuneError } from '../../errors.js';

/** An entity: tokens [start, end) of one sentence tagged with one type. */
export interface TaggedSpan {
  readonly type: string;
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

/** The prefix (B, I or O) and type of an IOB2 tag, as seqeval's Token reads them; null for other first characters. */
function parseTag(tag: string): { prefix: 'B' | 'I' | 'O'; type: string } | null {
  const prefix = tag[0];
  if (prefix !== 'B' && prefix !== 'I' && prefix !== 'O') return null;
  // seqeval strips the delimiter from both ends of the rest and names an empty type "_".
  return { prefix, type: tag.slice(1).replace(/^-+|-+$/g, '') || '_' };
}

/**
 * The entities of one sentence under seqeval's strict IOB2 rules (`Tokens(tags, IOB2).entities`):
 * an entity starts at a B- tag and takes the I- tags of the same type that follow it. An I- tag
 * without its B- starts nothing, and `B-X I-Y` is an X entity of one token followed by nothing.
 * Tags that do not start with B, I or O are treated as O.
 */
export function iob2Entities(tags: readonly string[]): TaggedSpan[] {
  const parsed = tags.map(parseTag);
  const out: TaggedSpan[] = [];
  let i = 0;
  while (i < parsed.length) {
    const head = parsed[i];
    if (head?.prefix !== 'B') {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < parsed.length && parsed[end]?.prefix === 'I' && parsed[end]!.type === head.type) end++;
    out.push({ type: head.type, start: i, end });
    i = end;
  }
  return out;
}

/** Whether a tag set is IOB2: every tag O, B-<type> or I-<type>, and at least one B- tag. */
export function isIob2TagSet(tags: Iterable<string>): boolean {
  let sawBegin = false;
  for (const tag of tags) {
    if (tag === 'O') continue;
    if (!/^[BI]-./.test(tag)) return false;
    if (tag.startsWith('B-')) sawBegin = true;
  }
  return sawBegin;
}

/** Scores of one entity type. */
export interface EntityTypeMetrics {
  readonly type: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Entities of this type in the true tags. */
  readonly support: number;
}

/**
 * Token accuracy and, for IOB2 tag sets, entity metrics. A ratio with a zero denominator is 0, as
 * seqeval's default `zero_division='warn'` gives, and `warnings` says which (as seqeval warns).
 */
export interface EntityMetrics {
  /** Tokens whose predicted tag equals the true one, over all tokens (seqeval's accuracy_score). */
  readonly accuracy: number;
  /** 'IOB2' when entity metrics apply; 'plain' for tag sets without B-/I- prefixes (POS), where they are null. */
  readonly scheme: 'IOB2' | 'plain';
  /** Micro average over entities: correct entities over predicted ones. */
  readonly precision: number | null;
  /** Micro average: correct entities over true ones. */
  readonly recall: number | null;
  /** Micro average F1 (seqeval's f1_score(mode='strict', scheme=IOB2)). */
  readonly f1: number | null;
  /** Unweighted means over the types found in the true or the predicted tags (0 when there are none; seqeval gives NaN). */
  readonly precision_macro: number | null;
  readonly recall_macro: number | null;
  readonly f1_macro: number | null;
  /** Per type, sorted by name, as classification_report lists them. */
  readonly perType: readonly EntityTypeMetrics[] | null;
  readonly tokens: number;
  readonly sentences: number;
  /** One line per ratio set to 0 for want of a denominator (seqeval's UndefinedMetricWarning). */
  readonly warnings: readonly string[];
}

/** Options of EntityMetricsAccumulator. */
export interface EntityMetricsOptions {
  /**
   * The tag set. When given, tags outside it are an error and it alone decides IOB2 or plain.
   * Default: decided from the tags seen (true and predicted) when `result` is called.
   */
  readonly labels?: readonly string[];
}

interface TypeCounts {
  truePositives: number;
  predicted: number;
  actual: number;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);
const f1Of = (p: number, r: number): number => ratio(2 * p * r, p + r);

/** Accumulates tag sequences one sentence at a time; memory holds counts per type and the tags seen, never the sentences. */
export class EntityMetricsAccumulator {
  private readonly labels: ReadonlySet<string> | null;
  private readonly seen = new Set<string>();
  private readonly counts = new Map<string, TypeCounts>();
  private correctTokens = 0;
  private tokens = 0;
  private sentences = 0;

  constructor(options: EntityMetricsOptions = {}) {
    this.labels = options.labels === undefined ? null : new Set(options.labels);
  }

  /** Adds one sentence: its true tags and the predicted ones, word for word. */
  add(trueTags: readonly string[], predictedTags: readonly string[]): void {
    const sentence = this.sentences;
    if (trueTags.length !== predictedTags.length) {
      throw new FinetuneError(`entity metrics: sentence ${sentence}: ${trueTags.length} true tags but ${predictedTags.length} predicted`);
    }
    for (const [kind, tags] of [
      ['true', trueTags],
      ['predicted', predictedTags],
    ] as const) {
      for (let i = 0; i < tags.length; i++) {
        const tag = tags[i];
        if (typeof tag !== 'string') throw new FinetuneError(`entity metrics: sentence ${sentence}: ${kind} tag ${i} is not a string`);
        if (this.labels !== null && !this.labels.has(tag)) {
          throw new FinetuneError(`entity metrics: sentence ${sentence}: ${kind} tag ${i} "${tag}" is not one of the labels`);
        }
        this.seen.add(tag);
      }
    }
    this.sentences++;
    this.tokens += trueTags.length;
    for (let i = 0; i < trueTags.length; i++) if (trueTags[i] === predictedTags[i]) this.correctTokens++;
    const actual = iob2Entities(trueTags);
    const predicted = iob2Entities(predictedTags);
    const key = (e: TaggedSpan): string => `${e.start}:${e.end}:${e.type}`;
    const predictedKeys = new Set(predicted.map(key));
    for (const entity of actual) {
      const counts = this.countsOf(entity.type);
      counts.actual++;
      if (predictedKeys.has(key(entity))) counts.truePositives++;
    }
    for (const entity of predicted) this.countsOf(entity.type).predicted++;
  }

  private countsOf(type: string): TypeCounts {
    let counts = this.counts.get(type);
    if (counts === undefined) this.counts.set(type, (counts = { truePositives: 0, predicted: 0, actual: 0 }));
    return counts;
  }

  /** The metrics of every sentence added so far. */
  result(): EntityMetrics {
    const accuracy = ratio(this.correctTokens, this.tokens);
    const base = { accuracy, tokens: this.tokens, sentences: this.sentences };
    if (!isIob2TagSet(this.labels ?? this.seen)) {
      return {
        ...base,
        scheme: 'plain',
        precision: null,
        recall: null,
        f1: null,
        precision_macro: null,
        recall_macro: null,
        f1_macro: null,
        perType: null,
        warnings: [],
      };
    }
    const warnings: string[] = [];
    const types = [...this.counts.keys()].sort();
    const perType = types.map((type): EntityTypeMetrics => {
      const c = this.counts.get(type)!;
      if (c.predicted === 0) warnings.push(`precision of ${type} is ill-defined (no predicted entities) and set to 0`);
      if (c.actual === 0) warnings.push(`recall of ${type} is ill-defined (no true entities) and set to 0`);
      const precision = ratio(c.truePositives, c.predicted);
      const recall = ratio(c.truePositives, c.actual);
      return { type, precision, recall, f1: f1Of(precision, recall), support: c.actual };
    });
    let tp = 0;
    let predicted = 0;
    let actual = 0;
    for (const c of this.counts.values()) {
      tp += c.truePositives;
      predicted += c.predicted;
      actual += c.actual;
    }
    if (predicted === 0) warnings.push('precision is ill-defined (no predicted entities) and set to 0');
    if (actual === 0) warnings.push('recall is ill-defined (no true entities) and set to 0');
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, actual);
    const mean = (key: 'precision' | 'recall' | 'f1'): number =>
      ratio(
        perType.reduce((s, t) => s + t[key], 0),
        perType.length,
      );
    return {
      ...base,
      scheme: 'IOB2',
      precision,
      recall,
      f1: f1Of(precision, recall),
      precision_macro: mean('precision'),
      recall_macro: mean('recall'),
      f1_macro: mean('f1'),
      perType,
      warnings,
    };
  }
}
