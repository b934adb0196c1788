// A tiny TaskModel (mean of word embeddings -> tanh layer -> dropout -> linear head) and a whitespace tokenizer, for trainer tests.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { headSpec, labelsFromNames } from '../../src/models/labels.js';
import type { HeadSpec, LabelNames, TextInputs, TaskModel } from '../../src/models/types.js';
import { Dropout, Embedding, Linear } from '../../src/nn/layers.js';
import { Module } from '../../src/nn/module.js';
import { Random } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { Encoding, EncodeOptions, TextTokenizer, WordEncoding } from '../../src/tokenizers/types.js';

export interface TinyConfig {
  readonly vocabSize: number;
  readonly dim: number;
  readonly numLabels: number;
  /** Seed of the initial weights (default 0). */
  readonly seed?: number;
  /** Dropout before the head (default 0.1). */
  readonly dropout?: number;
}

/** Shapes: B batch, T tokens, D dim, C classes. */
export class TinyClassifier extends Module implements TaskModel {
  readonly modelType = 'tiny';
  readonly architecture = 'TinyForSequenceClassification';
  readonly numLabels: number;
  readonly labels: LabelNames;
  readonly head: HeadSpec;
  readonly embeddings: Embedding;
  readonly hidden: Linear;
  readonly drop: Dropout;
  readonly classifier: Linear;
  readonly headModules: readonly string[] = ['classifier'];
  readonly embeddingsPrefix = 'embeddings';
  readonly layerPrefixes: readonly string[] = ['hidden'];
  readonly defaultLoraTargets: readonly string[] = ['hidden'];

  constructor(readonly config: TinyConfig) {
    super();
    const rng = new Random(config.seed ?? 0);
    this.numLabels = config.numLabels;
    this.labels = labelsFromNames(Array.from({ length: config.numLabels }, (_, i) => `LABEL_${i}`));
    this.head = headSpec(this.labels);
    this.embeddings = new Embedding(config.vocabSize, config.dim, { rng });
    for (let i = 0; i < this.embeddings.weight.size; i++) this.embeddings.weight.data[i]! *= 0.1;
    this.hidden = new Linear(config.dim, config.dim, { rng });
    this.drop = new Dropout(config.dropout ?? 0.1);
    this.classifier = new Linear(config.dim, config.numLabels, { rng });
  }

  /** Masked mean of the token embeddings, through tanh(hidden): [B, D]. */
  features(inputs: TextInputs): Tensor {
    const [b, t] = inputs.inputIds.shape as [number, number];
    const mask = Float32Array.from(inputs.attentionMask.data);
    const counts = new Float32Array(b);
    for (let i = 0; i < b; i++) for (let j = 0; j < t; j++) counts[i]! += mask[i * t + j]!;
    const emb = this.embeddings.forward(inputs.inputIds);
    const summed = emb.mul(new Tensor(mask, [b, t, 1])).sum(1);
    return this.hidden.forward(summed.div(new Tensor(counts, [b, 1]))).tanh();
  }

  classify(features: Tensor): Tensor {
    return this.classifier.forward(this.drop.forward(features));
  }

  forward(inputs: TextInputs): Tensor {
    return this.classify(this.features(inputs));
  }

  configJson(): Record<string, unknown> {
    return { model_type: 'tiny', vocab_size: this.config.vocabSize, dim: this.config.dim, num_labels: this.numLabels };
  }

  checkpointState(): Map<string, Tensor> {
    return this.stateDict();
  }
}

/** Lower-cased whitespace words; id 0 pads, 1 is unknown, 2 starts every sequence. */
export class WordTokenizer implements TextTokenizer {
  readonly padId = 0;
  private readonly ids = new Map<string, number>();
  private readonly words: string[] = ['[PAD]', '[UNK]', '[CLS]'];

  constructor(texts: readonly string[]) {
    for (const text of texts) for (const w of WordTokenizer.split(text)) if (!this.ids.has(w)) this.ids.set(w, this.words.push(w) - 1);
  }

  static split(text: string): string[] {
    return text
      .toLowerCase()
      .split(/\s+/)
      .filter((w) => w !== '');
  }

  get vocabSize(): number {
    return this.words.length;
  }

  encode(text: string, pair?: string, options: EncodeOptions = {}): Encoding {
    const words = [...WordTokenizer.split(text), ...(pair === undefined ? [] : WordTokenizer.split(pair))];
    const ids = [2, ...words.map((w) => this.ids.get(w) ?? 1)].slice(0, options.maxLength ?? Infinity);
    return { ids, typeIds: ids.map(() => 0), attentionMask: ids.map(() => 1) };
  }

  /** Each word's lower-cased whitespace pieces, after the start id 2 (word id null); cut to maxLength. */
  encodeWords(words: readonly string[], options: EncodeOptions = {}): WordEncoding {
    const ids = [2];
    const wordIds: (number | null)[] = [null];
    words.forEach((word, index) => {
      for (const w of WordTokenizer.split(word)) {
        ids.push(this.ids.get(w) ?? 1);
        wordIds.push(index);
      }
    });
    const length = Math.min(ids.length, options.maxLength ?? Infinity);
    ids.length = length;
    wordIds.length = length;
    const kept = new Set(wordIds.filter((id) => id !== null)).size;
    return { ids, typeIds: ids.map(() => 0), attentionMask: ids.map(() => 1), wordIds, wordsKept: kept };
  }

  encodeBatch(texts: readonly string[], pairs?: readonly string[], options?: EncodeOptions): Encoding[] {
    return texts.map((t, i) => this.encode(t, pairs?.[i], options));
  }

  tokenToId(token: string): number | undefined {
    const id = this.words.indexOf(token);
    return id >= 0 ? id : undefined;
  }

  idToToken(id: number): string | undefined {
    return this.words[id];
  }

  async save(dir: string): Promise<void> {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'words.json'), JSON.stringify(this.words));
  }
}

/** A small two-class sentiment-like data set: positive and negative words with noise words, deterministic. */
export function syntheticExamples(count: number, seed = 1, origin = 'synthetic'): { text: string; label: string; origin: string }[] {
  const rng = new Random(seed);
  const positive = ['good', 'great', 'fine', 'lovely', 'superb', 'nice'];
  const negative = ['bad', 'awful', 'poor', 'dull', 'boring', 'ugly'];
  const noise = ['the', 'film', 'was', 'a', 'plot', 'actor', 'really', 'quite', 'story', 'scene', 'music', 'very'];
  const out: { text: string; label: string; origin: string }[] = [];
  for (let i = 0; i < count; i++) {
    const label = rng.uniform() < 0.5 ? 'neg' : 'pos';
    const words: string[] = [];
    const length = 3 + rng.int(8);
    for (let j = 0; j < length; j++) words.push(noise[rng.int(noise.length)]!);
    const cue = (label === 'pos' ? positive : negative)[rng.int(6)]!;
    words.splice(rng.int(words.length + 1), 0, cue);
    // A few noisy labels keep the task from being trivially separable.
    const flipped = rng.uniform() < 0.08 ? (label === 'pos' ? 'neg' : 'pos') : label;
    out.push({ text: words.join(' '), label: flipped, origin: `${origin}: line ${i + 2}` });
  }
  return out;
}
