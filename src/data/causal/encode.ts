// Causal LM training examples as transformers and TRL make them: packed text blocks (run_clm's group_texts), prompt/completion pairs, chat with assistant-only loss.
import { FinetuneError } from '../../errors.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import { type ChatMessage, renderChat, trainingChatTemplate } from './chat-template.js';
import { encodeWithOffsets, generationMask } from './token-offsets.js';

/** The label of a token that takes no loss (PyTorch's cross-entropy ignore_index). */
export const IGNORE_INDEX = -100;

/**
 * Tokenized causal LM examples, unpadded. Labels are NOT shifted (transformers' convention: the loss
 * compares logits at t with the label at t + 1), -100 where a token takes no loss.
 */
export interface CausalLMData {
  readonly inputIds: readonly Int32Array[];
  readonly typeIds: null;
  readonly padId: number;
  readonly labels: readonly Int32Array[];
}

/** The special tokens causal data needs, by their strings and ids. */
export interface CausalSpecials {
  /** The end-of-sequence token appended to documents and completions (GPT-2: `<|endoftext|>`). */
  readonly eosToken: string;
  readonly eosId: number;
  /** Every special token by tokenizer_config.json key, for chat templates (`bos_token`, `eos_token`, ...). */
  readonly specialTokens: Readonly<Record<string, string>>;
}

export interface CausalEncodeOptions {
  /** Block length of packed text; the longest kept prompt/completion or chat example (longer ones keep their start, as TRL's truncation_mode 'keep_start'). */
  readonly maxLength: number;
  readonly specials: CausalSpecials;
  /** Names the data in errors. Default 'data'. */
  readonly source?: string;
}

/** One row of prompt/completion data. */
export interface PromptCompletion {
  readonly prompt: string;
  readonly completion: string;
  /** Where the row is, e.g. `pairs.jsonl: line 4`. */
  readonly origin?: string;
}

/** One conversation. */
export interface Conversation {
  readonly messages: readonly ChatMessage[];
  readonly origin?: string;
}

/** What encoding kept and dropped. */
export interface EncodedCausal {
  readonly data: CausalLMData;
  /** Tokens left out: packing's remainder, or what truncation cut. */
  readonly droppedTokens: number;
  /** Examples left with no token to learn (their loss-bearing part cut by truncation), dropped as TRL does. */
  readonly droppedExamples: number;
}

function checkLength(maxLength: number): void {
  if (!Number.isInteger(maxLength) || maxLength < 2) throw new FinetuneError(`max length ${maxLength} must be an integer >= 2`);
}

const withSpecials = { maxLength: Number.MAX_SAFE_INTEGER } as const;

/**
 * Plain documents packed into blocks of `maxLength` tokens, as transformers' run_clm does: each
 * document tokenized (with the tokenizer's special tokens) with the EOS token appended when it does not
 * already end with it (TRL's add_eos), everything concatenated, cut into blocks, the remainder dropped.
 * Labels equal the ids: every token but each block's first is a target.
 */
export function packDocuments(documents: readonly string[], tokenizer: TextTokenizer, options: CausalEncodeOptions): EncodedCausal {
  checkLength(options.maxLength);
  const { eosToken } = options.specials;
  const stream: number[] = [];
  for (const document of documents) {
    const text = document.endsWith(eosToken) ? document : document + eosToken;
    for (const id of tokenizer.encode(text, undefined, withSpecials).ids) stream.push(id);
  }
  const blocks = Math.floor(stream.length / options.maxLength);
  if (blocks === 0) {
    throw new FinetuneError(
      `${options.source ?? 'data'}: ${stream.length} tokens in ${documents.length} documents, fewer than one block of --max-length ${options.maxLength}`,
    );
  }
  const inputIds: Int32Array[] = [];
  for (let b = 0; b < blocks; b++) inputIds.push(Int32Array.from(stream.slice(b * options.maxLength, (b + 1) * options.maxLength)));
  return {
    data: { inputIds, typeIds: null, padId: tokenizer.padId, labels: inputIds },
    droppedTokens: stream.length - blocks * options.maxLength,
    droppedExamples: 0,
  };
}

