// `finetune list` names the built-in models and data sets; `finetune completion bash|zsh` completes commands, flags and paths.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { runCli } from '../../../test/support/run-cli.js';

describe('finetune list', () => {
  it('names every built-in model and data set with its package', async () => {
    const run = await runCli(['list']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^models \(--model <name>\):\n {2}use-lite +Google's Universal Sentence Encoder Lite.*\[npm @energetic-ai\/model-embeddings-en\]$/m,
    );
    assert.match(run.stdout, /^data sets \(--data <name>\):\n {2}spam-assassin {2}SpamAssassin public mail corpus.*\[npm @stdlib\/datasets-spam-assassin\]$/m);
    const json = await runCli(['list', '--json']);
    const result = JSON.parse(json.stdout.trimEnd().split('\n').at(-1)!);
    assert.deepEqual(
      result.models.map((m: { name: string; installed: boolean }) => [m.name, m.installed]),
      [
        ['use-lite', true],
        ['nsfwjs-mobilenet-v2', true],
      ],
    );
    assert.ok(result.datasets.some((d: { name: string }) => d.name === 'spam-assassin'));
  });

  it('takes no words', async () => {
    const run = await runCli(['list', 'models']);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, "finetune: list: unexpected argument 'models'\n");
  });
});

/** COMPREPLY of the bash script for the words typed so far (the last one being completed). */
async function bashComplete(words: readonly string[]): Promise<string[]> {
  const script = (await runCli(['completion', 'bash'])).stdout;
  const line = `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _finetune; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const run = spawnSync('bash', ['-c', `${script}\n${line}`], { encoding: 'utf8', cwd: new URL('../../../../', import.meta.url).pathname });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.split('\n').filter((w) => w !== '');
}

describe('finetune completion', () => {
  it('bash: commands, then the flags of the command typed, then paths after a file flag', async () => {
    assert.deepEqual(await bashComplete(['finetune', 'co']), ['completion']);
    assert.ok(
      (await bashComplete(['finetune', '']).then((w) => w.join(' '))).startsWith(
        'train eval predict merge info bench generate export search worker push list completion',
      ),
    );
    assert.deepEqual(await bashComplete(['finetune', 'train', '--save-s']), ['--save-strategy', '--save-steps']);
    assert.deepEqual(await bashComplete(['finetune', 'predict', '--text-p']), ['--text-pair', '--text-pair-column']);
    assert.ok((await bashComplete(['finetune', 'train', '--data', 'READ'])).includes('README.md'));
  });

  it('zsh: a compdef script with every command and its flags', async () => {
    const run = await runCli(['completion', 'zsh']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^#compdef finetune\n/);
    assert.match(run.stdout, /commands=\(train eval predict merge info bench generate export search worker push list completion help\)/);
    assert.match(run.stdout, /train\) flags=\([^)]*--report-to[^)]*\)/);
  });

  it('refuses other shells and a missing one (exit 2)', async () => {
    assert.equal((await runCli(['completion', 'fish'])).stderr, "finetune: completion: unknown shell 'fish': bash or zsh\n");
    const none = await runCli(['completion']);
    assert.equal(none.code, 2);
    assert.equal(none.stderr, 'finetune: completion: name a shell: bash or zsh\n');
  });
});
