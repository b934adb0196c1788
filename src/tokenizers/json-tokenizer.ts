// A TextTokenizer over a parsed tokenizer.json: the text pipeline gives ids; this class truncates, adds special tokens and saves.

import { join } from 'node:path';
import { FinetuneError } from '../errors.js';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write.js';
import { postProcess, postProcessWords, specialTokenCount } from './post-process.js';
import { TextPipeline } from './text-pipeline.js';
import { modelMaxLengthOf, specialTokenContent, specialTokensMap, type TokenizerConfigJson } from './tokenizer-config.js';
import type { ComponentJson, TokenizerJson } from './tokenizer-json.js';
import type { EncodeOptions, Encoding, TextTokenizer, WordEncoding } from './types.js';

/** Token pieces tried, in order, for the padding id when neither file names a pad token. */
const PAD_GUESSES = ['[PAD]', '<pad>', '<PAD>', '<|endoftext|>'];

/**
 * The pre-tokenizer with every ByteLevel step set to add a prefix space, or null when it already
 * does (or has none): split words need it, as transformers requires `add_prefix_space=True` for them.
 */
function withPrefixSpace(config: ComponentJson | null): ComponentJson | null {
  if (config === null) return null;
  if (config.type === 'ByteLevel') return config['add_prefix_space'] === true ? null : { ...config, add_prefix_space: true };
  if (config.type !== 'Sequence') return null;
  const steps = config['pretokenizers'] as ComponentJson[];
  const changed = steps.map(withPrefixSpace);
  return changed.every((step) => step === null) ? null : { ...config, pretokenizers: steps.map((step, i) => changed[i] ?? step) };
}

function vocabularyOf(spec: TokenizerJson): Map<string, number> {
  const vocab = new Map<string, number>();
  if (spec.model.type === 'Unigram') spec.model.vocab.forEach(([piece], id) => vocab.set(piece, id));
  else for (const [token, id] of Object.entries(spec.model.vocab)) vocab.set(token, id);
  for (const token of spec.added_tokens) vocab.set(token.content, token.id);
  return vocab;
}

/** A tokenizer defined by tokenizer.json (plus tokenizer_config.json for names and limits). */
export class JsonTokenizer implements TextTokenizer {
  readonly padId: number;
  readonly vocabSize: number;
  readonly modelMaxLength?: number;
  private readonly pipeline: TextPipeline;
  /** The pipeline of `encodeWords`, built on first use: `pipeline` unless a byte-level step needs its prefix space. */
  private wordPipeline: TextPipeline | undefined;
  private readonly vocab: Map<string, number>;
  private readonly tokens: string[] = [];

  /**
   * @param spec the checked tokenizer.json
   * @param config tokenizer_config.json (empty when the folder has none)
   * @param source names the tokenizer in errors, usually the tokenizer.json path
   */
  constructor(
    readonly spec: TokenizerJson,
    readonly config: TokenizerConfigJson,
    private readonly source: string,
  ) {
    this.vocab = vocabularyOf(spec);
    for (const [token, id] of this.vocab) this.tokens[id] = token;
    this.vocabSize = this.tokens.length;
    const maxLength = modelMaxLengthOf(config);
    if (maxLength !== undefined) this.modelMaxLength = maxLength;
    this.padId = this.findPadId();
    try {
      this.pipeline = new TextPipeline(spec);
    } catch (error) {
      if (error instanceof FinetuneError) throw error;
      throw new FinetuneError(`${source}: cannot build the tokenizer (${(error as Error).message})`);
    }
  }

  private findPadId(): number {
    const named = specialTokenContent(this.config.pad_token) ?? this.spec.padding?.pad_token;
    if (named !== undefined) {
      const id = this.vocab.get(named);
      if (id === undefined) throw new FinetuneError(`${this.source}: the pad token "${named}" is not in the vocabulary`);
      return id;
    }
    if (this.spec.padding?.pad_id !== undefined) return this.spec.padding.pad_id;
    for (const guess of PAD_GUESSES) {
      const id = this.vocab.get(guess);
      if (id !== undefined) return id;
    }
    return 0;
  }

