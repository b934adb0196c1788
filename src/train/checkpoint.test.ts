// Checkpoint folders: round trip, rotation keeping the best and the last K, leftovers of killed writers, clear errors.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Embedding, Linear } from '../nn/layers.js';
import { Module, ModuleBuffer, type Parameter } from '../nn/module.js';
import { readSafetensors } from '../io/safetensors.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { checkpointPath, listCheckpoints, loadCheckpoint, MODEL_FILE, removeStaleTemporaries, rotateCheckpoints, saveCheckpoint } from './checkpoint.js';
import { prepareCheckpointFolder, restoreBestWeights } from './checkpoint-housekeeping.js';
import { AdamW } from './optim/adamw.js';
import { weightDecayGroups } from './param-groups.js';
import { TrainerState } from './trainer-state.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-ckpt-'));
after(() => rmSync(root, { recursive: true, force: true }));

class Net extends Module {
  readonly a = new Linear(3, 2, { rng: new Random(1) });
  readonly b = new Linear(2, 2, { rng: new Random(2) });
}

const schedule = { name: 'linear', baseLr: 0.1, warmupSteps: 0, totalSteps: 10 } as const;

async function trainedParts(): Promise<{ net: Net; optimizer: AdamW; state: TrainerState }> {
  const net = new Net();
  net.b.freeze();
  const optimizer = new AdamW([{ params: net.parameters().filter((p) => p.requiresGrad) }], { lr: 0.1 });
  for (const p of net.a.parameters()) p.grad = Tensor.full(p.shape, 0.5);
  optimizer.step();
  const state = new TrainerState();
  state.globalStep = 1;
  state.rngState = [1, 2, 3, 4];
  state.logHistory.push({ loss: 0.7, step: 1, epoch: 0.1 });
  return { net, optimizer, state };
}

