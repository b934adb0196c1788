// Every option of the names table, in each of its spellings, sets what its flag sets; everything else in a config file is refused by name.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TrainRunOptions } from '../train/run/train-classifier.js';
import { Flags, parseFlags } from './args.js';
import { trainCommand, trainOptionsFromFlags } from './commands/train.js';
import { CONFIG_OPTIONS } from './config-names.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-config-names-'));
after(() => rmSync(root, { recursive: true, force: true }));
const REQUIRED = ['--model', 'm', '--data', 'd.csv'];

/** The run's options from a config file (JSON) plus the required flags; `optionNames` left out to compare. */
function fromConfig(config: Record<string, unknown>, name = 'config.json'): Omit<TrainRunOptions, 'optionNames'> {
  const path = join(root, name);
  writeFileSync(path, JSON.stringify(config));
  return fromArgv(['--config', path]);
}

function fromArgv(argv: readonly string[]): Omit<TrainRunOptions, 'optionNames'> {
  const { optionNames: _, ...options } = trainOptionsFromFlags(new Flags(parseFlags([...argv, ...REQUIRED], trainCommand.flags).flags));
  return options;
}

const configError = (config: Record<string, unknown>): string => {
  try {
    fromConfig(config);
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
};

/** A value other than the default for each flag with a second spelling, and what the run's options then hold. */
const SAMPLES: Readonly<Record<string, { readonly value: unknown; readonly expect: Partial<TrainRunOptions> | Record<string, unknown> }>> = {
  epochs: { value: 2, expect: { training: { epochs: 2 } } },
  'max-steps': { value: 7, expect: { training: { maxSteps: 7 } } },
  'batch-size': { value: 4, expect: { training: { batchSize: 4 } } },
  'eval-batch-size': { value: 8, expect: { training: { evalBatchSize: 8 } } },
  lr: { value: 0.001, expect: { training: { learningRate: 0.001 } } },
  'weight-decay': { value: 0.2, expect: { training: { weightDecay: 0.2 } } },
  'warmup-ratio': { value: 0.3, expect: { training: { warmupRatio: 0.3 } } },
  'warmup-steps': { value: 5, expect: { training: { warmupSteps: 5 } } },
  scheduler: { value: 'cosine', expect: { training: { scheduler: 'cosine' } } },
  'max-grad-norm': { value: 0.5, expect: { training: { maxGradNorm: 0.5 } } },
  'grad-accum': { value: 2, expect: { training: { gradAccumSteps: 2 } } },
  seed: { value: 7, expect: { training: { seed: 7 } } },
  'eval-every': { value: 10, expect: { training: { evalEvery: 10 } } },
  'logging-steps': { value: 3, expect: { training: { loggingSteps: 3 } } },
  'save-total-limit': { value: 4, expect: { training: { saveTotalLimit: 4 } } },
  'save-strategy': { value: 'epoch', expect: { training: { saveStrategy: 'epoch' } } },
  'save-steps': { value: 6, expect: { training: { saveSteps: 6 } } },
  'save-optimizer': { value: false, expect: { training: { saveOptimizer: false } } },
  'early-stopping': { value: 2, expect: { earlyStopping: 2 } },
  'min-delta': { value: 0.01, expect: { training: { earlyStoppingMinDelta: 0.01 } } },
  'metric-for-best': { value: 'accuracy', expect: { training: { metricForBest: 'accuracy' } } },
  'load-best-model-at-end': { value: false, expect: { training: { loadBestModelAtEnd: false } } },
  'label-smoothing': { value: 0.1, expect: { training: { labelSmoothing: 0.1 } } },
  'group-by-length': { value: false, expect: { training: { groupByLength: false } } },
  'adam-beta1': { value: 0.8, expect: { training: { adamBetas: [0.8, 0.999] } } },
  'adam-beta2': { value: 0.99, expect: { training: { adamBetas: [0.9, 0.99] } } },
  'adam-epsilon': { value: 1e-6, expect: { training: { adamEpsilon: 1e-6 } } },
  'report-to': { value: 'csv,tensorboard', expect: { reportTo: ['csv', 'tensorboard'] } },
  output: { value: 'elsewhere', expect: { output: 'elsewhere' } },
  overwrite: { value: true, expect: { overwrite: true } },
  resume: { value: true, expect: { resume: true } },
  bf16: { value: true, expect: { training: { bf16: true } } },
};

const camel = (flag: string): string => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (flag: string): string => flag.replace(/-/g, '_');
const names = (v: string | readonly string[] | undefined): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : [...v]);

