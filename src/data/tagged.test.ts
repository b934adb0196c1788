// Tests of loadTaggedDataset: CoNLL, CoNLL-U and JSON Lines, format choice, reports, every bad-input message, splits.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadTaggedDataset, sniffTaggedFormat, splitSentences, tagDistribution, taggedFormatFromPath } from './tagged.js';

const dir = mkdtempSync(join(tmpdir(), 'finetune-tagged-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const CONLL = '-DOCSTART-\tO\n\nEmpire\tB-location\nState\tI-location\nrocks\tO\n\t\n#nyc\tO\nNew York\tB-location\n \n\n';

test('CoNLL: tab or space separated, tab-only and blank lines end sentences, -DOCSTART- skipped, # is a word', async () => {
  const path = file('a.conll', CONLL);
  const { sentences, report } = await loadTaggedDataset(path);
  assert.deepEqual(sentences, [
    { tokens: ['Empire', 'State', 'rocks'], tags: ['B-location', 'I-location', 'O'], origin: `${path}: line 3` },
    { tokens: ['#nyc', 'New York'], tags: ['O', 'B-location'], origin: `${path}: line 7` },
  ]);
  assert.deepEqual(report, {
    source: path,
    format: 'conll',
    tokensColumn: 'token',
    tagsColumn: 'tag',
    sentences: 2,
    tokens: 5,
    maxTokens: 3,
    tags: [
      { label: 'B-location', count: 2, fraction: 0.4 },
      { label: 'I-location', count: 1, fraction: 0.2 },
      { label: 'O', count: 2, fraction: 0.4 },
    ],
    emptyDropped: 0,
    warnings: [],
  });
  const spaces = await loadTaggedDataset(file('b.bio', 'John  B-PER\r\nruns O\r\n\r\nhi O'));
  assert.equal(spaces.report.format, 'conll');
  assert.deepEqual(
    spaces.sentences.map((s) => [s.tokens, s.tags]),
    [
      [
        ['John', 'runs'],
        ['B-PER', 'O'],
      ],
      [['hi'], ['O']],
    ],
  );
  const docs = await loadTaggedDataset(file('docs.conll', 'a O\n-DOCSTART- -X- -X- O\nb O\n'));
  assert.equal(docs.sentences.length, 2);
});

test('CoNLL errors name the file and line', async () => {
  const three = file('three.conll', 'a\tO\nb\tI-x\textra\n');
  await assert.rejects(loadTaggedDataset(three), { name: 'FinetuneError', message: `${three}: line 2: expected 2 columns (token, tag), found 3` });
  const one = file('one.conll', 'a O\n\nlonely\n');
  await assert.rejects(loadTaggedDataset(one), { message: `${one}: line 3: expected 2 columns (token, tag), found 1` });
  const conll03 = file('c03.conll', 'EU NNP B-NP B-ORG\n');
  await assert.rejects(loadTaggedDataset(conll03), {
    message: `${conll03}: line 1: expected 2 columns (token, tag), found 4; CoNLL-2003 layout (token, POS, chunk, NER)? keep the first and last columns`,
  });
  const noTag = file('notag.conll', 'a\t \n');
  await assert.rejects(loadTaggedDataset(noTag), { message: `${noTag}: line 1: expected 2 columns (token, tag), found 1` });
  const noToken = file('notoken.conll', ' \tO\n');
  await assert.rejects(loadTaggedDataset(noToken), { message: `${noToken}: line 1: empty token before the tag 'O'` });
  const named = file('named.conll', 'a O\n');
  await assert.rejects(loadTaggedDataset(named, { labelColumn: 'ner' }), {
    message: `${named}: labelColumn does not apply to CoNLL files (token and tag, in that order); it names a CoNLL-U column or a JSON key`,
  });
  const onlyDoc = file('doc.conll', '-DOCSTART- O\n\n');
  await assert.rejects(loadTaggedDataset(onlyDoc), { message: `${onlyDoc}: no sentences` });
});

const CONLLU = [
  '# sent_id = 1',
  "# text = I didn't go.",
  '1\tI\tI\tPRON\tPRP\tCase=Nom\t3\tnsubj\t_\t_',
  "2-3\tdidn't\t_\t_\t_\t_\t_\t_\t_\t_",
  '2\tdid\tdo\tAUX\tVBD\t_\t4\taux\t_\t_',
  "3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_",
  '4\tgo\tgo\tVERB\tVB\tVerbForm=Inf\t0\troot\t_\t_',
  '4.1\tgo\tgo\tVERB\tVB\t_\t_\t_\t4:conj\t_',
  '5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_',
  '',
  '1\tYes\tyes\tINTJ\tUH\t_\t0\troot\t_\t_',
  '',
].join('\n');

test('CoNLL-U: comments, ranges and empty nodes skipped; the tag column chosen by name', async () => {
  const path = file('ud.conllu', CONLLU);
  const { sentences, report } = await loadTaggedDataset(path);
  assert.deepEqual(sentences, [
    { tokens: ['I', 'did', "n't", 'go', '.'], tags: ['PRON', 'AUX', 'PART', 'VERB', 'PUNCT'], origin: `${path}: line 1` },
    { tokens: ['Yes'], tags: ['INTJ'], origin: `${path}: line 11` },
  ]);
  assert.equal(report.format, 'conllu');
  assert.equal(report.tagsColumn, 'upos');
  assert.equal(report.tokensColumn, 'form');
  assert.deepEqual((await loadTaggedDataset(path, { labelColumn: 'XPOS' })).sentences[0]?.tags, ['PRP', 'VBD', 'RB', 'VB', '.']);
  assert.deepEqual((await loadTaggedDataset(path, { labelColumn: 'deprel' })).sentences[1]?.tags, ['root']);
  // An empty feature set is a value of its own in FEATS.
  assert.deepEqual((await loadTaggedDataset(path, { labelColumn: 'feats' })).sentences[0]?.tags, ['Case=Nom', '_', '_', 'VerbForm=Inf', '_']);
  assert.deepEqual((await loadTaggedDataset(path, { tokensColumn: 'lemma' })).sentences[0]?.tokens, ['I', 'do', 'not', 'go', '.']);
  // Sniffed from the content under a name that says nothing, comments first.
  assert.equal((await loadTaggedDataset(file('ud.txt', CONLLU))).report.format, 'conllu');
});

test('CoNLL-U errors name the file and line', async () => {
  const path = file('e.conllu', CONLLU);
  await assert.rejects(loadTaggedDataset(path, { labelColumn: 'ner' }), {
    message: `${path}: no CoNLL-U tag column 'ner' (columns: form, lemma, upos, xpos, feats, head, deprel, deps, misc)`,
  });
  await assert.rejects(loadTaggedDataset(path, { tokensColumn: 'id' }), {
    message: `${path}: no CoNLL-U word column 'id' (columns: form, lemma, upos, xpos, feats, head, deprel, deps, misc)`,
  });
  const underscore = file('u.conllu', '1\ta\ta\tDET\t_\t_\t0\troot\t_\t_\n');
  await assert.rejects(loadTaggedDataset(underscore, { labelColumn: 'xpos' }), { message: `${underscore}: line 1: no xpos tag ('_') for the word 'a'` });
  const nine = file('nine.conllu', '# c\n1\ta\ta\tDET\t_\t_\t0\troot\t_\n');
  await assert.rejects(loadTaggedDataset(nine), { message: `${nine}: line 2: expected 10 tab-separated columns (CoNLL-U), found 9` });
  const glued = file('glued.conllu', '1\ta\ta\tDET\t_\t_\t0\troot\t_\t_\n1\tb\tb\tDET\t_\t_\t0\troot\t_\t_\n');
  await assert.rejects(loadTaggedDataset(glued), {
    message: `${glued}: line 2: word id 1 after word 1; ids run 1, 2, 3... within a sentence (a blank line missing?)`,
  });
  const badId = file('id.conllu', 'x\ta\ta\tDET\t_\t_\t0\troot\t_\t_\n');
  await assert.rejects(loadTaggedDataset(badId), { message: `${badId}: line 1: word id 'x' is not a number, a range (3-4) or an empty node (5.1)` });
  const comments = await loadTaggedDataset(file('c.conllu', '# only a comment\n\n1\ta\ta\tDET\t_\t_\t0\troot\t_\t_\n'));
  assert.equal(comments.report.emptyDropped, 1);
  assert.equal(comments.sentences[0]?.origin, `${join(dir, 'c.conllu')}: line 3`);
});

test('JSON Lines in the datasets layout: string or integer tags, columns detected or named', async () => {
  const path = file(
    'ner.jsonl',
    [
      '{"id":"0","tokens":["EU","rejects","German"],"pos_tags":[22,42,16],"ner_tags":[3,0,7]}',
      '',
      '{"id":"1","tokens":[],"pos_tags":[],"ner_tags":[]}',
      '{"id":"2","tokens":["Peter"],"pos_tags":[22],"ner_tags":[1]}',
    ].join('\n'),
  );
  const { sentences, report } = await loadTaggedDataset(path);
  assert.deepEqual(sentences, [
    { tokens: ['EU', 'rejects', 'German'], tags: ['3', '0', '7'], origin: `${path}: line 1` },
    { tokens: ['Peter'], tags: ['1'], origin: `${path}: line 4` },
  ]);
  assert.equal(report.format, 'jsonl');
  assert.equal(report.tagsColumn, 'ner_tags');
  assert.equal(report.emptyDropped, 1);
  assert.deepEqual(
    report.tags.map((t) => t.label),
    ['0', '1', '3', '7'],
  );
  assert.deepEqual(report.warnings, [
    `${path}: tags read from 'ner_tags'; the records also hold 'pos_tags' (name one with labelColumn)`,
    `${path}: 1 empty sentence dropped`,
  ]);
  assert.deepEqual((await loadTaggedDataset(path, { labelColumn: 'pos_tags' })).sentences[1]?.tags, ['22']);
  const odd = file('odd.json', '[{"w":["a","b"],"lab":["X","Y"],"n":1}]');
  const detected = await loadTaggedDataset(odd);
  assert.deepEqual([detected.report.tokensColumn, detected.report.tagsColumn], ['w', 'lab']);
  assert.equal(detected.sentences[0]?.origin, `${odd}: row 1`);
  const named = await loadTaggedDataset(file('named.ndjson', '{"words":["a"],"upos":["DET"],"tags":["x"]}\n'), { tokensColumn: 'words', labelColumn: 'UPOS' });
  assert.deepEqual(named.sentences[0]?.tags, ['DET']);
});

test('JSON Lines errors name the file and line', async () => {
  const uneven = file('uneven.jsonl', '{"tokens":["a"],"tags":["O"]}\n{"tokens":["a","b"],"tags":["O"]}\n');
  await assert.rejects(loadTaggedDataset(uneven), { message: `${uneven}: line 2: 2 tokens in 'tokens' but 1 tags in 'tags'` });
  const number = file('number.jsonl', '{"tokens":["a",7],"tags":["O","O"]}\n');
  await assert.rejects(loadTaggedDataset(number), { message: `${number}: line 1: token 2 in 'tokens' is a number, expected a string` });
  const notList = file('notlist.jsonl', '{"tokens":["a"],"tags":["O"]}\n{"tokens":"a b","tags":["O","O"]}\n');
  await assert.rejects(loadTaggedDataset(notList), { message: `${notList}: line 2: 'tokens' holds a string, expected a list of words` });
  const missing = file('missing.jsonl', '{"tokens":["a"],"tags":["O"]}\n{"tokens":["a"]}\n');
  await assert.rejects(loadTaggedDataset(missing), { message: `${missing}: line 2: 'tags' holds nothing, expected a list of tags` });
  const badTag = file('badtag.jsonl', '{"tokens":["a","b"],"tags":["O",1.5]}\n');
  await assert.rejects(loadTaggedDataset(badTag), { message: `${badTag}: line 1: tag 2 in 'tags' is 1.5, not an integer; expected a string or an integer` });
  const blankTag = file('blanktag.jsonl', '{"tokens":["a"],"tags":[" "]}\n');
  await assert.rejects(loadTaggedDataset(blankTag), { message: `${blankTag}: line 1: tag 1 in 'tags' is empty; expected a string or an integer` });
  const noTags = file('notags.jsonl', '{"tokens":["a"],"x":1}\n');
  await assert.rejects(loadTaggedDataset(noTags), {
    message: `${noTags}: cannot tell which column holds the tags: no list column besides 'tokens' (columns: 'tokens', 'x'); name it with labelColumn`,
  });
  await assert.rejects(loadTaggedDataset(noTags, { labelColumn: 'ner' }), { message: `${noTags}: no tags column 'ner' (columns: 'tokens', 'x')` });
  await assert.rejects(loadTaggedDataset(uneven, { tokensColumn: 'tags', labelColumn: 'tags' }), {
    message: `${uneven}: the tokens and tags columns are both 'tags'`,
  });
  const noWords = file('nowords.jsonl', '{"a":1}\n');
  await assert.rejects(loadTaggedDataset(noWords), {
    message: `${noWords}: cannot tell which column holds the words (columns: 'a'); name it with tokensColumn`,
  });
  const broken = file('broken.jsonl', '{"tokens":["a"],"tags":["O"]}\n{oops\n');
  await assert.rejects(loadTaggedDataset(broken), /broken\.jsonl: line 2: invalid JSON/);
});

test('format from the extension, else sniffed; gzip; empty and missing files', async () => {
  assert.equal(taggedFormatFromPath('x/train.conll.gz'), 'conll');
  assert.equal(taggedFormatFromPath('dev.CONLLU'), 'conllu');
  assert.equal(taggedFormatFromPath('a.json'), 'jsonl');
  assert.equal(taggedFormatFromPath('a.txt'), undefined);
  assert.equal(sniffTaggedFormat('\ufeff{"tokens":[]}'), 'jsonl');
  assert.equal(sniffTaggedFormat('#hashtag\tO\n'), 'conll');
  const gz = await loadTaggedDataset(file('train.conll.gz', gzipSync(CONLL)));
  assert.equal(gz.sentences.length, 2);
  const hidden = await loadTaggedDataset(file('train.tsv', gzipSync(CONLLU)));
  assert.equal(hidden.report.format, 'conllu');
  const forced = await loadTaggedDataset(file('forced.conllu', 'a\tO\n'), { format: 'conll' });
  assert.equal(forced.report.format, 'conll');
  const bom = await loadTaggedDataset(file('bom.conll', '\ufeffa\tO\n'));
  assert.equal(bom.sentences[0]?.tokens[0], 'a');
  const blank = file('blank.conll', ' \n\t\n');
  await assert.rejects(loadTaggedDataset(blank), { message: `${blank}: empty file` });
  const missing = join(dir, 'none.conll');
  await assert.rejects(loadTaggedDataset(missing), { message: `${missing}: no such file` });
  const binary = file('bin.conll', Uint8Array.from([0x61, 0x00, 0x01]));
  await assert.rejects(loadTaggedDataset(binary), { message: `${binary}: binary data (NUL byte at offset 1), not CoNLL text` });
});

test('warnings: tags off the IOB2 scheme, spans opening with I-, blank tokens, one tag', async () => {
  const path = file('scheme.conll', 'a\tB-PER\nb\tI-PER\nc\tX-FOO\nd\tO\n\ne\tI-LOC\nf\tO\n\ng\tB-LOC\nh\tI-PER\n');
  const { report } = await loadTaggedDataset(path);
  assert.deepEqual(report.warnings, [
    `${path}: tag 'X-FOO' not IOB2-shaped (B-TYPE, I-TYPE or O) though most tags are (first in the sentence at line 1)`,
    `${path}: 2 entity spans start with I- instead of B- (first in the sentence at line 6); IOB1 data or broken spans`,
  ]);
  const pos = await loadTaggedDataset(file('pos.conll', 'a\tDET\nb\tNOUN\n'));
  assert.deepEqual(pos.report.warnings, []);
  const bioes = await loadTaggedDataset(file('bioes.conll', 'a\tS-PER\nb\tO\nc\tB-LOC\nd\tE-LOC\n'));
  assert.deepEqual(bioes.report.warnings, []);
  const blanks = file('blank.jsonl', '{"tokens":["a","\\u200b "],"tags":["O","B-X"]}\n');
  assert.deepEqual((await loadTaggedDataset(blanks)).report.warnings, [
    `${blanks}: 1 empty or invisible token (first in the sentence at line 1); a tokenizer gives them no pieces, so their tags are not learned`,
  ]);
  const single = file('single.conll', 'a\tO\n');
  assert.deepEqual((await loadTaggedDataset(single)).report.warnings, [`${single}: only one tag ('O'); a tagger needs at least two`]);
});

test('splitSentences: seeded, sized by the fraction, order kept; tagDistribution counts tokens', () => {
  const sentences = Array.from({ length: 10 }, (_, i) => ({ tokens: [`w${i}`], tags: [i < 3 ? 'B-X' : 'O'], origin: `f: line ${i}` }));
  const a = splitSentences(sentences, 0.2, 7);
  assert.equal(a.validation.length, 2);
  assert.equal(a.train.length, 8);
  assert.deepEqual(splitSentences(sentences, 0.2, 7), a);
  assert.notDeepEqual(splitSentences(sentences, 0.2, 8).validation, a.validation);
  const indices = (part: readonly { origin: string }[]): number[] => part.map((s) => Number(s.origin.slice(8)));
  assert.deepEqual(
    indices(a.train),
    [...indices(a.train)].sort((x, y) => x - y),
  );
  assert.deepEqual(
    [...indices(a.train), ...indices(a.validation)].sort((x, y) => x - y),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.equal(splitSentences(sentences.slice(0, 2), 0.01, 1).validation.length, 1);
  assert.equal(splitSentences(sentences.slice(0, 2), 0.99, 1).train.length, 1);
  assert.throws(() => splitSentences(sentences, 1, 1), { message: 'validation fraction must be between 0 and 1 (exclusive), got 1' });
  assert.throws(() => splitSentences(sentences.slice(0, 1), 0.5, 1), { message: 'cannot hold out a validation split from 1 sentence; it needs two' });
  assert.deepEqual(tagDistribution(sentences), [
    { label: 'B-X', count: 3, fraction: 0.3 },
    { label: 'O', count: 7, fraction: 0.7 },
  ]);
});
