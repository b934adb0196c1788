// GPT-2's reversible byte -> printable character table, which byte-level BPE vocabularies are written in.

function buildTable(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table: string[] = new Array<string>(256);
  for (const b of printable) table[b] = String.fromCharCode(b);
  // Bytes without a printable stand-in (controls, space, soft hyphen...) map to 256, 257, ... in byte order.
  let next = 256;
  for (let b = 0; b < 256; b++) if (table[b] === undefined) table[b] = String.fromCharCode(next++);
  return table;
}

/** BYTES_TO_UNICODE[byte] is the character that stands for `byte` in a byte-level vocabulary. */
export const BYTES_TO_UNICODE: readonly string[] = buildTable();
