// loadDataset: reads a data file, picks its columns and returns clean labelled examples with a report.
import { cleanTable } from './clean.js';
import { selectColumns } from './columns.js';
import { readTable } from './read-table.js';
import type { LoadDatasetOptions, LoadedDataset } from './types.js';

/**
 * Reads a CSV, TSV, JSONL, JSON or Parquet file of labelled texts: one class, a set of classes or a
 * number per text (`options.labelKind`). Columns not named in `options` are detected; every problem
 * is a FinetuneError naming the file (and line or row).
 */
export async function loadDataset(path: string, options: LoadDatasetOptions = {}): Promise<LoadedDataset> {
  const { table, format } = await readTable(path, options.format);
  const columns = selectColumns(table, options, path);
  const clean = cleanTable(table, columns, path, format, {
    ...(options.dropDuplicates === undefined ? {} : { dropDuplicates: options.dropDuplicates }),
    ...(options.imbalanceRatio === undefined ? {} : { imbalanceRatio: options.imbalanceRatio }),
    ...(options.labelKind === undefined ? {} : { labelKind: options.labelKind }),
    ...(options.labelSeparator === undefined ? {} : { labelSeparator: options.labelSeparator }),
  });
  return { examples: clean.examples, columns, report: clean.report };
}
