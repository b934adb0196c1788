// Loads the tokenizer of a Hugging Face model folder: tokenizer.json, or the vocabulary files older checkpoints ship.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../errors.js';
import { readTextBounded } from '../io/bounded-read.js';
import { JsonTokenizer } from './json-tokenizer.js';
import { modelMaxLengthOf, readTokenizerConfig, type TokenizerConfigJson } from './tokenizer-config.js';
import { parseTokenizerJson } from './tokenizer-json.js';
import type { TextTokenizer } from './types.js';
import { UseSentencePieceTokenizer } from './use-sentencepiece.js';
import { bertTokenizerJson, robertaTokenizerJson } from './vocab-files.js';

/** The files looked for, in order of preference. */
export const TOKENIZER_FILES = ['tokenizer.json', 'vocab.txt', 'vocab.json + merges.txt'] as const;

function readText(path: string): string {
  try {
    return readTextBounded(path, 'tokenizer');
  } catch (error) {
    if (error instanceof FinetuneError) throw error;
    throw new FinetuneError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** The tokenizer_config.json transformers writes for a tokenizer built from vocab.txt. */
function bertConfig(config: TokenizerConfigJson): TokenizerConfigJson {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: config.do_lower_case ?? true,
    unk_token: '[UNK]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    cls_token: '[CLS]',
    mask_token: '[MASK]',
    ...config,
  };
}

/** The tokenizer_config.json transformers writes for a tokenizer built from vocab.json + merges.txt. */
function robertaConfig(config: TokenizerConfigJson): TokenizerConfigJson {
  return {
    tokenizer_class: 'RobertaTokenizer',
    add_prefix_space: config.add_prefix_space ?? false,
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    sep_token: '</s>',
    pad_token: '<pad>',
    cls_token: '<s>',
    mask_token: '<mask>',
    ...config,
  };
}

/**
 * Loads the tokenizer of the model folder `dir`: tokenizer.json when present; otherwise a BERT
 * WordPiece tokenizer built from vocab.txt (casing from tokenizer_config.json `do_lower_case`,
 * default lowercase), a RoBERTa byte-level BPE tokenizer built from vocab.json + merges.txt, or
 * the USE SentencePiece tokenizer of a vocab.json list of [piece, score] pairs (USE-lite).
 * tokenizer_config.json (optional) supplies special-token names and `model_max_length`.
 */
export async function loadTokenizer(dir: string): Promise<TextTokenizer> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new FinetuneError(`${dir}: not a folder`);
  const config = readTokenizerConfig(dir);
  const jsonPath = join(dir, 'tokenizer.json');
  if (existsSync(jsonPath)) {
    return new JsonTokenizer(parseTokenizerJson(readText(jsonPath), jsonPath), config, jsonPath);
  }
  const vocabTxt = join(dir, 'vocab.txt');
  if (existsSync(vocabTxt)) {
    const full = bertConfig(config);
    return new JsonTokenizer(bertTokenizerJson(readText(vocabTxt), full, vocabTxt), full, vocabTxt);
  }
  const vocabJson = join(dir, 'vocab.json');
  const merges = join(dir, 'merges.txt');
  // USE-lite folders keep their SentencePiece vocabulary as a vocab.json list of [piece, score]
  // (a BPE vocab.json is an object).
  if (existsSync(vocabJson) && !existsSync(merges) && readText(vocabJson).trimStart().startsWith('[')) {
    const modelMaxLength = modelMaxLengthOf(config);
    return UseSentencePieceTokenizer.fromFile(vocabJson, modelMaxLength === undefined ? {} : { modelMaxLength });
  }
  if (existsSync(vocabJson) && existsSync(merges)) {
    const full = robertaConfig(config);
    const spec = robertaTokenizerJson(readText(vocabJson), readText(merges), full, { vocab: vocabJson, merges });
    return new JsonTokenizer(spec, full, vocabJson);
  }
  const partial = existsSync(vocabJson) ? ' (vocab.json without merges.txt)' : existsSync(merges) ? ' (merges.txt without vocab.json)' : '';
  throw new FinetuneError(`${dir}: no tokenizer files${partial}; looked for ${TOKENIZER_FILES.join(', ')}`);
}
