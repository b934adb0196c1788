# Records what transformers makes of pre-split words (tokenizer(words, is_split_into_words=True)): ids and word_ids.
#
# Usage: /work/venv/bin/python scripts/make-word-encoding-golden.py [path/to/wnut17_dev.conll]
#
# For every tokenizer folder under test/golden/models/{bert,distilbert,roberta,xlm-roberta} and
# test/fixtures/tokenizers/ (WordPiece, byte-level BPE, Unigram, WordLevel; tokenizer.json and the
# vocab-file-only variants), encodes ~40 word lists (hand-written edge cases, then the first
# sentences of WNUT-17 dev that hold an entity, when the file is there) with truncation=True, at the
# tokenizer's model_max_length and at max_length 16 (and a few tighter limits), and writes
# test/golden/tokenizers/word-encoding.golden.json: {"folders": [...], "cases": [{words, maxLength?}],
# "expected": {folder: [[input_ids, word_ids], ...]}}, one line per case. Byte-level BPE tokenizers
# are loaded with add_prefix_space=True, as transformers' run_ner.py does for split words.
import json
import os
import sys

from transformers import AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "golden", "tokenizers", "word-encoding.golden.json")
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "wnut17_dev.conll")

FOLDERS = [
    "test/golden/models/bert",
    "test/golden/models/distilbert",
    "test/golden/models/roberta",
    "test/golden/models/xlm-roberta",
    "test/fixtures/tokenizers/wordpiece",
    "test/fixtures/tokenizers/wordpiece-vocab",
    "test/fixtures/tokenizers/wordpiece-vocab-cased",
    "test/fixtures/tokenizers/bpe",
    "test/fixtures/tokenizers/bpe-vocab",
    "test/fixtures/tokenizers/unigram",
    "test/fixtures/tokenizers/wordlevel",
]
BYTE_LEVEL = {"test/golden/models/roberta", "test/fixtures/tokenizers/bpe", "test/fixtures/tokenizers/bpe-vocab"}

WORD_LISTS = [
    ["Hello", "world", "!"],
    ["Hello,", "world!", "(really)", "\"quoted\""],
    ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."],
    ["Café", "crème", "brûlée", "naïve", "résumé", "Ångström", "Straße", "jalapeño"],
    ["cafe\u0301", "n\u0303", "ﬁne", "ＡＢＣ", "½"],
    ["我", "喜欢", "这部电影", "。"],
    ["日本語", "のテキスト", "한국어", "문장입니다"],
    ["Привет", ",", "мир", "Καλημέρα", "κόσμε"],
    ["😀", "great", "👍🏽", "❤️", "👨‍👩‍👧", "🇫🇷"],
    ["", "a", "", "b", ""],
    [""],
    [],
    [" ", "\t", "a", "\u200b", "b\u0000c"],
    ["New York", "City", "  spaced  words  "],
    [" leading", "trailing ", "a\tb", "c\nd"],
    ["Supercalifragilisticexpialidocious", "antidisestablishmentarianism"],
    ["a" * 150, "b"],
    ["x" * 60 + "y" * 60],
    ["don't", "I'm", "it's", "y'all", "rock'n'roll"],
    ["3.14", "1,000,000", "50%", "$100", "#1", "@user", "2017-01-02"],
    ["me@example.com", "https://example.com/a?b=c", "#hashtag", "@mention"],
    ["USA", "NATO", "iPhone", "McDonald's", "O'Neill"],
    ["state-of-the-art", "e-mail", "well—known", "…", "--"],
    ["(", ")", "\"", "'", "-", ".", ",", "?", "!"],
    ["[CLS]", "[MASK]", "<s>", "<mask>", "</s>", "[SEP]x", "a<mask>b"],
    ["<unk>", "[UNK]", "<pad>", "[PAD]"],
    ["the"] * 80,
    ["Tokenization", "of", "uncommonly", "lengthy", "vocabulary", "demonstrates", "truncation", "behaviour", "clearly"],
]

# (word list index, max_length): tighter limits, cutting inside and between words.
LIMITED = [(2, 16), (3, 16), (8, 16), (15, 16), (26, 16), (27, 16), (27, 8), (27, 3), (27, 2), (9, 3), (11, 2), (16, 4)]


def wnut_sentences(path, count):
    if not os.path.exists(path):
        print(f"{path} not found: WNUT-17 sentences left out", file=sys.stderr)
        return []
    sentences, words, tags = [], [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle.read().split("\n") + [""]:
            if line.strip() == "":
                if words and any(tag != "O" for tag in tags):
                    sentences.append(words)
                words, tags = [], []
                if len(sentences) == count:
                    break
                continue
            word, tag = line.split("\t")
            words.append(word)
            tags.append(tag)
    return sentences


def load(folder):
    path = os.path.join(ROOT, folder)
    return AutoTokenizer.from_pretrained(path, add_prefix_space=True) if folder in BYTE_LEVEL else AutoTokenizer.from_pretrained(path)


def main():
    lists = WORD_LISTS + wnut_sentences(DATA, 12)
    cases = [{"words": words} for words in lists]
    cases += [{"words": lists[index], "maxLength": limit} for index, limit in LIMITED]
    cases += [{"words": words, "maxLength": 16} for words in lists[len(WORD_LISTS):]]
    expected = {}
    for folder in FOLDERS:
        tokenizer = load(folder)
        rows = []
        for case in cases:
            kwargs = {"max_length": case["maxLength"]} if "maxLength" in case else {}
            encoding = tokenizer(case["words"], is_split_into_words=True, truncation=True, **kwargs)
            rows.append([encoding["input_ids"], encoding.word_ids()])
        expected[folder] = rows
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    dump = lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    parts = ['{"folders":' + dump(FOLDERS) + ',\n"cases":[\n' + ",\n".join(dump(c) for c in cases) + "\n],\n\"expected\":{"]
    parts.append(",\n".join(dump(folder) + ":[\n" + ",\n".join(dump(row) for row in rows) + "\n]" for folder, rows in expected.items()))
    parts.append("}}\n")
    with open(OUT, "w", encoding="utf-8") as handle:
        handle.write("".join(parts))
    print(f"{OUT}: {len(cases)} cases x {len(FOLDERS)} tokenizers")


if __name__ == "__main__":
    main()
