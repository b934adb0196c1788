// An image-classification run: images, an image model with a new head, training (augmented, or on cached features of a frozen base), the outputs.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AugmentOptions } from '../../data/images/pixels.js';
import { FinetuneError } from '../../errors.js';
import { writeJsonAtomic } from '../../io/atomic-write.js';
import { readJsonObject } from '../../io/json-file.js';
import { applyFreeze } from '../../models/freeze.js';
import { labelsFromNames } from '../../models/labels.js';
import { createTaskModel, type LoadedClassifier, loadTaskModel } from '../../models/load.js';
import { saveTaskModel } from '../../models/save.js';
import type { ConfigJson } from '../../models/encoder/config-fields.js';
import type { HeadSpec } from '../../models/types.js';
import { type ImageTaskModel, isImageTaskModel } from '../../models/vision/image-model.js';
import type { ImagePreprocessor } from '../../models/vision/preprocessor.js';
import { BatchNorm2d } from '../../nn/vision.js';
import { applyLora } from '../../peft/lora/apply.js';
import { writeReport } from '../../report/report.js';
import { type ImageClassificationMetrics, imageClassificationTask } from '../../tasks/image-classification/index.js';
import type { TaskEvaluation } from '../../tasks/task.js';
import { manualSeed } from '../../tensor/random.js';
import type { TrainerCallback, TrainerOutput } from '../callbacks/callback.js';
import { EarlyStopping } from '../callbacks/early-stopping.js';
import { OverfittingMonitor } from '../callbacks/overfitting.js';
import { formatDuration, ProgressCallback } from '../callbacks/progress.js';
import { CHECKPOINTS_FOLDER } from '../checkpoint.js';
import { evalResultsJson, testResultsJson } from '../eval-results.js';
import { classWeightTensor } from '../run-plan.js';
import { Trainer } from '../trainer.js';
import type { TrainingArguments } from '../training-args.js';
import { imageRunData } from './image-data.js';
import { misclassifiedGrid } from './image-report.js';
import type { OutputPlan } from './output-folder.js';
import type { TrainRunOptions, TrainRunResult } from './train-classifier.js';
import { resumeAndTrain } from './run-training.js';

/** What trainClassifier has settled before it hands an image run over. */
export interface ImageRunContext {
  readonly out: TrainerOutput;
  readonly notices: string[];
  readonly plan: OutputPlan;
  readonly args: TrainingArguments;
  readonly progress: boolean;
}

/** The preprocessing at `size` x `size` (a resize-then-crop keeps its crop fraction), or `p` itself. */
export function resizedPreprocessor(p: ImagePreprocessor, size: number | undefined): ImagePreprocessor {
  if (size === undefined) return p;
  if (!Number.isInteger(size) || size < 8 || size > 1024) throw new FinetuneError(`--image-size ${size}: must be an integer from 8 to 1024`);
  const { resizeShortestEdge: edge, ...rest } = p;
  const scaled = edge === undefined ? {} : { resizeShortestEdge: Math.round((edge * size) / Math.min(p.size.height, p.size.width)) };
  return { ...rest, ...scaled, size: { height: size, width: size } };
}

/** An image model for `head`: pretrained weights, or fresh ones from a folder, a config.json or a built-in name. */
async function loadImageModel(options: TrainRunOptions, head: HeadSpec): Promise<LoadedClassifier & { model: ImageTaskModel }> {
  const init = options.init ?? 'pretrained';
  const headOptions = { labels: head.labels, headKind: head.kind, problemType: head.problemType } as const;
  let loaded: LoadedClassifier;
  let isFile = false;
  try {
    isFile = statSync(options.model).isFile();
  } catch {
    // Not a local path: a built-in name or a Hub id.
  }
  if (isFile) {
    if (init !== 'random')
      throw new FinetuneError(`--model ${options.model}: a file; pretrained weights need a model folder (a config.json alone works with --init random)`);
    const model = createTaskModel(readJsonObject(options.model) as ConfigJson, headOptions, options.model);
    loaded = { model, tokenizer: null, source: options.model, warnings: [] };
  } else {
    loaded = await loadTaskModel(options.model, { ...headOptions, init });
  }
  const { model } = loaded;
  if (!isImageTaskModel(model)) {
    throw new FinetuneError(`--model ${options.model}: a ${model.modelType} model reads text; image data needs an image model (ResNet, ViT, MobileNetV2)`);
  }
  return { ...loaded, model, warnings: loaded.warnings.filter((w) => !w.includes('no tokenizer files')) };
}

