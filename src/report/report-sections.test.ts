// report.html's run sections: hyperparameters, columns and class counts per split, the baseline, the most confidently wrong examples, the test, and one-point charts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classificationMetrics, classificationTask } from '../tasks/classification/index.js';
import { renderReport } from './report.js';

const task = classificationTask({ labels: ['neg', 'pos'] });
const metrics = classificationMetrics([0, 1, 1], [0, 1, 0], ['neg', 'pos']);

describe('report sections', () => {
  const html = renderReport({
    title: 'run',
    summary: [['model', 'tiny']],
    // One training log and one evaluation: every chart shows a point.
    logHistory: [
      { loss: 0.7, learning_rate: 1e-4, grad_norm: 2.5, step: 5, epoch: 1 },
      { eval_loss: 0.6, eval_accuracy: 0.66, eval_f1_macro: 0.6, eval_precision_macro: 0.7, eval_recall_macro: 0.7, step: 5, epoch: 1 },
    ],
    evaluation: { name: 'validation split', count: 3, ...task.report({ loss: 0.6, count: 3, metrics }) },
    test: { name: 'test.tsv', count: 3, ...task.report({ loss: 0.5, count: 3, metrics }) },
    curves: task.curves,
    bestStep: 5,
    hyperparameters: [
      ['learningRate', '0.0001'],
      ['lora', '{"r":8}'],
    ],
    data: {
      columns: "text 'sentence', label 'label'",
      splits: [
        {
          split: 'training',
          counts: [
            { label: 'neg', count: 20 },
            { label: 'pos', count: 10 },
          ],
        },
        {
          split: 'validation',
          counts: [
            { label: 'neg', count: 2 },
            { label: 'pos', count: 1 },
          ],
        },
        { split: 'test', counts: [{ label: 'pos', count: 3 }] },
      ],
    },
    baseline: "majority-class baseline (always 'neg'): accuracy 0.6667",
    confidentlyWrong: [{ text: 'a <b>bold</b> claim', label: 'neg', predicted: 'pos', score: 0.93 }],
  });

  it('lists the hyperparameters and the data: columns, and examples per class of each split', () => {
    assert.match(
      html,
      /<h2>Hyperparameters<\/h2>\n<table class="summary"><tr><td>learningRate<\/td><td class="name">0\.0001<\/td><\/tr><tr><td>lora<\/td><td class="name">\{&quot;r&quot;:8\}<\/td>/,
    );
    assert.match(html, /<p>Columns: text &#39;sentence&#39;, label &#39;label&#39;<\/p>|<p>Columns: text 'sentence', label 'label'<\/p>/);
    assert.match(
      html,
      /<th>training<\/th><th>validation<\/th><th>test<\/th><\/tr><tr><td class="name">neg<\/td><td>20<\/td><td>2<\/td><td>0<\/td><\/tr><tr><td class="name">pos<\/td><td>10<\/td><td>1<\/td><td>3<\/td>/,
    );
    assert.match(html, /<th class="name">examples<\/th><th>30<\/th><th>3<\/th><th>3<\/th>/);
  });

  it('shows the baseline, the confidently wrong examples (escaped), the test and the gradient-norm curve', () => {
    assert.ok(html.includes('majority-class baseline (always &#39;neg&#39;)') || html.includes("majority-class baseline (always 'neg')"));
    assert.match(html, /<h2>The 1 most confidently wrong validation examples<\/h2>/);
    assert.ok(html.includes('a &lt;b&gt;bold&lt;/b&gt; claim'));
    assert.match(html, /<h2>Test on test\.tsv \(3 examples, scored once after training\)<\/h2>/);
    assert.match(html, /aria-label="Gradient norm \(before clipping\)"/);
  });

  it('draws a dot for a single evaluation or log entry, with no NaN coordinates', () => {
    assert.ok(!html.includes('NaN'));
    // The learning rate's axis is on its own scale around 1e-4.
    assert.match(html, /aria-label="Learning rate">.*?class="tick">1e-4</);
    const charts = html.split('<svg').slice(1);
    assert.equal(charts.length, 4);
    for (const chart of charts) assert.match(chart, /<circle /, 'each chart shows its one point');
  });
});
