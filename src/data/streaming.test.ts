// Streamed reading: chunked parsing equals whole parsing, stdin, pipes and gzip streamed, limits stop endless input with one line.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { FinetuneError } from '../errors.js';
import { DelimitedParser, parseDelimited } from './delimited.js';
import { JsonLinesParser, parseJsonLines } from './json-lines.js';
import { readTable } from './read-table.js';
import type { RawTable } from './table.js';
import { decodeText } from './text-decode.js';
import { TextStreamDecoder } from './text-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'finetune-stream-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** What a table holds, origins included, for comparing two reads. */
function contents(table: RawTable): unknown {
  return { columns: table.columns, rows: table.rows, origins: table.rows.map((_, i) => table.origin(i)), warnings: table.warnings };
}

/** The chunks of `text` cut at every `size` characters. */
function cut(text: string, size: number): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts;
}

function oneLine(error: unknown, pattern: RegExp): boolean {
  assert.ok(error instanceof FinetuneError, String(error));
  assert.ok(!error.message.includes('\n'), error.message);
  assert.match(error.message, pattern);
  return true;
}

const CSV = 'text,label\r\n"hello, world",pos\n\nbad "quote",neg\n"multi\r\nline ""quoted""",pos\r"x""",neg\n"Hi" she said,pos\n"open,neg\n';

describe('streamed parsing', () => {
  it('CSV in chunks of any size gives the table of the whole text (quotes, CRLF, CR, blank lines, literal quotes)', () => {
    const whole = contents(parseDelimited(CSV, ',', 'a.csv'));
    for (const size of [1, 2, 3, 5, 7, 16, 1000]) {
      const parser = new DelimitedParser(',', 'a.csv');
      for (const part of cut(CSV, size)) parser.push(part);
      assert.deepEqual(contents(parser.end()), whole, `chunks of ${size}`);
    }
  });

  it('a bad row in a later chunk is named by its line and row', () => {
    const parser = new DelimitedParser('\t', 'a.tsv');
    assert.throws(
      () => {
        for (const part of cut('a\tb\n1\t2\n"3\n4"\t5\n6\n', 3)) parser.push(part);
        parser.end();
      },
      (e) => oneLine(e, /^a\.tsv: line 5 \(row 3\): 1 tab-separated fields, expected 2 as in the header$/),
    );
  });

  it('a record that never ends stops at the record limit with one line', () => {
    const parser = new DelimitedParser(',', 'a.csv', 1000);
    parser.push('text,label\n"open');
    assert.throws(
      () => {
        for (let i = 0; i < 100; i++) parser.push('x'.repeat(100));
      },
      (e) => oneLine(e, /^a\.csv: line 2: a record runs past 1,000 characters \(a quote that never closes\?\)$/),
    );
    const lines = new JsonLinesParser('a.jsonl', 1000);
    assert.throws(
      () => {
        for (let i = 0; i < 100; i++) lines.push('x'.repeat(100));
      },
      (e) => oneLine(e, /^a\.jsonl: line 1: longer than 1,000 characters$/),
    );
  });

  it('JSON Lines in chunks gives the table of the whole text, and names a bad line', () => {
    const text = '{"text": "a", "label": 1}\n\n{"text": "b\\nc", "label": 2, "extra": [1]}\r\n{"label": 3, "text": "d"}';
    const whole = contents(parseJsonLines(text, 'a.jsonl'));
    for (const size of [1, 4, 9, 1000]) {
      const parser = new JsonLinesParser('a.jsonl');
      for (const part of cut(text, size)) parser.push(part);
      assert.deepEqual(contents(parser.end()), whole);
    }
    const parser = new JsonLinesParser('a.jsonl');
    assert.throws(
      () => {
        for (const part of cut('{"a": 1}\n{"a": 2}\n{"a": \n{}', 5)) parser.push(part);
        parser.end();
      },
      (e) => oneLine(e, /^a\.jsonl: line 3: invalid JSON/),
    );
  });
});

describe('past the string limit', () => {
  // 600 Mi characters take a few seconds and ~1 GB: run with FINETUNE_LARGE_TESTS=1.
  const skip = process.env['FINETUNE_LARGE_TESTS'] === '1' ? false : 'set FINETUNE_LARGE_TESTS=1 to read 600 Mi characters';
  it('reads a CSV of more characters than one string may hold (0x1fffffe8)', { skip }, async () => {
    const path = join(dir, 'huge.csv');
    const row = `"${'a long review, '.repeat(60)}",pos\n"${'another one; '.repeat(70)}",neg\n`;
    const block = row.repeat(Math.ceil((1 << 20) / row.length));
    const blocks = Math.ceil((600 * 2 ** 20) / block.length);
    const fd = openSync(path, 'w');
    writeSync(fd, 'text,label\n');
    for (let i = 0; i < blocks; i++) writeSync(fd, block);
    closeSync(fd);
    assert.ok(statSync(path).size > 0x1fffffe8);
    const { table } = await readTable(path);
    assert.equal(table.rows.length, blocks * block.split('\n').length - blocks);
    assert.equal(table.origin(table.rows.length - 1), `${path}: line ${table.rows.length + 1}`);
    rmSync(path);
  });

  it('a JSON array too long for one string is a line naming the file', { skip }, async () => {
    const path = join(dir, 'huge.json');
    const item = `{"text": "${'a long review, '.repeat(60)}", "label": "pos"},`;
    const block = item.repeat(Math.ceil((1 << 20) / item.length));
    const fd = openSync(path, 'w');
    writeSync(fd, '[');
    for (let i = 0; i < Math.ceil((600 * 2 ** 20) / block.length); i++) writeSync(fd, block);
    writeSync(fd, '{}]');
    closeSync(fd);
    await assert.rejects(readTable(path), (e) => oneLine(e, /huge\.json: too long to read whole \(.+\); write it as JSON Lines, which is read as a stream$/));
    rmSync(path);
  });
});

