// The warning lines a checkpoint load produces: ignored keys, new parts, a replaced or relabelled head.
import { formatShape } from '../tensor/shape.js';
import { summarizeKeys, type CheckpointReport } from './encoder/checkpoint.js';
import type { ConfigJson } from './encoder/config-fields.js';
import { checkLabels, hasPlaceholderNames, labelCount, labelList } from './labels.js';
import type { LabelNames, TaskModel } from './types.js';

/** One line per event of loading `report` from `file` into `model` built for `labels`. */
export function weightWarnings(report: CheckpointReport, model: TaskModel, config: ConfigJson, labels: LabelNames, file: string): string[] {
  const lines: string[] = [];
  if (report.ignored.length > 0) {
    const n = report.ignored.length;
    lines.push(`${file}: ignored ${n} key${n > 1 ? 's' : ''} that ${model.architecture} does not use: ${summarizeKeys(report.ignored)}`);
  }
  const parts = report.newModules.filter((m) => !model.headModules.includes(m));
  if (parts.length > 0) lines.push(`${file}: no ${parts.join(', ')} in the checkpoint; newly initialised`);
  if (!report.hadHead) {
    lines.push(`${file}: no classification head in the checkpoint; ${model.headModules.join(' + ')} newly initialised for ${model.numLabels} labels`);
  } else if (report.mismatched.length > 0) {
    const changes = report.mismatched.map(([name, from, to]) => `${name} ${formatShape(from)} -> ${formatShape(to)}`).join(', ');
    lines.push(`${file}: the checkpoint's head does not fit ${model.numLabels} labels; replaced with a new one (${changes})`);
  } else if (config.id2label !== undefined && config.id2label !== null) {
    const previous = checkLabels(config.id2label, config.label2id, file);
    const before = labelList(previous);
    const after = labelList(labels);
    if (!hasPlaceholderNames(previous) && labelCount(previous) === after.length && before.some((n, i) => n !== after[i])) {
      lines.push(`${file}: keeping the head trained for labels [${before.join(', ')}] under the new names [${after.join(', ')}]`);
    }
  }
  return lines;
}