/** Trains an image classifier into `context.plan.outputDir` (checked inputs first, as trainClassifier). */
export async function trainImagesInFolder(options: TrainRunOptions, context: ImageRunContext): Promise<TrainRunResult> {
  const { out, notices, plan } = context;
  let args = context.args;
  const data = await imageRunData({
    data: options.data,
    seed: args.seed,
    ...(options.evalData === undefined ? {} : { evalData: options.evalData }),
    ...(options.testData === undefined ? {} : { testData: options.testData }),
    ...(options.evalSplit === undefined ? {} : { evalSplit: options.evalSplit }),
    ...(options.maxTrainImages === undefined ? {} : { maxTrainImages: options.maxTrainImages }),
    ...(options.maxEvalImages === undefined ? {} : { maxEvalImages: options.maxEvalImages }),
    ...(options.skipBadImages ? { skipBadImages: true } : {}),
    ...(options.imageColumn === undefined ? {} : { imageColumn: options.imageColumn }),
    ...(options.labelColumn === undefined ? {} : { labelColumn: options.labelColumn }),
    ...(options.imageSize === undefined ? {} : { inputSize: options.imageSize }),
  });
  for (const line of data.description) out.line(line);
  for (const warning of data.warnings) out.warn(warning);
  const names = data.classNames;
  const weights = classWeightTensor(
    args.classWeights,
    Int32Array.from(data.train.labels, (l) => names.indexOf(l)),
    names,
  );
  const task = imageClassificationTask({ labels: names, loss: { labelSmoothing: args.labelSmoothing, ...(weights ? { classWeights: weights } : {}) } });
  if (options.training?.metricForBest === undefined) args = { ...args, metricForBest: task.defaultMetric };
  const earlyStopping =
    options.earlyStopping === undefined
      ? undefined
      : new EarlyStopping({ patience: options.earlyStopping, minDelta: args.earlyStoppingMinDelta, metric: args.metricForBest });
  if (earlyStopping && data.evaluationName === undefined)
    throw new FinetuneError('--early-stopping needs evaluation data: give --eval-data or an --eval-split above 0');

  manualSeed(args.seed);
  const head: HeadSpec = { kind: 'image-classification', labels: labelsFromNames(names), problemType: 'single_label_classification' };
  const { model, source, warnings } = await loadImageModel(options, head);
  for (const warning of warnings) out.warn(warning);
  model.preprocessor = resizedPreprocessor(model.preprocessor, options.imageSize);
  if (options.bnMomentum !== undefined) {
    if (!(options.bnMomentum > 0 && options.bnMomentum <= 1)) throw new FinetuneError(`--bn-momentum ${options.bnMomentum}: must be in (0, 1]`);
    for (const [, m] of model.namedModules()) if (m instanceof BatchNorm2d) m.momentum = options.bnMomentum;
  }
  let parameters = applyFreeze(model, options.freeze ?? 'none');
  if (options.lora) parameters = applyLora(model, options.lora);
  const p = model.preprocessor;
  out.line(
    `model: ${model.modelType} from ${source}, ${parameters.total.toLocaleString('en-US')} parameters, ${parameters.trainable.toLocaleString('en-US')} trained ` +
      `(${((100 * parameters.trainable) / Math.max(1, parameters.total)).toFixed(2)}%${options.lora ? ', LoRA' : ''}), input ${p.size.height}x${p.size.width}`,
  );
  const augment: AugmentOptions | undefined = options.augment === false ? undefined : { seed: args.seed };
  const encoded = data.encode(p, augment);
  const callbacks: TrainerCallback[] = [];
  if (context.progress) callbacks.push(new ProgressCallback({ output: out }));
  callbacks.push(new OverfittingMonitor(out));
  if (earlyStopping) callbacks.push(earlyStopping);
  // The last evaluation, kept: when the final weights are the ones it scored, the final evaluation reuses it
  // instead of running the model over the evaluation images once more (10,000 of them for Fashion-MNIST).
  let last: { step: number; evaluation: TaskEvaluation<ImageClassificationMetrics> } | undefined;
  callbacks.push({
    name: 'LastImageEvaluation',
    onEvaluate(context, e) {
      const loss = e.metrics.eval_loss;
      if (loss !== undefined)
        last = {
          step: context.state.globalStep,
          evaluation: { loss, count: encoded.evaluation?.labels.length ?? 0, metrics: e.details as ImageClassificationMetrics },
        };
    },
  });
  const trainer = new Trainer({
    model,
    task,
    args,
    trainData: encoded.train,
    callbacks,
    output: out,
    ...(encoded.evaluation ? { evalData: encoded.evaluation } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (trainer.cachesFeatures) {
    // The head trains on features computed once: a random crop would be frozen into them, so none is drawn.
    if (encoded.train.augmentation) encoded.train.augmentation.enabled = false;
    out.line(`the base is frozen: computing its features once, then training the head on them${augment ? ' (no augmentation)' : ''}`);
  }

  mkdirSync(plan.outputDir, { recursive: true });
  if (plan.notice) out.line(plan.notice);
  if (plan.resumeFrom === undefined && options.overwrite) rmSync(join(plan.outputDir, CHECKPOINTS_FOLDER), { recursive: true, force: true });
  writeJsonAtomic(join(plan.outputDir, 'training_args.json'), {
    ...args,
    model: options.model,
    init: options.init ?? 'pretrained',
    data: options.data,
    task: task.name,
    eval_data: options.evalData ?? null,
    test_data: options.testData ?? null,
    eval_split: data.evaluationName ?? null,
    image_size: p.size.height,
    augment: augment !== undefined && !trainer.cachesFeatures,
    max_train_images: options.maxTrainImages ?? null,
    max_eval_images: options.maxEvalImages ?? null,
    bn_momentum: options.bnMomentum ?? null,
    skip_bad_images: options.skipBadImages ?? false,
    freeze: options.freeze ?? 'none',
    lora: options.lora ? { ...options.lora, rng: undefined } : null,
    early_stopping_patience: options.earlyStopping ?? null,
  });
  const result = await resumeAndTrain(trainer, plan, out);
  if (result.aborted) return { outputDir: plan.outputDir, train: result, evaluation: null, test: null };
  const state = trainer.state;
  const scoredFinalWeights = last !== undefined && last.step === state.globalStep && (!result.restoredBest || state.bestGlobalStep === state.globalStep);
  const evaluation = encoded.evaluation ? (scoredFinalWeights ? last!.evaluation : trainer.evaluate()) : undefined;
  // The test images are touched here only: after the checkpoint was picked on the validation images.
  const test = encoded.test ? trainer.evaluate(encoded.test) : undefined;
  await saveTaskModel(model, null, plan.outputDir);
  writeJsonAtomic(join(plan.outputDir, 'trainer_state.json'), state.toJSON());
  const evalJson = evaluation ? evalResultsJson(task, evaluation, state.epoch) : null;
  const testJson = test ? testResultsJson(task, test) : null;
  if (evalJson || testJson) writeJsonAtomic(join(plan.outputDir, 'eval_results.json'), { ...evalJson, ...testJson });
  const grid = evaluation && encoded.evaluation ? await misclassifiedGrid(encoded.evaluation, evaluation.metrics.misclassified, names) : undefined;
  writeReport(join(plan.outputDir, 'report.html'), {
    title: `finetune: ${options.model} on ${options.data}`,
    summary: [
      ['model', `${model.modelType} (${options.model}${options.init === 'random' ? ', random initialisation' : ''}${options.lora ? ', LoRA adapter' : ''})`],
      ['parameters', `${parameters.total.toLocaleString('en-US')} (${parameters.trainable.toLocaleString('en-US')} trained)`],
      ['task', task.name],
      ['input', `${p.size.height} x ${p.size.width}${augment && !trainer.cachesFeatures ? ', random resized crops and flips when training' : ''}`],
      ['training data', `${options.data}: ${data.train.images.length.toLocaleString('en-US')} images`],
      ['validation data', data.evaluationName ? `${data.evaluationName}: ${(data.evaluation?.images.length ?? 0).toLocaleString('en-US')} images` : 'none'],
      ['test data', data.testName ? `${data.testName}: ${(data.test?.images.length ?? 0).toLocaleString('en-US')} images, scored once after training` : 'none'],
      [
        'steps',
        `${state.globalStep.toLocaleString('en-US')} of ${state.maxSteps.toLocaleString('en-US')} (epoch ${state.epoch.toFixed(2)})${result.stoppedEarly ? ', stopped early' : ''}`,
      ],
      ['training loss', Number.isFinite(result.trainLoss) ? result.trainLoss.toFixed(4) : '–'],
      ['run time', formatDuration(result.runtimeSeconds)],
    ],
    logHistory: state.logHistory,
    ...(evaluation && data.evaluationName ? { evaluation: { name: data.evaluationName, count: evaluation.count, ...task.report(evaluation) } } : {}),
    ...(test && data.testName ? { test: { name: data.testName, count: test.count, ...task.report(test) } } : {}),
    curves: task.curves,
    bestStep: state.bestGlobalStep,
    classCounts: data.classCounts,
    countsOf: 'class',
    warnings: notices,
    ...(grid ? { imageGrid: grid } : {}),
  });
  if (evaluation) out.line(`final evaluation on ${data.evaluationName}: ${task.headline(evaluation)}`);
  if (test) out.line(`test on ${data.testName}: ${task.headline(test)}`);
  out.line(`saved the model, preprocessor_config.json, trainer_state.json and report.html to ${plan.outputDir}`);
  return { outputDir: plan.outputDir, train: result, evaluation: evalJson, test: testJson };
}
