// The report layer: a self-contained HTML page of a training run.
export {
  renderReport,
  writeReport,
  type ReportInput,
  type ReportLogEntry,
  type ReportEvaluation,
  type WrongPrediction,
  type ReportImageGrid,
} from './report.js';
export { TensorBoardWriter, crc32c, maskedCrc32c, tfRecord, eventBytes } from './tensorboard.js';
export { lineChart, niceTicks, type ChartOptions, type ChartSeries } from './svg-chart.js';
