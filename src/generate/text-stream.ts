// Turns generated token ids into text as they come: byte-level BPE (GPT-2, Llama 3, Qwen2), SentencePiece pieces (▁ and <0xNN>), WordPiece, words.
import { BYTES_TO_UNICODE } from '../tokenizers/byte-level.js';
import { JsonTokenizer } from '../tokenizers/json-tokenizer.js';
import type { ComponentJson } from '../tokenizers/tokenizer-json.js';
import type { TextTokenizer } from '../tokenizers/types.js';

/** How a tokenizer's token strings become text (its tokenizer.json decoder, simplified to the common families). */
export type DecodingScheme =
  /** Each character stands for one byte (GPT-2's table); the bytes are UTF-8. */
  | { readonly kind: 'byte-level' }
  /** '▁' is a space, `<0xNN>` a byte (byte fallback); the first space of the text is dropped when `stripFirst`. */
  | { readonly kind: 'metaspace'; readonly stripFirst: boolean }
  /** Tokens after the first get a space unless they start with `prefix` (which is dropped). */
  | { readonly kind: 'wordpiece'; readonly prefix: string }
  /** Tokens joined with spaces (word-level vocabularies). */
  | { readonly kind: 'words' };

const BYTE_OF = new Map(BYTES_TO_UNICODE.map((c, b) => [c, b]));

function decoderSteps(decoder: ComponentJson | null): ComponentJson[] {
  if (decoder === null) return [];
  if (decoder.type === 'Sequence' && Array.isArray(decoder.decoders)) return (decoder.decoders as ComponentJson[]).flatMap((d) => decoderSteps(d));
  return [decoder];
}

/** The scheme a tokenizer's files describe (tokenizer.json `decoder`, else its pre-tokenizer). */
export function decodingScheme(tokenizer: TextTokenizer): DecodingScheme {
  if (!(tokenizer instanceof JsonTokenizer)) return { kind: 'metaspace', stripFirst: true };
  const steps = decoderSteps(tokenizer.spec.decoder);
  const types = steps.map((s) => s.type);
  if (types.includes('ByteLevel')) return { kind: 'byte-level' };
  if (types.includes('Metaspace') || steps.some((s) => s.type === 'Replace' && JSON.stringify(s.pattern ?? '').includes('▁'))) {
    const metaspace = steps.find((s) => s.type === 'Metaspace');
    const strip = steps.find((s) => s.type === 'Strip');
    const stripFirst = metaspace ? metaspace.prepend_scheme !== 'never' && metaspace.add_prefix_space !== false : Number(strip?.start ?? 0) > 0;
    return { kind: 'metaspace', stripFirst };
  }
  const wordpiece = steps.find((s) => s.type === 'WordPiece');
  if (wordpiece) return { kind: 'wordpiece', prefix: typeof wordpiece.prefix === 'string' ? wordpiece.prefix : '##' };
  if (steps.length === 0 && JSON.stringify(tokenizer.spec.pre_tokenizer ?? '').includes('"ByteLevel"')) return { kind: 'byte-level' };
  return { kind: 'words' };
}

/** Ids of the tokenizer's special added tokens (skipped in decoded text, as skip_special_tokens=True does). */
export function specialTokenIds(tokenizer: TextTokenizer): Set<number> {
  if (!(tokenizer instanceof JsonTokenizer)) return new Set();
  return new Set(tokenizer.spec.added_tokens.filter((t) => t.special === true).map((t) => t.id));
}

const encoder = new TextEncoder();

/**
 * Decodes ids one at a time into text pieces whose concatenation is the decoded text: bytes of a character split
 * across tokens are held until the character is complete. Special tokens give no text.
 */
export class TokenTextStream {
  private readonly scheme: DecodingScheme;
  private readonly special: Set<number>;
  private readonly utf8 = new TextDecoder('utf-8');
  private started = false;

  constructor(private readonly tokenizer: TextTokenizer) {
    this.scheme = decodingScheme(tokenizer);
    this.special = specialTokenIds(tokenizer);
  }

  /** The text token `id` adds (possibly empty while a character is incomplete). */
  push(id: number): string {
    if (this.special.has(id)) return '';
    const token = this.tokenizer.idToToken(id);
    if (token === undefined) return '';
    const first = !this.started;
    this.started = true;
    return this.utf8.decode(this.bytes(token, first), { stream: true });
  }

  /** What is still held (an incomplete character becomes U+FFFD). */
  flush(): string {
    return this.utf8.decode();
  }

  private bytes(token: string, first: boolean): Uint8Array {
    const scheme = this.scheme;
    switch (scheme.kind) {
      case 'byte-level': {
        const out: number[] = [];
        for (const c of token) {
          const b = BYTE_OF.get(c);
          if (b === undefined) out.push(...encoder.encode(c));
          else out.push(b);
        }
        return Uint8Array.from(out);
      }
      case 'metaspace': {
        const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
        if (byte) return Uint8Array.of(Number.parseInt(byte[1]!, 16));
        let text = token.replaceAll('▁', ' ');
        if (first && scheme.stripFirst && text.startsWith(' ')) text = text.slice(1);
        return encoder.encode(text);
      }
      case 'wordpiece':
        if (token.startsWith(scheme.prefix)) return encoder.encode(token.slice(scheme.prefix.length));
        return encoder.encode(first ? token : ` ${token}`);
      case 'words':
        return encoder.encode(first ? token : ` ${token}`);
    }
  }
}
