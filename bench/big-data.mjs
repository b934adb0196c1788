// Big-data start-up: time to the first training step, peak RSS and the second (cached) run's start, per CSV size.
//
// node bench/big-data.mjs <csv> [<csv> ...]   (files from bench/make-big-csv.mjs; each run is
// `finetune train --model use-lite --data <csv> --max-steps 10`, killed once step 10 is logged so
// the evaluation of a large validation split is not timed). A fresh cache per file: the first run
// indexes the file (or, below 64 MiB without the index, tokenizes it), the second reads the cache.
// The CPU seconds to step 1 (all threads, from /proc) say what a quiet machine would take.
// BENCH_TIMEOUT_S caps one run (default 1800).
import { spawn } from 'node:child_process';
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../bin/finetune.js', import.meta.url).pathname;
const timeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? 1800) * 1000;
const files = process.argv.slice(2);
const mb = (bytes) => (bytes / 2 ** 20).toFixed(0);

/** CPU seconds (user + system, all threads) a process has used so far; NaN once it is gone. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Peak resident memory of a process so far (VmHWM), in bytes; 0 once it is gone. */
function peakRss(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function run(csv, cacheDir) {
  return new Promise((resolve) => {
    const output = mkdtempSync(join(tmpdir(), 'finetune-bench-out-'));
    const started = Date.now();
    const child = spawn(process.execPath, [bin, 'train', '--model', 'use-lite', '--data', csv, '--max-steps', '10', '--output', output], {
      env: { ...process.env, FINETUNE_CACHE: cacheDir },
    });
    const result = { firstStepS: NaN, firstStepCpuS: NaN, tenthStepS: NaN, peakRss: 0, phases: [] };
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, peakRss(child.pid));
    }, 200);
    const stop = (why) => {
      if (why) result.stopped = why;
      peak = Math.max(peak, peakRss(child.pid));
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(`timeout ${timeoutMs / 1000} s`), timeoutMs);
    let text = '';
    const onData = (data) => {
      text += data.toString();
      let newline = text.indexOf('\n');
      while (newline >= 0) {
        const line = text.slice(0, newline);
        text = text.slice(newline + 1);
        const at = (Date.now() - started) / 1000;
        result.phases.push(`${at.toFixed(1)}s ${line.slice(0, 120)}`);
        if (/^step 1\//.test(line)) {
          result.firstStepS = at;
          result.firstStepCpuS = cpuSeconds(child.pid);
        }
        if (/^step 10\//.test(line)) {
          result.tenthStepS = at;
          stop();
        }
        newline = text.indexOf('\n');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', () => {
      clearInterval(sampler);
      clearTimeout(timer);
      result.peakRss = peak;
      rmSync(output, { recursive: true, force: true });
      resolve(result);
    });
  });
}

console.log(`# ${new Date().toISOString()} ${execSync("lscpu | grep 'Model name'").toString().trim()}, ${execSync('nproc').toString().trim()} CPUs`);
for (const csv of files) {
  const size = statSync(csv).size;
  const cacheDir = mkdtempSync(join(tmpdir(), 'finetune-bench-cache-'));
  for (const label of ['first', 'second']) {
    const load = execSync('uptime').toString().trim();
    const r = await run(csv, cacheDir);
    console.log(
      `${csv} ${mb(size)} MiB ${label} run: first step ${r.firstStepS.toFixed(1)} s (CPU ${r.firstStepCpuS.toFixed(1)} s), step 10 ${r.tenthStepS.toFixed(1)} s, ` +
        `peak RSS ${mb(r.peakRss)} MiB (${(r.peakRss / size).toFixed(2)}x the file)${r.stopped ? `, stopped: ${r.stopped}` : ''} | ${load}`,
    );
    for (const phase of r.phases.filter((p) => !/warning: @energetic-ai/.test(p)).slice(0, 9)) console.log(`    ${phase}`);
  }
  rmSync(cacheDir, { recursive: true, force: true });
}