describe('checkpoints', () => {
  it('round-trips model, optimizer and state', async () => {
    const { net, optimizer, state } = await trainedParts();
    const dir = join(root, 'roundtrip');
    await saveCheckpoint(dir, { model: net, optimizer, state, schedule });
    const other = new Net();
    other.b.freeze();
    const otherOptimizer = new AdamW([{ params: other.parameters().filter((p) => p.requiresGrad) }], { lr: 0.1 });
    const loaded = loadCheckpoint(dir, other, otherOptimizer);
    assert.deepEqual(other.a.weight.toArray(), net.a.weight.toArray());
    assert.deepEqual(otherOptimizer.stateDict(), optimizer.stateDict());
    assert.deepEqual(loaded.state.toJSON(), state.toJSON());
    assert.deepEqual(loaded.schedule, schedule);
  });

  it('saves and restores persistent buffers and a tied parameter (once), so a resumed run continues exactly', async () => {
    class WithState extends Module {
      readonly wte = new Embedding(4, 2, { rng: new Random(5) });
      readonly out = new Linear(2, 4, { bias: false, rng: new Random(6) });
      readonly running_mean = new ModuleBuffer(Float32Array.of(0.25, -1.5), [2]);
      readonly steps = new ModuleBuffer(Int32Array.of(7), [1]);
      readonly scratch = new ModuleBuffer(Float32Array.of(9), [1], false);
      constructor() {
        super();
        (this.out as { weight: Parameter }).weight = this.wte.weight;
      }
    }
    const make = (): { model: WithState; optimizer: AdamW } => {
      const model = new WithState();
      return { model, optimizer: new AdamW(weightDecayGroups(model, 0.01), { lr: 0.1 }) };
    };
    const saved = make();
    for (const p of saved.model.parameters()) p.grad = Tensor.full(p.shape, 0.5);
    saved.optimizer.step();
    saved.model.running_mean.f32()[1] = 3;
    const dir = join(root, 'buffers');
    await saveCheckpoint(dir, { model: saved.model, optimizer: saved.optimizer, state: new TrainerState(), schedule });
    const loaded = make();
    loaded.model.scratch.f32()[0] = 1;
    loadCheckpoint(dir, loaded.model, loaded.optimizer);
    assert.deepEqual(loaded.model.running_mean.toArray(), [0.25, 3]);
    assert.deepEqual(loaded.model.steps.toArray(), [7]);
    assert.deepEqual(loaded.model.scratch.toArray(), [1]);
    assert.deepEqual(loaded.model.out.weight.toArray(), saved.model.wte.weight.toArray());
    assert.equal(loaded.model.out.weight, loaded.model.wte.weight);
    assert.deepEqual(loaded.optimizer.stateDict(), saved.optimizer.stateDict());
    assert.deepEqual([...readSafetensors(join(dir, MODEL_FILE)).tensors.keys()].sort(), ['running_mean', 'steps', 'wte.weight']);
    assert.deepEqual([...readSafetensors(join(dir, 'optimizer.safetensors')).tensors.keys()].sort(), ['exp_avg.wte.weight', 'exp_avg_sq.wte.weight']);
  });

  it('fails naming the file when parts are missing or do not fit the model', async () => {
    const { net, optimizer, state } = await trainedParts();
    const dir = join(root, 'broken');
    await saveCheckpoint(dir, { model: net, optimizer, state, schedule });
    const allTrained = new Net();
    const allOptimizer = new AdamW(allTrained.parameters(), { lr: 0.1 });
    for (const p of allTrained.parameters()) p.grad = Tensor.full(p.shape, 0.5);
    allOptimizer.step();
    const wider = join(root, 'wider');
    await saveCheckpoint(wider, { model: allTrained, optimizer: allOptimizer, state, schedule });
    assert.throws(
      () => loadCheckpoint(wider, net, optimizer),
      /wider\/optimizer\.safetensors: optimizer state for 'b\.(weight|bias)', which this run does not train/,
    );
    rmSync(join(dir, MODEL_FILE));
    assert.throws(() => loadCheckpoint(dir, net, optimizer), /model\.safetensors: missing from the checkpoint/);
    assert.throws(() => loadCheckpoint(join(root, 'nowhere'), net, optimizer), /nowhere: no such checkpoint folder/);
  });

  it('keeps the best and the last K, and ignores or removes leftovers of killed writers', async () => {
    const { net, optimizer, state } = await trainedParts();
    const out = join(root, 'rotate');
    for (const step of [5, 10, 15, 20]) await saveCheckpoint(checkpointPath(out, step), { model: net, optimizer, state, schedule });
    // What a writer killed mid-checkpoint leaves: a hidden temporary folder named after a dead process.
    const leftover = join(out, 'checkpoints', '.checkpoint-25.tmp-999999999-abcd1234');
    mkdirSync(leftover);
    writeFileSync(join(leftover, MODEL_FILE), 'half');
    assert.deepEqual(
      listCheckpoints(out).map((c) => c.step),
      [5, 10, 15, 20],
    );
    rotateCheckpoints(out, 2, [checkpointPath(out, 5)]);
    assert.deepEqual(
      listCheckpoints(out).map((c) => c.step),
      [5, 15, 20],
    );
    assert.deepEqual(removeStaleTemporaries(join(out, 'checkpoints')), ['.checkpoint-25.tmp-999999999-abcd1234']);
    assert.ok(!existsSync(leftover));
    const live = join(out, 'checkpoints', `.checkpoint-30.tmp-${process.pid}-abcd1234`);
    mkdirSync(live);
    assert.deepEqual(removeStaleTemporaries(join(out, 'checkpoints')), []);
    assert.ok(readdirSync(join(out, 'checkpoints')).includes(`.checkpoint-30.tmp-${process.pid}-abcd1234`));
  });

  it('drops checkpoints of an abandoned later run and keeps the final weights when the best one is gone', async () => {
    const { net, optimizer, state } = await trainedParts();
    const out = join(root, 'housekeeping');
    for (const step of [5, 10, 15]) await saveCheckpoint(checkpointPath(out, step), { model: net, optimizer, state, schedule });
    const lines: string[] = [];
    const warnings: string[] = [];
    const output = { line: (t: string) => void lines.push(t), warn: (t: string) => void warnings.push(t) };
    state.globalStep = 5;
    prepareCheckpointFolder(out, state, output);
    assert.deepEqual(
      listCheckpoints(out).map((c) => c.step),
      [5],
    );
    assert.match(lines[0]!, /removed 2 checkpoints after step 5 left by an earlier run/);
    Object.assign(state, { globalStep: 20, bestGlobalStep: 10, bestModelCheckpoint: 'checkpoints/checkpoint-10' });
    const before = net.a.weight.toArray();
    assert.equal(restoreBestWeights(out, state, net, output), false);
    assert.match(warnings[0]!, /the best checkpoint checkpoints\/checkpoint-10 no longer exists; keeping the weights of step 20/);
    assert.deepEqual(net.a.weight.toArray(), before);
  });
});
