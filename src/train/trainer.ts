// The Trainer: the training loop, evaluation, checkpoints and resume; callbacks read its saveable state and steer it.
import { join, relative } from 'node:path';
import { FinetuneError } from '../errors.js';
import type { ModelInputs, TaskModel } from '../models/types.js';
import { normalizeMetricName, isImprovement } from '../tasks/metric-names.js';
import type { EncodedInputs, Task, TaskBatch, TaskEvaluation } from '../tasks/task.js';
import { defaultRandom, Random } from '../tensor/random.js';
import type { CallbackContext, Evaluation, StepInfo, TrainerCallback, TrainerControl, TrainerOutput } from './callbacks/callback.js';
import { checkpointPath, listCheckpoints, loadCheckpoint, rotateCheckpoints, saveCheckpoint } from './checkpoint.js';
import { prepareCheckpointFolder, restoreBestWeights } from './checkpoint-housekeeping.js';
import { trainBatchPlan } from './batch-plan.js';
import { evalScalars } from './eval-results.js';
import { computeFeatures, evaluateModel, gatherFeatures, type FeatureCache } from './evaluate.js';
import { AdamW } from './optim/adamw.js';
import { clipGradNorm } from './optim/grad-clip.js';
import { weightDecayGroups } from './param-groups.js';
import { planRun, type RunPlan } from './run-plan.js';
import { lrAt } from './schedule.js';
import { TrainerState, type LogEntry } from './trainer-state.js';
import { resolveTrainingArguments, type TrainingArguments, type TrainingOptions } from './training-args.js';
import { recycleBuffers } from '../tensor/memory.js';
import { withBf16 } from '../tensor/autocast.js';
import { requireBf16 } from '../backend/bf16.js';
import { Tensor } from '../tensor/tensor.js';

export interface TrainerOptions<D = EncodedInputs, M = unknown> {
  readonly model: TaskModel;
  /** What is learnt: batches, loss and metrics (its labels are the model's outputs). */
  readonly task: Task<D, M, ModelInputs>;
  readonly args: TrainingOptions;
  readonly trainData: D;
  /** Evaluated at `evalEvery`; needed by early stopping and best-checkpoint selection. */
  readonly evalData?: D;
  readonly callbacks?: readonly TrainerCallback[];
  /** Aborting it stops training between two steps, after a checkpoint of that point, which --resume continues. */
  readonly signal?: AbortSignal;
  /** Where the trainer's own notices go (default: none). */
  readonly output?: TrainerOutput;
}

/** What train() returns. */
export interface TrainResult {
  readonly globalStep: number;
  /** Mean training loss over every step of the run. */
  readonly trainLoss: number;
  readonly runtimeSeconds: number;
  /** Whether a callback ended the run before its planned last step. */
  readonly stoppedEarly: boolean;
  /** The best checkpoint (relative to the output folder), or null without evaluation. */
  readonly bestCheckpoint: string | null;
  /** Whether the best checkpoint's weights were restored at the end. */
  readonly restoredBest: boolean;
  /** Whether the signal stopped the run (its last checkpoint holds where it stopped; nothing else was restored). */
  readonly aborted: boolean;
}

const NO_OUTPUT: TrainerOutput = { line() {}, warn() {} };

export class Trainer<D = EncodedInputs, M = unknown> {
  readonly model: TaskModel;
  readonly task: Task<D, M, ModelInputs>;
  readonly args: TrainingArguments;
  readonly plan: RunPlan;
  readonly optimizer: AdamW;
  state = new TrainerState();
  private readonly trainData: D;
  private readonly evalData: D | undefined;
  private readonly callbacks: readonly TrainerCallback[];
  private readonly output: TrainerOutput;
  private readonly signal: AbortSignal | undefined;
  private aborted = false;
  private lastSavedStep = -1;
  /** The best evaluation's weights when no checkpoint holds them (saveStrategy off that step). */
  private bestWeights: Map<string, Tensor> | undefined;
  private readonly useFeatureCache: boolean;
  private trainFeatures: FeatureCache | undefined;
  private evalFeatures: FeatureCache | undefined;
  private readonly control: TrainerControl = { shouldStop: false, shouldEvaluate: false, shouldSave: false, shouldLog: false };

