#!/usr/bin/env node
// Runs `finetune bench train` and its PyTorch twins (2.x with transformers, Debian's 1.13) alternating, and prints medians and ratios.
//
// Usage (after `npm run build`; the machine must be quiet):
//   node bench/compare.mjs [--rounds 3] [--threads 2] [--only small|base] [--lora] [--no-113] [--wait-idle] [--bf16]
//                          [--steps N] [--warmup N] [--no-pytorch]
// --bf16 adds `bench train --bf16` and PyTorch under torch.autocast("cpu", dtype=torch.bfloat16) to each round and
// prints their paired ratios (ours bf16 / ours float32, ours bf16 / PyTorch bf16). --steps and --warmup replace
// the timed and untimed steps of both models (on a loaded machine, to fit more rounds); --no-pytorch runs our sides only.
// Each run is its own process, so each peak RSS is that run's alone. --wait-idle holds every run until the
// CPUs have been at least 90% idle for two seconds, and runs it again (up to 100 times) when other processes
// took more than 10% of the CPUs meanwhile: other work on a shared machine skews both sides.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '3'));
const threads = arg('threads', '2');
const only = arg('only', null);
const withLora = process.argv.includes('--lora');
const with113 = !process.argv.includes('--no-113');
const torch2 = arg('python', '/work/venv/bin/python');
const torch113 = arg('python113', '/usr/bin/python3');
const waitIdle = process.argv.includes('--wait-idle');
const withBf16 = process.argv.includes('--bf16');
const withPytorch = !process.argv.includes('--no-pytorch');
const stepsOverride = arg('steps', null);
const warmupOverride = arg('warmup', null);

/** CPU milliseconds of all cores so far: busy and in all. */
function cpuTotals() {
  return cpus().reduce(
    (acc, c) => {
      const t = c.times;
      return { busy: acc.busy + t.user + t.nice + t.sys + t.irq, all: acc.all + t.user + t.nice + t.sys + t.irq + t.idle };
    },
    { busy: 0, all: 0 },
  );
}

/** CPU milliseconds used by this process's finished children (cutime + cstime, in clock ticks of 10 ms). */
function childrenCpuMs() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** Fraction of CPU time spent busy over the next `ms` milliseconds, all cores together. */
function busyFraction(ms) {
  const total = cpuTotals;
  const a = total();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const b = total();
  return (b.busy - a.busy) / Math.max(1, b.all - a.all);
}

/** With --wait-idle, returns once the machine has been quiet for two seconds; the busy fraction seen last. */
function quiet() {
  let busy = busyFraction(2000);
  while (waitIdle && busy > 0.1) busy = busyFraction(2000);
  return busy;
}

const BENCHES = [
  { name: 'small', config: 'bench/configs/bert-small.json', batch: 16, seq: 128, steps: 10, warmup: 2 },
  { name: 'base', config: 'bench/configs/bert-base.json', batch: 8, seq: 128, steps: 5, warmup: 2 },
]
  .filter((b) => only === null || b.name === only)
  .map((b) => ({ ...b, steps: stepsOverride === null ? b.steps : Number(stepsOverride), warmup: warmupOverride === null ? b.warmup : Number(warmupOverride) }));

/** Runs one command; returns the JSON object of its last stdout line. */
function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const lines = (result.stdout ?? '').trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${(result.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  }
}

