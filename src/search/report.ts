// The search's report.html (every trial's curve, the metric against each parameter, the leaderboard) and best.yaml, the best trial as train options.
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ParsedFlags } from '../cli/args.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { leaderboard, type SearchState, type TrialRecord } from './state.js';
import { trialFlags } from './trial.js';

const W = 420;
const H = 220;
const PAD = 36;

const esc = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A colour per trial, spread around the hue circle. */
const colour = (i: number): string => `hsl(${(i * 137.5) % 360} 65% 45%)`;

function scale(values: readonly number[], from: number, to: number, log = false): (v: number) => number {
  const f = (v: number): number => (log ? Math.log(v) : v);
  const lo = Math.min(...values.map(f));
  const hi = Math.max(...values.map(f));
  return (v) => (hi === lo ? (from + to) / 2 : from + ((f(v) - lo) / (hi - lo)) * (to - from));
}

function axes(title: string, xLabel: string, yRange: readonly number[]): string {
  const lo = Math.min(...yRange);
  const hi = Math.max(...yRange);
  return (
    `<text x="${W / 2}" y="14" text-anchor="middle" font-weight="bold">${esc(title)}</text>` +
    `<line x1="${PAD}" y1="${H - PAD}" x2="${W - 8}" y2="${H - PAD}" stroke="#888"/><line x1="${PAD}" y1="20" x2="${PAD}" y2="${H - PAD}" stroke="#888"/>` +
    `<text x="${W / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text>` +
    `<text x="2" y="${H - PAD}" font-size="10">${lo.toFixed(3)}</text><text x="2" y="28" font-size="10">${hi.toFixed(3)}</text>`
  );
}

function curves(state: SearchState): string {
  const points = state.trials.flatMap((t) => t.history);
  if (points.length === 0) return '<p>No evaluation yet.</p>';
  const x = scale(
    points.map((p) => p.step),
    PAD,
    W - 8,
  );
  const yValues = points.map((p) => p.value);
  const y = scale(yValues, H - PAD, 20);
  const lines = state.trials
    .filter((t) => t.history.length > 0)
    .map((t) => {
      const d = t.history.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
      return `<path d="${d}" fill="none" stroke="${colour(t.index)}" stroke-width="1.5"${t.status === 'pruned' ? ' stroke-dasharray="4 3"' : ''}><title>trial ${t.index} (${t.status})</title></path>`;
    });
  return `<svg width="${W}" height="${H}" font-family="sans-serif" font-size="11">${axes(`${state.settings.metric} by step (dashed: pruned)`, 'step', yValues)}${lines.join('')}</svg>`;
}

function scatter(state: SearchState, name: string, rows: readonly TrialRecord[]): string {
  const spec = state.settings.space[name]!;
  const ys = rows.map((t) => t.value!);
  const y = scale(ys, H - PAD, 20);
  let xOf: (t: TrialRecord) => number;
  if (spec.kind === 'choice') {
    const step = (W - PAD - 8) / spec.choices.length;
    xOf = (t) => PAD + step * (spec.choices.indexOf(t.params[name]!) + 0.5);
  } else {
    const x = scale([spec.low, spec.high], PAD + 6, W - 14, spec.kind === 'log-uniform');
    xOf = (t) => x(Number(t.params[name]));
  }
  const ticks =
    spec.kind === 'choice'
      ? spec.choices
          .map(
            (c, i) => `<text x="${PAD + ((W - PAD - 8) / spec.choices.length) * (i + 0.5)}" y="${H - PAD + 12}" text-anchor="middle">${esc(String(c))}</text>`,
          )
          .join('')
      : `<text x="${PAD}" y="${H - PAD + 12}">${spec.low}</text><text x="${W - 8}" y="${H - PAD + 12}" text-anchor="end">${spec.high}</text>`;
  const dots = rows.map(
    (t) =>
      `<circle cx="${xOf(t).toFixed(1)}" cy="${y(t.value!).toFixed(1)}" r="4" fill="${t.status === 'pruned' ? 'none' : colour(t.index)}" stroke="${colour(t.index)}"><title>trial ${t.index}: ${t.value}</title></circle>`,
  );
  return `<svg width="${W}" height="${H}" font-family="sans-serif" font-size="11">${axes(`${state.settings.metric} vs ${name}${spec.kind === 'log-uniform' ? ' (log scale)' : ''}`, '', ys)}${ticks}${dots.join('')}</svg>`;
}