  encode(text: string, pair?: string, options: EncodeOptions = {}): Encoding {
    const maxLength = options.maxLength ?? this.modelMaxLength;
    const first = this.pipeline.encode(text, maxLength);
    // transformers treats an empty pair as no pair at all.
    const second = pair === undefined || pair === '' ? undefined : this.pipeline.encode(pair, maxLength);
    return postProcess(this.spec.post_processor, first, second, {
      maxLength,
      addSpecialTokens: options.addSpecialTokens ?? true,
      source: this.source,
    });
  }

  encodeWords(words: readonly string[], options: EncodeOptions = {}): WordEncoding {
    words.forEach((word, index) => {
      if (typeof word !== 'string') throw new FinetuneError(`${this.source}: word ${index} is ${word === null ? 'null' : typeof word}, not a string`);
    });
    const maxLength = options.maxLength ?? this.modelMaxLength;
    const addSpecialTokens = options.addSpecialTokens ?? true;
    // Words past the limit are never tokenized; postProcessWords checks maxLength and cuts the last word.
    const limit = maxLength === undefined ? undefined : Math.max(0, maxLength - (addSpecialTokens ? specialTokenCount(this.spec.post_processor, false) : 0));
    const sequence = this.wordsPipeline().encodeWords(words, limit);
    return postProcessWords(this.spec.post_processor, sequence, { maxLength, addSpecialTokens, source: this.source });
  }

  private wordsPipeline(): TextPipeline {
    if (this.wordPipeline === undefined) {
      const preTokenizer = withPrefixSpace(this.spec.pre_tokenizer);
      this.wordPipeline = preTokenizer === null ? this.pipeline : new TextPipeline({ ...this.spec, pre_tokenizer: preTokenizer });
    }
    return this.wordPipeline;
  }

  encodeBatch(texts: readonly string[], pairs?: readonly string[], options: EncodeOptions = {}): Encoding[] {
    if (pairs !== undefined && pairs.length !== texts.length) {
      throw new FinetuneError(`${this.source}: ${texts.length} texts but ${pairs.length} pairs`);
    }
    return texts.map((text, i) => this.encode(text, pairs?.[i], options));
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.tokens[id];
  }

  /**
   * tokenizer_config.json as saved: the loaded one, plus what transformers needs and tokenizer.json
   * implies (class, unknown/padding/separator/classifier tokens, length limit) where it was silent.
   */
  savedConfig(): TokenizerConfigJson {
    const implied: Record<string, unknown> = { tokenizer_class: 'PreTrainedTokenizerFast' };
    const model = this.spec.model;
    const unk = model.type === 'Unigram' ? (model.unk_id === null || model.unk_id === undefined ? undefined : model.vocab[model.unk_id]?.[0]) : model.unk_token;
    if (unk !== undefined && unk !== null) implied['unk_token'] = unk;
    const pad = this.tokens[this.padId];
    if (pad !== undefined && this.spec.added_tokens.some((token) => token.content === pad)) implied['pad_token'] = pad;
    const processor = this.spec.post_processor;
    if (processor?.type === 'BertProcessing' || processor?.type === 'RobertaProcessing') {
      implied['cls_token'] = processor.cls[0];
      implied['sep_token'] = processor.sep[0];
    } else if (processor?.type === 'TemplateProcessing') {
      const specials = processor.single.flatMap((piece) => ('SpecialToken' in piece ? [piece.SpecialToken.id] : []));
      if (specials.length === 2) [implied['cls_token'], implied['sep_token']] = specials;
    }
    if (this.modelMaxLength !== undefined) implied['model_max_length'] = this.modelMaxLength;
    return { ...implied, ...this.config };
  }

  async save(dir: string): Promise<void> {
    const config = this.savedConfig();
    writeFileAtomic(join(dir, 'tokenizer.json'), `${JSON.stringify(this.spec, null, 2)}\n`);
    writeJsonAtomic(join(dir, 'tokenizer_config.json'), config);
    writeJsonAtomic(join(dir, 'special_tokens_map.json'), specialTokensMap(config));
  }
}
