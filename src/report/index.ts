// The report layer: a self-contained HTML page of a training run.
export { renderReport, writeReport, type ReportInput, type ReportLogEntry, type ReportEvaluation, type ReportImageGrid } from './report.js';
export { lineChart, niceTicks, type ChartOptions, type ChartSeries } from './svg-chart.js';