/** Keeps the first `maxLength` tokens of every example and drops those left without a target (TRL's keep_start truncation). */
function truncate(ids: number[][], labels: number[][], maxLength: number, padId: number): EncodedCausal {
  const inputIds: Int32Array[] = [];
  const kept: Int32Array[] = [];
  let droppedTokens = 0;
  let droppedExamples = 0;
  ids.forEach((row, i) => {
    const label = labels[i]!.slice(0, maxLength);
    droppedTokens += Math.max(0, row.length - maxLength);
    // The first token is never a target once the loss shifts; TRL checks any label, so it does too.
    if (!label.some((l) => l !== IGNORE_INDEX)) {
      droppedExamples++;
      return;
    }
    inputIds.push(Int32Array.from(row.slice(0, maxLength)));
    kept.push(Int32Array.from(label));
  });
  return { data: { inputIds, typeIds: null, padId, labels: kept }, droppedTokens, droppedExamples };
}

/**
 * Prompt/completion pairs as TRL's SFTTrainer encodes them: the EOS token appended to the completion
 * (unless there), `prompt` and `prompt + completion` tokenized with special tokens, labels -100 on the
 * prompt's tokens (completion_only_loss), then truncated to `maxLength`.
 */
export function encodePromptCompletions(rows: readonly PromptCompletion[], tokenizer: TextTokenizer, options: CausalEncodeOptions): EncodedCausal {
  checkLength(options.maxLength);
  const { eosToken } = options.specials;
  const ids: number[][] = [];
  const labels: number[][] = [];
  rows.forEach((row, i) => {
    const where = row.origin ?? `${options.source ?? 'data'}: row ${i + 1}`;
    if (typeof row.prompt !== 'string' || typeof row.completion !== 'string') throw new FinetuneError(`${where}: 'prompt' and 'completion' must be strings`);
    const completion = row.completion.endsWith(eosToken) ? row.completion : row.completion + eosToken;
    const promptIds = tokenizer.encode(row.prompt, undefined, withSpecials).ids;
    const all = tokenizer.encode(row.prompt + completion, undefined, withSpecials).ids;
    ids.push(all);
    labels.push(all.map((id, t) => (t < promptIds.length ? IGNORE_INDEX : id)));
  });
  return truncate(ids, labels, options.maxLength, tokenizer.padId);
}

export interface ChatEncodeOptions extends CausalEncodeOptions {
  /** The tokenizer's chat_template. */
  readonly chatTemplate: string;
  /** Loss on assistant turns only (TRL's assistant_only_loss). Default true; false trains on every token. */
  readonly assistantOnlyLoss?: boolean;
}

/**
 * Conversations as TRL's SFTTrainer encodes them: rendered with the chat template (for assistant-only
 * loss, TRL's training variant of it, with {% generation %} markers), tokenized without adding special
 * tokens (the template writes them), labels -100 outside the assistant mask, then truncated.
 */
export function encodeConversations(rows: readonly Conversation[], tokenizer: TextTokenizer, options: ChatEncodeOptions): EncodedCausal {
  checkLength(options.maxLength);
  const assistantOnly = options.assistantOnlyLoss ?? true;
  const template = assistantOnly ? trainingChatTemplate(options.chatTemplate, `${options.source ?? 'data'}: chat_template`) : options.chatTemplate;
  const ids: number[][] = [];
  const labels: number[][] = [];
  rows.forEach((row, i) => {
    const where = row.origin ?? `${options.source ?? 'data'}: row ${i + 1}`;
    const rendered = renderChat(template, row.messages, { specialTokens: options.specials.specialTokens, source: where });
    if (!assistantOnly) {
      const all = tokenizer.encode(rendered.text, undefined, { addSpecialTokens: false, maxLength: Number.MAX_SAFE_INTEGER }).ids;
      ids.push(all);
      labels.push(all);
      return;
    }
    const { ids: rowIds, offsets } = encodeWithOffsets(tokenizer, rendered.text, where);
    const mask = generationMask(offsets, rendered.generation);
    if (!mask.includes(1)) throw new FinetuneError(`${where}: no assistant tokens to learn (the conversation has no assistant turn)`);
    ids.push([...rowIds]);
    labels.push(rowIds.map((id, t) => (mask[t] === 1 ? id : IGNORE_INDEX)));
  });
  return truncate(ids, labels, options.maxLength, tokenizer.padId);
}
