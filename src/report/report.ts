// report.html: one self-contained page (inline CSS and SVG, no script, no network) with loss and metric curves, per-class scores and the confusion matrix.
import { writeFileAtomic } from '../io/atomic-write.js';
import { escapeHtml, formatScore } from './html.js';
import { lineChart, type ChartSeries } from './svg-chart.js';
import type { TaskReport, TaskTable } from '../tasks/task.js';

/** One log-history entry as trainer_state.json stores it. */
export type ReportLogEntry = Readonly<Record<string, number | string | null>> & { readonly step: number };

/** The final evaluation as the task reports it. */
export interface ReportEvaluation extends TaskReport {
  /** The evaluation data's name. */
  readonly name: string;
  readonly count: number;
}

export interface ReportInput {
  readonly title: string;
  /** Label/value rows shown at the top (model, data, examples, epochs, run time...). */
  readonly summary: readonly (readonly [string, string])[];
  readonly logHistory: readonly ReportLogEntry[];
  /** The final evaluation, if there was evaluation data. */
  readonly evaluation?: ReportEvaluation;
  /** The test data's one evaluation after training, if there was test data. */
  readonly test?: ReportEvaluation;
  /** Validation metrics charted over training: ['eval_' + metric key, display name]. */
  readonly curves?: readonly (readonly [string, string])[];
  /** The step of the best checkpoint, marked on the curves. */
  readonly bestStep?: number | null;
  /** Training examples per class (tag, label). */
  readonly classCounts?: readonly { readonly label: string; readonly count: number }[];
  /** What classCounts counts: 'class' (default), 'tag', 'label'. */
  readonly countsOf?: string;
  /** Notices from data loading and training (imbalance, leakage, overfitting). */
  readonly warnings?: readonly string[];
  /** The run's settings as training_args.json holds them: [name, value]. */
  readonly hyperparameters?: readonly (readonly [string, string])[];
  /** The columns read and the examples per class (or label) of each split. */
  readonly data?: {
    readonly columns?: string;
    readonly splits: readonly { readonly split: string; readonly counts: readonly { readonly label: string; readonly count: number }[] }[];
  };
  /** What a trivial predictor scores on the validation data (one line). */
  readonly baseline?: string;
  /** The validation examples the model got wrong with the highest confidence, most confident first. */
  readonly confidentlyWrong?: readonly WrongPrediction[];
  /** Tokens per second at steps of the run (absent: no chart). */
  readonly throughput?: readonly (readonly [step: number, tokensPerSecond: number])[];
  /** Images to show in a grid (image classification: the surest mistakes), each a small data: URI with its labels. */
  readonly imageGrid?: ReportImageGrid;
}

/** A validation example the model classified wrongly. */
export interface WrongPrediction {
  readonly text: string;
  readonly label: string;
  readonly predicted: string;
  /** The probability of the predicted class. */
  readonly score: number;
}

/** A titled grid of thumbnails, each with a caption (true and predicted labels). */
export interface ReportImageGrid {
  readonly title: string;
  /** Shown when there are no images (e.g. no mistakes). */
  readonly empty: string;
  readonly images: readonly { readonly src: string; readonly caption: readonly string[]; readonly title: string }[];
}

function imageGrid(grid: ReportImageGrid): string {
  if (grid.images.length === 0) return `<p class="muted">${escapeHtml(grid.empty)}</p>`;
  const cells = grid.images.map(
    (image) =>
      `<figure title="${escapeHtml(image.title)}"><img src="${escapeHtml(image.src)}" alt="${escapeHtml(image.caption.join(', '))}">` +
      `<figcaption>${image.caption.map(escapeHtml).join('<br>')}</figcaption></figure>`,
  );
  return `<div class="thumbs">${cells.join('')}</div>`;
}

