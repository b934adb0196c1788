// The readers under fuzz: each with seed inputs, a mutation strategy and the call that must end in a FinetuneError or a value.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfigText } from '../../src/cli/args.js';
import { trainCommand } from '../../src/cli/commands/train.js';
import { DelimitedParser, parseDelimited } from '../../src/data/delimited.js';
import { parseJsonLines } from '../../src/data/json-lines.js';
import { parseParquet } from '../../src/data/parquet.js';
import type { RawTable } from '../../src/data/table.js';
import { type DecodedText, decodeText } from '../../src/data/text-decode.js';
import { TextStreamDecoder } from '../../src/data/text-stream.js';
import { FinetuneError } from '../../src/errors.js';
import { parseJson } from '../../src/io/json-file.js';
import { parsePytorchBin } from '../../src/io/pytorch-bin.js';
import { parseSafetensors, serializeSafetensors } from '../../src/io/safetensors.js';
import { parseGraphNodes } from '../../src/io/tfjs/graph-nodes.js';
import { decodeWeightGroup, groupByteLength, parseWeightsManifest } from '../../src/io/tfjs/weights-manifest.js';
import type { RawTensor } from '../../src/io/raw-tensor.js';
import { parseBertConfig } from '../../src/models/bert/config.js';
import { parseDistilBertConfig } from '../../src/models/distilbert/config.js';
import { checkConfigBudget } from '../../src/models/encoder/config-budget.js';
import type { ConfigJson } from '../../src/models/encoder/config-fields.js';
import { parseRobertaConfig } from '../../src/models/roberta/config.js';
import { parseUseLiteConfig } from '../../src/models/use-lite/config.js';
import { parseLoraConfig } from '../../src/peft/lora/config.js';
import { JsonTokenizer } from '../../src/tokenizers/json-tokenizer.js';
import { parseTokenizerJson } from '../../src/tokenizers/tokenizer-json.js';
import { bertTokenizerJson } from '../../src/tokenizers/vocab-files.js';
import { type FuzzRandom, mutateBytes, mutateJsonValue } from './mutate.js';

export interface FuzzTarget {
  readonly name: string;
  /** Valid inputs to start from. */
  seeds(): Uint8Array[];
  /** A mutated input from a seed. */
  mutate(seed: Uint8Array, rng: FuzzRandom): Uint8Array;
  /** Reads the input; must return (any value) or throw a FinetuneError. */
  run(input: Uint8Array): unknown;
}

const root = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const file = (path: string): Uint8Array => readFileSync(root(path));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** A call's value or its FinetuneError's message (any other exception propagates). */
function outcome(call: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: call() };
  } catch (error) {
    if (error instanceof FinetuneError) return { error: error.message };
    throw error;
  }
}

/** What a table holds, origins included, for comparing two reads. */
function tableContents(table: RawTable): unknown {
  return { columns: table.columns, rows: table.rows, origins: table.rows.map((_, i) => table.origin(i)), warnings: table.warnings };
}

/** Half the cases edit the parsed JSON (values, keys), half the bytes; a seed that is not JSON gets byte edits only. */
function mutateJsonText(seed: Uint8Array, rng: FuzzRandom): Uint8Array {
  if (rng.below(2) === 0) return mutateBytes(seed, rng);
  let value: unknown;
  try {
    value = JSON.parse(text(seed));
  } catch {
    return mutateBytes(seed, rng);
  }
  return utf8(JSON.stringify(mutateJsonValue(value, rng)));
}

function objectOf(input: Uint8Array, name: string): ConfigJson {
  const value = parseJson(text(input), name);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FinetuneError(`${name}: expected a JSON object`);
  return value as ConfigJson;
}

