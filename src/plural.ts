// Counts in messages: one number format (1,234) and the right singular or plural everywhere ("1 row", "2 rows").

/** `1 row`, `2 rows`, `1,234 entity spans` (give `plural` when it is not singular + s). */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}

/** The word alone, singular for 1, for a count shown elsewhere (`tag 'X'`, `tags 'X', 'Y'`). */
export function noun(n: number, singular: string, plural = `${singular}s`): string {
  return n === 1 ? singular : plural;
}
