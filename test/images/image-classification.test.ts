// Image classification end to end on a tiny ResNet: train / eval / predict --image, report grid, bad files, duplicates, frozen-base caching, exact resume with augmentation, Fashion-MNIST.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { labelsFromNames } from '../../src/models/labels.js';
import { loadTaskModel } from '../../src/models/load.js';
import { isImageTaskModel } from '../../src/models/vision/image-model.js';
import { imageClassificationTask } from '../../src/tasks/image-classification/index.js';
import { manualSeed } from '../../src/tensor/random.js';
import type { TrainerCallback } from '../../src/train/callbacks/callback.js';
import { listCheckpoints } from '../../src/train/checkpoint.js';
import { imageRunData } from '../../src/train/run/image-data.js';
import { resizedPreprocessor } from '../../src/train/run/train-images.js';
import { Trainer } from '../../src/train/trainer.js';
import { resolveTrainingArguments } from '../../src/train/training-args.js';
import { lastJson, runCli } from '../support/run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-images-'));
after(() => rmSync(root, { recursive: true, force: true }));
const at = (name: string): string => join(root, name);
const resnet = fileURLToPath(new URL('../../../test/golden/vision/resnet-basic', import.meta.url));
const FASHION = '/usr/share/datasets/fashion-mnist';

/** 16 x 16 images: a bright horizontal or vertical bar on a dim pattern. */
async function writeBars(folder: string, perClass: number): Promise<void> {
  for (const cls of ['horizontal', 'vertical']) {
    mkdirSync(join(folder, cls), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const px = Buffer.alloc(16 * 16 * 3);
      for (let p = 0; p < px.length; p++) px[p] = (p * 37 + i * 11) % 60;
      const bar = 2 + (i % 12);
      for (let k = 0; k < 16; k++) {
        const q = cls === 'vertical' ? k * 16 + bar : bar * 16 + k;
        px.fill(250, q * 3, q * 3 + 3);
      }
      await sharp(px, { raw: { width: 16, height: 16, channels: 3 } })
        .png()
        .toFile(join(folder, cls, `${i}.png`));
    }
  }
}

const train = (...args: string[]): string[] => [
  'train',
  '--model',
  resnet,
  '--image-size',
  '16',
  '--threads',
  '1',
  '--batch-size',
  '8',
  '--lr',
  '0.01',
  ...args,
];

before(async () => {
  await writeBars(at('bars'), 12);
});