function safetensorsSeed(): Uint8Array {
  const tensors = new Map<string, RawTensor>([
    ['a.weight', { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    ['b', { dtype: 'int32', shape: [2], data: Int32Array.from([7, -8]) }],
  ]);
  const chunks = serializeSafetensors(tensors, { format: 'pt' });
  return Uint8Array.from(Buffer.concat(chunks));
}

/** Edits the header JSON of a safetensors file and writes it back with its new length. */
function mutateSafetensors(seed: Uint8Array, rng: FuzzRandom): Uint8Array {
  if (rng.below(2) === 0 || seed.length < 8) return mutateBytes(seed, rng);
  const length = Number(new DataView(seed.buffer, seed.byteOffset).getBigUint64(0, true));
  if (8 + length > seed.length) return mutateBytes(seed, rng);
  let header: unknown;
  try {
    header = JSON.parse(text(seed.subarray(8, 8 + length)));
  } catch {
    return mutateBytes(seed, rng);
  }
  const json = utf8(JSON.stringify(mutateJsonValue(header, rng)));
  const out = new Uint8Array(8 + json.length + seed.length - 8 - length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(seed.subarray(8 + length), 8 + json.length);
  return out;
}

const configTarget = (name: string, seedPaths: string[], parse: (json: ConfigJson, file: string) => unknown): FuzzTarget => ({
  name,
  seeds: () => seedPaths.map(file),
  mutate: mutateJsonText,
  run: (input) => {
    const json = objectOf(input, 'config.json');
    const config = parse(json, 'config.json');
    checkConfigBudget(json, 'config.json', { weightsBytes: undefined });
    return config;
  },
});

const TFJS_MODEL = {
  format: 'graph-model',
  modelTopology: {
    node: [
      { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '3' }] } } } },
      { name: 'w', op: 'Const', attr: { dtype: { type: 1 }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '2' }] } } } } },
      { name: 'mm', op: 'MatMul', input: ['x', 'w:0', '^w'], attr: { transpose_b: { b: true }, names: { list: { s: ['YQ=='] } }, f: { f: 0.5 } } },
    ],
  },
  weightsManifest: [
    {
      paths: ['group1-shard1of1.bin'],
      weights: [
        { name: 'w', shape: [2], dtype: 'float32' },
        { name: 'q', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', min: -1, scale: 0.01 } },
        { name: 'i', shape: [1], dtype: 'int32' },
      ],
    },
  ],
};

