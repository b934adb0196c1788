// `finetune search` end to end on a tiny BERT: run folders and leaderboard, best.yaml trains, ASHA prunes, SIGKILL + --resume equals an uninterrupted search, bad input.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { lastJson, runCli } from '../support/run-cli.js';
import { boardOf, checkpointsOf, start, trialsOf, until, writeSearchSetup } from './support.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-search-'));
after(() => rmSync(root, { recursive: true, force: true }));
const config = writeSearchSetup(root, 3);
const at = (name: string): string => join(root, name);

describe('finetune search', () => {
  it('runs each trial as a run folder, ranks them in search.json and report.html, and best.yaml trains as it is', async () => {
    const run = start(['search', '--config', config, '--output', at('s1'), '--parallel', '2', '--threads', '2', '--json']);
    const exit = await run.done;
    assert.equal(exit.code, 0, exit.stderr);
    const result = lastJson(exit.stdout) as { trials: number; leaderboard: { trial: number; value: number }[]; best: { trial: number } };
    assert.equal(result.trials, 3);
    assert.equal(result.leaderboard.length, 3);
    const values = result.leaderboard.map((r) => r.value);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => a - b),
      'loss: smallest first',
    );
    for (const t of trialsOf(at('s1'))) {
      assert.equal(t.status, 'complete');
      assert.equal(t.globalStep, 30);
      const folder = at(`s1/trial-00${t.index}`);
      for (const file of ['eval_results.json', 'trainer_state.json', 'report.html', 'train.log'])
        assert.ok(existsSync(join(folder, file)), `${folder}/${file}`);
    }
    const report = readFileSync(at('s1/report.html'), 'utf8');
    assert.match(report, /<svg/);
    assert.match(report, /finetune train --model \S+ --init random/);
    assert.match(exit.stderr, /best: trial \d, loss/);
    const best = readFileSync(at('s1/best.yaml'), 'utf8');
    assert.match(best, /^lr: /m);
    const train = await runCli(['train', '--config', at('s1/best.yaml'), '--output', at('best'), '--threads', '1', '--json']);
    assert.equal(train.code, 0, train.stderr);
    assert.equal(lastJson(train.stdout).eval_loss, result.leaderboard[0]!.value, 'the best configuration trained again gives its value');
  });

  it('prunes weak trials with ASHA and spends fewer steps', async () => {
    const ashaConfig = at('asha.yaml');
    writeFileSync(ashaConfig, `${readFileSync(config, 'utf8').replace('trials: 3', 'trials: 6')}  asha: {unit: steps, min_resource: 5, reduction_factor: 2}\n`);
    const run = await runCli(['search', '--config', ashaConfig, '--output', at('asha'), '--parallel', '2', '--threads', '2', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const trials = trialsOf(at('asha'));
    const pruned = trials.filter((t) => t.status === 'pruned');
    assert.ok(pruned.length >= 1, `some trial pruned: ${JSON.stringify(trials.map((t) => t.status))}`);
    assert.ok(
      pruned.every((t) => t.globalStep < 30 && checkpointsOf(at(`asha/trial-00${t.index}`)).length > 0),
      'a pruned trial stops early with a checkpoint',
    );
    assert.ok((lastJson(run.stdout).total_steps as number) < 6 * 30);
    assert.ok(
      trials.some((t) => t.status === 'complete'),
      'a search always ends with a complete trial (its leader is run to the end)',
    );
    // A promoted trial resumed from the checkpoint where it paused, at or past a rung (5, 10, 20 steps).
    for (const t of trials.filter((t) => t.startSteps.length > 1))
      assert.ok(
        t.startSteps.slice(1).every((s) => s >= 5),
        JSON.stringify(t),
      );
    assert.match(readFileSync(at('asha/report.html'), 'utf8'), /ASHA \(eta 2/);
  });

  it('after SIGKILL, --resume repeats no finished trial, resumes the interrupted one from its checkpoint and ends with the same leaderboard', async () => {
    const args = (out: string): string[] => ['search', '--config', config, '--output', at(out), '--threads', '1', '--parallel', '1'];
    const whole = await runCli(args('whole'));
    assert.equal(whole.code, 0, whole.stderr);
    const run = start(args('killed'));
    const stepOf = (name: string): number => Number(/^checkpoint-(\d+)$/.exec(name)?.[1] ?? 0);
    await until(() => checkpointsOf(at('killed/trial-001')).some((c) => stepOf(c) >= 10), 'a second checkpoint of trial 1');
    run.child.kill('SIGKILL');
    await run.done;
    const before = trialsOf(at('killed'));
    assert.equal(before[0]!.status, 'complete');
    assert.equal(before[1]!.status, 'running');
    // The trial's process sees its parent gone and exits; its lock is then stale and the resumed search takes it over.
    await new Promise((r) => setTimeout(r, 500));
    const resumed = await runCli([...args('killed'), '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /resuming the search .*: 1 trials finished, 1 to resume/);
    const after = trialsOf(at('killed'));
    assert.deepEqual(after[0]!.startSteps, [0], 'the finished trial did not run again');
    assert.equal(after[1]!.startSteps.length, 1);
    assert.ok(after[1]!.startSteps[0]! >= 10, `trial 1 resumed from its checkpoint (step ${after[1]!.startSteps[0]})`);
    assert.deepEqual(boardOf(at('killed')), boardOf(at('whole')));
  });

  it('stops the running trial at a checkpoint when --budget is spent, and --resume finishes with the same leaderboard', async () => {
    const args = ['search', '--config', config, '--output', at('budget'), '--threads', '1', '--parallel', '1'];
    // 50 ms: less than a trial's process takes to start, so the budget is spent before its first step ends.
    const short = await runCli([...args, '--budget', '0.05s', '--json']);
    assert.equal(short.code, 0, short.stderr);
    assert.equal(lastJson(short.stdout).out_of_budget, true);
    assert.match(short.stderr, /the budget is spent/);
    const trials = trialsOf(at('budget'));
    assert.equal(trials.length, 1, 'no trial starts after the budget');
    assert.equal(trials[0]!.status, 'interrupted');
    const resumed = await runCli([...args, '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(boardOf(at('budget')), boardOf(at('whole')));
  });

  it('refuses a folder that holds another search without --resume, and a resume with another space', async () => {
    const again = await runCli(['search', '--config', config, '--output', at('whole')]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^finetune: --output \S+whole: holds a search \(search\.json\); pass --resume/);
    const other = at('other.yaml');
    writeFileSync(other, readFileSync(config, 'utf8').replace('batch-size: [4, 8]', 'batch-size: [4, 16]'));
    const changed = await runCli(['search', '--config', other, '--output', at('whole'), '--resume']);
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /search\.json: the search block \(space, metric, sampler, seed or asha\) differs/);
  });

  it('names the key at fault in a bad search block, and fails within seconds on an unreachable Redis', async () => {
    const bad = at('bad.yaml');
    writeFileSync(bad, readFileSync(config, 'utf8').replace('batch-size: [4, 8]', 'batchsize: [4, 8]'));
    const unknown = await runCli(['search', '--config', bad, '--output', at('bad')]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr.trimEnd().split('\n').length, 1);
    assert.match(unknown.stderr, /bad\.yaml: search\.space\.batchsize: unknown parameter; did you mean batch-size\?/);
    const noSearch = at('nosearch.yaml');
    writeFileSync(noSearch, readFileSync(config, 'utf8').split('search:')[0]!);
    assert.match((await runCli(['search', '--config', noSearch])).stderr, /nosearch\.yaml: no search: block/);
    const t0 = Date.now();
    const unreachable = await runCli(['search', '--config', config, '--output', at('q'), '--queue', 'redis://127.0.0.1:1/0']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /^finetune: --queue redis:\/\/127\.0\.0\.1:1\/0: cannot reach Redis/);
    const worker = await runCli(['worker', '--queue', 'redis://127.0.0.1:1/0']);
    assert.match(worker.stderr, /^finetune: --queue redis:\/\/127\.0\.0\.1:1\/0: cannot reach Redis/);
    assert.ok(Date.now() - t0 < 10_000, 'both within seconds');
    assert.match((await runCli(['worker', '--queue', 'http://x'])).stderr, /--queue http:\/\/x: expected redis:\/\/host:port\/db/);
  });
});
