// The files a finished run leaves: the model in Hugging Face layout, trainer_state.json, eval_results.json, report.html.
import type { ThroughputPoint } from '../callbacks/throughput.js';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../io/atomic-write.js';
import { saveTaskModel } from '../../models/save.js';
import { saveAdapterModel } from '../../peft/lora/save.js';
import type { TaskModel } from '../../models/types.js';
import type { TaskEvaluation } from '../../tasks/task.js';
import { writeReport, type WrongPrediction } from '../../report/report.js';
import { predictBatches } from '../../tasks/predict.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import { evalResultsJson, testResultsJson, type EvalResultsJson } from '../eval-results.js';
import type { Trainer, TrainResult } from '../trainer.js';
import { formatDuration } from '../callbacks/progress.js';
import type { RunData } from './run-data.js';

export type { EvalResultsJson } from '../eval-results.js';

export interface RunOutputs {
  readonly outputDir: string;
  readonly model: TaskModel;
  readonly tokenizer: TextTokenizer;
  readonly trainer: Trainer;
  readonly result: TrainResult;
  readonly data: RunData;
  readonly evaluation?: TaskEvaluation;
  /** The one evaluation of the test data, after training. */
  readonly test?: TaskEvaluation;
  readonly parameters: { readonly total: number; readonly trainable: number };
  readonly modelSource: string;
  /** Save a PEFT adapter folder (the base named by options.model) instead of the whole model. */
  readonly lora: boolean;
  /** Every warning of the run (data, model, training), shown in the report. */
  readonly notices: readonly string[];
  readonly options: { readonly model: string; readonly data: string; readonly init?: string };
  /** The run's settings (training_args.json's content), shown in the report. */
  readonly hyperparameters?: Readonly<Record<string, unknown>>;
  /** The trivial predictor's scores on the validation data (one line). */
  readonly baseline?: string;
  /** Tokens per second over the run (wall clock; not in trainer_state.json). */
  readonly throughput?: readonly ThroughputPoint[];
  /** The run's longest input in tokens (for the report's predictions). */
  readonly maxLength?: number;
}

/** How many wrong validation predictions the report lists. */
const WRONG_SHOWN = 20;

/** The validation examples a single-label classifier got wrong, most confident first (at most WRONG_SHOWN). */
function confidentlyWrong(run: RunOutputs): WrongPrediction[] {
  const examples = run.data.evaluationExamples?.();
  if (!examples || examples.length === 0 || run.model.head.kind !== 'sequence-classification' || run.model.head.problemType !== 'single_label_classification') {
    return [];
  }
  const wrong: WrongPrediction[] = [];
  const inputs = examples.map((e) => ({ text: e.text, ...(e.textPair === undefined ? {} : { textPair: e.textPair }) }));
  let at = 0;
  predictBatches(
    run.model,
    run.tokenizer,
    inputs,
    (batch) => {
      for (const p of batch) {
        const gold = examples[at++]!.label;
        if ('probs' in p && p.label !== gold)
          wrong.push({ text: p.text_pair === undefined ? p.text : `${p.text} / ${p.text_pair}`, label: gold, predicted: p.label, score: p.score });
      }
    },
    // In the evaluation's batches: the report's second pass should not hold more than the evaluation did.
    { batchSize: run.trainer.args.evalBatchSize, ...(run.maxLength === undefined ? {} : { maxLength: run.maxLength }) },
  );
  return wrong.sort((a, b) => b.score - a.score).slice(0, WRONG_SHOWN);
}

/** training_args.json's entries as report rows (unset options left out). */
function hyperparameterRows(values: Readonly<Record<string, unknown>>): [string, string][] {
  return Object.entries(values)
    .filter(([key, value]) => value !== null && value !== undefined && key !== 'outputDir')
    .map(([key, value]) => [key, typeof value === 'object' ? JSON.stringify(value) : String(value)]);
}

