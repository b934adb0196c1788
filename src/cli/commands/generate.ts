// `finetune generate`: text from a causal language model (and an optional LoRA adapter), streamed to the terminal as it comes.
import { readTextBounded } from '../../io/bounded-read.js';
import { checkMessages, renderChat, type ChatMessage } from '../../data/causal/chat-template.js';
import { causalSpecials, readChatTemplate } from '../../data/causal/specials.js';
import { FinetuneError, UsageError } from '../../errors.js';
import { generatePieces, promptIds, type FinishReason, type GenerateOptions } from '../../generate/generate.js';
import { isCausalLM } from '../../models/causal/types.js';
import { loadClassifierWithAdapter } from '../../peft/lora/load-model.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import type { Command, CommandContext } from '../command.js';
import { adapterLoadOptions } from './lora-flags.js';

/**
 * The conversation in a --chat file: a .json file holding a list of {role, content} or {"messages": [...]}; a .jsonl
 * file holding one message per line, or one line with {"messages": [...]}.
 */
export function readChatFile(path: string): readonly ChatMessage[] {
  const text = readTextBounded(path, 'data');
  const parse = (source: string, where: string): unknown => {
    try {
      return JSON.parse(source);
    } catch (error) {
      throw new FinetuneError(`${where}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
    }
  };
  const messagesOf = (value: unknown): unknown =>
    value !== null && typeof value === 'object' && !Array.isArray(value) && 'messages' in value ? (value as { messages: unknown }).messages : value;
  if (!path.toLowerCase().endsWith('.jsonl')) return checkMessages(messagesOf(parse(text, path)), path);
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const rows = lines.map((line, i) => parse(line, `${path}: line ${i + 1}`));
  if (rows.length === 1 && messagesOf(rows[0]) !== rows[0]) return checkMessages(messagesOf(rows[0]), `${path}: line 1`);
  return checkMessages(rows, path);
}

/** The prompt's ids: --prompt encoded with the tokenizer's special tokens, or --chat rendered with the chat template (add_generation_prompt). */
function promptFrom(flags: CommandContext['flags'], tokenizer: TextTokenizer, folder: string): number[] {
  const prompt = flags.string('prompt');
  const chat = flags.string('chat');
  if ((prompt === undefined) === (chat === undefined)) throw new UsageError('generate: give one of --prompt "text" or --chat <file.jsonl|json>');
  if (prompt !== undefined) return promptIds(tokenizer, prompt);
  const template = readChatTemplate(folder);
  if (template === undefined)
    throw new FinetuneError(`${folder}: --chat needs the tokenizer's chat_template (tokenizer_config.json or chat_template.jinja); none found`);
  const messages = readChatFile(chat!);
  const { specialTokens } = causalSpecials(tokenizer, folder);
  const rendered = renderChat(template, messages, { addGenerationPrompt: true, specialTokens, source: chat! });
  // The template writes the special tokens itself, as apply_chat_template(tokenize=True) relies on.
  return promptIds(tokenizer, rendered.text, { addSpecialTokens: false });
}

function generateOptions(flags: CommandContext['flags']): GenerateOptions {
  const num = (name: string): number | undefined => flags.number(name);
  const stop = flags.list('stop') ?? [];
  const seed = num('seed');
  return {
    maxNewTokens: num('max-new-tokens') ?? 64,
    temperature: num('temperature') ?? 0,
    topK: num('top-k') ?? 0,
    topP: num('top-p') ?? 1,
    repetitionPenalty: num('repetition-penalty') ?? 1,
    useCache: !flags.has('cache') || flags.boolean('cache'),
    ...(stop.length > 0 ? { stop } : {}),
    ...(seed === undefined ? {} : { seed }),
  };
}

/** Where generated text goes: the terminal as it comes (stdout), or nowhere but the --json result. */
export interface GenerateStreams {
  out(text: string): void;
}

const PROCESS_STREAMS: GenerateStreams = { out: (text) => void process.stdout.write(text) };

/** The generate command's body, with its output stream as a parameter. */
export async function runGenerate({ flags, log }: CommandContext, streams: GenerateStreams = PROCESS_STREAMS): Promise<unknown> {
  const model = flags.string('model');
  if (model === undefined) throw new UsageError('generate: --model <dir> is required');
  const options = generateOptions(flags);
  const loaded = await loadClassifierWithAdapter(model, adapterLoadOptions(flags));
  for (const warning of loaded.warnings) log(`warning: ${warning}`);
  if (!isCausalLM(loaded.model)) {
    throw new FinetuneError(`${model}: a ${loaded.model.architecture}, not a causal language model (gpt2, llama, qwen2, mistral)`);
  }
  if (!loaded.tokenizer) throw new FinetuneError(`${loaded.source}: no tokenizer files; generate needs the model's tokenizer`);
  const ids = promptFrom(flags, loaded.tokenizer, loaded.adapterDir ?? loaded.source);
  const json = flags.boolean('json');
  const tokenIds: number[] = [];
  let text = '';
  const started = performance.now();
  let firstToken = 0;
  const pieces = generatePieces(loaded.model, loaded.tokenizer, ids, options);
  let finish: FinishReason;
  for (;;) {
    const next = await pieces.next();
    if (next.done) {
      finish = next.value;
      break;
    }
    if (next.value.tokenId >= 0) {
      if (tokenIds.length === 0) firstToken = performance.now();
      tokenIds.push(next.value.tokenId);
    }
    text += next.value.text;
    if (!json) streams.out(next.value.text);
  }
  const ended = performance.now();
  if (!json) streams.out('\n');
  const perToken = tokenIds.length > 1 ? (ended - firstToken) / (tokenIds.length - 1) : null;
  return {
    text,
    prompt_tokens: ids,
    tokens: tokenIds,
    finish_reason: finish,
    first_token_ms: Math.round((firstToken - started) * 10) / 10,
    ms_per_token: perToken === null ? null : Math.round(perToken * 100) / 100,
  };
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate text with a causal language model (GPT-2, Llama, Qwen2, Mistral), streamed as it comes',
  usage: 'Usage: finetune generate --model <dir> [--adapter <dir>] (--prompt "text" | --chat <file.jsonl|json>) [options]',
  flags: {
    model: { type: 'string', help: 'model folder, Hub id, or a LoRA adapter folder whose base it records' },
    adapter: { type: 'string', help: 'LoRA adapter folder to put on the model' },
    revision: { type: 'string', help: 'Hub revision (branch, tag or commit)', default: 'main' },
    prompt: { type: 'string', help: "the text to continue (the tokenizer's special tokens are added)" },
    chat: { type: 'string', help: "a conversation to answer, rendered with the tokenizer's chat template: .json or .jsonl of {role, content}" },
    'max-new-tokens': { type: 'int', help: 'tokens to generate at most', default: 64 },
    temperature: { type: 'number', help: 'sampling temperature (0: greedy)', default: 0 },
    'top-k': { type: 'int', help: 'sample among the k most likely tokens (0: all)', default: 0 },
    'top-p': { type: 'number', help: 'sample among the most likely tokens holding this probability (1: all)', default: 1 },
    'repetition-penalty': { type: 'number', help: "penalise tokens already present (transformers' rule; 1: off)", default: 1 },
    stop: { type: 'texts', help: 'stop before this text (repeatable)' },
    seed: { type: 'int', help: 'seed of sampling (default: a random one)' },
    cache: { type: 'boolean', help: 'reuse earlier keys and values (--no-cache recomputes every step)', default: true },
  },
  run: (context) => runGenerate(context),
};
