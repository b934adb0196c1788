// Tests for bench matmul --compare: the alternation and the ratios against a stand-in anchors script, and the errors.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { anchorsScript, benchMatmulCompare } from './bench-matmul-compare.js';
import { getBackend } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'matmul-compare-'));
/** A stand-in for bench/matmul-anchors.py (run by node): 'slow' takes 1000 ms per call, 'fast' 0.001 ms. */
const fake = join(dir, 'anchors.mjs');
writeFileSync(
  fake,
  `import { createInterface } from 'node:readline';
console.log(JSON.stringify({ anchors: ['slow', 'fast'], info: { slow: 'slow one', fast: 'fast one' } }));
for await (const line of createInterface({ input: process.stdin })) {
  const [name, label] = line.split(' ');
  if (!['NN', 'NT', 'TN', 'TT'].includes(label)) console.log('error bad label ' + label);
  else console.log(name === 'slow' ? '1000 1000' : '0.001 0.001');
}
`,
);
const broken = join(dir, 'broken.mjs');
writeFileSync(
  broken,
  `console.log(JSON.stringify({ anchors: ['x'], info: {} }));\nprocess.stdin.once('data', () => { console.log('error no such anchor'); });\n`,
);
const silent = join(dir, 'silent.mjs');
writeFileSync(silent, `process.stderr.write('ModuleNotFoundError: numpy\\n'); process.exit(1);\n`);

/** A stand-in that also appends every request it answers to calls.log. */
const counting = join(dir, 'counting.mjs');
writeFileSync(
  counting,
  `import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
console.log(JSON.stringify({ anchors: ['one'], info: { one: 'counted' } }));
for await (const line of createInterface({ input: process.stdin })) {
  appendFileSync(${JSON.stringify(join(dir, 'calls.log'))}, line + '\\n');
  console.log('1 1');
}
`,
);

test('bench matmul --compare --lead-calls: that many untimed calls of a side before each of its timed ones', async () => {
  await benchMatmulCompare({
    m: 4,
    k: 3,
    n: 2,
    rounds: 3,
    python: process.execPath,
    script: counting,
    threads: 1,
    settleMs: 1,
    leadCalls: 2,
    combinations: ['NT'],
  });
  const calls = readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n');
  // One warm-up round, then 3 timed rounds: each round 2 lead calls and the timed one.
  assert.deepEqual(
    calls,
    Array.from({ length: 4 * 3 }, () => 'one NT'),
  );
});

test('bench matmul --compare alternates every side and takes the fastest anchor per round', async () => {
  const threads = getBackend().getThreads();
  const result = await benchMatmulCompare({ m: 8, k: 5, n: 7, rounds: 3, python: process.execPath, script: fake, threads: 1, settleMs: 1 });
  assert.equal(getBackend().getThreads(), threads, 'the thread count is restored');
  assert.deepEqual(result.anchors, { slow: 'slow one', fast: 'fast one' });
  assert.deepEqual(
    result.rows.map((row) => row.combination),
    ['NN', 'NT', 'TN', 'TT'],
  );
  for (const row of result.rows) {
    assert.deepEqual(Object.keys(row.gflops), ['ours', 'slow', 'fast']);
    assert.ok(Math.abs(row.gflops.slow! - (2 * 8 * 5 * 7) / 1e9) < 1e-12);
    // 'fast' answers 1 microsecond, quicker than any real call: the ratio is the fast anchor's, far below 1.
    assert.ok(row.oursOverBest > 0 && row.oursOverBest < 1, String(row.oursOverBest));
    assert.ok(row.oursOverBestCpu > 0 && row.oursOverBestCpu <= 1, String(row.oursOverBestCpu));
  }
  assert.equal(result.threads, 1);
  assert.equal(result.rounds, 3);
});

test('bench matmul --compare: bad options, a missing interpreter or script, and failing anchors are one-line errors', async () => {
  await assert.rejects(benchMatmulCompare({ m: 0, k: 1, n: 1 }), /bench matmul: --m must be an integer >= 1 \(got 0\)/);
  await assert.rejects(benchMatmulCompare({ m: 1, k: 1, n: 1, rounds: 0 }), /--rounds must be an integer >= 1/);
  await assert.rejects(benchMatmulCompare({ m: 1, k: 1, n: 1, leadCalls: -1 }), /--lead-calls must be an integer >= 0 \(got -1\)/);
  await assert.rejects(
    benchMatmulCompare({ m: 1, k: 1, n: 1, script: join(dir, 'none.py') }),
    /none\.py: not found \(bench matmul --compare runs from a clone of the repository\)/,
  );
  await assert.rejects(
    benchMatmulCompare({ m: 2, k: 2, n: 2, script: fake, python: join(dir, 'no-python') }),
    /bench matmul: cannot run .*no-python \(--python\)|exited early/,
  );
  await assert.rejects(
    benchMatmulCompare({ m: 2, k: 2, n: 2, script: silent, python: process.execPath }),
    /silent\.mjs exited early under .* \(--python\): ModuleNotFoundError: numpy/,
  );
  await assert.rejects(
    benchMatmulCompare({ m: 2, k: 2, n: 2, script: broken, python: process.execPath, rounds: 1 }),
    /bench matmul: anchor x failed on NN: error no such anchor/,
  );
});

test('the anchors script is looked for in bench/ at the repository root', () => {
  assert.match(anchorsScript(), /bench[/\\]matmul-anchors\.py$/);
});