describe('finetune train on images', () => {
  it('chooses the image task, saves the model with its preprocessing, a report with the surest mistakes, and evaluates and predicts', async () => {
    const run = await runCli(train('--data', at('bars'), '--epochs', '2', '--eval-split', '0.25', '--output', at('out'), '--json'));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /task: image-classification \(from the model's config\.json\)/);
    assert.match(run.stderr, /bars: 24 images \(folder, 16x16 pixels\)/);
    const result = lastJson(run.stdout);
    assert.equal(result.eval_samples, 6);
    for (const file of ['config.json', 'model.safetensors', 'preprocessor_config.json', 'report.html', 'eval_results.json'])
      assert.ok(existsSync(at(`out/${file}`)), file);
    const pre = JSON.parse(readFileSync(at('out/preprocessor_config.json'), 'utf8'));
    assert.equal(pre.size.shortest_edge, 16);
    const evalResults = JSON.parse(readFileSync(at('out/eval_results.json'), 'utf8'));
    assert.deepEqual(evalResults.labels, ['horizontal', 'vertical']);
    const report = readFileSync(at('out/report.html'), 'utf8');
    assert.match(report, /<h2>Confusion matrix<\/h2>/);
    assert.match(report, /<h2>Misclassified images/);
    const wrong = evalResults.misclassified.length;
    if (wrong > 0) assert.equal((report.match(/<img src="data:image\/png;base64,/g) ?? []).length, wrong);
    else assert.match(report, /No evaluation image was misclassified/);

    const evaluated = await runCli(['eval', '--model', at('out'), '--data', at('bars'), '--json']);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.equal(lastJson(evaluated.stdout).eval_samples, 24);
    const predicted = await runCli(['predict', '--model', at('out'), '--image', at('bars/vertical/3.png'), '--image', at('bars/horizontal/0.png')]);
    assert.equal(predicted.code, 0, predicted.stderr);
    const lines = predicted.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.equal(lines[0].image, at('bars/vertical/3.png'));
    assert.ok(['horizontal', 'vertical'].includes(lines[0].label));
    assert.equal(lines[0].probs.length, 2);
    const missing = await runCli(['predict', '--model', at('out'), '--image', at('nope.png')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.png: no such image file\n$/);
  });

  it('stops at a corrupt image with one line naming it, or skips and counts it; warns of evaluation images equal to training ones', async () => {
    await writeBars(at('bad'), 4);
    writeFileSync(at('bad/vertical/broken.png'), Buffer.from('\x89PNG\r\n\x1a\n this is not the rest of a png'));
    const failed = await runCli(train('--data', at('bad'), '--max-steps', '1', '--output', at('bad-out')));
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /bad\/vertical\/broken\.png: not a readable image \(.*\)\n$/);
    assert.equal(failed.stderr.trimEnd().split('\n').length, 1);
    assert.ok(!existsSync(at('bad-out')), 'nothing written');
    const skipped = await runCli(train('--data', at('bad'), '--eval-data', at('bars'), '--skip-bad-images', '--max-steps', '1', '--output', at('skip-out')));
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.match(skipped.stdout, /warning: .*bad: skipped 1 unreadable image\(s\) \(--skip-bad-images\), e\.g\. .*broken\.png/);
    // bad/ holds bars 0..3 of each class: the same bytes as bars/ 0..3.
    assert.match(skipped.stdout, /warning: .*bars: 8 of 24 images \(33\.3%\) have the same bytes as a training image/);
  });

  it('trains the head on cached features of a frozen base, with no augmentation', async () => {
    const run = await runCli(train('--data', at('bars'), '--freeze', 'base', '--max-steps', '3', '--output', at('frozen')));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /the base is frozen: computing its features once, then training the head on them \(no augmentation\)/);
    assert.equal(JSON.parse(readFileSync(at('frozen/training_args.json'), 'utf8')).augment, false);
  });

  it('trains the built-in MobileNetV2 of nsfwjs when image data comes without --model', async () => {
    const run = await runCli([
      'train',
      '--data',
      at('bars'),
      '--image-size',
      '32',
      '--max-steps',
      '1',
      '--batch-size',
      '4',
      '--eval-split',
      '0.25',
      '--output',
      at('builtin'),
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /model: mobilenet-v2-keras from .*nsfwjs.*, 2,226,434 parameters, 2,226,434 trained \(100\.00%\), input 32x32/);
    const predicted = await runCli(['predict', '--model', at('builtin'), '--image', at('bars/vertical/1.png')]);
    assert.equal(predicted.code, 0, predicted.stderr);
    assert.equal(JSON.parse(predicted.stdout).probs.length, 2);
  });

  it('sets the batch norms momentum, and refuses one outside (0, 1]', async () => {
    const run = await runCli(train('--data', at('bars'), '--bn-momentum', '0.3', '--max-steps', '1', '--output', at('bn')));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(readFileSync(at('bn/training_args.json'), 'utf8')).bn_momentum, 0.3);
    const bad = await runCli(train('--data', at('bars'), '--bn-momentum', '0', '--max-steps', '1', '--output', at('bn-bad')));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--bn-momentum 0: must be in \(0, 1\]\n$/);
  });

  it('refuses a text model for images, naming it', async () => {
    const bert = fileURLToPath(new URL('../../../test/golden/models/bert', import.meta.url));
    const run = await runCli(['train', '--model', bert, '--data', at('bars'), '--max-steps', '1', '--output', at('text-model')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /bert\/config\.json: a bert model reads text; it has no image-classification head/);
  });
});

describe('resuming an augmented image run', () => {
  async function setup() {
    const data = await imageRunData({ data: at('bars'), seed: 3, evalSplit: 0.25 });
    manualSeed(3);
    const head = { kind: 'image-classification' as const, labels: labelsFromNames(data.classNames), problemType: 'single_label_classification' as const };
    const { model } = await loadTaskModel(resnet, { headKind: head.kind, labels: head.labels });
    assert.ok(isImageTaskModel(model));
    const encoded = data.encode(resizedPreprocessor(model.preprocessor, 16), { seed: 3 });
    return { model, task: imageClassificationTask({ labels: data.classNames }), train: encoded.train, evaluation: encoded.evaluation! };
  }
  const args = (outputDir: string) => resolveTrainingArguments({ outputDir, epochs: 3, batchSize: 6, learningRate: 0.01, evalEvery: 2, seed: 3 });
  const weights = (model: { namedParameters(): [string, { f32(): Float32Array }][] }) => model.namedParameters().map(([n, p]) => [n, Array.from(p.f32())]);

  it('ends with the weights of the uninterrupted run (the crops are drawn per epoch and image)', async () => {
    const reference = await setup();
    await new Trainer({
      model: reference.model,
      task: reference.task,
      args: args(at('ref')),
      trainData: reference.train,
      evalData: reference.evaluation,
    }).train();
    const stopped = await setup();
    const controller = new AbortController();
    const abortAt: TrainerCallback = {
      name: 'AbortAt5',
      onStepEnd(context) {
        if (context.state.globalStep === 5) setImmediate(() => controller.abort());
      },
    };
    const first = await new Trainer({
      model: stopped.model,
      task: stopped.task,
      args: args(at('resumed')),
      trainData: stopped.train,
      evalData: stopped.evaluation,
      callbacks: [abortAt],
      signal: controller.signal,
    }).train();
    assert.equal(first.aborted, true);
    const resumed = await setup();
    const second = new Trainer({ model: resumed.model, task: resumed.task, args: args(at('resumed')), trainData: resumed.train, evalData: resumed.evaluation });
    second.resumeFrom(listCheckpoints(at('resumed')).at(-1)!.path);
    await second.train();
    assert.deepEqual(weights(resumed.model), weights(reference.model));
  });
});

describe('Fashion-MNIST', { skip: existsSync(FASHION) ? false : `${FASHION} is absent (Debian package dataset-fashion-mnist)` }, () => {
  it('trains a few steps on a few images of the IDX files and names the classes', async () => {
    const run = await runCli(
      train('--data', FASHION, '--max-train-images', '40', '--max-eval-images', '50', '--max-steps', '3', '--output', at('fashion'), '--json'),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /task: image-classification/);
    assert.match(run.stderr, /training on a stratified subset of 40 images/);
    assert.match(run.stderr, /T-shirt\/top 4 \(10\.0%\)/);
    // Checkpoints are picked on a validation split of the training images; the test split is scored once, at the end.
    assert.match(run.stderr, /evaluation: 50 images from validation split .*, a stratified subset of 50 \(--max-eval-images, seed 42\): Ankle boot 5/);
    assert.match(
      run.stderr,
      /test: 50 images from .*fashion-mnist \(its test split\), a stratified subset of 50 \(--max-eval-images, seed 42\), scored once after training: Ankle boot 5/,
    );
    assert.match(run.stderr, /step 3\/3 .*, [\d.]+ examples\/s/);
    const result = lastJson(run.stdout);
    assert.equal(result.eval_samples, 50);
    // The final evaluation is the last step's (the same weights), not a second pass.
    const state = JSON.parse(readFileSync(at('fashion/trainer_state.json'), 'utf8'));
    assert.equal(state.log_history.filter((e: Record<string, unknown>) => 'eval_loss' in e).at(-1).eval_loss, result.eval_loss);
    assert.match(readFileSync(at('fashion/config.json'), 'utf8'), /"Ankle boot"/);
    assert.equal(JSON.parse(readFileSync(at('fashion/eval_results.json'), 'utf8')).test_samples, 50);
  });
});
