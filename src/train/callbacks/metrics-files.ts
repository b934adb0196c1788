// --report-to: every log entry of a run as CSV rows, JSON Lines and TensorBoard scalars, in files of the output folder.
import { appendFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { TensorBoardWriter } from '../../report/tensorboard.js';
import type { LogEntry } from '../trainer-state.js';
import type { CallbackContext, TrainerCallback } from './callback.js';

/** Where metrics go besides trainer_state.json. */
export type ReportTarget = 'csv' | 'jsonl' | 'tensorboard';
export const REPORT_TARGETS: readonly ReportTarget[] = ['csv', 'jsonl', 'tensorboard'];

/** File names in the output folder. */
export const METRICS_CSV = 'metrics.csv';
export const METRICS_JSONL = 'metrics.jsonl';
export const TENSORBOARD_FOLDER = 'tensorboard';

/** Reads a list of targets ('none' alone for none, 'all' for every one); `where` names the option in errors. */
export function parseReportTo(values: readonly string[], where = '--report-to'): ReportTarget[] {
  if (values.length === 1 && values[0] === 'none') return [];
  if (values.length === 1 && values[0] === 'all') return [...REPORT_TARGETS];
  for (const value of values) {
    if (!REPORT_TARGETS.includes(value as ReportTarget)) throw new FinetuneError(`${where} ${value}: expected ${REPORT_TARGETS.join(', ')}, all or none`);
  }
  return [...new Set(values as ReportTarget[])];
}

/** TensorBoard tags as transformers writes them: `train/loss`, `train/learning_rate`, `eval/accuracy`. */
export function tensorBoardTag(key: string): string {
  return key.startsWith('eval_') ? `eval/${key.slice(5)}` : `train/${key}`;
}

const csvField = (value: string): string => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/** Writes each log entry as it is logged. */
export class MetricsFiles implements TrainerCallback {
  readonly name = 'MetricsFiles';
  private tensorBoard: TensorBoardWriter | undefined;

  /** `fresh`: a run from step 0, which removes the files of an earlier run in the folder (a resumed run appends to them). */
  constructor(
    private readonly outputDir: string,
    private readonly targets: readonly ReportTarget[],
    private readonly fresh: boolean,
  ) {}

  onTrainBegin(): void {
    if (this.fresh) {
      for (const name of [METRICS_CSV, METRICS_JSONL, TENSORBOARD_FOLDER]) rmSync(join(this.outputDir, name), { recursive: true, force: true });
    }
    if (this.targets.includes('csv') && !existsSync(join(this.outputDir, METRICS_CSV)))
      appendFileSync(join(this.outputDir, METRICS_CSV), 'step,epoch,name,value\n');
    if (this.targets.includes('tensorboard')) this.tensorBoard = new TensorBoardWriter(join(this.outputDir, TENSORBOARD_FOLDER));
  }

  onLog(_context: CallbackContext, entry: LogEntry): void {
    const scalars = Object.fromEntries(
      Object.entries(entry).filter((e): e is [string, number] => e[0] !== 'step' && e[0] !== 'epoch' && typeof e[1] === 'number' && Number.isFinite(e[1])),
    );
    if (this.targets.includes('jsonl')) appendFileSync(join(this.outputDir, METRICS_JSONL), `${JSON.stringify(entry)}\n`);
    if (this.targets.includes('csv')) {
      const rows = Object.entries(scalars).map(([name, value]) => `${entry.step},${entry.epoch},${csvField(name)},${value}\n`);
      appendFileSync(join(this.outputDir, METRICS_CSV), rows.join(''));
    }
    this.tensorBoard?.add(entry.step, Object.fromEntries(Object.entries({ ...scalars, epoch: entry.epoch }).map(([k, v]) => [tensorBoardTag(k), v])));
  }
}