/** Writes every output file (each atomically); returns the validation scores (null without validation data) and the test scores (null without test data). */
export async function writeRunOutputs(
  run: RunOutputs,
): Promise<{ readonly evaluation: EvalResultsJson | null; readonly test: Readonly<Record<string, unknown>> | null }> {
  const { outputDir, trainer, result, data, evaluation, test } = run;
  if (run.lora) await saveAdapterModel(run.model, run.tokenizer, outputDir, run.options.model);
  else await saveTaskModel(run.model, run.tokenizer, outputDir);
  writeJsonAtomic(join(outputDir, 'trainer_state.json'), trainer.state.toJSON());
  const evalJson = evaluation ? evalResultsJson(data.task, evaluation, trainer.state.epoch) : null;
  const testJson = test ? testResultsJson(data.task, test) : null;
  if (evalJson || testJson) writeJsonAtomic(join(outputDir, 'eval_results.json'), { ...evalJson, ...testJson });
  const state = trainer.state;
  const summary: [string, string][] = [
    [
      'model',
      `${run.model.modelType} (${run.options.model}${run.options.init === 'random' ? ', random initialisation' : ''}${run.lora ? ', LoRA adapter' : ''})`,
    ],
    ['parameters', `${run.parameters.total.toLocaleString('en-US')} (${run.parameters.trainable.toLocaleString('en-US')} trained)`],
    ['task', data.task.name],
    ['training data', `${run.options.data}: ${data.trainCount.toLocaleString('en-US')} examples`],
    ['validation data', data.evaluationName ? `${data.evaluationName}: ${data.evalCount.toLocaleString('en-US')} examples` : 'none'],
    ['test data', data.testName ? `${data.testName}: ${data.testCount.toLocaleString('en-US')} examples, scored once after training` : 'none'],
    [
      'steps',
      `${state.globalStep.toLocaleString('en-US')} of ${state.maxSteps.toLocaleString('en-US')} (epoch ${state.epoch.toFixed(2)})${result.stoppedEarly ? ', stopped early' : ''}`,
    ],
    ['training loss', Number.isFinite(result.trainLoss) ? result.trainLoss.toFixed(4) : '–'],
    [
      'best checkpoint',
      state.bestModelCheckpoint
        ? `${state.bestModelCheckpoint} (${state.metricForBest} ${state.bestMetric?.toFixed(4)})${result.restoredBest ? ', restored' : ''}`
        : '–',
    ],
    ['run time', formatDuration(result.runtimeSeconds)],
  ];
  writeReport(join(outputDir, 'report.html'), {
    title: `finetune: ${run.options.model} on ${run.options.data}`,
    summary,
    logHistory: state.logHistory,
    ...(evaluation && data.evaluationName ? { evaluation: { name: data.evaluationName, count: evaluation.count, ...data.task.report(evaluation) } } : {}),
    ...(test && data.testName ? { test: { name: data.testName, count: test.count, ...data.task.report(test) } } : {}),
    curves: data.task.curves,
    bestStep: state.bestGlobalStep,
    classCounts: data.classCounts,
    countsOf: data.task.name === 'token-classification' ? 'tag' : data.task.name === 'multi-label' ? 'label' : 'class',
    warnings: run.notices,
    ...(run.hyperparameters ? { hyperparameters: hyperparameterRows(run.hyperparameters) } : {}),
    ...(data.splitCounts && data.splitCounts.length > 0 ? { data: { ...(data.columns ? { columns: data.columns } : {}), splits: data.splitCounts } } : {}),
    ...(run.baseline ? { baseline: run.baseline } : {}),
    confidentlyWrong: evaluation ? confidentlyWrong(run) : [],
    ...(run.throughput && run.throughput.length > 0 ? { throughput: run.throughput.map((p) => [p.step, p.perSecond] as const) } : {}),
  });
  return { evaluation: evalJson, test: testJson };
}