  constructor(options: TrainerOptions<D, M>) {
    this.model = options.model;
    this.task = options.task;
    this.args = resolveTrainingArguments(options.args);
    this.trainData = options.trainData;
    this.evalData = options.evalData;
    this.callbacks = options.callbacks ?? [];
    this.output = options.output ?? NO_OUTPUT;
    this.signal = options.signal;
    const { task, model } = this;
    // A causal LM's outputs are its vocabulary, which the task does not list.
    if (task.headKind !== 'causal-lm' && task.labels.length !== model.numLabels) {
      throw new FinetuneError(`the model has ${model.numLabels} outputs, the ${task.name} task ${task.labels.length} (${task.labels.join(', ')})`);
    }
    if (task.headKind !== model.head.kind) {
      throw new FinetuneError(`the ${task.name} task needs a ${task.headKind} head; the model has a ${model.head.kind} head (${model.architecture})`);
    }
    // The metric's name is settled against the task's own ('f1' is token classification's entity F1, else macro F1).
    const metric = normalizeMetricName(this.args.metricForBest, ['loss', ...task.metricNames]);
    if (metric === undefined) {
      throw new FinetuneError(`metric for best '${this.args.metricForBest}': the ${task.name} task reports ${['loss', ...task.metricNames].join(', ')}`);
    }
    this.args = { ...this.args, metricForBest: metric };
    if (this.args.bf16) requireBf16();
    const needsEval = this.callbacks.find((c) => c.requiresEvaluation);
    if (needsEval && !this.evalData) {
      throw new FinetuneError(
        `${needsEval.name === 'EarlyStopping' ? 'early stopping' : needsEval.name} needs evaluation data: give evaluation data or a validation split`,
      );
    }
    this.plan = planRun(this.args, task.size(this.trainData));
    const groups = weightDecayGroups(this.model, this.args.weightDecay);
    if (groups.every((g) => g.params.length === 0)) throw new FinetuneError('nothing to train: every parameter of the model is frozen');
    this.optimizer = new AdamW(groups, {
      lr: this.args.learningRate,
      betas: [...this.args.adamBetas] as [number, number],
      eps: this.args.adamEpsilon,
      weightDecay: this.args.weightDecay,
    });
    // Token heads read [B, T, H] features whose T changes per batch: their base runs every step instead.
    // Image heads read pooled features [B, F], as sequence heads do.
    const pooled = model.head.kind === 'sequence-classification' || model.head.kind === 'image-classification';
    const cacheable = pooled && this.onlyHeadTrains();
    this.useFeatureCache = this.args.cacheFeatures === 'auto' ? cacheable : this.args.cacheFeatures;
    if (this.useFeatureCache && !cacheable) {
      throw new FinetuneError(
        pooled
          ? 'cacheFeatures needs a frozen base: parameters outside the head are trainable'
          : 'cacheFeatures works for sequence heads only; a token head reads every token of the base',
      );
    }
  }

  /** True when every trainable parameter belongs to the head (and the base has parameters to skip). */
  private onlyHeadTrains(): boolean {
    const inHead = (name: string): boolean => this.model.headModules.some((h) => name === h || name.startsWith(`${h}.`));
    const params = this.model.namedParameters();
    return params.some(([n]) => !inHead(n)) && params.every(([n, p]) => !p.requiresGrad || inHead(n));
  }

  /** Whether the head trains on cached base features. */
  get cachesFeatures(): boolean {
    return this.useFeatureCache;
  }

  private context(): CallbackContext {
    return { args: this.args, state: this.state, control: this.control, hasEvalData: this.evalData !== undefined };
  }

  private emit<K extends keyof TrainerCallback>(hook: K, ...rest: unknown[]): void {
    const context = this.context();
    for (const callback of this.callbacks) {
      const fn = callback[hook] as ((c: CallbackContext, ...a: unknown[]) => void) | undefined;
      fn?.call(callback, context, ...rest);
    }
  }

  /** Restores model, optimizer, RNG, data position and callback state from a checkpoint folder. */
  resumeFrom(checkpointDir: string): void {
    const { state, schedule, optimizerRestored } = loadCheckpoint(checkpointDir, this.model, this.optimizer);
    if (!optimizerRestored) {
      this.output.warn(
        `${checkpointDir}: saved without the optimizer's state (save optimizer false); the optimizer restarts from zero moments, so the result will differ from an uninterrupted run`,
      );
    }
    const planned = this.plan.schedule;
    if (JSON.stringify(schedule) !== JSON.stringify(planned)) {
      this.output.warn(
        `${checkpointDir}: the checkpoint ran with another schedule (${schedule.totalSteps} steps, lr ${schedule.baseLr}); ` +
          `continuing with this run's (${planned.totalSteps} steps, lr ${planned.baseLr}), so the result will differ from an uninterrupted run`,
      );
    }
    for (const callback of this.callbacks) {
      const saved = state.statefulCallbacks[callback.name];
      if (saved !== undefined && callback.loadStateDict) callback.loadStateDict(saved);
    }
    if (state.rngState) defaultRandom().setState(state.rngState);
    this.state = state;
  }

