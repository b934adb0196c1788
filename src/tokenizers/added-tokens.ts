// Finds added tokens ([CLS], <mask>, user additions) in text, leftmost-longest, with their strip and whole-word rules.

import type { AddedTokenJson } from './tokenizer-json.js';

/** A piece of text: plain text for the model, or one added token. */
export type Segment = { readonly text: string; readonly id?: undefined } | { readonly text: string; readonly id: number };

interface TrieNode {
  readonly next: Map<string, TrieNode>;
  token?: AddedTokenJson;
}

const WHITESPACE = /\p{White_Space}/u;
const ALPHANUMERIC = /[\p{Alphabetic}\p{N}]/u;

/** Matches a set of added tokens in text. */
export class AddedTokenMatcher {
  private readonly root: TrieNode = { next: new Map() };
  readonly isEmpty: boolean;

  /** `contentOf` gives the string to look for (normalized content for tokens matched after normalization). */
  constructor(tokens: readonly AddedTokenJson[], contentOf: (token: AddedTokenJson) => string = (t) => t.content) {
    let count = 0;
    for (const token of tokens) {
      const content = contentOf(token);
      if (content === '') continue;
      let node = this.root;
      for (const char of content) {
        let child = node.next.get(char);
        if (child === undefined) {
          child = { next: new Map() };
          node.next.set(char, child);
        }
        node = child;
      }
      node.token ??= token;
      count++;
    }
    this.isEmpty = count === 0;
  }

  /** The longest token starting at `start` (UTF-16 index) and its end, or undefined. */
  private longestAt(text: string, start: number): { token: AddedTokenJson; end: number } | undefined {
    let node: TrieNode | undefined = this.root;
    let found: { token: AddedTokenJson; end: number } | undefined;
    let i = start;
    while (i < text.length) {
      const char = String.fromCodePoint(text.codePointAt(i)!);
      node = node.next.get(char);
      if (node === undefined) break;
      i += char.length;
      if (node.token !== undefined) found = { token: node.token, end: i };
    }
    return found;
  }

  /**
   * Cuts `text` into plain pieces and added tokens. `lstrip`/`rstrip` tokens swallow the whitespace
   * beside them; `single_word` tokens only match between non-alphanumeric characters.
   */
  split(text: string): Segment[] {
    if (this.isEmpty || text === '') return text === '' ? [] : [{ text }];
    const out: Segment[] = [];
    let plainStart = 0;
    let i = 0;
    while (i < text.length) {
      const match = this.longestAt(text, i);
      if (match === undefined || !this.wholeWordOk(match.token, text, i, match.end)) {
        i += text.codePointAt(i)! > 0xffff ? 2 : 1;
        continue;
      }
      let before = i;
      if (match.token.lstrip) while (before > plainStart && WHITESPACE.test(text[before - 1]!)) before--;
      let after = match.end;
      if (match.token.rstrip) while (after < text.length && WHITESPACE.test(text[after]!)) after++;
      if (before > plainStart) out.push({ text: text.slice(plainStart, before) });
      out.push({ text: text.slice(i, match.end), id: match.token.id });
      plainStart = after;
      i = after;
    }
    if (plainStart < text.length) out.push({ text: text.slice(plainStart) });
    return out;
  }

  private wholeWordOk(token: AddedTokenJson, text: string, start: number, end: number): boolean {
    if (!token.single_word) return true;
    const before = start > 0 ? String.fromCodePoint(text.codePointAt(start - 1 - (isLowSurrogate(text, start - 1) ? 1 : 0))!) : '';
    const after = end < text.length ? String.fromCodePoint(text.codePointAt(end)!) : '';
    return !ALPHANUMERIC.test(before) && !ALPHANUMERIC.test(after);
  }
}

function isLowSurrogate(text: string, index: number): boolean {
  const unit = text.charCodeAt(index);
  return unit >= 0xdc00 && unit <= 0xdfff && index > 0;
}
