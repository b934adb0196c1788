// Public API of the data layer: loading labelled text and tagging data, labels, splits, leakage checks and batch plans.
export type {
  ClassCount,
  ColumnSelection,
  DataFormat,
  DataReport,
  Example,
  LabelKind,
  LoadDatasetOptions,
  LoadedDataset,
  TargetSummary,
} from './types.js';
export { loadDataset } from './load.js';
export { formatFromPath, readDataBytes, readTable, sniffFormat, type ReadTable, type ReadTableOptions } from './read-table.js';
export { dataByteStream, STDIN_PATH, sourceName } from './byte-stream.js';
export { TextStreamDecoder } from './text-stream.js';
export { DelimitedParser, MAX_RECORD_CHARS, parseDelimited } from './delimited.js';
export { JsonLinesParser, parseJsonArray, parseJsonLines } from './json-lines.js';
export type { Cell, RawTable } from './table.js';
export { cleanTable, type CleanOptions, type CleanResult } from './clean.js';
export {
  LABEL_COLUMN_NAMES,
  MULTI_LABEL_COLUMN_NAMES,
  selectColumns,
  TARGET_COLUMN_NAMES,
  TEXT_COLUMN_NAMES,
  TEXT_PAIR_COLUMN_NAMES,
} from './columns.js';
export {
  cellToLabels,
  cellToTarget,
  DEFAULT_LABEL_SEPARATOR,
  detectLabelKind,
  parseListText,
  summarizeTargets,
  type LabelKindGuess,
} from './label-kinds.js';
export { LabelMap, sortLabels, type LabelMapConfig } from './labels.js';
export { randomSplit, stratifiedHoldout, stratifiedHoldoutIds, stratifiedSplit, type Split } from './split.js';
export { findLeakage, leakageWarning, type Leakage } from './leakage.js';
export { classDistribution, DEFAULT_IMBALANCE_RATIO, imbalanceWarning, labelCounts } from './distribution.js';
export type { LoadedTaggedDataset, LoadTaggedOptions, TaggedDataReport, TaggedFormat, TaggedSentence } from './tagged-types.js';
export { loadTaggedDataset, sniffTaggedFormat, splitSentences, tagDistribution, taggedFormatFromPath } from './tagged.js';
export { CONLLU_COLUMNS } from './conll.js';
export { TAGS_COLUMN_NAMES, TOKENS_COLUMN_NAMES } from './tagged-json.js';
export { tagSchemeWarnings } from './tag-scheme.js';
export { createRandom, seededShuffle, shuffleInPlace, type Random } from './random.js';
export { batchIndices, bucketByLength, DEFAULT_POOL_BATCHES } from './batching.js';
export {
  BUILTIN_DATASET_NAMES,
  isBuiltinDataset,
  namesBuiltinDataset,
  loadBuiltinDataset,
  type BuiltinDataset,
  type BuiltinDatasetOptions,
  type BuiltinSplit,
} from './builtin.js';
export * as causal from './causal/index.js';
export * as images from './images/index.js';
export { indexRows, type RowIndex, type RowIndexOptions, type RowIndexReport } from './row-index.js';
export { indexMinBytes, planRowIndex, usesRowIndex } from './row-index-plan.js';
export { allRows, dropDuplicateRows, leakedRows, selectRows, splitRows, type DeduplicatedIndex, type RowSplit } from './row-index-checks.js';
export { cachedRowIndex, cachedSplit, type CachedRowIndex, type CheckedSplit } from './row-index-cache.js';
export { RowReader, type RowText } from './row-reader.js';
