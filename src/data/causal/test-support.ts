// Test helpers for causal data: a chat tokenizer with Llama 3's special tokens over GPT-2's vocabulary and the Llama 3 tokenizer_config.json fixture.
import { readFileSync } from 'node:fs';
import { gpt2Tokenizer } from '../../tokenizers/gpt2.js';
import { JsonTokenizer } from '../../tokenizers/json-tokenizer.js';
import type { CausalSpecials } from './encode.js';
import { causalSpecials } from './specials.js';

const root = new URL('../../../../', import.meta.url);

/** GPT-2's vocabulary with Llama 3's special tokens added (ids 50257..50260) and the Llama 3 tokenizer_config.json fixture. */
export function llama3ChatTokenizer(): { tokenizer: JsonTokenizer; template: string; specials: CausalSpecials } {
  const config = JSON.parse(readFileSync(new URL('test/fixtures/causal/llama3-tokenizer_config.json', root), 'utf8')) as Record<string, string>;
  const gpt2 = gpt2Tokenizer();
  const added = ['<|begin_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'].map((content, i) => ({
    id: 50257 + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const spec = { ...gpt2.spec, added_tokens: [...gpt2.spec.added_tokens, ...added] };
  const tokenizer = new JsonTokenizer(spec, config, 'llama3-chat');
  return { tokenizer, template: config.chat_template!, specials: causalSpecials(tokenizer, 'llama3-chat') };
}
