// The data of a token-classification run: tagged sentences (CoNLL, CoNLL-U, JSON Lines), a sentence-level split, and the per-word baselines.
import { LabelMap } from '../../data/labels.js';
import { loadTaggedDataset, splitSentences, tagDistribution } from '../../data/tagged.js';
import type { LoadedTaggedDataset, TaggedSentence } from '../../data/tagged-types.js';
import { FinetuneError } from '../../errors.js';
import { headSpec } from '../../models/labels.js';
import { EntityMetricsAccumulator } from '../../tasks/token-classification/seqeval.js';
import { encodeTagSequences, tokenClassificationTask, type TokenClassificationData } from '../../tasks/token-classification/index.js';
import type { DataOptions } from './prepare-data.js';
import { DEFAULT_EVAL_SPLIT, describeClasses } from './prepare-data.js';
import type { RunData } from './run-data.js';

export interface TokenDataOptions extends Pick<DataOptions, 'data' | 'evalData' | 'testData' | 'evalSplit' | 'labelColumn' | 'seed'> {
  /** The word column of CoNLL-U or JSON Lines files (detected when absent). */
  readonly tokensColumn?: string;
  /** Label every sub-token of a word, not only the first. */
  readonly labelAllTokens?: boolean;
}

function describeLoad(loaded: LoadedTaggedDataset): string {
  const r = loaded.report;
  return (
    `${r.source}: ${r.sentences.toLocaleString('en-US')} sentences, ${r.tokens.toLocaleString('en-US')} words (${r.format}, ` +
    `words from '${r.tokensColumn}', tags from '${r.tagsColumn}'${r.emptyDropped > 0 ? `, ${r.emptyDropped} empty dropped` : ''})`
  );
}

/** The per-word most frequent tag of `train`, and the most frequent tag overall (for unseen words). */
function wordTagBaseline(train: readonly TaggedSentence[]): { tagOf: (word: string) => string; majority: string } {
  const counts = new Map<string, Map<string, number>>();
  const overall = new Map<string, number>();
  for (const sentence of train) {
    sentence.tokens.forEach((word, i) => {
      const tag = sentence.tags[i]!;
      const perWord = counts.get(word) ?? new Map<string, number>();
      perWord.set(tag, (perWord.get(tag) ?? 0) + 1);
      counts.set(word, perWord);
      overall.set(tag, (overall.get(tag) ?? 0) + 1);
    });
  }
  const top = (m: Map<string, number>): string => [...m].reduce((a, b) => (b[1] > a[1] || (b[1] === a[1] && b[0] < a[0]) ? b : a))[0];
  const majority = top(overall);
  const best = new Map([...counts].map(([word, m]) => [word, top(m)]));
  return { tagOf: (word) => best.get(word) ?? majority, majority };
}