describe('config names', () => {
  const baseline = fromArgv([]);
  for (const option of CONFIG_OPTIONS) {
    if (typeof option.flag !== 'string') continue;
    const flag = option.flag;
    it(`--${flag}: ${[flag, option.library, ...names(option.hf)].filter((n) => n !== undefined).join(', ')} set it as documented`, () => {
      const sample = SAMPLES[flag];
      assert.ok(sample, `the test has no sample value for --${flag}`);
      const viaFlag = fromArgv(sample.value === true ? [`--${flag}`] : sample.value === false ? [`--no-${flag}`] : [`--${flag}`, String(sample.value)]);
      assert.notDeepEqual(viaFlag, baseline, `--${flag} changes nothing`);
      // The documented effect: the fields the sample names hold its value.
      for (const [key, value] of Object.entries(sample.expect)) {
        const actual = (viaFlag as Record<string, unknown>)[key];
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
          for (const [k, v] of Object.entries(value)) assert.deepEqual((actual as Record<string, unknown>)[k], v, `--${flag}: ${key}.${k}`);
        } else assert.deepEqual(actual, value, `--${flag}: ${key}`);
      }
      const spellings = new Set([flag, camel(flag), snake(flag), ...names(option.library), ...names(option.hf)]);
      for (const spelling of spellings) assert.deepEqual(fromConfig({ [spelling]: sample.value }), viaFlag, `${spelling}: ${String(sample.value)}`);
    });
  }

  it('library names also work inside a training: section, as trainClassifier takes them', () => {
    assert.deepEqual(fromConfig({ training: { earlyStoppingPatience: 3 } }).earlyStopping, 3);
    assert.deepEqual(fromConfig({ training: { learningRate: 0.002, gradAccumSteps: 3 } }).training, { learningRate: 0.002, gradAccumSteps: 3 });
    assert.equal(
      configError({ training: { earlyStopingPatience: 3 } }),
      `${join(root, 'config.json')}: unknown option 'training.earlyStopingPatience'; did you mean 'earlyStoppingPatience'?`,
    );
  });

  it("adamBetas sets both betas; a lora mapping sets --lora and its flags; Hugging Face's sentinels mean 'not set'", () => {
    assert.deepEqual(fromConfig({ adamBetas: [0.7, 0.95] }).training, { adamBetas: [0.7, 0.95] });
    assert.match(configError({ adamBetas: 0.7 }), /adamBetas: expected two values, \[adam-beta1, adam-beta2\]/);
    assert.deepEqual(fromConfig({ lora: { r: 4, alpha: 8, dropout: 0, targets: ['query'] } }).lora, { r: 4, alpha: 8, dropout: 0, targets: ['query'] });
    assert.equal(fromConfig({ lora: null }).lora, undefined);
    assert.match(configError({ lora: { rank: 4 } }), /unknown option 'lora\.rank' \(lora takes r, alpha, dropout, targets\)$/);
    assert.deepEqual(fromConfig({ max_steps: -1, warmup_steps: 0 }), baseline);
    assert.deepEqual(fromConfig({ maxSteps: 0 }), baseline);
    assert.match(configError({ max_steps: 0 }), /--max-steps 0: must be >= 1/);
  });

  it("lr_scheduler_type takes Hugging Face's names: constant has no warm-up, constant_with_warmup is ours", () => {
    assert.deepEqual(fromConfig({ lr_scheduler_type: 'constant' }).training, { scheduler: 'constant', warmupSteps: 0 });
    assert.deepEqual(fromConfig({ lr_scheduler_type: 'constant_with_warmup' }).training, { scheduler: 'constant' });
    assert.deepEqual(fromConfig({ lr_scheduler_type: 'linear' }).training, { scheduler: 'linear' });
    assert.match(
      configError({ lr_scheduler_type: 'constant', warmup_steps: 10 }),
      /'lr_scheduler_type' and 'warmup_steps' both set --warmup-steps, to different values$/,
    );
  });

  it('eval_strategy: epoch, steps with eval_steps, or no (no validation split); anything else is refused', () => {
    assert.deepEqual(fromConfig({ eval_strategy: 'epoch' }).training, { evalEvery: 'epoch' });
    assert.deepEqual(fromConfig({ eval_strategy: 'steps', eval_steps: 25 }).training, { evalEvery: 25 });
    assert.deepEqual(fromConfig({ evaluation_strategy: 'steps', eval_steps: 25 }).training, { evalEvery: 25 });
    assert.equal(fromConfig({ eval_strategy: 'no' }).evalSplit, 0);
    assert.match(configError({ eval_strategy: 'steps' }), /eval_strategy 'steps' needs eval_steps/);
    assert.match(configError({ eval_strategy: 'epoch', eval_steps: 5 }), /'eval_strategy' and 'eval_steps' both set --eval-every, to different values$/);
    assert.match(configError({ eval_strategy: 'no', eval_steps: 5 }), /eval_steps 5 with eval_strategy 'no': use eval_strategy 'steps'$/);
    assert.match(configError({ eval_strategy: 'sometimes' }), /eval_strategy: 'sometimes' is not one of no, epoch, steps$/);
  });

  it('save_only_model true is --no-save-optimizer', () => {
    assert.deepEqual(fromConfig({ save_only_model: true }).training, { saveOptimizer: false });
    assert.deepEqual(fromConfig({ save_only_model: false }), baseline);
  });

  it('greater_is_better is checked against the metric', () => {
    assert.deepEqual(fromConfig({ metric_for_best_model: 'eval_loss', greater_is_better: false }).training, { metricForBest: 'eval_loss' });
    assert.deepEqual(fromConfig({ greater_is_better: true }), baseline);
    assert.match(
      configError({ metric_for_best_model: 'eval_loss', greater_is_better: true }),
      /greater_is_better true contradicts metric loss, where smaller is better$/,
    );
    assert.match(configError({ greater_is_better: false }), /greater_is_better false contradicts the task's default metric, where greater is better$/);
  });

  it('refuses unknown keys, disagreeing spellings and bad values by name', () => {
    const path = join(root, 'config.json');
    assert.equal(configError({ learning_rat: 0.1 }), `${path}: unknown option 'learning_rat'; did you mean 'learning_rate'?`);
    assert.equal(configError({ fp16: true }), `${path}: unknown option 'fp16'; did you mean 'bf16'?`);
    assert.equal(configError({ lr: 0.1, learning_rate: 0.2 }), `${path}: 'lr' and 'learning_rate' both set --lr, to different values`);
    assert.deepEqual(fromConfig({ lr: 0.1, learning_rate: 0.1 }).training, { learningRate: 0.1 });
    assert.equal(configError({ learning_rate: 'fast' }), `${path}: learning_rate: 'fast' is not a number`);
    assert.equal(configError({ training: { seed: 'x' } }), `${path}: training.seed: 'x' is not an integer`);
    assert.equal(configError({ config: 'other.yaml' }), `${path}: unknown option 'config'`);
  });

  it('flags on the command line override every spelling in the file', () => {
    const path = join(root, 'override.yaml');
    writeFileSync(path, 'learning_rate: 0.1\nnum_train_epochs: 5\n');
    assert.deepEqual(fromArgv(['--config', path, '--lr', '0.3']).training, { epochs: 5, learningRate: 0.3 });
  });

  it("README's configuration table names every spelling", () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    for (const option of CONFIG_OPTIONS) {
      for (const name of [...names(option.library), ...names(option.hf)]) assert.ok(readme.includes(`\`${name}\``), `README does not name ${name}`);
    }
  });
});
