// loadTokenizer: which files it reads, what it reports about them, saving and reloading, and every bad-input error.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FinetuneError } from '../errors.js';
import { JsonTokenizer } from './json-tokenizer.js';
import { loadTokenizer } from './load.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tokenizers/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'finetune-tokenizers-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let folderCount = 0;
/** A fresh folder holding `files` (name -> text). */
function folder(files: Record<string, string>): string {
  const dir = join(scratch, `case-${folderCount++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const WORDPIECE_JSON = readFileSync(join(FIXTURES, 'wordpiece', 'tokenizer.json'), 'utf8');

/** The wordpiece fixture's tokenizer.json with `edit` applied. */
// biome-ignore lint/suspicious/noExplicitAny: the edits reach into tokenizer.json's nested objects freely.
type Json = Record<string, any>;
function editedJson(edit: (json: Json) => void): string {
  const json = JSON.parse(WORDPIECE_JSON) as Json;
  edit(json);
  return JSON.stringify(json);
}

async function rejects(dir: string, pattern: RegExp): Promise<void> {
  await assert.rejects(loadTokenizer(dir), (error: unknown) => {
    assert.ok(error instanceof FinetuneError, `expected a FinetuneError, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  });
}

describe('loadTokenizer', () => {
  it('reports pad id, vocabulary size, length limit and token lookups', async () => {
    const bert = await loadTokenizer(join(FIXTURES, 'wordpiece'));
    assert.equal(bert.padId, 0);
    assert.equal(bert.vocabSize, 3000);
    assert.equal(bert.modelMaxLength, 512);
    assert.equal(bert.tokenToId('[CLS]'), 2);
    assert.equal(bert.idToToken(3), '[SEP]');
    assert.equal(bert.tokenToId('no-such-token'), undefined);
    const roberta = await loadTokenizer(join(FIXTURES, 'bpe'));
    assert.equal(roberta.padId, 1);
    const unigram = await loadTokenizer(join(FIXTURES, 'unigram'));
    assert.equal(unigram.modelMaxLength, undefined);
    assert.equal(unigram.padId, 0);
  });

  it('encodes batches like single calls and truncates to model_max_length by default', async () => {
    const bert = await loadTokenizer(join(FIXTURES, 'wordpiece'));
    const batch = bert.encodeBatch(['a good film', 'bad'], ['yes', 'no'], { maxLength: 6 });
    assert.deepEqual(batch, [bert.encode('a good film', 'yes', { maxLength: 6 }), bert.encode('bad', 'no', { maxLength: 6 })]);
    assert.equal(bert.encode('word '.repeat(600)).ids.length, 512);
    assert.throws(() => bert.encodeBatch(['a', 'b'], ['c']), /2 texts but 1 pairs/);
  });

  it('builds BERT from vocab.txt, appending special tokens the vocabulary lacks as transformers does', async () => {
    const dir = folder({ 'vocab.txt': '[PAD]\n[UNK]\n[SEP]\nhello\nworld\n##s\n' });
    const tokenizer = await loadTokenizer(dir);
    assert.equal(tokenizer.tokenToId('[CLS]'), 6);
    assert.equal(tokenizer.tokenToId('[MASK]'), 7);
    assert.equal(tokenizer.vocabSize, 8);
    assert.deepEqual(tokenizer.encode('Hello worlds [MASK]').ids, [6, 3, 4, 5, 7, 2]);
  });

  it('reads special tokens and casing from tokenizer_config.json, special_tokens_map.json taking precedence', async () => {
    const dir = folder({
      'vocab.txt': '<pad>\n<unk>\n<cls>\n<sep>\nHello\n',
      'tokenizer_config.json': JSON.stringify({ do_lower_case: false, model_max_length: 16, cls_token: '<cls>', sep_token: '<sep>' }),
      'special_tokens_map.json': JSON.stringify({ pad_token: '<pad>', unk_token: { content: '<unk>' }, cls_token: '[CLS]' }),
    });
    const tokenizer = await loadTokenizer(dir);
    assert.equal(tokenizer.padId, 0);
    assert.equal(tokenizer.modelMaxLength, 16);
    // special_tokens_map.json's [CLS] wins over <cls> and, missing from the vocabulary, gets id 5 (as in transformers).
    assert.deepEqual(tokenizer.encode('Hello hello').ids, [5, 4, 1, 3]);
  });

  it('reads an old tokenizer.json whose model has no type', async () => {
    const dir = folder({ 'tokenizer.json': editedJson((json) => delete json['model'].type) });
    const tokenizer = await loadTokenizer(dir);
    assert.deepEqual(tokenizer.encode('the film').tokens, ['[CLS]', 'the', 'film', '[SEP]']);
  });

  it('saves tokenizer.json, tokenizer_config.json and special_tokens_map.json that load back the same', async () => {
    const original = await loadTokenizer(join(FIXTURES, 'wordpiece-vocab'));
    const saved = join(scratch, 'saved');
    await original.save(saved);
    const config = JSON.parse(readFileSync(join(saved, 'tokenizer_config.json'), 'utf8'));
    assert.equal(config.tokenizer_class, 'BertTokenizer');
    assert.equal(config.do_lower_case, true);
    assert.equal(JSON.parse(readFileSync(join(saved, 'special_tokens_map.json'), 'utf8')).mask_token, '[MASK]');
    const reloaded = await loadTokenizer(saved);
    assert.ok(reloaded instanceof JsonTokenizer);
    for (const text of ['A moving, funny film!', 'Café 中文 😀', '']) assert.deepEqual(reloaded.encode(text, 'pair'), original.encode(text, 'pair'));
  });

  it('fills in the tokenizer_config.json transformers needs when the folder had only tokenizer.json', async () => {
    const dir = folder({});
    copyFileSync(join(FIXTURES, 'unigram', 'tokenizer.json'), join(dir, 'tokenizer.json'));
    const saved = join(scratch, 'saved-unigram');
    await (await loadTokenizer(dir)).save(saved);
    assert.deepEqual(JSON.parse(readFileSync(join(saved, 'tokenizer_config.json'), 'utf8')), {
      tokenizer_class: 'PreTrainedTokenizerFast',
      unk_token: '<unk>',
      pad_token: '<pad>',
      cls_token: '[CLS]',
      sep_token: '[SEP]',
    });
  });

  it('names the folder and the files it looked for when there are none', async () => {
    await rejects(folder({}), /case-\d+: no tokenizer files; looked for tokenizer\.json, vocab\.txt, vocab\.json \+ merges\.txt$/);
    await rejects(folder({ 'vocab.json': '{}' }), /no tokenizer files \(vocab\.json without merges\.txt\)/);
    await rejects(join(scratch, 'missing'), /missing: not a folder/);
  });

  it('rejects malformed tokenizer.json with the file and the problem', async () => {
    const cases: [string, RegExp][] = [
      ['{"model": ', /tokenizer\.json: not valid JSON/],
      ['[1]', /tokenizer\.json: expected a JSON object/],
      ['{"added_tokens": []}', /tokenizer\.json: no "model" object/],
      [editedJson((j) => (j['model'].type = 'Mystery')), /model\.type "Mystery" is not supported \(supported: WordPiece, BPE, Unigram, WordLevel\)/],
      [editedJson((j) => (j['model'].vocab['the'] = -1)), /model\.vocab\["the"\] is -1, not a non-negative integer id/],
      [editedJson((j) => (j['model'].unk_token = '<nope>')), /model\.unk_token "<nope>" is not in the vocabulary/],
      [editedJson((j) => delete j['model'].unk_token), /model\.unk_token is missing/],
      [editedJson((j) => (j['normalizer'] = { type: 'Nmt' })), /normalizer type "Nmt" is not supported/],
      [
        editedJson((j) => (j['pre_tokenizer'] = { type: 'Sequence', pretokenizers: [{ type: 'UnicodeScripts' }] })),
        /pre_tokenizer\.pretokenizers\[0\] type "UnicodeScripts" is not supported/,
      ],
      [editedJson((j) => (j['pre_tokenizer'] = { type: 'Sequence' })), /pre_tokenizer\.pretokenizers is not a list/],
      [editedJson((j) => (j['normalizer'] = 'lowercase')), /normalizer is not an object with a "type"/],
      [editedJson((j) => (j['post_processor'] = { type: 'Unknown' })), /post_processor type "Unknown" is not supported/],
      [
        editedJson((j) => delete j['post_processor'].special_tokens['[SEP]']),
        /post_processor\.single uses special token "\[SEP\]", which special_tokens does not define/,
      ],
      [
        editedJson((j) => (j['post_processor'] = { type: 'BertProcessing', sep: ['[SEP]', 3], cls: '[CLS]' })),
        /post_processor\.cls is not a \[token, id\] pair/,
      ],
      [editedJson((j) => (j['added_tokens'] = [{ id: 'x', content: '[X]' }])), /added_tokens\[0\] needs a non-negative integer "id" and a non-empty "content"/],
      [editedJson((j) => (j['added_tokens'] = {})), /added_tokens is not a list/],
      [editedJson((j) => (j['normalizer'] = { type: 'Replace', pattern: { Regex: '(' }, content: '' })), /tokenizer\.json: cannot build the tokenizer \(.*\)/],
    ];
    for (const [text, pattern] of cases) await rejects(folder({ 'tokenizer.json': text }), pattern);
  });

  it('rejects malformed BPE and Unigram sections', async () => {
    const bpe = JSON.parse(readFileSync(join(FIXTURES, 'bpe', 'tokenizer.json'), 'utf8'));
    const badMerge = { ...bpe, model: { ...bpe.model, merges: [['a', 'b', 'c']] } };
    await rejects(folder({ 'tokenizer.json': JSON.stringify(badMerge) }), /model\.merges\[0\] is not a pair of tokens/);
    const noMerges = { ...bpe, model: { ...bpe.model, merges: 'a b' } };
    await rejects(folder({ 'tokenizer.json': JSON.stringify(noMerges) }), /model\.merges is not a list/);
    const unigram = JSON.parse(readFileSync(join(FIXTURES, 'unigram', 'tokenizer.json'), 'utf8'));
    const badPiece = { ...unigram, model: { ...unigram.model, vocab: [['a', 'x']] } };
    await rejects(folder({ 'tokenizer.json': JSON.stringify(badPiece) }), /model\.vocab\[0\] is not a \[piece, score\] pair/);
    const badUnk = { ...unigram, model: { ...unigram.model, unk_id: 99999 } };
    await rejects(folder({ 'tokenizer.json': JSON.stringify(badUnk) }), /model\.unk_id 99999 is not an index into the \d+ pieces/);
    const empty = { ...unigram, model: { ...unigram.model, vocab: [] } };
    await rejects(folder({ 'tokenizer.json': JSON.stringify(empty) }), /model\.vocab is not a non-empty list/);
  });

  it('rejects malformed vocabulary files and tokenizer_config.json', async () => {
    await rejects(folder({ 'vocab.txt': '' }), /vocab\.txt: the vocabulary is empty/);
    await rejects(folder({ 'vocab.json': '{"a": 0', 'merges.txt': '' }), /vocab\.json: not valid JSON/);
    await rejects(folder({ 'vocab.json': '["a"]', 'merges.txt': '' }), /vocab\.json: expected an object of token -> id/);
    await rejects(folder({ 'vocab.json': '{"a": 1.5}', 'merges.txt': '' }), /vocab\.json: "a" has id 1\.5, not a non-negative integer/);
    await rejects(folder({ 'vocab.json': '{}', 'merges.txt': '' }), /vocab\.json: the vocabulary is empty/);
    const vocab = JSON.stringify({ a: 0, b: 1, ab: 2 });
    await rejects(folder({ 'vocab.json': vocab, 'merges.txt': '#version: 0.2\na  b\n' }), /merges\.txt: line 2 is not two tokens separated by one space/);
    await rejects(folder({ 'vocab.json': vocab, 'merges.txt': 'a c\n' }), /merges\.txt: line 1 uses "c", which the vocabulary lacks/);
    const config = (value: unknown): Record<string, string> => ({ 'vocab.txt': '[UNK]\n', 'tokenizer_config.json': JSON.stringify(value) });
    await rejects(folder({ 'vocab.txt': '[UNK]\n', 'tokenizer_config.json': '{' }), /tokenizer_config\.json: not valid JSON/);
    await rejects(folder(config([])), /tokenizer_config\.json: expected a JSON object/);
    await rejects(folder(config({ model_max_length: '512' })), /tokenizer_config\.json: model_max_length is "512", not a number/);
    await rejects(folder(config({ do_lower_case: 'yes' })), /tokenizer_config\.json: do_lower_case is "yes", not true or false/);
    await rejects(folder(config({ mask_token: 5 })), /tokenizer_config\.json: mask_token is neither a string nor an object/);
    await rejects(folder(config({ additional_special_tokens: [7] })), /tokenizer_config\.json: additional_special_tokens is not a list of tokens/);
    await rejects(
      folder({ 'vocab.txt': '[UNK]\n', 'special_tokens_map.json': '{"additional_special_tokens": "x"}' }),
      /special_tokens_map\.json: additional_special_tokens is not a list/,
    );
    await rejects(
      folder({ 'tokenizer.json': WORDPIECE_JSON, 'tokenizer_config.json': JSON.stringify({ pad_token: '<pad>' }) }),
      /the pad token "<pad>" is not in the vocabulary/,
    );
  });

  it('takes added tokens with their ids and flags from added_tokens_decoder, as transformers does', async () => {
    const plain = await loadTokenizer(join(FIXTURES, 'bpe-vocab'));
    const dir = folder({
      'tokenizer_config.json': JSON.stringify({
        added_tokens_decoder: {
          4: { content: '<mask>', lstrip: true, rstrip: false, normalized: false, single_word: false, special: true },
          2000: { content: 'movie', lstrip: false, rstrip: false, normalized: true, single_word: false, special: false },
        },
      }),
    });
    copyFileSync(join(FIXTURES, 'bpe-vocab', 'vocab.json'), join(dir, 'vocab.json'));
    copyFileSync(join(FIXTURES, 'bpe-vocab', 'merges.txt'), join(dir, 'merges.txt'));
    const tokenizer = await loadTokenizer(dir);
    assert.equal(tokenizer.vocabSize, 2001);
    assert.deepEqual(tokenizer.encode('x <mask> y').ids, plain.encode('x<mask> y').ids);
    const bare = (text: string): number[] => plain.encode(text, undefined, { addSpecialTokens: false }).ids;
    assert.deepEqual(tokenizer.encode('a movie night', undefined, { addSpecialTokens: false }).ids, [...bare('a '), 2000, ...bare(' night')]);
    const bad = folder({ 'vocab.txt': '[UNK]\n', 'tokenizer_config.json': JSON.stringify({ added_tokens_decoder: { x: { content: 'a' } } }) });
    await rejects(bad, /tokenizer_config\.json: added_tokens_decoder\["x"\] needs a non-negative integer id and a non-empty "content"/);
    await rejects(folder({ 'vocab.txt': '[UNK]\n', 'tokenizer_config.json': '{"added_tokens_decoder": []}' }), /added_tokens_decoder is not an object/);
  });

  it('uses the files in a folder that also has other content', async () => {
    const dir = folder({});
    copyFileSync(join(FIXTURES, 'bpe-vocab', 'vocab.json'), join(dir, 'vocab.json'));
    copyFileSync(join(FIXTURES, 'bpe-vocab', 'merges.txt'), join(dir, 'merges.txt'));
    writeFileSync(join(dir, 'config.json'), '{"model_type": "roberta"}');
    const tokenizer = await loadTokenizer(dir);
    assert.deepEqual(
      tokenizer.encode('a film', 'b').typeIds.every((t) => t === 0),
      true,
    );
    assert.equal(tokenizer.encode('a film').ids[0], tokenizer.tokenToId('<s>'));
  });
});
