// Tests for the saved config.json: transformers' fields and defaults, labels, key order and text form.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultLabels, headSpec, labelsFromNames } from '../labels.js';
import { configJsonText, savedConfigJson } from './config-json.js';

describe('saved config.json', () => {
  it('adds class defaults, keeps unknown fields, replaces the architecture, dtype and labels', () => {
    const source = { model_type: 'bert', torch_dtype: 'float16', architectures: ['BertForMaskedLM'], foo: 7, hidden_size: 8, _num_labels: 2 };
    const saved = savedConfigJson({ hidden_size: 768, use_cache: true }, source, 'BertForSequenceClassification', headSpec(labelsFromNames(['a', 'b', 'c'])));
    assert.deepEqual(Object.keys(saved), ['architectures', 'dtype', 'foo', 'hidden_size', 'id2label', 'label2id', 'model_type', 'use_cache']);
    assert.deepEqual(saved.architectures, ['BertForSequenceClassification']);
    assert.equal(saved.dtype, 'float32');
    assert.equal(saved.hidden_size, 8);
    assert.deepEqual(saved.label2id, { a: 0, b: 1, c: 2 });
    const plain = savedConfigJson({}, { model_type: 'bert' }, 'X', headSpec(defaultLabels(2)));
    assert.equal(plain.id2label, undefined);
  });

  it('writes sorted keys at every level, two-space indent, escaped non-ASCII, a final newline', () => {
    const names = Array.from({ length: 11 }, (_, i) => (i === 10 ? 'été' : `c${i}`));
    const text = configJsonText({ b: 1, a: { id2label: labelsFromNames(names).id2label }, e: [], f: [1, 'x'], g: null, h: 1e-12 });
    const lines = text.split('\n');
    assert.equal(lines[0], '{');
    assert.equal(lines[1], '  "a": {');
    assert.equal(text.indexOf('"10"') > text.indexOf('"1"') && text.indexOf('"10"') < text.indexOf('"2"'), true, 'keys sorted as strings');
    assert.match(text, /"10": "\\u00e9t\\u00e9"/);
    assert.match(text, /"e": \[\],\n {2}"f": \[\n {4}1,\n {4}"x"\n {2}\],\n {2}"g": null,\n {2}"h": 1e-12\n}\n$/);
    assert.deepEqual(JSON.parse(text).a.id2label['10'], 'été');
  });
});
