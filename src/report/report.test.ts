// report.html: self-contained (no scripts, no external references), curves, per-class table and confusion matrix, escaped text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classificationTask, classificationMetrics } from '../tasks/classification/index.js';
import { renderReport } from './report.js';
import { lineChart, niceTicks } from './svg-chart.js';

// neg: 3 of 4 right, <pos>: 1 of 2; the metrics the classification task reports for these.
const task = classificationTask({ labels: ['neg', '<pos>'] });
const metrics = classificationMetrics([0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 1, 1], ['neg', '<pos>']);

describe('renderReport', () => {
  const html = renderReport({
    title: 'Run & report',
    summary: [
      ['model', 'bert-tiny'],
      ['data', 'a "quoted" file.tsv'],
    ],
    logHistory: [
      { loss: 0.9, learning_rate: 1e-4, step: 10, epoch: 0.5 },
      { loss: 0.6, learning_rate: 5e-5, step: 20, epoch: 1 },
      { eval_loss: 0.7, eval_accuracy: 0.6, eval_f1_macro: 0.55, eval_precision_macro: 0.6, eval_recall_macro: 0.5, step: 20, epoch: 1 },
      { eval_loss: 0.65, eval_accuracy: 0.7, eval_f1_macro: 0.66, eval_precision_macro: 0.66, eval_recall_macro: 0.66, step: 40, epoch: 2 },
    ],
    evaluation: { name: 'dev.tsv', count: metrics.count, ...task.report({ loss: 0.65, count: metrics.count, metrics }) },
    curves: task.curves,
    bestStep: 40,
    classCounts: [
      { label: 'neg', count: 30 },
      { label: '<pos>', count: 10 },
    ],
    warnings: ['class imbalance: <b>'],
  });

  it('is one self-contained page: no script, no external reference', () => {
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assert.ok(!/<script|src=|href=|@import|url\(/i.test(html));
    assert.equal((html.match(/<svg /g) ?? []).length, 4);
  });

  it('draws train and validation loss, metric curves and marks the best step', () => {
    assert.match(html, /Loss: training vs validation/);
    assert.equal((html.match(/<polyline /g) ?? []).length, 2 + 4 + 1);
    assert.match(html, /class="marker-label">best</);
  });

  it('shows the per-class table and the confusion matrix, escaping user text', () => {
    assert.match(html, /<td class="name">&lt;pos&gt;<\/td><td>0\.5000<\/td><td>0\.5000<\/td><td>0\.5000<\/td><td>2<\/td>/);
    assert.match(html, /<th class="name">neg<\/th><td [^>]*>3<\/td><td [^>]*>1<\/td>/);
    assert.match(html, /Run &amp; report/);
    assert.match(html, /a &quot;quoted&quot; file\.tsv/);
    assert.match(html, /class imbalance: &lt;b&gt;/);
    assert.ok(!html.includes('<pos>'));
  });

  it('says when there was no evaluation data', () => {
    const page = renderReport({ title: 't', summary: [], logHistory: [] });
    assert.match(page, /No evaluation data was given/);
    assert.match(page, />no data</);
  });
});

describe('charts', () => {
  it('picks round ticks and skips non-finite points', () => {
    assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(3, 47), [10, 20, 30, 40]);
    const svg = lineChart({
      title: 't',
      xLabel: 'x',
      series: [
        {
          name: 's',
          color: 'red',
          points: [
            [1, 1],
            [2, NaN],
            [3, 2],
          ],
        },
      ],
    });
    assert.match(svg, /<polyline points="[\d.]+,[\d.]+ [\d.]+,[\d.]+"/);
  });
});

describe('the image grid', () => {
  const base = { title: 'images', summary: [], logHistory: [], evaluation: { name: 'test', count: 6, ...task.report({ loss: 0.65, count: 6, metrics }) } };
  it('shows each thumbnail with its labels, escaped, after the evaluation tables', () => {
    const html = renderReport({
      ...base,
      imageGrid: {
        title: 'Misclassified images',
        empty: 'none',
        images: [{ src: 'data:image/png;base64,AAAA', caption: ['true: <pos>', 'predicted: neg (61%)'], title: 'a "b".png' }],
      },
    });
    assert.match(
      html,
      /<h2>Misclassified images<\/h2>\n<div class="thumbs"><figure title="a &quot;b&quot;\.png"><img src="data:image\/png;base64,AAAA" alt="true: &lt;pos&gt;, predicted: neg \(61%\)">/,
    );
    assert.match(html, /<figcaption>true: &lt;pos&gt;<br>predicted: neg \(61%\)<\/figcaption>/);
    assert.ok(html.indexOf('Confusion matrix') < html.indexOf('Misclassified images'));
    assert.doesNotMatch(html, /<script|https?:/);
  });
  it('says so when there are no images', () => {
    assert.match(
      renderReport({ ...base, imageGrid: { title: 'Misclassified images', empty: 'No mistakes.', images: [] } }),
      /<p class="muted">No mistakes\.<\/p>/,
    );
  });
});