  /** Runs the training loop to the end (or until a callback stops it); resumes first when `resumeFrom` was called. */
  async train(): Promise<TrainResult> {
    const { args, plan } = this;
    const started = performance.now();
    const fresh = this.state.globalStep === 0 && this.state.logHistory.length === 0;
    if (fresh) {
      Object.assign(this.state, {
        maxSteps: plan.maxSteps,
        numTrainEpochs: plan.numTrainEpochs,
        loggingSteps: plan.loggingSteps,
        evalSteps: args.evalEvery,
        trainBatchSize: args.batchSize,
        metricForBest: args.metricForBest,
      });
      // Dropout draws from its own seeded stream, apart from the one that initialised the weights.
      defaultRandom().setState(new Random((args.seed ^ 0x6a09e667) >>> 0).getState());
    }
    this.state.maxSteps = plan.maxSteps;
    prepareCheckpointFolder(args.outputDir, this.state, this.output);
    if (this.useFeatureCache) {
      this.trainFeatures = computeFeatures(this.model, this.task, this.trainData, args.evalBatchSize);
      if (this.evalData) this.evalFeatures = computeFeatures(this.model, this.task, this.evalData, args.evalBatchSize);
    }
    const startStep = this.state.globalStep;
    this.model.train();
    this.emit('onTrainBegin');
    while (this.state.globalStep < plan.maxSteps && !this.state.shouldTrainingStop && !this.aborted) {
      await this.runEpoch();
    }
    const restoredBest = !this.aborted && args.loadBestModelAtEnd && this.restoreBest();
    const runtimeSeconds = (performance.now() - started) / 1000;
    const [lossSum, lossSteps] = this.state.lossTotal;
    const trainLoss = lossSteps > 0 ? lossSum / lossSteps : NaN;
    const stepsRun = this.state.globalStep - startStep;
    this.pushLog({
      train_runtime: round(runtimeSeconds, 4),
      train_steps_per_second: round(stepsRun / Math.max(runtimeSeconds, 1e-9), 3),
      train_samples_per_second: round((stepsRun * args.batchSize * args.gradAccumSteps) / Math.max(runtimeSeconds, 1e-9), 3),
      train_loss: trainLoss,
    });
    this.model.eval();
    this.emit('onTrainEnd');
    return {
      globalStep: this.state.globalStep,
      trainLoss,
      runtimeSeconds,
      stoppedEarly: this.state.shouldTrainingStop && this.state.globalStep < plan.maxSteps,
      bestCheckpoint: this.state.bestModelCheckpoint,
      restoredBest,
      aborted: this.aborted,
    };
  }

