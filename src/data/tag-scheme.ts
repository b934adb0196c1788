// Checks of entity tags against the IOB2 scheme (B-TYPE, I-TYPE, O): odd tags and spans that open with I-.
import { count, noun } from '../plural.js';
import type { TaggedSentence } from './tagged-types.js';

const SHAPED = /^[BIESLU]-\S/;
const MAX_LISTED = 5;

/**
 * Warnings about the tags of `sentences`, each naming `source`. Only tag sets that look like entity
 * tags (an 'O' tag, and most tags prefixed B-/I-/E-/S-/L-/U-) are checked, so part-of-speech tags pass.
 */
export function tagSchemeWarnings(sentences: readonly TaggedSentence[], source: string): string[] {
  const firstSeen = new Map<string, string>();
  for (const { tags, origin } of sentences) for (const tag of tags) if (!firstSeen.has(tag)) firstSeen.set(tag, origin);
  if (!firstSeen.has('O')) return [];
  const distinct = [...firstSeen.keys()];
  const shaped = distinct.filter((tag) => tag === 'O' || SHAPED.test(tag));
  if (shaped.length * 2 < distinct.length) return [];
  // Origins start with the file name, which the warning already names.
  const at = (origin: string | undefined): string => (origin ?? '').replace(`${source}: `, '');

  const warnings: string[] = [];
  const odd = distinct.filter((tag) => !shaped.includes(tag));
  if (odd.length > 0) {
    const names =
      odd
        .slice(0, MAX_LISTED)
        .map((tag) => `'${tag}'`)
        .join(', ') + (odd.length > MAX_LISTED ? `, ... (${odd.length} in all)` : '');
    warnings.push(
      `${source}: ${noun(odd.length, 'tag')} ${names} not IOB2-shaped (B-TYPE, I-TYPE or O) though most tags are (first in the sentence at ${at(firstSeen.get(odd[0] as string))})`,
    );
  }
  // Only in pure B/I/O data does an I- after O or another type mean a broken span (E-/S- schemes differ).
  if (shaped.every((tag) => tag === 'O' || tag.startsWith('B-') || tag.startsWith('I-'))) {
    let broken = 0;
    let first: string | undefined;
    for (const { tags, origin } of sentences) {
      tags.forEach((tag, i) => {
        if (!tag.startsWith('I-')) return;
        const previous = i === 0 ? 'O' : (tags[i - 1] as string);
        if (previous.slice(2) === tag.slice(2) && (previous.startsWith('B-') || previous.startsWith('I-'))) return;
        broken++;
        first ??= origin;
      });
    }
    if (broken > 0) {
      warnings.push(
        `${source}: ${count(broken, 'entity span')} ${noun(broken, 'starts', 'start')} with I- instead of B- (first in the sentence at ${at(first)}); IOB1 data or broken spans`,
      );
    }
  }
  return warnings;
}
