// Shared types of the data layer: labelled examples, load options and the report of what loading did.

/** One labelled example, ready for tokenization. */
export interface Example {
  /** The text to classify (trimmed). */
  readonly text: string;
  /** The second text of a sentence-pair task (trimmed); absent for single-text tasks. */
  readonly textPair?: string;
  /**
   * The class name; integer labels are kept as their decimal string ("0", "1"). With labelKind 'multi',
   * the `labels` joined by the label separator ('' when there are none); with 'number', the target
   * written out (`String(target)`). Either way equal labels mean equal annotations, which the duplicate
   * and leakage checks rely on.
   */
  readonly label: string;
  /** labelKind 'multi' only: the example's labels, unique, in `sortLabels` order; empty when the row has none. */
  readonly labels?: readonly string[];
  /** labelKind 'number' only: the regression target. */
  readonly target?: number;
  /**
   * Where the example came from, for messages: `file: line N` for CSV, TSV and JSONL (the line the
   * record starts on), `file: row N` for Parquet and JSON arrays (1-based data row).
   */
  readonly origin?: string;
}

/** File formats the readers understand. */
export type DataFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet';

/**
 * What a label cell holds: one class ('class'), a set of classes ('multi': multi-label classification)
 * or a number ('number': regression).
 */
export type LabelKind = 'class' | 'multi' | 'number';

/** Options of `loadDataset`. */
export interface LoadDatasetOptions {
  /** Column holding the text. Default: detected from common names, else the longest string column. */
  readonly textColumn?: string;
  /** Column holding the second text of a pair task. Default: detected (sentence2, text_b, question2, ...); none if absent. */
  readonly textPairColumn?: string;
  /** Column holding the label. Default: detected from common names, else a column with few distinct values. */
  readonly labelColumn?: string;
  /** File format. Default: from the extension (.csv .tsv .jsonl .ndjson .json .parquet, optionally .gz), else sniffed. */
  readonly format?: DataFormat;
  /** Drop exact duplicates (same text, pair and label) after the first. Default true. */
  readonly dropDuplicates?: boolean;
  /** Majority/minority class ratio above which the report warns about imbalance. Default 3. */
  readonly imbalanceRatio?: number;
  /**
   * What the label cells hold. Default 'class' (one class per row). 'multi': a JSON list (JSONL, JSON,
   * Parquet, or a cell written as `["a","b"]`) or labels joined by `labelSeparator`; an empty list or
   * cell means no label and is kept. 'number': a JSON number or a numeric string (a decimal point, not a comma).
   */
  readonly labelKind?: LabelKind;
  /** labelKind 'multi': what separates the labels in a text cell. Default '|'. */
  readonly labelSeparator?: string;
}

/** The columns a data set was read from. */
export interface ColumnSelection {
  readonly text: string;
  readonly textPair?: string;
  readonly label: string;
}

/** How many examples one class has. */
export interface ClassCount {
  readonly label: string;
  readonly count: number;
  /** count / total, in [0, 1]. */
  readonly fraction: number;
}

/** Range, mean and standard deviation (population) of regression targets. */
export interface TargetSummary {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
}

/** What loading a data set did, for logs and the training report. */
export interface DataReport {
  /** The file as given by the caller (or the built-in data set's name). */
  readonly source: string;
  readonly format: DataFormat | 'builtin';
  /** Data rows read from the file, header excluded; blank lines are not rows. */
  readonly rowsRead: number;
  /** Rows dropped because the text, text pair or label was empty. */
  readonly emptyDropped: number;
  /** Rows dropped as exact duplicates (same text, pair and label) of an earlier row. */
  readonly duplicatesDropped: number;
  /** Distinct texts that occur with more than one label (kept: the data set decides, not the loader). */
  readonly conflictingTexts: number;
  /** Examples kept: rowsRead - emptyDropped - duplicatesDropped. */
  readonly examples: number;
  /**
   * Kept examples per class, in label order. labelKind 'multi': examples per label (a fraction is the
   * share of examples carrying it). labelKind 'number': empty (see `targets`).
   */
  readonly classes: readonly ClassCount[];
  /** What the label cells were read as. Absent in reports made without a label kind: 'class'. */
  readonly labelKind?: LabelKind;
  /** labelKind 'multi' only: kept examples with no label at all. */
  readonly noLabel?: number;
  /** labelKind 'number' only: the spread of the kept targets. */
  readonly targets?: TargetSummary;
  /** One line per thing the user should know about (encoding fallback, imbalance, odd quoting...). */
  readonly warnings: readonly string[];
}

/** The result of `loadDataset`. */
export interface LoadedDataset {
  readonly examples: Example[];
  readonly columns: ColumnSelection;
  readonly report: DataReport;
}