/** A shell word, quoted only when it needs to be. */
const shellWord = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** The best trial's options as a `finetune train` command line writing to `output`. */
export function trainCommandLine(flags: ParsedFlags): string {
  const words = ['finetune', 'train'];
  for (const [name, value] of Object.entries(flags)) {
    if (value === undefined || name === 'progress') continue;
    if (value === true) words.push(`--${name}`);
    else if (value === false) words.push(`--no-${name}`);
    else if (Array.isArray(value)) words.push(`--${name}`, value.join(','));
    else if (typeof value !== 'object') words.push(`--${name}`, String(value));
  }
  return words.map(shellWord).join(' ');
}

/** The best trial's train options: the flags of a `finetune train --config` file, with its output in `runs/best`. */
export function bestTrainFlags(state: SearchState, best: TrialRecord): ParsedFlags {
  return trialFlags(state.base, best.params, 'runs/best');
}

/** Writes report.html and (once a trial has a value) best.yaml in the search folder. */
export function writeSearchReport(folder: string, state: SearchState): void {
  const board = leaderboard(state);
  const best = board[0];
  const names = Object.keys(state.settings.space);
  const rows = board
    .map(
      (t, rank) =>
        `<tr><td>${rank + 1}</td><td>${t.index}</td><td>${t.value!.toFixed(4)}</td><td>${t.status}</td><td>${t.globalStep}</td>${names
          .map(
            (n) =>
              `<td>${esc(typeof t.params[n] === 'number' && !Number.isInteger(t.params[n]) ? (t.params[n] as number).toPrecision(3) : String(t.params[n]))}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('');
  const others = state.trials.filter((t) => !board.includes(t)).map((t) => `trial ${t.index}: ${t.status}${t.error ? ` (${esc(t.error)})` : ''}`);
  let bestSection = '<p>No trial has finished yet.</p>';
  if (best) {
    const flags = bestTrainFlags(state, best);
    const yaml = stringify(flags);
    writeFileAtomic(join(folder, 'best.yaml'), yaml);
    bestSection =
      `<p>Trial ${best.index}: ${state.settings.metric} ${best.value!.toFixed(4)} on the validation data. As a command line:</p>` +
      `<pre>${esc(trainCommandLine(flags))}</pre><p>As a config file (best.yaml, run with <code>finetune train --config best.yaml</code>):</p><pre>${esc(yaml)}</pre>`;
  }
  const totalSteps = state.trials.reduce((sum, t) => sum + t.globalStep, 0);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>finetune search</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}pre{background:#f4f4f4;padding:8px;white-space:pre-wrap}svg{margin:4px;border:1px solid #eee}</style></head><body>
<h1>Search: ${esc(state.settings.metric)} (${state.settings.direction}), ${state.settings.sampler} sampler${state.settings.asha ? `, ASHA (eta ${state.settings.asha.reductionFactor}, rungs from ${state.settings.asha.minResource} ${state.settings.asha.unit})` : ''}</h1>
<p>${state.trials.length} of ${state.settings.trials} trials started, ${board.length} with a value; ${totalSteps} optimizer steps in all.</p>
<h2>Best configuration</h2>${bestSection}
<h2>Leaderboard</h2><table><tr><th>rank</th><th>trial</th><th>${esc(state.settings.metric)}</th><th>status</th><th>steps</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr>${rows}</table>
${others.length > 0 ? `<p>${others.join('<br>')}</p>` : ''}
<h2>Curves</h2>${curves(state)}
<h2>${esc(state.settings.metric)} against each parameter</h2>${board.length > 0 ? names.map((n) => scatter(state, n, board)).join('') : '<p>No values yet.</p>'}
</body></html>
`;
  writeFileAtomic(join(folder, 'report.html'), html);
}
