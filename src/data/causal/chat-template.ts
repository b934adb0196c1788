// Renders chat messages with a tokenizer's Jinja chat_template as transformers does, and finds the {% generation %} spans assistant-only loss trains on.
import { Template } from '@huggingface/jinja';
import { FinetuneError } from '../../errors.js';
import { TRAINING_TEMPLATES } from './training-templates.js';

/** One turn of a conversation. */
export interface ChatMessage {
  readonly role: string;
  readonly content: string;
  readonly [key: string]: unknown;
}

/** The roles a chat row may use (OpenAI's and transformers' names). */
export const CHAT_ROLES = ['system', 'user', 'assistant', 'tool', 'developer'] as const;

export interface RenderChatOptions {
  /** End with the assistant's header so the model writes the next turn. Default false. */
  readonly addGenerationPrompt?: boolean;
  /** The tokenizer's special tokens by tokenizer_config.json key (`bos_token`, `eos_token`, ...), passed to the template as transformers does. Default none. */
  readonly specialTokens?: Readonly<Record<string, string>>;
  /** Other template variables (`tools`, `documents`, ...). Default none. */
  readonly variables?: Readonly<Record<string, unknown>>;
  /** Names the conversation in errors, e.g. `chat.jsonl: line 3`. Default 'chat'. */
  readonly source?: string;
}

/** A rendered conversation: the text, and the character spans [start, end) inside {% generation %} blocks (UTF-16 offsets). */
export interface RenderedChat {
  readonly text: string;
  readonly generation: readonly (readonly [start: number, end: number])[];
}

// Private-use characters mark where generation blocks open and close in the rendered text.
const OPEN = '\uE000';
const CLOSE = '\uE001';

/**
 * The template with each {% generation %} / {% endgeneration %} tag replaced by an expression that prints
 * a marker. transformers renders with trim_blocks and lstrip_blocks, which apply to block tags only, so
 * they are applied here by hand before the tag becomes an expression; `-` whitespace control carries over.
 */
function markGeneration(template: string): string {
  return template.replace(
    /(^[ \t]*)?\{%(-?)\s*(end)?generation\s*(-?)%\}(\n)?/gm,
    (_all, _indent: string | undefined, left: string, end: string | undefined, right: string) => `{{${left} '${end ? CLOSE : OPEN}' ${right}}}`,
  );
}

/** Whether a template has {% generation %} markers (as TRL's has_generation_markers tests). */
export function hasGenerationMarkers(template: string): boolean {
  return /\{%-?\s*generation\s*-?%\}/.test(template);
}

/**
 * The template assistant-only loss renders with, as TRL 1.13's SFTTrainer picks it: the template itself
 * when it has {% generation %} markers, else the training variant TRL keeps for it (Llama 3); any other
 * template fails, naming `source`.
 */
export function trainingChatTemplate(template: string, source = 'chat_template'): string {
  if (hasGenerationMarkers(template)) return template;
  const variant = TRAINING_TEMPLATES.get(template);
  if (variant !== undefined) return variant;
  throw new FinetuneError(
    `${source}: the chat template has no {% generation %} markers, which loss on assistant turns only needs, and is not one whose training variant is known (Llama 3)`,
  );
}

const compiled = new Map<string, Template>();

function compile(template: string, source: string): Template {
  let parsed = compiled.get(template);
  if (parsed === undefined) {
    try {
      parsed = new Template(markGeneration(template));
    } catch (error) {
      throw new FinetuneError(`${source}: chat template error: ${(error as Error).message}`);
    }
    if (compiled.size > 16) compiled.clear();
    compiled.set(template, parsed);
  }
  return parsed;
}

/** Checks a conversation's shape: an array of {role, content} with known roles and string content. */
export function checkMessages(messages: unknown, source: string): readonly ChatMessage[] {
  if (!Array.isArray(messages))
    throw new FinetuneError(`${source}: 'messages' must be a list of {role, content}, got ${messages === null ? 'null' : typeof messages}`);
  if (messages.length === 0) throw new FinetuneError(`${source}: 'messages' is empty`);
  messages.forEach((message: unknown, i) => {
    const where = `${source}: message ${i + 1}`;
    if (message === null || typeof message !== 'object' || Array.isArray(message))
      throw new FinetuneError(`${where}: expected an object with role and content`);
    const { role, content } = message as Record<string, unknown>;
    if (typeof role !== 'string') throw new FinetuneError(`${where}: 'role' must be a string`);
    if (!(CHAT_ROLES as readonly string[]).includes(role)) throw new FinetuneError(`${where}: unknown role '${role}' (one of ${CHAT_ROLES.join(', ')})`);
    if (typeof content !== 'string') throw new FinetuneError(`${where}: 'content' must be a string`);
    if (content.includes(OPEN) || content.includes(CLOSE)) throw new FinetuneError(`${where}: the content holds U+E000 or U+E001, which rendering reserves`);
  });
  return messages as ChatMessage[];
}

/**
 * Renders `messages` with `template` as transformers' apply_chat_template(tokenize=False) does: the
 * special tokens and `add_generation_prompt` as variables, trim_blocks and lstrip_blocks on. Errors in
 * the template, a raise_exception in it, or malformed messages fail in one line naming `options.source`.
 */
export function renderChat(template: string, messages: readonly ChatMessage[], options: RenderChatOptions = {}): RenderedChat {
  const source = options.source ?? 'chat';
  checkMessages(messages, source);
  const parsed = compile(template, source);
  let raw: string;
  try {
    raw = parsed.render({
      ...options.specialTokens,
      ...options.variables,
      messages,
      add_generation_prompt: options.addGenerationPrompt ?? false,
    });
  } catch (error) {
    throw new FinetuneError(`${source}: chat template error: ${(error as Error).message}`);
  }
  let text = '';
  const generation: [number, number][] = [];
  let open: number | null = null;
  let from = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== OPEN && c !== CLOSE) continue;
    text += raw.slice(from, i);
    from = i + 1;
    if (c === OPEN) open = text.length;
    else if (open !== null) {
      generation.push([open, text.length]);
      open = null;
    }
  }
  text += raw.slice(from);
  return { text, generation };
}
