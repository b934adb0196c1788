// Token classification (NER, part of speech): a tag per word, labels on each word's first sub-token, entity-level metrics as seqeval's strict IOB2.
import { FinetuneError } from '../../errors.js';
import { crossEntropy, type CrossEntropyOptions } from '../../tensor/ops/losses.js';
import { Tensor } from '../../tensor/tensor.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import type { EncodedInputs, Task, TaskBatch, TaskEvaluation } from '../task.js';
import { checkMaxLength, collateInputs, inputLengths } from '../text-inputs.js';
import { alignLabels, bToIMap, IGNORE_INDEX } from './align.js';
import { EntityMetricsAccumulator, isIob2TagSet, type EntityMetrics } from './seqeval.js';

export { alignLabels, bToIMap, IGNORE_INDEX, splitWordsWithOffsets, wordTagsToEntities, type TextEntity } from './align.js';
export { EntityMetricsAccumulator, iob2Entities, isIob2TagSet, type EntityMetrics, type EntityTypeMetrics } from './seqeval.js';

/** A sentence as words with one tag each (what the CoNLL, CoNLL-U and JSON Lines readers give). */
export interface TagSequence {
  readonly tokens: readonly string[];
  readonly tags: readonly string[];
  readonly origin?: string;
}

/** Sentences as sub-word ids with a label per token (-100 where none). */
export interface TokenClassificationData extends EncodedInputs {
  /** Training labels per token: the word's tag id on its first sub-token (on every sub-token with labelAllTokens). */
  readonly labels: readonly Int32Array[];
  /** The word's tag id on its first sub-token only: what the metrics score, word by word. */
  readonly wordLabels: readonly Int32Array[];
}

export interface EncodeTagsOptions {
  readonly maxLength: number;
  /** Tag names in id order. */
  readonly tags: readonly string[];
  /** Label every sub-token, not only the first of each word (B- tags become I- after the first). Default false. */
  readonly labelAllTokens?: boolean;
  /** Names the data in errors and notices. */
  readonly source?: string;
}

/** Encoded sentences and what truncation cost. */
export interface EncodedTags {
  readonly data: TokenClassificationData;
  /** Sentences longer than maxLength, and the word labels they lost. */
  readonly truncated: { readonly sentences: number; readonly labelsLost: number };
}

/** Encodes every sentence's words and aligns its tags to sub-words; an unknown tag fails, naming the sentence. */
export function encodeTagSequences(sentences: readonly TagSequence[], tokenizer: TextTokenizer, options: EncodeTagsOptions): EncodedTags {
  checkMaxLength(options.maxLength);
  const tagIds = new Map(options.tags.map((t, i) => [t, i]));
  const bToI = bToIMap(options.tags);
  const inputIds: Int32Array[] = [];
  const labels: Int32Array[] = [];
  const wordLabels: Int32Array[] = [];
  let truncatedSentences = 0;
  let labelsLost = 0;
  sentences.forEach((sentence, s) => {
    const where = sentence.origin ?? `${options.source ?? 'data'}: sentence ${s + 1}`;
    const ids = sentence.tags.map((tag) => {
      const id = tagIds.get(tag);
      if (id === undefined) throw new FinetuneError(`${where}: tag '${tag}' is not one of the ${options.tags.length} training tags`);
      return id;
    });
    const encoding = tokenizer.encodeWords(sentence.tokens, { maxLength: options.maxLength });
    const kept = new Set(encoding.wordIds.filter((w): w is number => w !== null));
    if (kept.size < sentence.tokens.length) {
      const lost = sentence.tokens.length - kept.size;
      if (encoding.wordsKept < sentence.tokens.length) truncatedSentences++;
      labelsLost += lost;
    }
    inputIds.push(Int32Array.from(encoding.ids));
    labels.push(alignLabels(encoding.wordIds, ids, { labelAllTokens: options.labelAllTokens ?? false, bToI }));
    wordLabels.push(options.labelAllTokens ? alignLabels(encoding.wordIds, ids, { labelAllTokens: false }) : labels[labels.length - 1]!);
  });
  return { data: { inputIds, typeIds: null, padId: tokenizer.padId, labels, wordLabels }, truncated: { sentences: truncatedSentences, labelsLost } };
}

/** Pads per-example label rows to [B, T] with -100. */
function padLabels(rows: readonly Int32Array[], indices: readonly number[], length: number): Int32Array {
  const out = new Int32Array(indices.length * length).fill(IGNORE_INDEX);
  indices.forEach((index, row) => out.set(rows[index]!, row * length));
  return out;
}

/** A batch of sentences also carries the word-level labels the metrics score. */
interface TokenBatch extends TaskBatch {
  readonly wordTargets: Int32Array;
}

export interface TokenClassificationTaskOptions {
  /** Tag names in id order. */
  readonly labels: readonly string[];
  readonly loss?: Omit<CrossEntropyOptions, 'reduction' | 'ignoreIndex'>;
}

const fmt = (v: number | null): string => (v === null ? '–' : v.toFixed(4));

