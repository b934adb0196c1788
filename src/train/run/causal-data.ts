// The data of a causal-lm run: text, prompt/completion or chat files, a validation file or a split of the rows, and a unigram baseline.
import { existsSync, statSync } from 'node:fs';
import { randomSplit } from '../../data/split.js';
import {
  encodeConversations,
  encodePromptCompletions,
  packDocuments,
  type CausalLMData,
  type CausalSpecials,
  type Conversation,
  type PromptCompletion,
  type EncodedCausal,
} from '../../data/causal/encode.js';
import { readCausalData, type CausalRows } from '../../data/causal/read.js';
import { causalSpecials, readChatTemplate } from '../../data/causal/specials.js';
import { FinetuneError } from '../../errors.js';
import { headSpec } from '../../models/labels.js';
import { causalLMTask } from '../../tasks/causal-lm/index.js';
import type { JsonTokenizer } from '../../tokenizers/json-tokenizer.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import { DEFAULT_EVAL_SPLIT, type DataOptions } from './prepare-data.js';
import type { RunData } from './run-data.js';

export interface CausalDataOptions extends Pick<DataOptions, 'data' | 'evalData' | 'testData' | 'evalSplit' | 'textColumn' | 'seed'> {
  /** The model folder, where a chat_template.jinja may sit beside the tokenizer (optional). */
  readonly model?: string;
  /** Train chat on every token instead of the assistant turns only (default false). */
  readonly allTokensLoss?: boolean;
}

const count = (n: number): string => n.toLocaleString('en-US');

function rowsOf(rows: CausalRows): readonly unknown[] {
  return rows.kind === 'text' ? rows.documents : rows.kind === 'prompt-completion' ? rows.pairs : rows.conversations;
}

function withRows(rows: CausalRows, items: readonly unknown[]): CausalRows {
  switch (rows.kind) {
    case 'text':
      return { ...rows, documents: items as readonly string[] };
    case 'prompt-completion':
      return { ...rows, pairs: items as readonly PromptCompletion[] };
    case 'chat':
      return { ...rows, conversations: items as readonly Conversation[] };
  }
}

const NOUN: Readonly<Record<CausalRows['kind'], string>> = { text: 'documents', 'prompt-completion': 'prompt/completion pairs', chat: 'conversations' };

/** The chat template: the tokenizer's config, else chat_template.jinja in the model folder. */
function chatTemplateOf(tokenizer: TextTokenizer, model: string | undefined, source: string): string {
  const fromConfig = (tokenizer as Partial<JsonTokenizer>).config?.chat_template;
  if (typeof fromConfig === 'string') return fromConfig;
  const fromFolder = model !== undefined && existsSync(model) && statSync(model).isDirectory() ? readChatTemplate(model) : undefined;
  if (fromFolder !== undefined) return fromFolder;
  throw new FinetuneError(
    `${source}: chat data needs the tokenizer's chat_template, and ${model ?? 'the model'} has none (tokenizer_config.json or chat_template.jinja)`,
  );
}

function encodeRows(
  rows: CausalRows,
  tokenizer: TextTokenizer,
  maxLength: number,
  specials: CausalSpecials,
  source: string,
  template: () => string,
  allTokens: boolean,
): EncodedCausal {
  const options = { maxLength, specials, source };
  if (rows.kind === 'text') return packDocuments(rows.documents, tokenizer, options);
  if (rows.kind === 'prompt-completion') return encodePromptCompletions(rows.pairs, tokenizer, options);
  return encodeConversations(rows.conversations, tokenizer, { ...options, chatTemplate: template(), assistantOnlyLoss: !allTokens });
}

