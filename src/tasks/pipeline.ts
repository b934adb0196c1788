// A pipeline-style entry point for sequence models: `await classifier(dir)` gives a function from texts to labels and scores.
import type { HubOptions } from '../io/hub-settings.js';
import { labelList, labelsOf } from '../models/labels.js';
import type { TaskModel } from '../models/types.js';
import { loadClassifierWithAdapter } from '../peft/lora/load-model.js';
import { FinetuneError } from '../errors.js';
import type { TextTokenizer } from '../tokenizers/types.js';
import { predict } from './predict.js';

/** A label and its score: a probability (softmax, or sigmoid for multi-label models), or the value of a regression. */
export interface ScoredLabel {
  readonly label: string;
  readonly score: number;
}

export interface ClassifierOptions {
  /** A LoRA adapter folder to put on the model (an adapter folder given as the model is found by itself). */
  readonly adapter?: string;
  /** Texts per forward pass (default 32). */
  readonly batchSize?: number;
  /** Tokens per text, special tokens included (default: the tokenizer's limit). */
  readonly maxLength?: number;
  /** Hub revision and client settings, for a Hub id. */
  readonly revision?: string;
  readonly hub?: HubOptions;
}

/** What `classifier` returns: call it with texts; `topK` gives the k best labels of each, best first. */
export interface TextClassifier {
  (texts: string | readonly string[]): Promise<ScoredLabel[]>;
  (texts: string | readonly string[], options: { readonly topK: number }): Promise<ScoredLabel[][]>;
  readonly model: TaskModel;
  readonly tokenizer: TextTokenizer;
}

/**
 * Loads a sequence model (a training run's folder, an adapter folder, or a Hub id) for classifying
 * texts, as transformers' text-classification pipeline: one `{ label, score }` per text, or with
 * `{ topK }` the k best of each. Token-classification models tag words instead: use `predict`.
 */
export async function classifier(modelDirOrId: string, options: ClassifierOptions = {}): Promise<TextClassifier> {
  const loaded = await loadClassifierWithAdapter(modelDirOrId, {
    ...(options.adapter === undefined ? {} : { adapter: options.adapter }),
    ...(options.revision === undefined ? {} : { revision: options.revision }),
    ...(options.hub === undefined ? {} : { hub: options.hub }),
  });
  const { model, tokenizer } = loaded;
  if (!tokenizer) throw new FinetuneError(`${loaded.source}: no tokenizer files; a classifier needs the model's tokenizer`);
  if (model.head.kind === 'token-classification') {
    throw new FinetuneError(`${loaded.source}: ${model.architecture} tags words; use predict() for token classification`);
  }
  const names = labelList(labelsOf(model));
  const run = async (texts: string | readonly string[], call?: { readonly topK: number }): Promise<ScoredLabel[] | ScoredLabel[][]> => {
    const list = typeof texts === 'string' ? [texts] : texts;
    const k = call?.topK ?? 1;
    if (!(Number.isInteger(k) && k >= 1)) throw new FinetuneError(`topK ${k}: must be an integer >= 1`);
    const predictions = predict(
      model,
      tokenizer,
      list.map((text) => ({ text })),
      {
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }),
      },
    );
    const ranked = predictions.map((p): ScoredLabel[] => {
      if ('value' in p) return [{ label: names[0] ?? 'LABEL_0', score: p.value }];
      const scores = 'probs' in p ? p.probs : 'scores' in p ? names.map((n) => p.scores[n]!) : [];
      return scores
        .map((score, i) => ({ label: names[i]!, score }))
        .sort((a, b) => b.score - a.score)
        .slice(0, k);
    });
    return call === undefined ? ranked.map((r) => r[0]!) : ranked;
  };
  return Object.assign(run, { model, tokenizer }) as TextClassifier;
}