/** The token classification task over `options.labels` (IOB2 entity tags, or plain tags such as part of speech). */
export function tokenClassificationTask(options: TokenClassificationTaskOptions): Task<TokenClassificationData, EntityMetrics> {
  const { labels } = options;
  // Part-of-speech tags have no B-/I- spans: such a task reports token accuracy only, and selects on it.
  const entities = isIob2TagSet(labels);
  const loss = options.loss ?? {};
  const weights = loss.classWeights?.f32() ?? null;
  /** Logits [B, T, C] as rows [B * T, C], the shape cross-entropy takes. */
  const flat = (logits: Tensor): Tensor => logits.reshape([logits.shape[0]! * logits.shape[1]!, logits.shape[2]!]);
  return {
    name: 'token-classification',
    headKind: 'token-classification',
    problemType: 'single_label_classification',
    labels,
    metricNames: entities ? ['accuracy', 'precision', 'recall', 'f1', 'f1_macro'] : ['accuracy'],
    defaultMetric: entities ? 'f1' : 'accuracy',
    size: (data) => data.labels.length,
    lengths: inputLengths,
    collate(data, indices): TokenBatch {
      const { inputs, tokens, length } = collateInputs(data, indices);
      const targets = padLabels(data.labels, indices, length);
      let items = 0;
      for (const label of targets) if (label !== IGNORE_INDEX) items++;
      const wordTargets = data.wordLabels === data.labels ? targets : padLabels(data.wordLabels, indices, length);
      return { inputs, targets: new Tensor(targets, [indices.length, length]), items, tokens, indices, wordTargets };
    },
    loss: (logits, batch) => crossEntropy(flat(logits), batch.targets.reshape([batch.targets.size]), loss),
    evalLoss(logits, batch) {
      const targets = batch.targets.reshape([batch.targets.size]);
      const sum = crossEntropy(flat(logits), targets, { ...loss, reduction: 'sum' }).item();
      let weight = 0;
      for (const label of targets.i32()) if (label !== IGNORE_INDEX) weight += weights ? weights[label]! : 1;
      return [sum, weight];
    },
    metrics() {
      const entities = new EntityMetricsAccumulator({ labels });
      const classes = labels.length;
      return {
        add(logits, batch) {
          const [b, t] = logits.shape as [number, number, number];
          const values = logits.f32();
          const truth = (batch as TokenBatch).wordTargets;
          for (let row = 0; row < b; row++) {
            const trueTags: string[] = [];
            const predicted: string[] = [];
            for (let pos = 0; pos < t; pos++) {
              const label = truth[row * t + pos]!;
              if (label === IGNORE_INDEX) continue;
              let best = 0;
              const at = (row * t + pos) * classes;
              for (let c = 1; c < classes; c++) if (values[at + c]! > values[at + best]!) best = c;
              trueTags.push(labels[label]!);
              predicted.push(labels[best]!);
            }
            entities.add(trueTags, predicted);
          }
        },
        result: () => entities.result(),
      };
    },
    scalars(m) {
      const out: Record<string, number> = { accuracy: m.accuracy };
      if (m.f1 !== null) Object.assign(out, { precision: m.precision, recall: m.recall, f1: m.f1, f1_macro: m.f1_macro });
      return out;
    },
    curves: entities
      ? [
          ['accuracy', 'token accuracy'],
          ['f1', 'entity F1'],
          ['precision', 'entity precision'],
          ['recall', 'entity recall'],
        ]
      : [['accuracy', 'token accuracy']],
    headline: ({ loss: l, metrics: m }) =>
      `loss ${l.toFixed(4)}, token accuracy ${m.accuracy.toFixed(4)}` +
      (m.f1 === null ? '' : `, entity F1 ${fmt(m.f1)}, precision ${fmt(m.precision)}, recall ${fmt(m.recall)}`),
    describe(evaluation: TaskEvaluation<EntityMetrics>) {
      const m = evaluation.metrics;
      const lines = [`loss ${evaluation.loss.toFixed(4)}  token accuracy ${m.accuracy.toFixed(4)}  (${m.sentences} sentences, ${m.tokens} words)`];
      if (m.perType === null) return lines;
      const width = Math.max(6, ...m.perType.map((t) => t.type.length));
      lines.push(
        `entities (strict IOB2): precision ${fmt(m.precision)}  recall ${fmt(m.recall)}  F1 ${fmt(m.f1)}  (macro F1 ${fmt(m.f1_macro)})`,
        `${'type'.padEnd(width)}  precision  recall      F1  support`,
        ...m.perType.map(
          (t) =>
            `${t.type.padEnd(width)}  ${t.precision.toFixed(4).padStart(9)}  ${t.recall.toFixed(4).padStart(6)}  ${t.f1.toFixed(4).padStart(6)}  ${String(t.support).padStart(7)}`,
        ),
      );
      return lines;
    },
    details: (m) => ({ scheme: m.scheme, per_type: m.perType, sentences: m.sentences, words: m.tokens, labels }),
    report({ loss: l, metrics: m }) {
      const scores: [string, number][] = [
        ['loss', l],
        ['token accuracy', m.accuracy],
      ];
      if (m.f1 !== null) scores.push(['entity precision', m.precision!], ['entity recall', m.recall!], ['entity F1', m.f1], ['entity F1 (macro)', m.f1_macro!]);
      const tables =
        m.perType === null
          ? []
          : [
              {
                title: 'Per entity type (strict IOB2)',
                columns: ['type', 'precision', 'recall', 'F1', 'support'],
                rows: m.perType.map((t) => [t.type, t.precision, t.recall, t.f1, String(t.support)]),
              },
            ];
      return { scores, tables };
    },
  };
}