/** Reads causal LM data and its evaluation part (a file, or a random split of the rows before packing, as run_clm splits). */
export async function causalRunData(options: CausalDataOptions): Promise<RunData<CausalLMData>> {
  const split = options.evalSplit ?? DEFAULT_EVAL_SPLIT;
  if (!(split >= 0 && split < 1)) throw new FinetuneError(`--eval-split ${split}: must be a fraction in [0, 1)`);
  const columns = options.textColumn === undefined ? {} : { textColumn: options.textColumn };
  let train = await readCausalData(options.data, columns);
  const description = [`${options.data}: ${count(rowsOf(train).length)} ${NOUN[train.kind]} (${train.layout})`];
  const warnings = [...train.warnings];
  let evaluation: CausalRows | undefined;
  let evaluationName: string | undefined;
  if (options.evalData !== undefined) {
    evaluation = await readCausalData(options.evalData, columns);
    if (evaluation.kind !== train.kind)
      throw new FinetuneError(`${options.evalData}: ${NOUN[evaluation.kind]}, but the training data holds ${NOUN[train.kind]}`);
    description.push(`${options.evalData}: ${count(rowsOf(evaluation).length)} ${NOUN[evaluation.kind]} (${evaluation.layout})`);
    warnings.push(...evaluation.warnings);
    evaluationName = options.evalData;
  } else if (split > 0) {
    const parts = randomSplit(rowsOf(train), split, options.seed, NOUN[train.kind]);
    evaluation = withRows(train, parts.validation);
    train = withRows(train, parts.train);
    evaluationName = `validation split (${(split * 100).toFixed(0)}% of ${options.data}'s ${NOUN[train.kind]}, seed ${options.seed})`;
  }
  let test: CausalRows | undefined;
  if (options.testData !== undefined) {
    test = await readCausalData(options.testData, columns);
    if (test.kind !== train.kind) throw new FinetuneError(`${options.testData}: ${NOUN[test.kind]}, but the training data holds ${NOUN[train.kind]}`);
    description.push(`${options.testData}: ${count(rowsOf(test).length)} ${NOUN[test.kind]} (${test.layout}), scored once after training`);
    warnings.push(...test.warnings);
  }
  const testRows = test;
  let unigram: { counts: Float64Array; total: number } | undefined;
  return {
    task: causalLMTask(),
    head: headSpec({ id2label: {}, label2id: {} }, 'causal-lm'),
    description,
    warnings,
    evaluationName,
    trainCount: rowsOf(train).length,
    evalCount: evaluation ? rowsOf(evaluation).length : 0,
    testName: options.testData,
    testCount: testRows ? rowsOf(testRows).length : 0,
    classCounts: [],
    trainTexts: () =>
      train.kind === 'text'
        ? [...train.documents]
        : train.kind === 'prompt-completion'
          ? train.pairs.map((p) => p.prompt + p.completion)
          : train.conversations.flatMap((c) => c.messages.map((m) => m.content)),
    encode(tokenizer, maxLength) {
      const specials = causalSpecials(tokenizer, options.data);
      let template: string | undefined;
      const templateOnce = (): string => {
        template ??= chatTemplateOf(tokenizer, options.model, options.data);
        return template;
      };
      const allTokens = options.allTokensLoss ?? false;
      const encodedTrain = encodeRows(train, tokenizer, maxLength, specials, options.data, templateOnce, allTokens);
      const encodedEval = evaluation
        ? encodeRows(evaluation, tokenizer, maxLength, specials, evaluationName ?? 'evaluation', templateOnce, allTokens)
        : undefined;
      const encodedTest = testRows ? encodeRows(testRows, tokenizer, maxLength, specials, options.testData ?? 'test', templateOnce, allTokens) : undefined;
      const notices: string[] = [];
      const notes: string[] = [];
      for (const [name, encoded] of [
        [options.data, encodedTrain],
        [evaluationName, encodedEval],
        [options.testData, encodedTest],
      ] as const) {
        if (!encoded) continue;
        const blocks =
          train.kind === 'text' ? `${count(encoded.data.inputIds.length)} blocks of ${maxLength} tokens` : `${count(encoded.data.inputIds.length)} examples`;
        notes.push(`${name}: ${blocks}`);
        if (encoded.droppedExamples > 0)
          notices.push(
            `${name}: ${count(encoded.droppedExamples)} example${encoded.droppedExamples === 1 ? '' : 's'} left without a target token by --max-length ${maxLength} dropped`,
          );
        if (encoded.droppedTokens > 0 && train.kind !== 'text')
          notices.push(`${name}: --max-length ${maxLength} cut ${count(encoded.droppedTokens)} tokens from the ends of long examples`);
      }
      const counts = new Float64Array(tokenizer.vocabSize);
      let total = 0;
      encodedTrain.data.labels.forEach((row) => {
        for (let t = 1; t < row.length; t++) {
          if (row[t]! < 0) continue;
          counts[row[t]!]!++;
          total++;
        }
      });
      unigram = { counts, total };
      return { train: encodedTrain.data, evaluation: encodedEval?.data, test: encodedTest?.data, warnings: notices, notes };
    },
    baseline(evaluationData) {
      if (unigram === undefined) return undefined;
      // A unigram model of the training targets, add-one smoothed over the vocabulary: what ignoring context scores.
      const { counts, total } = unigram;
      const denominator = total + counts.length;
      let nll = 0;
      let n = 0;
      for (const row of evaluationData.labels) {
        for (let t = 1; t < row.length; t++) {
          if (row[t]! < 0) continue;
          nll -= Math.log(((counts[row[t]!] ?? 0) + 1) / denominator);
          n++;
        }
      }
      return n === 0
        ? undefined
        : `unigram baseline (training token frequencies, add-one smoothed): loss ${(nll / n).toFixed(4)}, perplexity ${Math.exp(nll / n).toFixed(2)}`;
    },
  };
}
