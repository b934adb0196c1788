// The raw table every reader produces: column names, cell values and where each row came from.

/** A cell as a reader found it: text readers give strings, JSON and Parquet give typed values. */
export type Cell = string | number | bigint | boolean | null | undefined | object;

/** A table read from a file, before columns are chosen and rows cleaned. */
export interface RawTable {
  readonly columns: readonly string[];
  /** Rows in file order; each has one cell per column (missing JSON keys are undefined). */
  readonly rows: readonly (readonly Cell[])[];
  /** Where row `index` (0-based) came from, for messages: `data.csv: line 7` or `data.parquet: row 6`. */
  origin(index: number): string;
  readonly warnings: readonly string[];
}

/**
 * Names for header cells: trimmed, empty ones called `column_<n>` (1-based), a repeated name is an
 * error because a column could then not be named unambiguously.
 */
export function headerNames(cells: readonly string[], fail: (message: string) => never): string[] {
  const seen = new Set<string>();
  return cells.map((cell, i) => {
    const name = cell.trim() === '' ? `column_${i + 1}` : cell.trim();
    if (seen.has(name)) fail(`column '${name}' appears twice in the header`);
    seen.add(name);
    return name;
  });
}