export const TARGETS: readonly FuzzTarget[] = [
  {
    name: 'safetensors',
    seeds: () => [safetensorsSeed(), file('test/fixtures/io/dtypes.safetensors'), file('test/fixtures/io/written-by-python.safetensors')],
    mutate: mutateSafetensors,
    run: (input) => parseSafetensors(input, 'fuzz.safetensors'),
  },
  {
    name: 'pytorch-bin',
    seeds: () => ['state-dict.bin', 'state-dict-legacy.bin', 'state-dict-deflated.bin', 'state-dict-zip64.bin'].map((f) => file(`test/fixtures/io/${f}`)),
    mutate: mutateBytes,
    run: (input) => parsePytorchBin(input, 'fuzz.bin'),
  },
  configTarget('config-bert', ['test/golden/models/bert/config.json', 'test/golden/models/bert-legacy/config.json'], (json, f) => parseBertConfig(json, f)),
  configTarget('config-distilbert', ['test/golden/models/distilbert/config.json'], (json, f) => parseDistilBertConfig(json, f)),
  configTarget('config-roberta', ['test/golden/models/roberta/config.json', 'test/golden/models/xlm-roberta/config.json'], (json, f) =>
    parseRobertaConfig(json, f, json.model_type === 'xlm-roberta' ? 'xlm-roberta' : 'roberta'),
  ),
  configTarget('config-use-lite', ['test/fuzz/seeds/use-lite-config.json'], (json, f) => parseUseLiteConfig(json, f)),
  {
    name: 'tokenizer-json',
    seeds: () => ['bert', 'roberta'].map((m) => file(`test/golden/models/${m}/tokenizer.json`)),
    mutate: mutateJsonText,
    run: (input) => {
      const tokenizer = new JsonTokenizer(parseTokenizerJson(text(input), 'tokenizer.json'), {}, 'tokenizer.json');
      return tokenizer.encode('Hello, fuzzy world! ünïcode 123', 'a pair');
    },
  },
  {
    name: 'vocab-txt',
    seeds: () => [file('test/fixtures/tokenizers/wordpiece-vocab/vocab.txt')],
    mutate: mutateBytes,
    run: (input) => {
      const spec = bertTokenizerJson(text(input), { do_lower_case: true }, 'vocab.txt');
      return new JsonTokenizer(spec, {}, 'vocab.txt').encode('Hello, fuzzy world! 123', 'a pair');
    },
  },
  {
    name: 'adapter-config',
    seeds: () => [file('test/fuzz/seeds/adapter_config.json')],
    mutate: mutateJsonText,
    run: (input) => parseLoraConfig(parseJson(text(input), 'adapter_config.json'), 'adapter_config.json'),
  },
  {
    name: 'csv',
    seeds: () => [utf8('text,label\n"hello, world",pos\nbad "quote",neg\n"multi\nline",pos\n'), utf8('\ufefftext,label\r\na,b\r\n')],
    mutate: mutateBytes,
    run: (input) => parseDelimited(text(input), ',', 'fuzz.csv'),
  },
  {
    name: 'tsv',
    seeds: () => [utf8('sentence\tlabel\nhello world\tpos\n"quoted\ttab"\tneg\n')],
    mutate: mutateBytes,
    run: (input) => parseDelimited(text(input), '\t', 'fuzz.tsv'),
  },
  {
    name: 'jsonl',
    seeds: () => [utf8('{"text": "hello", "label": "pos"}\n{"text": "bye", "label": 1, "extra": [1, {"a": null}]}\n')],
    mutate: mutateBytes,
    run: (input) => parseJsonLines(text(input), 'fuzz.jsonl'),
  },
  {
    // Differential: the CSV parser fed in chunks must give what it gives fed whole (rows, lines, errors).
    name: 'csv-chunked',
    seeds: () => [utf8('text,label\r\n"hello, world",pos\n\nbad "quote",neg\n"multi\r\nline ""q""",pos\r"x""",neg\n"open,neg\n')],
    mutate: mutateBytes,
    run: (input) => {
      const all = text(input);
      const whole = outcome(() => tableContents(parseDelimited(all, ',', 'fuzz.csv')));
      const chunked = outcome(() => {
        const parser = new DelimitedParser(',', 'fuzz.csv');
        const size = 1 + (input.length % 7);
        for (let i = 0; i < all.length; i += size) parser.push(all.slice(i, i + size));
        return tableContents(parser.end());
      });
      if (JSON.stringify(whole) !== JSON.stringify(chunked)) throw new Error(`chunked parse differs: ${JSON.stringify(chunked).slice(0, 200)}`);
      return whole;
    },
  },
  {
    // Differential: bytes decoded as a stream give the text decodeText gives (or the same error), whatever the chunk size.
    name: 'text-stream',
    seeds: () => [
      utf8('text,label\né€😀,pos\n'),
      Uint8Array.from([0xef, 0xbb, 0xbf, 0x61, 0x2c, 0xe2, 0x82, 0xac, 0x0a]),
      Uint8Array.from([0xff, 0xfe, 0x61, 0, 0x0a, 0]),
    ],
    mutate: mutateBytes,
    run: (input) => {
      const whole = outcome(() => decodeText(input, 'fuzz.csv', 'CSV text'));
      const streamed = outcome(() => {
        const decoder = new TextStreamDecoder('fuzz.csv', 'CSV text');
        let out = '';
        const size = 1 + (input.length % 5);
        for (let i = 0; i < input.length; i += size) out += decoder.push(input.subarray(i, i + size));
        return out + decoder.end();
      });
      // decodeText reads a whole file as Latin-1 after one bad byte, the stream only from that byte on;
      // and a blank text is an error of the stream, of the table readers for decodeText.
      if ('value' in whole) {
        const decoded = whole.value as DecodedText;
        if (decoded.warnings.length > 0 || decoded.text.trim() === '') return whole;
        if ('value' in streamed && streamed.value === decoded.text) return whole;
      } else if ('error' in streamed && streamed.error === whole.error) {
        return whole;
      }
      throw new Error(`streamed decoding differs: ${JSON.stringify(streamed).slice(0, 200)} vs ${JSON.stringify(whole).slice(0, 200)}`);
    },
  },
  {
    name: 'parquet',
    seeds: () => ['reviews.parquet', 'pairs.parquet'].map((f) => file(`test/fixtures/data/${f}`)),
    mutate: mutateBytes,
    run: (input) => parseParquet(input, 'fuzz.parquet'),
  },
  {
    name: 'yaml-config',
    seeds: () => [utf8('model: bert-base-uncased\ndata: train.csv\nepochs: 3\nlr: 2e-5\nlora: true\nlora-targets: [query, value]\nseed: 7\n')],
    mutate: mutateBytes,
    run: (input) => parseConfigText(text(input), 'config.yaml', trainCommand.flags),
  },
  {
    name: 'tfjs-manifest',
    seeds: () => [utf8(JSON.stringify(TFJS_MODEL))],
    mutate: mutateJsonText,
    run: (input) => {
      const json = objectOf(input, 'model.json');
      const nodes = parseGraphNodes(json['modelTopology'], 'model.json');
      const groups = parseWeightsManifest(json['weightsManifest'] ?? [], 'model.json');
      const weights = new Map<string, RawTensor>();
      for (const group of groups) {
        const length = groupByteLength(group);
        // What readWeightShards does once the shard files' sizes match the manifest.
        if (length <= 1 << 20) decodeWeightGroup(new Uint8Array(length), group, 'model.json', weights);
      }
      return [nodes, weights];
    },
  },
];