const shape = (b) => [
  '--model-config',
  b.config,
  '--batch-size',
  String(b.batch),
  '--seq-len',
  String(b.seq),
  '--steps',
  String(b.steps),
  '--warmup',
  String(b.warmup),
  '--threads',
  threads,
];
const sides = (b) => [
  { label: 'ours', go: () => run(process.execPath, ['bin/finetune.js', 'bench', 'train', ...shape(b), '--json']) },
  ...(withLora ? [{ label: 'ours --lora', go: () => run(process.execPath, ['bin/finetune.js', 'bench', 'train', ...shape(b), '--lora', '--json']) }] : []),
  ...(withPytorch ? [{ label: 'pytorch 2', go: () => run(torch2, ['bench/pytorch_train.py', ...shape(b)], { OMP_NUM_THREADS: threads }) }] : []),
  ...(withBf16
    ? [
        { label: 'ours --bf16', go: () => run(process.execPath, ['bin/finetune.js', 'bench', 'train', ...shape(b), '--bf16', '--json']) },
        ...(withPytorch
          ? [{ label: 'pytorch 2 bf16', go: () => run(torch2, ['bench/pytorch_train.py', ...shape(b), '--bf16'], { OMP_NUM_THREADS: threads }) }]
          : []),
      ]
    : []),
  // Debian's OpenBLAS 0.3.21 does not know this CPU and runs its SSE "Prescott" kernels; OPENBLAS_CORETYPE=Cooperlake
  // gives it its AVX-512 ones. Both are measured: the first is what a user gets, the second is the fairer anchor.
  ...(with113
    ? [
        { label: 'pytorch 1.13', go: () => run(torch113, ['bench/pytorch_train.py', '--impl', 'torch', ...shape(b)], { OMP_NUM_THREADS: threads }) },
        {
          label: 'pytorch 1.13 avx512',
          go: () => run(torch113, ['bench/pytorch_train.py', '--impl', 'torch', ...shape(b)], { OMP_NUM_THREADS: threads, OPENBLAS_CORETYPE: 'Cooperlake' }),
        },
      ]
    : []),
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const loads = [];
const otherShares = [];
const table = [];
for (const b of BENCHES) {
  const results = new Map();
  for (let round = 1; round <= rounds; round++) {
    for (const side of sides(b)) {
      // Under --wait-idle a run during which other processes took more than 10% of the CPUs is run again.
      for (let attempt = 1; ; attempt++) {
        const busy = quiet();
        loads.push(loadavg()[0]);
        const before = cpuTotals();
        const childBefore = childrenCpuMs();
        const r = side.go();
        const after = cpuTotals();
        const others = Math.max(0, after.busy - before.busy - (childrenCpuMs() - childBefore)) / Math.max(1, after.all - before.all);
        console.log(
          `${b.name} round ${round} ${side.label.padEnd(13)} ${r.msPerStep.toFixed(1).padStart(8)} ms/step  peak RSS ${r.peakRssMiB.toFixed(0).padStart(5)} MiB  ` +
            `(CPUs ${(100 * busy).toFixed(0)}% busy before, other processes ${(100 * others).toFixed(0)}% during)`,
        );
        if (waitIdle && others > 0.1 && attempt < 100) continue;
        otherShares.push(others);
        if (!results.has(side.label)) results.set(side.label, []);
        results.get(side.label).push(r);
        break;
      }
    }
  }
  const summary = Object.fromEntries(
    [...results].map(([label, rs]) => [
      label,
      {
        ms: median(rs.map((r) => r.msPerStep)),
        rss: median(rs.map((r) => r.peakRssMiB)),
        runs: rs.map((r) => +r.msPerStep.toFixed(1)),
        version: rs[0].torch ?? `${rs[0].backend} (${rs[0].library})`,
      },
    ]),
  );
  // Runs of one round ran minutes apart at most, so the median of per-round ratios is robust to a machine
  // whose speed drifts between rounds; the ratio of medians is printed beside it.
  const perRound = (label) => {
    const ours = results.get('ours') ?? [];
    const other = results.get(label) ?? [];
    return other.length === ours.length && ours.length > 0 ? median(ours.map((r, i) => r.msPerStep / other[i].msPerStep)) : undefined;
  };
  for (const [label, entry] of Object.entries(summary)) if (label !== 'ours') entry.pairedRatio = perRound(label);
  // bf16: ours against our float32 step and against PyTorch's autocast step, paired by round.
  const paired = (num, den, field = 'msPerStep') => {
    const a = results.get(num) ?? [];
    const d = results.get(den) ?? [];
    return a.length === d.length && a.length > 0 && a[0][field] !== undefined ? median(a.map((r, i) => r[field] / d[i][field])) : undefined;
  };
  if (withBf16) {
    summary.bf16 = {
      oursBf16OverOurs: paired('ours --bf16', 'ours'),
      oursBf16OverPytorchBf16: paired('ours --bf16', 'pytorch 2 bf16'),
      pytorchBf16OverPytorch: paired('pytorch 2 bf16', 'pytorch 2'),
      oursBf16OverPytorch: paired('ours --bf16', 'pytorch 2'),
      // CPU time per step (every thread), paired the same way: with 1 thread it is the work done, whatever else runs.
      cpu: {
        oursBf16OverOurs: paired('ours --bf16', 'ours', 'cpuMsPerStep'),
        oursBf16OverPytorchBf16: paired('ours --bf16', 'pytorch 2 bf16', 'cpuMsPerStep'),
        pytorchBf16OverPytorch: paired('pytorch 2 bf16', 'pytorch 2', 'cpuMsPerStep'),
        oursBf16OverPytorch: paired('ours --bf16', 'pytorch 2', 'cpuMsPerStep'),
      },
    };
  }
  table.push({ bench: b, summary });
}

console.log(
  `\nload average (1 min) before the runs: min ${Math.min(...loads).toFixed(2)}, median ${median(loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}; ` +
    `CPU share of other processes during the kept runs: median ${(100 * median(otherShares)).toFixed(0)}%, max ${(100 * Math.max(...otherShares)).toFixed(0)}%; ${threads} threads; medians of ${rounds} runs`,
);
console.log('\nratios: ratio of the medians (median of the per-round ratios)');
console.log(
  '| model | batch | ours ms/step | PyTorch 2 ms/step | PyTorch 1.13 ms/step (as detected / AVX-512 OpenBLAS) | ours / PT2 | ours / PT1.13 (as detected / AVX-512) | peak RSS ours / PT2 / PT1.13 (MiB) | RSS ours / PT2, ours / PT1.13 |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const { bench: b, summary: s } of table) {
  const ours = s['ours'];
  const pt2 = s['pytorch 2'];
  const pt1 = s['pytorch 1.13'];
  const pt1fast = s['pytorch 1.13 avx512'];
  // Ratio of medians, then the median of the per-round ratios in parentheses.
  const ratio = (x) => (x ? `${(ours.ms / x.ms).toFixed(2)} (${x.pairedRatio.toFixed(2)})` : 'n/a');
  const ms = (x) => (x ? x.ms.toFixed(0) : 'n/a');
  const rss = (x) => (x ? x.rss.toFixed(0) : 'n/a');
  const rssRatio = (x) => (x ? (ours.rss / x.rss).toFixed(2) : 'n/a');
  console.log(
    `| ${b.name} | ${b.batch} x ${b.seq} | ${ours.ms.toFixed(0)} | ${ms(pt2)} | ${ms(pt1)} / ${ms(pt1fast)} | ${ratio(pt2)} | ${ratio(pt1)} / ${ratio(pt1fast)} | ` +
      `${ours.rss.toFixed(0)} / ${rss(pt2)} / ${rss(pt1)} | ${rssRatio(pt2)}, ${rssRatio(pt1)} |`,
  );
  const lora = s['ours --lora'];
  if (lora)
    console.log(
      `| ${b.name} --lora | ${b.batch} x ${b.seq} | ${lora.ms.toFixed(0)} | | | ${(lora.ms / ours.ms).toFixed(2)} (${(1 / lora.pairedRatio).toFixed(2)}) of full | | ${lora.rss.toFixed(0)} | |`,
    );
}
if (withBf16) {
  console.log('\nbf16: medians of the per-round ratios (ms per step, medians)');
  console.log(
    '| model | batch | ours fp32 | ours bf16 | PyTorch fp32 | PyTorch bf16 autocast | ours bf16 / ours fp32 | ours bf16 / PyTorch bf16 | PyTorch bf16 / PyTorch fp32 | ours bf16 / PyTorch fp32 |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const { bench: b, summary: s } of table) {
    const r = s.bf16;
    const f = (x) => (x === undefined ? 'n/a' : x.toFixed(2));
    console.log(
      `| ${b.name} | ${b.batch} x ${b.seq} | ${s['ours'].ms.toFixed(0)} | ${s['ours --bf16'].ms.toFixed(0)} | ${s['pytorch 2']?.ms.toFixed(0) ?? 'n/a'} | ${s['pytorch 2 bf16']?.ms.toFixed(0) ?? 'n/a'} | ` +
        `${f(r.oursBf16OverOurs)} | ${f(r.oursBf16OverPytorchBf16)} | ${f(r.pytorchBf16OverPytorch)} | ${f(r.oursBf16OverPytorch)} |`,
    );
    const c = r.cpu;
    console.log(
      `| ${b.name}, CPU time | ${b.batch} x ${b.seq} | | | | | ${f(c.oursBf16OverOurs)} | ${f(c.oursBf16OverPytorchBf16)} | ${f(c.pytorchBf16OverPytorch)} | ${f(c.oursBf16OverPytorch)} |`,
    );
  }
}
console.log(`\n${JSON.stringify(table.map(({ bench: b, summary }) => ({ bench: b.name, batch: b.batch, seqLen: b.seq, threads: Number(threads), summary })))}`);