  private async runEpoch(): Promise<void> {
    const { args, state } = this;
    const batches = trainBatchPlan(this.task.lengths(this.trainData), args.batchSize, args.seed, state.epochIndex, args.groupByLength);
    this.task.setEpoch?.(this.trainData, state.epochIndex);
    const groups: number[][][] = [];
    for (let i = 0; i < batches.length; i += args.gradAccumSteps) groups.push(batches.slice(i, i + args.gradAccumSteps));
    if (state.stepsInEpoch >= groups.length) state.stepsInEpoch = 0;
    if (state.stepsInEpoch === 0) this.emit('onEpochBegin');
    while (state.stepsInEpoch < groups.length && state.globalStep < this.plan.maxSteps) {
      // Back to the event loop between steps, so timers, I/O and signals are served while a run trains.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.signal?.aborted) {
        // A clean stop between steps: the checkpoint of this point resumes to the uninterrupted result.
        if (this.lastSavedStep !== state.globalStep) await this.saveCheckpoint();
        this.aborted = true;
        return;
      }
      const info = this.step(groups[state.stepsInEpoch]!);
      state.globalStep++;
      state.stepsInEpoch++;
      state.numInputTokensSeen += info.tokens;
      state.epoch = round(state.epochIndex + state.stepsInEpoch / groups.length, 4);
      const endOfEpoch = state.stepsInEpoch === groups.length;
      const last = state.globalStep === this.plan.maxSteps;
      for (const acc of [state.lossSinceLog, state.lossSinceEval, state.lossTotal]) {
        acc[0] += info.loss;
        acc[1] += 1;
      }
      if (endOfEpoch) {
        state.epochIndex++;
        state.stepsInEpoch = 0;
      }
      const c = this.control;
      c.shouldLog = state.globalStep % this.plan.loggingSteps === 0 || last;
      c.shouldEvaluate = (args.evalEvery === 'epoch' ? endOfEpoch : state.globalStep % args.evalEvery === 0) || last;
      c.shouldSave = this.savesCheckpoints && (args.saveStrategy === 'eval' ? c.shouldEvaluate : savePoint(args, state.globalStep, endOfEpoch) || last);
      this.emit('onStepEnd', info);
      if (c.shouldLog) this.logTraining(info);
      if (c.shouldEvaluate && this.evalData) this.evaluateAndTrack();
      if (c.shouldStop) state.shouldTrainingStop = true;
      if (c.shouldSave || (state.shouldTrainingStop && this.savesCheckpoints)) await this.saveCheckpoint();
      if (endOfEpoch) this.emit('onEpochEnd');
      const stop = state.shouldTrainingStop;
      Object.assign(c, { shouldStop: false, shouldEvaluate: false, shouldSave: false, shouldLog: false });
      if (stop || endOfEpoch) return;
    }
  }

  /**
   * One optimizer step over a group of batches whose gradients accumulate. Op results live in recycled
   * buffers for the step's duration, so a long run reuses memory instead of waiting on the garbage collector.
   */
  private step(group: readonly number[][]): StepInfo {
    return recycleBuffers(() => this.accumulateAndUpdate(group));
  }

  private accumulateAndUpdate(group: readonly number[][]): StepInfo {
    const learningRate = lrAt(this.plan.schedule, this.state.globalStep);
    this.optimizer.lr = learningRate;
    // The step's loss is the mean over every item (example or labelled token) of its batches, so each
    // batch's mean is weighted by its share of the items, not averaged as a mean of means.
    const batches: TaskBatch<ModelInputs>[] = group.map((indices) => this.task.collate(this.trainData, indices));
    const items = batches.reduce((s, b) => s + b.items, 0);
    let loss = 0;
    let tokens = 0;
    for (const batch of batches) {
      tokens += batch.tokens;
      if (batch.items === 0) continue;
      const value = withBf16(this.args.bf16, () => {
        const logits = this.trainFeatures ? this.model.classify(gatherFeatures(this.trainFeatures, batch.indices)) : this.model.forward(batch.inputs);
        const batchLoss = this.task.loss(logits, batch);
        const batchValue = batchLoss.item();
        if (!Number.isFinite(batchValue)) this.diverged('loss', batchValue, learningRate);
        batchLoss.mul(batch.items / items).backward();
        return batchValue;
      });
      loss += (value * batch.items) / items;
    }
    const trainable = this.optimizer.allParams();
    const gradNorm = clipGradNorm(trainable, this.args.maxGradNorm);
    if (!Number.isFinite(gradNorm)) this.diverged('gradient norm', gradNorm, learningRate);
    this.optimizer.step();
    this.optimizer.zeroGrad();
    return { loss, learningRate, tokens, gradNorm };
  }

  private diverged(what: string, value: number, learningRate: number): never {
    this.optimizer.zeroGrad();
    const saved = listCheckpoints(this.args.outputDir);
    const latest = saved.length > 0 ? `; the checkpoints up to ${relative(this.args.outputDir, saved[saved.length - 1]!.path)} are intact` : '';
    throw new FinetuneError(
      `step ${this.state.globalStep + 1}: the training ${what} is ${value} (learning rate ${learningRate.toExponential(2)}); ` +
        `training diverged: lower the learning rate or clip gradients (max grad norm)${latest}`,
    );
  }

  private pushLog(values: Record<string, number | string | null>): LogEntry {
    const entry = { ...values, epoch: this.state.epoch, step: this.state.globalStep } as LogEntry;
    this.state.logHistory.push(entry);
    this.emit('onLog', entry);
    return entry;
  }

  private logTraining(info: StepInfo): void {
    const [sum, count] = this.state.lossSinceLog;
    this.pushLog({ loss: round(sum / Math.max(1, count), 6), grad_norm: round(info.gradNorm, 6), learning_rate: info.learningRate });
    this.state.lossSinceLog = [0, 0];
  }

  /** Evaluates on the evaluation data, logs it, updates the best metric and tells the callbacks. */
  private evaluateAndTrack(): void {
    const result = this.evaluate();
    const metrics = evalScalars(this.task, result);
    const [sum, count] = this.state.lossSinceEval;
    const trainLoss = count > 0 ? sum / count : NaN;
    this.state.lossSinceEval = [0, 0];
    this.pushLog({ ...metrics, train_loss_since_last_eval: Number.isFinite(trainLoss) ? round(trainLoss, 6) : null });
    const metric = this.args.metricForBest;
    const value = metrics[`eval_${metric}`]!;
    if (isImprovement(metric, value, this.state.bestMetric)) {
      this.state.bestMetric = value;
      this.state.bestGlobalStep = this.state.globalStep;
      // A best step without a checkpoint keeps its weights in memory, so the end can still restore them.
      const saved = this.control.shouldSave;
      this.state.bestModelCheckpoint = saved ? relative(this.args.outputDir, checkpointPath(this.args.outputDir, this.state.globalStep)) : null;
      this.bestWeights = saved || !this.args.loadBestModelAtEnd ? undefined : copyWeights(this.model);
    }
    const evaluation: Evaluation = { metrics, details: result.metrics, shown: this.task.curves, trainLoss };
    this.emit('onEvaluate', evaluation);
  }

  /** Whether this run writes checkpoints besides the one an abort writes. */
  private get savesCheckpoints(): boolean {
    return this.args.saveStrategy !== 'no' && this.args.saveTotalLimit > 0;
  }

  /** The best weights back into the model at the end: from memory, else from the best checkpoint. */
  private restoreBest(): boolean {
    const { state } = this;
    if (state.bestGlobalStep === null || state.bestGlobalStep === state.globalStep) return false;
    if (this.bestWeights) {
      this.model.loadStateDict(this.bestWeights, { source: 'the best weights' });
      this.output.line(`restored the best weights (step ${state.bestGlobalStep}, ${state.metricForBest} ${state.bestMetric?.toFixed(4)})`);
      return true;
    }
    if (state.bestModelCheckpoint === null) {
      this.output.warn(
        `the best weights (step ${state.bestGlobalStep}) had no checkpoint and did not outlive the resume; keeping those of step ${state.globalStep}`,
      );
      return false;
    }
    return restoreBestWeights(this.args.outputDir, state, this.model, this.output);
  }

  private async saveCheckpoint(): Promise<void> {
    const { state, args } = this;
    this.lastSavedStep = state.globalStep;
    state.rngState = defaultRandom().getState();
    state.statefulCallbacks = Object.fromEntries(this.callbacks.filter((c) => c.stateDict).map((c) => [c.name, c.stateDict!()]));
    const dir = checkpointPath(args.outputDir, state.globalStep);
    await saveCheckpoint(dir, { model: this.model, optimizer: this.optimizer, state, schedule: this.plan.schedule }, { optimizer: args.saveOptimizer });
    const best = state.bestModelCheckpoint ? [join(args.outputDir, state.bestModelCheckpoint)] : [];
    rotateCheckpoints(args.outputDir, Math.max(1, args.saveTotalLimit), best);
    this.emit('onSave', dir);
  }

  /** Evaluates the model on `data` (default: the evaluation data). */
  evaluate(data?: D): TaskEvaluation<M> {
    const target = data ?? this.evalData;
    if (!target) throw new FinetuneError('evaluate: no evaluation data');
    const features = target === this.evalData ? this.evalFeatures : undefined;
    return withBf16(this.args.bf16, () =>
      evaluateModel(this.model, this.task, target, { batchSize: this.args.evalBatchSize, ...(features ? { features } : {}) }),
    );
  }
}

/** Whether saveStrategy 'epoch' or 'steps' checkpoints at this step. */
function savePoint(args: TrainingArguments, step: number, endOfEpoch: boolean): boolean {
  if (args.saveStrategy === 'epoch') return endOfEpoch;
  return args.saveStrategy === 'steps' && step % args.saveSteps! === 0;
}

/** A copy of the model's parameters and buffers, apart from the live tensors. */
function copyWeights(model: TaskModel): Map<string, Tensor> {
  return new Map([...model.stateDict()].map(([name, t]) => [name, new Tensor(t.data.slice(), t.shape)]));
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
