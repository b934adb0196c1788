// The model stage of the pipeline: the library's WordPiece, BPE and Unigram, and a WordLevel model of our own.

import { libraryModel, type EngineModel } from './engine.js';
import type { TokenizerJson, WordLevelModelJson } from './tokenizer-json.js';

/** WordLevel (the library has none): every word is a vocabulary entry or the unknown token. */
function wordLevelModel(spec: WordLevelModelJson, added: TokenizerJson['added_tokens']): EngineModel {
  const tokensToIds = new Map<string, number>(Object.entries(spec.vocab));
  for (const token of added) tokensToIds.set(token.content, token.id);
  const vocab: string[] = [];
  for (const [token, id] of tokensToIds) vocab[id] = token;
  const encode = (words: string[]): string[] => words.map((word) => (tokensToIds.has(word) ? word : spec.unk_token));
  return Object.assign(encode, {
    tokens_to_ids: tokensToIds,
    vocab,
    unk_token: spec.unk_token,
    unk_token_id: tokensToIds.get(spec.unk_token),
  });
}

/** The model that turns one word into vocabulary tokens, with its token -> id table. */
export function buildModel(spec: TokenizerJson): EngineModel {
  if (spec.model.type === 'WordLevel') return wordLevelModel(spec.model, spec.added_tokens);
  return libraryModel(spec.model, spec.added_tokens);
}