describe('streamed decoding', () => {
  it('decodes UTF-8 cut inside characters, drops the BOM, and reads past a bad byte as Latin-1 with a warning', () => {
    const bytes = Buffer.concat([Buffer.from('\ufeffé€😀 ok\n'), Buffer.alloc(70_000, 0x61), Buffer.from([0xe9, 0x0a])]);
    const decoder = new TextStreamDecoder('a.csv', 'CSV text');
    let text = '';
    for (let i = 0; i < bytes.length; i += 7) text += decoder.push(bytes.subarray(i, i + 7));
    text += decoder.end();
    assert.equal(text, `é€😀 ok\n${'a'.repeat(70_000)}é\n`);
    assert.deepEqual(decoder.warnings, ['a.csv: not valid UTF-8 (byte 0xe9 at offset 70016); read as Latin-1 from there']);
  });

  it('a short stream ending inside a character decodes it as a whole read does', () => {
    for (const bytes of [Uint8Array.from([0xff, 0xfe, 0x61, 0, 0x0a]), Uint8Array.from([0x61, 0x0a, 0xe2, 0x82])]) {
      const decoder = new TextStreamDecoder('a.csv', 'CSV text');
      const text = decoder.push(bytes) + decoder.end();
      assert.equal(text, decodeText(bytes, 'a.csv', 'CSV text').text);
    }
  });

  it('refuses a NUL byte past the head, naming its offset, and an empty or blank stream', () => {
    const decoder = new TextStreamDecoder('a.csv', 'CSV text');
    decoder.push(Buffer.alloc(70_000, 0x61));
    assert.throws(
      () => decoder.push(Uint8Array.from([0x61, 0])),
      (e) => oneLine(e, /^a\.csv: binary data \(NUL byte at offset 70001\), not CSV text$/),
    );
    const blank = new TextStreamDecoder('b.csv', 'CSV text');
    blank.push(Buffer.from('  \n\n'));
    assert.throws(
      () => blank.end(),
      (e) => oneLine(e, /^b\.csv: empty file$/),
    );
  });
});

describe('readTable streams', () => {
  const csv = 'text,label\n"a, b",pos\nc,neg\n';

  it('reads a gzip file, a pipe and stdin to the same table as the plain file', async () => {
    const plain = contents((await readTable(file('plain.csv', csv))).table);
    const gz = (await readTable(file('data.csv.gz', gzipSync(csv)))).table;
    assert.deepEqual(gz.rows, (plain as { rows: unknown }).rows);
    const fifo = join(dir, 'data.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    // As `--data <(zcat data.csv.gz)`: gzip data through a pipe, format sniffed.
    const writer = spawn('sh', ['-c', `gzip -c '${join(dir, 'plain.csv')}' > '${fifo}'`]);
    const written = new Promise((resolve) => writer.on('close', resolve));
    const piped = await readTable(fifo);
    await written;
    assert.equal(piped.format, 'csv');
    assert.deepEqual(piped.table.rows, gz.rows);
    const module = fileURLToPath(new URL('./read-table.js', import.meta.url));
    const script = `import('${module}').then(async (m) => { const { table } = await m.readTable('-'); console.log(JSON.stringify([table.rows, table.origin(1)])); })`;
    const child = spawnSync(process.execPath, ['-e', script], { input: csv, encoding: 'utf8' });
    // A pipe kept by a first reader is given whole to the second.
    const again = spawn('sh', ['-c', `cat '${join(dir, 'plain.csv')}' > '${fifo}'`]);
    const first = await readTable(fifo, undefined, { keep: true });
    assert.equal(await readTable(fifo), first);
    again.kill();
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), [gz.rows, 'stdin: line 3']);
  });

  it('stops an endless pipe and a gzip bomb at the limit with one line', async () => {
    const fifo = join(dir, 'endless.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const endless = spawn('sh', ['-c', `yes 'some text,pos' > '${fifo}'`], { stdio: 'ignore' });
    try {
      await assert.rejects(readTable(fifo, undefined, { limit: 4 << 20 }), (e) =>
        oneLine(e, /endless\.fifo: more than 4 MB, the limit for a data file; stopped reading$/),
      );
    } finally {
      endless.kill();
    }
    const bomb = file('bomb.csv.gz', gzipSync(Buffer.concat([Buffer.from('text,label\n'), Buffer.alloc(32 << 20, 0x61)])));
    await assert.rejects(readTable(bomb, undefined, { limit: 1 << 20 }), (e) =>
      oneLine(e, /bomb\.csv\.gz: inflates past 1 MB, the limit for a data file; stopped reading$/),
    );
    await assert.rejects(readTable(file('broken.csv.gz', Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3]))), (e) =>
      oneLine(e, /broken\.csv\.gz: broken gzip data/),
    );
    await assert.rejects(readTable(file('empty.csv.gz', gzipSync(''))), (e) => oneLine(e, /empty\.csv\.gz: empty file$/));
  });
});