const COLORS = { train: '#1f77b4', validation: '#d62728', accuracy: '#2ca02c', f1: '#9467bd', precision: '#ff7f0e', recall: '#8c564b', lr: '#7f7f7f' };

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #ddd;padding:4px 10px;text-align:right}
th{background:#f5f5f5}td.name,th.name{text-align:left}.summary td:first-child{text-align:left;color:#555}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{max-width:100%;height:auto;background:#fff}
.chart-title{font-size:14px;font-weight:600}.tick,.legend,.axis-label,.marker-label{font-size:11px;fill:#444}
.grid{stroke:#eee}.frame{fill:none;stroke:#bbb}.marker{stroke:#999;stroke-dasharray:4 3}.muted{fill:#999;color:#777}
.warn{background:#fff6e0;border-left:4px solid #f0a500;padding:6px 10px;margin:4px 0}
.cm td{min-width:48px;text-align:center}
.thumbs{display:flex;flex-wrap:wrap;gap:8px}.thumbs figure{margin:0;width:96px;font-size:11px;text-align:center}
.thumbs img{width:96px;height:96px;object-fit:contain;image-rendering:pixelated;background:#f5f5f5;border:1px solid #ddd}`;

function series(log: readonly ReportLogEntry[], key: string): [number, number][] {
  return log.filter((e) => typeof e[key] === 'number').map((e) => [e.step, e[key] as number]);
}

function summaryTable(rows: readonly (readonly [string, string])[]): string {
  return `<table class="summary">${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="name">${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

function scoresTable(scores: readonly (readonly [string, number])[]): string {
  return `<table>${scores.map(([k, v]) => `<tr><td class="name">${escapeHtml(k)}</td><td>${formatScore(v)}</td></tr>`).join('')}</table>`;
}

const cell = (value: string | number): string => (typeof value === 'number' ? formatScore(value) : escapeHtml(value));

/** A task's table; a confusion matrix has its cells shaded by their share of the row (green on the diagonal). */
function taskTable(table: TaskTable): string {
  const head = `<tr>${table.columns.map((c, i) => `<th${i === 0 ? ' class="name"' : ''}>${escapeHtml(c)}</th>`).join('')}</tr>`;
  const rows = table.rows.map((row, r) => {
    const [name, ...values] = row;
    if (!table.confusion) return `<tr><td class="name">${cell(name!)}</td>${values.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`;
    const counts = values.map(Number);
    const total = counts.reduce((s, v) => s + v, 0);
    const cells = counts.map((v, p) => {
      const share = total === 0 ? 0 : v / total;
      const hue = r === p ? '44,160,44' : '214,39,40';
      return `<td style="background:rgba(${hue},${(share * 0.75).toFixed(3)})" title="${(share * 100).toFixed(1)}% of '${escapeHtml(String(name))}'">${v}</td>`;
    });
    return `<tr><th class="name">${escapeHtml(String(name))}</th>${cells.join('')}</tr>`;
  });
  return `<table${table.confusion ? ' class="cm"' : ''}>${head}${rows.join('')}</table>`;
}

/** The page as a string. */
export function renderReport(input: ReportInput): string {
  const log = input.logHistory;
  const marker = input.bestStep === null || input.bestStep === undefined ? undefined : { x: input.bestStep, label: 'best' };
  const withMarker = marker ? { marker } : {};
  const lossSeries: ChartSeries[] = [
    { name: 'training loss', color: COLORS.train, points: series(log, 'loss') },
    { name: 'validation loss', color: COLORS.validation, points: series(log, 'eval_loss'), dots: true },
  ];
  const metricColors = [COLORS.accuracy, COLORS.f1, COLORS.precision, COLORS.recall, COLORS.lr];
  const metricSeries: ChartSeries[] = (input.curves ?? []).map(([key, name], i) => ({
    name,
    color: metricColors[i % metricColors.length]!,
    points: series(log, `eval_${key}`),
    dots: true,
  }));
  const charts = [
    lineChart({ title: 'Loss: training vs validation', xLabel: 'step', series: lossSeries, ...withMarker }),
    lineChart({ title: 'Validation metrics', xLabel: 'step', series: metricSeries, ...withMarker }),
    lineChart({ title: 'Learning rate', xLabel: 'step', series: [{ name: 'learning rate', color: COLORS.lr, points: series(log, 'learning_rate') }] }),
    lineChart({
      title: 'Gradient norm (before clipping)',
      xLabel: 'step',
      series: [{ name: 'gradient norm', color: COLORS.train, points: series(log, 'grad_norm') }],
      ...withMarker,
    }),
    ...(input.throughput && input.throughput.length > 0
      ? [lineChart({ title: 'Throughput (tokens/s)', xLabel: 'step', series: [{ name: 'tokens/s', color: COLORS.validation, points: input.throughput }] })]
      : []),
  ];
  const sections: string[] = [`<h1>${escapeHtml(input.title)}</h1>`, summaryTable(input.summary)];
  if (input.warnings && input.warnings.length > 0) {
    sections.push('<h2>Notices</h2>', ...input.warnings.map((w) => `<div class="warn">${escapeHtml(w)}</div>`));
  }
  if (input.hyperparameters && input.hyperparameters.length > 0) sections.push('<h2>Hyperparameters</h2>', summaryTable(input.hyperparameters));
  sections.push('<h2>Curves</h2>', `<div class="charts">${charts.join('')}</div>`);
  if (input.evaluation) {
    const { scores, tables, name, count } = input.evaluation;
    sections.push(`<h2>Final evaluation on ${escapeHtml(name)} (${count} examples)</h2>`, scoresTable(scores));
    for (const table of tables) sections.push(`<h2>${escapeHtml(table.title)}</h2>`, taskTable(table));
    if (input.imageGrid) sections.push(`<h2>${escapeHtml(input.imageGrid.title)}</h2>`, imageGrid(input.imageGrid));
  } else {
    sections.push('<h2>Final evaluation</h2><p class="muted">No evaluation data was given.</p>');
  }
  if (input.baseline) sections.push(`<p class="muted">${escapeHtml(input.baseline)}</p>`);
  if (input.confidentlyWrong && input.confidentlyWrong.length > 0) {
    const rows = input.confidentlyWrong.map(
      (w) =>
        `<tr><td class="name">${escapeHtml(w.text.length > 200 ? `${w.text.slice(0, 200)}…` : w.text)}</td><td class="name">${escapeHtml(w.label)}</td><td class="name">${escapeHtml(w.predicted)}</td><td>${formatScore(w.score)}</td></tr>`,
    );
    sections.push(
      `<h2>The ${input.confidentlyWrong.length} most confidently wrong validation examples</h2>`,
      `<table><tr><th class="name">text</th><th class="name">label</th><th class="name">predicted</th><th>confidence</th></tr>${rows.join('')}</table>`,
    );
  }
  if (input.test) {
    const { scores, tables, name, count } = input.test;
    sections.push(`<h2>Test on ${escapeHtml(name)} (${count} examples, scored once after training)</h2>`, scoresTable(scores));
    for (const table of tables) sections.push(`<h2>Test: ${escapeHtml(table.title)}</h2>`, taskTable(table));
  }
  if (input.data && input.data.splits.length > 0) {
    const { splits } = input.data;
    const labels = [...new Set(splits.flatMap((s) => s.counts.map((c) => c.label)))];
    const rows = labels.map(
      (label) =>
        `<tr><td class="name">${escapeHtml(label)}</td>${splits.map((s) => `<td>${s.counts.find((c) => c.label === label)?.count ?? 0}</td>`).join('')}</tr>`,
    );
    const totals = `<tr><th class="name">examples</th>${splits.map((s) => `<th>${s.counts.reduce((n, c) => n + c.count, 0)}</th>`).join('')}</tr>`;
    sections.push(
      '<h2>Data</h2>',
      input.data.columns ? `<p>Columns: ${escapeHtml(input.data.columns)}</p>` : '',
      `<table><tr><th class="name">${input.countsOf ?? 'class'}</th>${splits.map((s) => `<th>${escapeHtml(s.split)}</th>`).join('')}</tr>${rows.join('')}${input.countsOf === 'label' ? '' : totals}</table>`,
    );
  } else if (input.classCounts && input.classCounts.length > 0) {
    const total = input.classCounts.reduce((s, c) => s + c.count, 0);
    const rows = input.classCounts.map(
      (c) => `<tr><td class="name">${escapeHtml(c.label)}</td><td>${c.count}</td><td>${((100 * c.count) / Math.max(1, total)).toFixed(1)}%</td></tr>`,
    );
    sections.push(
      `<h2>Training data by ${input.countsOf ?? 'class'}</h2>`,
      `<table><tr><th class="name">${input.countsOf ?? 'class'}</th><th>${input.countsOf === 'tag' ? 'tokens' : 'examples'}</th><th>share</th></tr>${rows.join('')}</table>`,
    );
  }
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(input.title)}</title><style>${STYLE}</style></head><body>\n${sections.join('\n')}\n</body></html>\n`
  );
}

/** Writes the page to `path` atomically. */
export function writeReport(path: string, input: ReportInput): void {
  writeFileAtomic(path, renderReport(input));
}
