// `--data -` (stdin) and `--data <(zcat x.gz)` (a pipe) train like the file itself; an endless pipe of zeros stops at once with one line.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { syntheticExamples } from '../support/tiny-classifier.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-pipes-'));
after(() => rmSync(root, { recursive: true, force: true }));
const bin = fileURLToPath(new URL('../../../bin/finetune.js', import.meta.url));
const golden = fileURLToPath(new URL('../../../test/golden/models/bert', import.meta.url));
const data = join(root, 'train.tsv');
writeFileSync(
  data,
  `sentence\tlabel\n${syntheticExamples(40, 1)
    .map((e) => `${e.text}\t${e.label}`)
    .join('\n')}\n`,
);

function train(source: string, output: string, input?: string): { code: number | null; stderr: string; ms: number } {
  const started = Date.now();
  const run = spawnSync(process.execPath, [bin, 'train', '--model', golden, '--data', source, '--max-steps', '2', '--output', join(root, output)], {
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });
  return { code: run.status, stderr: run.stderr, ms: Date.now() - started };
}

/** A FIFO fed by `command` (with `$FIFO` its path) in the background, as bash's `<(...)` makes one. */
function fifoFrom(name: string, command: string): { path: string; stop: () => void } {
  const path = join(root, name);
  assert.equal(spawnSync('mkfifo', [path]).status, 0);
  const writer = spawn('sh', ['-c', `${command} > "$FIFO"`], { env: { ...process.env, FIFO: path }, stdio: 'ignore' });
  return { path, stop: () => writer.kill() };
}

const weights = (output: string): Buffer => readFileSync(join(root, output, 'model.safetensors'));

describe('data through pipes', () => {
  it('stdin and a pipe of gzip data give the model the file gives', () => {
    assert.equal(train(data, 'file').code, 0);
    const stdin = train('-', 'stdin', readFileSync(data, 'utf8'));
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.deepEqual(weights('stdin'), weights('file'));
    const fifo = fifoFrom('data.fifo', `gzip -c '${data}'`);
    try {
      const piped = train(fifo.path, 'pipe');
      assert.equal(piped.code, 0, piped.stderr);
    } finally {
      fifo.stop();
    }
    assert.deepEqual(weights('pipe'), weights('file'));
  });

  it('an endless pipe of zeros: exit 1 within 2 s with one line', () => {
    const fifo = fifoFrom('zero.fifo', 'cat /dev/zero');
    try {
      const run = train(fifo.path, 'zero');
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr.trimEnd(), /^finetune: .*zero\.fifo: binary data \(NUL byte at offset 0\), not text$/);
      // The 2 s are the reader's: the start of a Node process (seconds on a loaded machine) is measured and left out.
      const started = Date.now();
      spawnSync(process.execPath, [bin, '--version']);
      const startup = Date.now() - started;
      assert.ok(run.ms - startup < 2000, `took ${run.ms} ms, of which ${startup} ms starting a process`);
    } finally {
      fifo.stop();
    }
  });
});
