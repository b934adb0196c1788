// Chat templates whose training variants (with {% generation %} markers) TRL 1.13 swaps in for assistant-only loss, copied from TRL (Apache-2.0).

/** Meta Llama 3 Instruct's chat_template, as tokenizer_config.json ships it. */
export const LLAMA3_CHAT_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

/** TRL's training variant of the Llama 3 template: the same text, assistant turns inside {% generation %}. */
export const LLAMA3_TRAINING_CHAT_TEMPLATE =
  "{#- Training variant of the Llama 3 chat template (see llama3.jinja for the original).\n    Modifications vs the original:\n    - Added {% generation %} / {% endgeneration %} around assistant message output to support\n      assistant-only loss masking in SFT training.\n-#}\n{%- for message in messages %}\n    {%- if loop.index0 == 0 %}{{- bos_token }}{%- endif %}\n    {%- if message['role'] == 'assistant' %}\n        {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n        {%- generation %}\n        {{- message['content'] | trim + '<|eot_id|>' }}\n        {%- endgeneration %}\n    {%- else %}\n        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n";

/** Original template -> its training variant, as TRL's get_training_chat_template maps them. */
export const TRAINING_TEMPLATES: ReadonlyMap<string, string> = new Map([[LLAMA3_CHAT_TEMPLATE, LLAMA3_TRAINING_CHAT_TEMPLATE]]);
