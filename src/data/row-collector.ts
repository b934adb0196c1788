// Gathers the rows of a streamed table with their line numbers in one growing Int32Array (not an array of numbers per row).
import type { Cell, RawTable } from './table.js';

export class RowCollector {
  private readonly rows: (readonly Cell[])[] = [];
  private lines = new Int32Array(1024);

  get length(): number {
    return this.rows.length;
  }

  add(row: readonly Cell[], line: number): void {
    const at = this.rows.length;
    if (at === this.lines.length) {
      const grown = new Int32Array(at * 2);
      grown.set(this.lines);
      this.lines = grown;
    }
    this.lines[at] = line;
    this.rows.push(row);
  }

  /** The table of the rows so far; `origin` names a row by its line (`data.csv: line 7`). */
  table(columns: readonly string[], file: string, warnings: readonly string[]): RawTable {
    const lines = this.lines;
    return { columns, rows: this.rows, origin: (index) => `${file}: line ${lines[index]}`, warnings };
  }
}
