// Character offsets of the tokens of a byte-level BPE tokenizer, as tokenizers reports them, so chat spans map to tokens as transformers' char_to_token does.
import { FinetuneError } from '../../errors.js';
import { BYTES_TO_UNICODE } from '../../tokenizers/byte-level.js';
import type { JsonTokenizer } from '../../tokenizers/json-tokenizer.js';
import type { ComponentJson } from '../../tokenizers/tokenizer-json.js';
import type { TextTokenizer } from '../../tokenizers/types.js';

/** Ids of a text without special tokens, each with its [start, end) UTF-16 offsets in the text. */
export interface OffsetEncoding {
  readonly ids: readonly number[];
  readonly offsets: readonly (readonly [number, number])[];
}

const BYTE_OF = new Map(BYTES_TO_UNICODE.map((c, b) => [c, b]));
const SPACE = BYTES_TO_UNICODE[0x20]!;

/** Whether a post-processor (or a step of a Sequence) is ByteLevel with trim_offsets on. */
function trimsOffsets(processor: ComponentJson | null | undefined): boolean {
  if (processor === null || processor === undefined) return false;
  if (processor.type === 'ByteLevel') return processor['trim_offsets'] !== false;
  if (processor.type === 'Sequence') return ((processor['processors'] as ComponentJson[] | undefined) ?? []).some(trimsOffsets);
  return false;
}

function isByteLevel(component: ComponentJson | null | undefined): boolean {
  if (component === null || component === undefined) return false;
  if (component.type === 'ByteLevel') return true;
  if (component.type === 'Sequence') return ((component['pretokenizers'] as ComponentJson[] | undefined) ?? []).some(isByteLevel);
  return false;
}

/**
 * Encodes `text` without special tokens and gives each token its character offsets. Byte-level BPE
 * tokenizers only (GPT-2, Llama 3, SmolLM2, Qwen2): their tokens spell the text's UTF-8 bytes, so the
 * offsets follow from the token strings; ByteLevel's trim_offsets drops leading and trailing spaces
 * from a token's span as tokenizers does. Anything else fails, naming `source`.
 */
export function encodeWithOffsets(tokenizer: TextTokenizer, text: string, source: string): OffsetEncoding {
  const spec = (tokenizer as Partial<JsonTokenizer>).spec;
  if (spec === undefined || !isByteLevel(spec.pre_tokenizer) || spec.normalizer !== null) {
    throw new FinetuneError(
      `${source}: loss on assistant turns needs a byte-level BPE tokenizer without a normalizer (GPT-2, Llama 3, SmolLM2 and Qwen2 have one)`,
    );
  }
  const added = new Map(spec.added_tokens.map((t) => [t.id, t.content]));
  const encoding = tokenizer.encode(text, undefined, { addSpecialTokens: false, maxLength: Number.MAX_SAFE_INTEGER });
  const tokens = encoding.tokens ?? encoding.ids.map((id) => tokenizer.idToToken(id) ?? '');
  const bytes = Buffer.from(text, 'utf8');
  // UTF-16 offset of each byte position (a byte inside a character maps to the character's start).
  const charAt = new Int32Array(bytes.length + 1);
  let b = 0;
  for (let c = 0; c < text.length; ) {
    const point = text.codePointAt(c)!;
    const units = point > 0xffff ? 2 : 1;
    const width = point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
    for (let k = 0; k < width; k++) charAt[b + k] = c;
    b += width;
    c += units;
  }
  charAt[bytes.length] = text.length;
  const trim = trimsOffsets(spec.post_processor as ComponentJson | null);
  const offsets: [number, number][] = [];
  let at = 0;
  encoding.ids.forEach((id, i) => {
    const content = added.get(id);
    const token = tokens[i]!;
    const length = content !== undefined ? Buffer.byteLength(content, 'utf8') : [...token].length;
    if (content === undefined && ![...token].every((ch) => BYTE_OF.has(ch))) {
      throw new FinetuneError(`${source}: token '${token}' is not spelt in byte-level characters; cannot align it with the text`);
    }
    const end = at + length;
    if (end > bytes.length) throw new FinetuneError(`${source}: the tokens spell more bytes than the text holds; cannot align them`);
    let start = charAt[at]!;
    // A character split across tokens ends with the token that holds its last byte.
    let stop =
      end === bytes.length ? text.length : charAt[end] === charAt[end - 1] ? charAt[end]! + (text.codePointAt(charAt[end]!)! > 0xffff ? 2 : 1) : charAt[end]!;
    if (trim && content === undefined) {
      const chars = [...token];
      let lead = 0;
      while (lead < chars.length && chars[lead] === SPACE) lead++;
      let tail = 0;
      while (tail < chars.length - lead && chars[chars.length - 1 - tail] === SPACE) tail++;
      start = Math.min(start + lead, stop);
      stop = Math.max(stop - tail, start);
    }
    offsets.push([start, stop]);
    at = end;
  });
  if (at !== bytes.length) throw new FinetuneError(`${source}: the tokens spell ${at} of the text's ${bytes.length} bytes; cannot align them`);
  return { ids: encoding.ids, offsets };
}

/** The first token whose span holds character `char`, or null (transformers' char_to_token). */
export function charToToken(offsets: readonly (readonly [number, number])[], char: number): number | null {
  for (let i = 0; i < offsets.length; i++) if (offsets[i]![0] <= char && char < offsets[i]![1]) return i;
  return null;
}

/**
 * The assistant mask of a rendered chat, as transformers' apply_chat_template(return_assistant_tokens_mask=True)
 * builds it: for each generation span, every token from the one holding its first character to the one
 * holding its last (to the end when that character has no token); a span whose first character has no
 * token stops the scan.
 */
export function generationMask(offsets: readonly (readonly [number, number])[], spans: readonly (readonly [number, number])[]): Uint8Array {
  const mask = new Uint8Array(offsets.length);
  for (const [start, end] of spans) {
    const first = charToToken(offsets, start);
    const last = charToToken(offsets, end - 1);
    if (first === null) break;
    // Python's `end_token + 1 if end_token else len`: a last token of 0 counts as none.
    const stop = last ? last + 1 : offsets.length;
    mask.fill(1, first, stop);
  }
  return mask;
}
