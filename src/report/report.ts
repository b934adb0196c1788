// report.html: one self-contained page (inline CSS and SVG, no script, no network) with loss and metric curves, per-class scores and the confusion matrix.
import { writeFileAtomic } from '../io/atomic-write.js';
import { escapeHtml, formatScore } from './html.js';
import { lineChart, type ChartSeries } from './svg-chart.js';

/** One log-history entry as trainer_state.json stores it. */
export type ReportLogEntry = Readonly<Record<string, number | string | null>> & { readonly step: number };

/** Final scores on the evaluation data (structurally, the trainer's ClassificationMetrics). */
export interface ReportMetrics {
  readonly accuracy: number;
  readonly precision_macro: number;
  readonly recall_macro: number;
  readonly f1_macro: number;
  readonly precision_weighted: number;
  readonly recall_weighted: number;
  readonly f1_weighted: number;
  readonly perClass: readonly { readonly label: string; readonly precision: number; readonly recall: number; readonly f1: number; readonly support: number }[];
  readonly confusion: readonly (readonly number[])[];
  readonly labels: readonly string[];
  readonly count: number;
}

export interface ReportInput {
  readonly title: string;
  /** Label/value rows shown at the top (model, data, examples, epochs, run time...). */
  readonly summary: readonly (readonly [string, string])[];
  readonly logHistory: readonly ReportLogEntry[];
  /** The final evaluation, if there was evaluation data. */
  readonly evaluation?: { readonly name: string; readonly loss: number; readonly metrics: ReportMetrics };
  /** The step of the best checkpoint, marked on the curves. */
  readonly bestStep?: number | null;
  /** Training examples per class. */
  readonly classCounts?: readonly { readonly label: string; readonly count: number }[];
  /** Notices from data loading and training (imbalance, leakage, overfitting). */
  readonly warnings?: readonly string[];
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
.cm td{min-width:48px;text-align:center}`;

function series(log: readonly ReportLogEntry[], key: string): [number, number][] {
  return log.filter((e) => typeof e[key] === 'number').map((e) => [e.step, e[key] as number]);
}

function summaryTable(rows: readonly (readonly [string, string])[]): string {
  return `<table class="summary">${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="name">${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

function metricsTable(metrics: ReportMetrics, loss: number): string {
  const rows: [string, number][] = [
    ['loss', loss], ['accuracy', metrics.accuracy],
    ['precision (macro)', metrics.precision_macro], ['recall (macro)', metrics.recall_macro], ['F1 (macro)', metrics.f1_macro],
    ['precision (weighted)', metrics.precision_weighted], ['recall (weighted)', metrics.recall_weighted], ['F1 (weighted)', metrics.f1_weighted],
  ];
  return `<table>${rows.map(([k, v]) => `<tr><td class="name">${k}</td><td>${formatScore(v)}</td></tr>`).join('')}</table>`;
}

function perClassTable(metrics: ReportMetrics): string {
  const head = '<tr><th class="name">class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>';
  const rows = metrics.perClass.map((c) =>
    `<tr><td class="name">${escapeHtml(c.label)}</td><td>${formatScore(c.precision)}</td><td>${formatScore(c.recall)}</td><td>${formatScore(c.f1)}</td><td>${c.support}</td></tr>`);
  return `<table>${head}${rows.join('')}</table>`;
}

/** Rows are true classes, columns predictions; cells are shaded by the share of their row. */
function confusionTable(metrics: ReportMetrics): string {
  const head = `<tr><th class="name">true \\ predicted</th>${metrics.labels.map((l) => `<th>${escapeHtml(l)}</th>`).join('')}</tr>`;
  const rows = metrics.confusion.map((row, t) => {
    const total = row.reduce((s, v) => s + v, 0);
    const cells = row.map((v, p) => {
      const share = total === 0 ? 0 : v / total;
      const hue = t === p ? '44,160,44' : '214,39,40';
      return `<td style="background:rgba(${hue},${(share * 0.75).toFixed(3)})" title="${(share * 100).toFixed(1)}% of '${escapeHtml(metrics.labels[t]!)}'">${v}</td>`;
    });
    return `<tr><th class="name">${escapeHtml(metrics.labels[t]!)}</th>${cells.join('')}</tr>`;
  });
  return `<table class="cm">${head}${rows.join('')}</table>`;
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
  const metricSeries: ChartSeries[] = [
    { name: 'accuracy', color: COLORS.accuracy, points: series(log, 'eval_accuracy'), dots: true },
    { name: 'F1 (macro)', color: COLORS.f1, points: series(log, 'eval_f1_macro'), dots: true },
    { name: 'precision (macro)', color: COLORS.precision, points: series(log, 'eval_precision_macro'), dots: true },
    { name: 'recall (macro)', color: COLORS.recall, points: series(log, 'eval_recall_macro'), dots: true },
  ];
  const charts = [
    lineChart({ title: 'Loss: training vs validation', xLabel: 'step', series: lossSeries, ...withMarker }),
    lineChart({ title: 'Validation metrics', xLabel: 'step', series: metricSeries, ...withMarker }),
    lineChart({ title: 'Learning rate', xLabel: 'step', series: [{ name: 'learning rate', color: COLORS.lr, points: series(log, 'learning_rate') }] }),
  ];
  const sections: string[] = [
    `<h1>${escapeHtml(input.title)}</h1>`,
    summaryTable(input.summary),
  ];
  if (input.warnings && input.warnings.length > 0) {
    sections.push('<h2>Notices</h2>', ...input.warnings.map((w) => `<div class="warn">${escapeHtml(w)}</div>`));
  }
  sections.push('<h2>Curves</h2>', `<div class="charts">${charts.join('')}</div>`);
  if (input.evaluation) {
    const { metrics, loss, name } = input.evaluation;
    sections.push(
      `<h2>Final evaluation on ${escapeHtml(name)} (${metrics.count} examples)</h2>`, metricsTable(metrics, loss),
      '<h2>Per class</h2>', perClassTable(metrics),
      '<h2>Confusion matrix</h2>', confusionTable(metrics),
    );
  } else {
    sections.push('<h2>Final evaluation</h2><p class="muted">No evaluation data was given.</p>');
  }
  if (input.classCounts && input.classCounts.length > 0) {
    const total = input.classCounts.reduce((s, c) => s + c.count, 0);
    const rows = input.classCounts.map((c) => `<tr><td class="name">${escapeHtml(c.label)}</td><td>${c.count}</td><td>${((100 * c.count) / Math.max(1, total)).toFixed(1)}%</td></tr>`);
    sections.push('<h2>Training data by class</h2>', `<table><tr><th class="name">class</th><th>examples</th><th>share</th></tr>${rows.join('')}</table>`);
  }
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(input.title)}</title><style>${STYLE}</style></head><body>\n${sections.join('\n')}\n</body></html>\n`;
}

/** Writes the page to `path` atomically. */
export function writeReport(path: string, input: ReportInput): void {
  writeFileAtomic(path, renderReport(input));
}
