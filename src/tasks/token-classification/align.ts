// Word labels to token labels (as transformers' run_ner.py aligns them), and predicted word tags back to entities in text.
import { FinetuneError } from '../../errors.js';
import { iob2Entities } from './seqeval.js';

/** The label id cross-entropy skips (PyTorch's ignore_index). */
export const IGNORE_INDEX = -100;

/** Options of alignLabels. */
export interface AlignOptions {
  /** Label every sub-token of a word (later ones through `bToI`) instead of only the first. */
  readonly labelAllTokens: boolean;
  /** Label id -> the id later sub-tokens get with `labelAllTokens` (B-X -> I-X). Default: identity. */
  readonly bToI?: readonly number[];
}

/**
 * One label id per token, as run_ner.py's tokenize_and_align_labels: special tokens (word id null)
 * get -100; the first token of a word gets the word's label; later tokens of the same word get
 * -100, or with `labelAllTokens` the label mapped through `bToI`. A word label of -100 stays -100.
 */
export function alignLabels(wordIds: readonly (number | null)[], wordLabels: readonly number[], options: AlignOptions): Int32Array {
  const out = new Int32Array(wordIds.length);
  let previous: number | null = null;
  for (let t = 0; t < wordIds.length; t++) {
    const word = wordIds[t]!;
    if (word === null) {
      out[t] = IGNORE_INDEX;
    } else {
      if (!Number.isInteger(word) || word < 0 || word >= wordLabels.length) {
        throw new FinetuneError(`alignLabels: token ${t} comes from word ${word}, but there are ${wordLabels.length} word labels`);
      }
      const label = wordLabels[word]!;
      if (!Number.isInteger(label) || (label < 0 && label !== IGNORE_INDEX)) {
        throw new FinetuneError(`alignLabels: word ${word} has label ${label}, not a label id or ${IGNORE_INDEX}`);
      }
      if (word !== previous) out[t] = label;
      else if (!options.labelAllTokens || label === IGNORE_INDEX) out[t] = IGNORE_INDEX;
      else if (options.bToI === undefined) out[t] = label;
      else {
        const mapped = options.bToI[label];
        if (mapped === undefined) throw new FinetuneError(`alignLabels: word ${word} has label ${label}, outside the ${options.bToI.length} labels of bToI`);
        out[t] = mapped;
      }
    }
    // run_ner.py compares with the previous token's word, special tokens included.
    previous = word;
  }
  return out;
}

/** For each label id, the id of its I- form when it is a B- label whose I- label exists; otherwise itself (run_ner.py's b_to_i_label). */
export function bToIMap(labels: readonly string[]): number[] {
  return labels.map((label, id) => {
    // str.replace in Python replaces every occurrence; replaceAll does the same.
    const inside = label.startsWith('B-') ? labels.indexOf(label.replaceAll('B-', 'I-')) : -1;
    return inside >= 0 ? inside : id;
  });
}

/** Words of a text and where each sits. */
export interface WordsWithOffsets {
  readonly words: string[];
  /** [start, end) of each word in UTF-16 code units, as JavaScript indexes strings. */
  readonly offsets: [number, number][];
}

/** Splits `text` at whitespace (JavaScript's \s: Unicode spaces, tabs, line breaks, U+FEFF), keeping each word's offsets. */
export function splitWordsWithOffsets(text: string): WordsWithOffsets {
  const words: string[] = [];
  const offsets: [number, number][] = [];
  for (const match of text.matchAll(/\S+/g)) {
    words.push(match[0]);
    offsets.push([match.index, match.index + match[0].length]);
  }
  return { words, offsets };
}

/** One entity found in a text, in the shape transformers' token-classification pipeline prints with aggregation. */
export interface TextEntity {
  readonly entity_group: string;
  /** text.slice(start, end). */
  readonly word: string;
  readonly start: number;
  readonly end: number;
  /** Mean of the entity's word scores. */
  readonly score: number;
}

/**
 * The entities of a tagged text: words grouped by the strict IOB2 rule of the metrics (a B-X and
 * the I-X words after it; a stray I- word is no entity), with character offsets into `text`.
 */
export function wordTagsToEntities(
  words: readonly string[],
  offsets: readonly (readonly [number, number])[],
  tags: readonly string[],
  scores: readonly number[],
  text: string,
): TextEntity[] {
  const n = words.length;
  if (offsets.length !== n || tags.length !== n || scores.length !== n) {
    throw new FinetuneError(`wordTagsToEntities: ${n} words, ${offsets.length} offsets, ${tags.length} tags and ${scores.length} scores`);
  }
  offsets.forEach(([start, end], i) => {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= text.length)) {
      throw new FinetuneError(`wordTagsToEntities: word ${i} has offsets [${start}, ${end}] outside the text of ${text.length} characters`);
    }
  });
  return iob2Entities(tags).map(({ type, start, end }) => {
    let sum = 0;
    for (let i = start; i < end; i++) sum += scores[i]!;
    const from = offsets[start]![0];
    const to = offsets[end - 1]![1];
    return { entity_group: type, word: text.slice(from, to), start: from, end: to, score: sum / (end - start) };
  });
}
