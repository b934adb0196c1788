// A tiny causal LM (token embedding -> linear over the vocabulary: a bigram model) with the TaskModel contract, for causal-lm task tests.
import type { ModelFamily } from '../../src/models/family.js';
import type { HeadSpec, LabelNames, TaskModel, TextInputs } from '../../src/models/types.js';
import { Embedding, Linear } from '../../src/nn/layers.js';
import { Module } from '../../src/nn/module.js';
import { Random } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';

const NO_LABELS: LabelNames = { id2label: {}, label2id: {} };

/** Shapes: B batch, T tokens, D dim, V vocabulary. forward gives logits [B, T, V], not shifted. */
export class TinyCausalLM extends Module implements TaskModel {
  readonly modelType = 'tiny-causal';
  readonly architecture = 'TinyForCausalLM';
  readonly head: HeadSpec = { kind: 'causal-lm', labels: NO_LABELS, problemType: 'single_label_classification' };
  readonly labels = NO_LABELS;
  readonly numLabels = 0;
  readonly embeddings: Embedding;
  readonly lm_head: Linear;
  readonly headModules: readonly string[] = ['lm_head'];
  readonly embeddingsPrefix = 'embeddings';
  readonly layerPrefixes: readonly string[] = [];
  readonly defaultLoraTargets: readonly string[] = ['lm_head'];

  constructor(
    readonly vocabSize: number,
    readonly dim = 8,
    seed = 0,
  ) {
    super();
    const rng = new Random(seed);
    this.embeddings = new Embedding(vocabSize, dim, { rng });
    this.lm_head = new Linear(dim, vocabSize, { rng });
  }

  features(inputs: TextInputs): Tensor {
    return this.embeddings.forward(inputs.inputIds);
  }

  classify(features: Tensor): Tensor {
    return this.lm_head.forward(features);
  }

  forward(inputs: TextInputs): Tensor {
    return this.classify(this.features(inputs));
  }

  configJson(): Record<string, unknown> {
    return { model_type: 'tiny-causal', vocab_size: this.vocabSize, hidden_size: this.dim, num_hidden_layers: 0, architectures: [this.architecture] };
  }

  checkpointState(): Map<string, Tensor> {
    return this.stateDict();
  }
}

/** The family of TinyCausalLM (model_type 'tiny-causal'), for runs through prepareModel, saving and loading. */
export const tinyCausalFamily: ModelFamily = {
  modelTypes: ['tiny-causal'],
  create: (config) => new TinyCausalLM(Number(config.vocab_size), Number(config.hidden_size ?? 8), Number(config.seed ?? 0)),
  initialize() {},
  loadWeights(model, tensors, file) {
    const state = new Map<string, Tensor>();
    for (const [name, raw] of tensors) state.set(name, new Tensor(Float32Array.from(raw.data), raw.shape));
    model.loadStateDict(state, { strict: true, source: file });
    return { newModules: [], mismatched: [], ignored: [], hadHead: true };
  },
};
