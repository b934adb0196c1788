// Writes a large labelled CSV from the SST-2 sentences, varied so rows are distinct: [SST2_TSV=...] node bench/make-big-csv.mjs <rows> <out.csv>.
import { createWriteStream, readFileSync } from 'node:fs';

const [rowsArg, out] = process.argv.slice(2);
const rows = Number(rowsArg);
if (!(rows > 0) || !out) {
  console.error('usage: node bench/make-big-csv.mjs <rows> <out.csv>');
  process.exit(2);
}
// The shared data folder sits next to the repository (SST2_TSV names another copy).
const source = process.env.SST2_TSV ?? new URL('../../shared/data/sst2_train.tsv', import.meta.url);
const sentences = readFileSync(source, 'utf8')
  .split('\n')
  .slice(1)
  .filter((line) => line.includes('\t'))
  .map((line) => {
    const [label, text] = line.split('\t');
    return { label: label === '1' ? 'positive' : 'negative', text: text.trim() };
  })
  .filter((s) => s.text.length > 0);

// A fixed xorshift: the same file for the same row count.
let state = 0x9e3779b9;
const next = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
};
const pick = () => sentences[Math.floor(next() * sentences.length)];
const OPENERS = ['', 'honestly, ', 'in short: ', 'overall ', 'i think ', 'the critic says ', 'well, ', ''];

const stream = createWriteStream(out);
stream.write('id,text,label\n');
let buffer = '';
let bytes = 0;
for (let i = 0; i < rows; i++) {
  // Two sentences of one label (about 140 bytes a row), an opener and the row number for variety.
  const first = pick();
  let second = pick();
  while (second.label !== first.label) second = pick();
  const text = `${OPENERS[i % OPENERS.length]}${first.text} ; ${second.text} (#${i})`.replaceAll('"', '""');
  buffer += `${i},"${text}",${first.label}\n`;
  if (buffer.length > 1 << 20) {
    bytes += buffer.length;
    if (!stream.write(buffer)) await new Promise((resolve) => stream.once('drain', resolve));
    buffer = '';
  }
}
bytes += buffer.length;
stream.end(buffer);
await new Promise((resolve) => stream.on('finish', resolve));
console.log(`${out}: ${rows} rows, ${(bytes / 2 ** 20).toFixed(0)} MiB`);