/** Reads and splits tagged sentences; the task's tags are the training tags (an evaluation tag outside them fails, naming its sentence). */
export async function tokenRunData(options: TokenDataOptions): Promise<RunData<TokenClassificationData>> {
  const columns = {
    ...(options.labelColumn === undefined ? {} : { labelColumn: options.labelColumn }),
    ...(options.tokensColumn === undefined ? {} : { tokensColumn: options.tokensColumn }),
  };
  const split = options.evalSplit ?? DEFAULT_EVAL_SPLIT;
  if (!(split >= 0 && split < 1)) throw new FinetuneError(`--eval-split ${split}: must be a fraction in [0, 1)`);
  const loaded = await loadTaggedDataset(options.data, columns);
  const description = [describeLoad(loaded)];
  const warnings = [...loaded.report.warnings];
  let train = loaded.sentences;
  let evaluation: TaggedSentence[] | undefined;
  let evaluationName: string | undefined;
  if (options.evalData !== undefined) {
    const other = await loadTaggedDataset(options.evalData, columns);
    description.push(describeLoad(other));
    warnings.push(...other.report.warnings);
    evaluation = other.sentences;
    evaluationName = options.evalData;
  } else if (split > 0) {
    const parts = splitSentences(train, split, options.seed);
    train = parts.train;
    evaluation = parts.validation;
    evaluationName = `validation split (${(split * 100).toFixed(0)}% of ${options.data}'s sentences, seed ${options.seed})`;
  }
  let test: TaggedSentence[] | undefined;
  if (options.testData !== undefined) {
    const other = await loadTaggedDataset(options.testData, columns);
    description.push(describeLoad(other));
    warnings.push(...other.report.warnings);
    test = other.sentences;
  }
  const testName = options.testData;
  const tags = LabelMap.fromSentences(train);
  if (tags.size < 2) throw new FinetuneError(`${options.data}: only one tag ('${tags.labels[0] ?? ''}') in the training data; a tagger needs at least two`);
  if (evaluation) tags.encodeTags(evaluation);
  if (test) tags.encodeTags(test);
  const trainTags = tagDistribution(train);
  description.push(`training: ${train.length.toLocaleString('en-US')} sentences, ${tags.size} tags: ${describeClasses(trainTags)}`);
  if (evaluation && evaluationName) description.push(`evaluation: ${evaluation.length.toLocaleString('en-US')} sentences from ${evaluationName}`);
  if (test && testName) description.push(`test: ${test.length.toLocaleString('en-US')} sentences from ${testName}, scored once after training`);
  const names = tags.labels;
  const baseline = wordTagBaseline(train);
  let encodedTestData: TokenClassificationData | undefined;
  return {
    task: tokenClassificationTask({ labels: names }),
    head: headSpec(tags.toConfig(), 'token-classification'),
    description,
    warnings,
    evaluationName,
    testName,
    trainCount: train.length,
    evalCount: evaluation?.length ?? 0,
    testCount: test?.length ?? 0,
    classCounts: trainTags,
    trainTexts: () => train.map((s) => s.tokens.join(' ')),
    encode(tokenizer, maxLength) {
      const encodeOptions = { maxLength, tags: names, labelAllTokens: options.labelAllTokens ?? false };
      const encodedTrain = encodeTagSequences(train, tokenizer, { ...encodeOptions, source: options.data });
      const encodedEval = evaluation ? encodeTagSequences(evaluation, tokenizer, encodeOptions) : undefined;
      const encodedTest = test ? encodeTagSequences(test, tokenizer, encodeOptions) : undefined;
      encodedTestData = encodedTest?.data;
      const notices: string[] = [];
      for (const [name, encoded] of [
        [options.data, encodedTrain],
        [evaluationName, encodedEval],
        [testName, encodedTest],
      ] as const) {
        if (!encoded || encoded.truncated.labelsLost === 0) continue;
        const t = encoded.truncated;
        notices.push(
          `${name}: ${t.sentences.toLocaleString('en-US')} sentence${t.sentences === 1 ? '' : 's'} longer than --max-length ${maxLength} ` +
            `(or with words that give no tokens) lost ${t.labelsLost.toLocaleString('en-US')} word label${t.labelsLost === 1 ? '' : 's'} to truncation`,
        );
      }
      return { train: encodedTrain.data, evaluation: encodedEval?.data, test: encodedTest?.data, warnings: notices };
    },
    baseline(data) {
      // The sentences behind the encoded set the caller scores (validation or test).
      const sentences = data !== undefined && data === encodedTestData ? test : evaluation;
      if (!sentences) return undefined;
      const perWord = new EntityMetricsAccumulator({ labels: names });
      const majority = new EntityMetricsAccumulator({ labels: names });
      for (const s of sentences) {
        perWord.add(s.tags, s.tokens.map(baseline.tagOf));
        majority.add(
          s.tags,
          s.tags.map(() => baseline.majority),
        );
      }
      const line = (name: string, m: ReturnType<EntityMetricsAccumulator['result']>): string =>
        `${name}: token accuracy ${m.accuracy.toFixed(4)}${m.f1 === null ? '' : `, entity F1 ${m.f1.toFixed(4)}`}`;
      return (
        `${line('per-word most-frequent-tag baseline (unseen words: the most frequent tag)', perWord.result())}; ` +
        `${line(`majority baseline (always '${baseline.majority}')`, majority.result())}`
      );
    },
  };
}
