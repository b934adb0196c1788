// One clear line for what used to print several or blame the wrong thing: YAML tags, FINETUNE_THREADS, --max-steps 0.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = mkdtempSync(join(tmpdir(), 'finetune-messages-'));
after(() => rmSync(root, { recursive: true, force: true }));
const bin = fileURLToPath(new URL('../../../bin/finetune.js', import.meta.url));

function finetune(args: readonly string[], env: Record<string, string> = {}): { code: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: run.status, stderr: run.stderr };
}

describe('messages', () => {
  it('a YAML tag in --config is one error line, not Node warnings', () => {
    const config = join(root, 'tagged.yaml');
    writeFileSync(config, 'epochs: !foo 3\n');
    const run = finetune(['train', '--config', config, '--model', 'x', '--data', 'y']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^finetune: .*tagged\.yaml: not valid YAML: Unresolved tag: !foo[^\n]*\n$/);
    assert.doesNotMatch(run.stderr, /YAMLWarning|trace-warnings/);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
  });

  it('a YAML alias bomb is refused in one line', () => {
    const config = join(root, 'bomb.yaml');
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
    writeFileSync(config, `${levels.join('\n')}\n`);
    const run = finetune(['train', '--config', config]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^finetune: .*bomb\.yaml: not valid YAML: .*alias/i);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
  });

  it('FINETUNE_THREADS=abc is one line naming the variable, not a missing native addon', () => {
    const run = finetune(['bench', 'matmul', '--m', '4', '--k', '4', '--n', '4'], { FINETUNE_THREADS: 'abc' });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, "finetune: FINETUNE_THREADS: 'abc' is not a thread count (an integer from 1 to 1024)\n");
  });
});

describe('data messages', () => {
  it('a damaged Parquet file says so, not "Cannot read properties of undefined"', async () => {
    const { loadDataset } = await import('../../src/data/load.js');
    const damaged = join(root, 'damaged.parquet');
    writeFileSync(damaged, readFileSync(fileURLToPath(new URL('../../../test/fixtures/fuzz/parquet/case-4.bin', import.meta.url))));
    await assert.rejects(loadDataset(damaged), { name: 'FinetuneError', message: `${damaged}: cannot read as Parquet (the file is damaged, truncated or not Parquet)` });
  });
});
