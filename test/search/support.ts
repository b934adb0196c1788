// Shared setup of the search tests: a tiny BERT config, synthetic data, a search YAML, and helpers to run and kill `finetune`.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TINY_BERT_CONFIG } from '../support/run-cli.js';
import { syntheticExamples } from '../support/tiny-classifier.js';

export const repo = fileURLToPath(new URL('../../../', import.meta.url));
export const bin = join(repo, 'bin', 'finetune.js');

/** Writes model/config.json, train.tsv and search.yaml (random sampler, loss minimised, `trials` trials of 30 steps) under root. */
export function writeSearchSetup(root: string, trials: number, extra = ''): string {
  mkdirSync(join(root, 'model'), { recursive: true });
  writeFileSync(join(root, 'model', 'config.json'), JSON.stringify(TINY_BERT_CONFIG));
  const rows = syntheticExamples(300, 3).map((e) => `${e.text}\t${e.label}`);
  writeFileSync(join(root, 'train.tsv'), `text\tlabel\n${rows.join('\n')}\n`);
  const yaml = `model: ${join(root, 'model')}
init: random
data: ${join(root, 'train.tsv')}
max-steps: 30
eval-every: 5
max-length: 24
seed: 5
search:
  metric: loss
  sampler: random
  seed: 11
  trials: ${trials}
  space:
    lr: {type: log-uniform, low: 1.0e-3, high: 3.0e-2}
    weight-decay: {type: uniform, low: 0, high: 0.1}
    batch-size: [4, 8]
${extra}`;
  writeFileSync(join(root, 'search.yaml'), yaml);
  return join(root, 'search.yaml');
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `finetune ...args`; `done` resolves when it exits. */
export function start(args: readonly string[]): { child: ChildProcess; done: Promise<Exit>; stdout: () => string } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const done = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stdout: () => stdout };
}

/** Waits until `ready()` holds (polling every 25 ms), failing after `timeoutMs`. */
export async function until(ready: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The checkpoints a trial folder holds. */
export const checkpointsOf = (trial: string): string[] => (existsSync(join(trial, 'checkpoints')) ? readdirSync(join(trial, 'checkpoints')) : []);

interface BoardRow {
  readonly trial: number;
  readonly value: number;
  readonly status: string;
  readonly steps: number;
  readonly params: Record<string, unknown>;
}

/** The leaderboard of a search folder. */
export function boardOf(folder: string): BoardRow[] {
  return (JSON.parse(readFileSync(join(folder, 'search.json'), 'utf8')) as { leaderboard: BoardRow[] }).leaderboard;
}

/** Every trial record of a search folder. */
export function trialsOf(folder: string): { index: number; status: string; globalStep: number; startSteps: number[] }[] {
  return (
    JSON.parse(readFileSync(join(folder, 'search.json'), 'utf8')) as { trials: { index: number; status: string; globalStep: number; startSteps: number[] }[] }
  ).trials;
}
