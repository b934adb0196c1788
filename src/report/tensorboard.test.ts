// TensorBoard event files: CRC32C, and a record byte-identical to the one TensorBoard's own writer makes (scripts/check-tensorboard.py --golden).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32c, eventBytes, TensorBoardWriter, tfRecord } from './tensorboard.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-tensorboard-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** What TensorBoard's RecordWriter wrote for Event(wall_time=1700000000.5, step=7, train/loss 0.25, eval/accuracy 0.875). */
const GOLDEN = '36000000000000004f578cef0900002040fc54d94110072a290a110a0a747261696e2f6c6f7373150000803e0a140a0d6576616c2f6163637572616379150000603fd6ff681f';

describe('TensorBoard event files', () => {
  it('CRC32C of the standard check string', () => {
    assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
  });

  it("a scalar event is byte for byte what TensorBoard's writer makes", () => {
    const record = tfRecord(eventBytes({ wallTime: 1700000000.5, step: 7, scalars: { 'train/loss': 0.25, 'eval/accuracy': 0.875 } }));
    assert.equal(Buffer.from(record).toString('hex'), GOLDEN);
  });

  it('the writer starts the file with the version event and skips values that are not finite', () => {
    const writer = new TensorBoardWriter(join(root, 'tb'), new Date(1700000000000));
    writer.add(3, { 'train/loss': Number.NaN });
    writer.add(3, { 'train/loss': 0.5, 'train/grad_norm': Number.POSITIVE_INFINITY }, 1700000001);
    assert.match(readdirSync(join(root, 'tb'))[0]!, /^events\.out\.tfevents\.1700000000\./);
    const bytes = readFileSync(writer.path);
    const first = tfRecord(eventBytes({ wallTime: 1700000000, fileVersion: 'brain.Event:2' }));
    const second = tfRecord(eventBytes({ wallTime: 1700000001, step: 3, scalars: { 'train/loss': 0.5 } }));
    assert.deepEqual(bytes, Buffer.concat([first, second]));
  });
});
