# Builds small tokenizers with the real `tokenizers` library and records what `transformers.AutoTokenizer` makes of them.
#
# Usage: /work/venv/bin/python scripts/make-tokenizer-golden.py [path/to/sst2_train.tsv]
#
# Trains a BERT-style WordPiece, a RoBERTa-style byte-level BPE, an ALBERT-style Unigram and a
# word-level tokenizer on SST-2 sentences (plus a few multilingual lines, so the vocabularies hold
# accented, Cyrillic, Greek and CJK characters), saves them under test/fixtures/tokenizers/<kind>/
# with the vocab-file-only variants that old checkpoints ship, and writes the expected ids, token
# type ids and attention masks for ~300 strings to test/fixtures/tokenizers/<folder>.golden.json
# (variant folders that tokenize identically are listed in the first folder's file).
# Training is multi-threaded and breaks ties by hash order, so a rerun may pick slightly different
# vocabularies; the golden files are always made from the fixtures written in the same run.
import json
import os
import random
import shutil
import sys

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer, BertTokenizer, PreTrainedTokenizerFast, RobertaTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "tokenizers")
DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "data", "sst2_train.tsv")
DEV = os.path.join(os.path.dirname(DATA), "sst2_dev.tsv")
TRAIN_ROWS = 20000  # the word-level test rebuilds its vocabulary from the same rows
WORDLEVEL_VOCAB = 2000

EXTRA_TRAINING_LINES = [
    "Café crème brûlée, naïve façade, résumé, jalapeño, Ångström, Straße, smörgåsbord.",
    "Привет, мир! Это очень хороший фильм, но слишком длинный.",
    "Καλημέρα κόσμε, η ταινία ήταν υπέροχη.",
    "我喜欢这部电影。这个故事很感人，演员也很好。",
    "日本語のテキストとカタカナ、ひらがな。映画はとても面白かった。",
    "한국어 문장입니다. 영화가 정말 좋았어요.",
    "¡Qué película tan buena! ¿Verdad? Sí, señor.",
    "Les élèves ont adoré ce film; c'était très émouvant.",
    "Das Mädchen aß Äpfel und Öl für 5 € am Straßenrand.",
    "Emoji test 😀 😍 👍 🎉 🔥 ❤️ and symbols © ® ™ € £ ¥ ° ± × ÷.",
    "Numbers 0123456789 3.14 1,000,000 50% $100 #1 @user me@example.com https://example.com/a?b=c",
]


def read_sentences(path, limit=None):
    with open(path, encoding="utf-8") as handle:
        rows = handle.read().splitlines()[1:]
    sentences = [row.split("\t", 1)[1].strip() for row in rows if "\t" in row]
    return sentences[:limit] if limit else sentences


def train_wordpiece(lines):
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(lines, trainers.WordPieceTrainer(vocab_size=3000, special_tokens=special, show_progress=False))
    return tok.get_vocab()


def make_wordpiece(lines):
    vocab = train_wordpiece(lines)
    folder = reset(os.path.join(OUT, "wordpiece"))
    BertTokenizer(vocab=vocab, do_lower_case=True, model_max_length=512).save_pretrained(folder)
    compact(folder)
    ordered = [token for token, _ in sorted(vocab.items(), key=lambda item: item[1])]
    # An old-style checkpoint: vocab.txt and config.json only (do_lower_case defaults to true).
    vocab_only = reset(os.path.join(OUT, "wordpiece-vocab"))
    write_text(os.path.join(vocab_only, "vocab.txt"), "".join(token + "\n" for token in ordered))
    write_json(os.path.join(vocab_only, "config.json"), {"model_type": "bert"})
    # The same vocabulary, cased: tokenizer_config.json says do_lower_case false.
    cased = reset(os.path.join(OUT, "wordpiece-vocab-cased"))
    write_text(os.path.join(cased, "vocab.txt"), "".join(token + "\n" for token in ordered))
    write_json(os.path.join(cased, "tokenizer_config.json"), {"tokenizer_class": "BertTokenizer", "do_lower_case": False})
    return folder


def make_bpe(lines):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    special = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    trainer = trainers.BpeTrainer(
        vocab_size=2000, special_tokens=special, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tok.train_from_iterator(lines, trainer)
    model = json.loads(tok.to_str())["model"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in model["merges"]]
    folder = reset(os.path.join(OUT, "bpe"))
    # As in roberta-base, <mask> swallows the space before it.
    mask = AddedToken("<mask>", lstrip=True, rstrip=False, normalized=False, special=True)
    RobertaTokenizer(vocab=model["vocab"], merges=merges, mask_token=mask, model_max_length=512).save_pretrained(folder)
    compact(folder)
    vocab_only = reset(os.path.join(OUT, "bpe-vocab"))
    write_json(os.path.join(vocab_only, "vocab.json"), model["vocab"])
    write_text(os.path.join(vocab_only, "merges.txt"), "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    write_json(os.path.join(vocab_only, "config.json"), {"model_type": "roberta"})
    return folder


def make_unigram(lines):
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace("``", '"'),
            normalizers.Replace("''", '"'),
            normalizers.NFKD(),
            normalizers.StripAccents(),
            normalizers.Lowercase(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    special = ["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(
        lines, trainers.UnigramTrainer(vocab_size=2000, special_tokens=special, unk_token="<unk>", show_progress=False)
    )
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 2), ("[SEP]", 3)],
    )
    # Fewer digits in the scores keep the fixture small; the golden ids come from the rounded file.
    spec = json.loads(tok.to_str())
    spec["model"]["vocab"] = [[piece, round(score, 6)] for piece, score in spec["model"]["vocab"]]
    tok = Tokenizer.from_str(json.dumps(spec))
    folder = reset(os.path.join(OUT, "unigram"))
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="<unk>", pad_token="<pad>", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]"
    )
    wrapped.save_pretrained(folder)
    return compact(folder)


def make_wordlevel(lines):
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    trainer = trainers.WordLevelTrainer(
        vocab_size=WORDLEVEL_VOCAB, min_frequency=2, special_tokens=special, show_progress=False
    )
    tok.train_from_iterator(lines, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0",
        pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 2), ("[SEP]", 3)],
    )
    folder = reset(os.path.join(OUT, "wordlevel"))
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]"
    )
    wrapped.save_pretrained(folder)
    return compact(folder)


def compact(folder):
    """Rewrites the saved tokenizer.json without indentation: the same content in far fewer bytes."""
    path = os.path.join(folder, "tokenizer.json")
    with open(path, encoding="utf-8") as handle:
        spec = json.load(handle)
    write_text(path, json.dumps(spec, ensure_ascii=False, separators=(",", ":")) + "\n")
    return folder


def reset(folder):
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return folder


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def write_json(path, value):
    write_text(path, json.dumps(value, ensure_ascii=False, indent=2) + "\n")


HANDMADE = [
    "",
    " ",
    "   \t\n  ",
    "Hello, World!",
    "hello world",
    "  leading and trailing spaces  ",
    "a    b\t\tc\n\nd\r\ne",
    "Café naïve façade résumé Ångström jalapeño",
    "CAFÉ NAÏVE ÀÉÎÕÜ ÇÑ",
    "e\u0301 vs \u00e9 (combining acute)",
    "Straße ẞ groß",
    "ΟΔΥΣΣΕΥΣ σοφός ΣΟΦΟΣ",
    "İstanbul ıi KELVIN \u212a \u212b",
    "Привет мир! ЁЛКА ёлка",
    "我喜欢这部电影。",
    "这个故事很感人，演员也很好！",
    "日本語のテキスト、カタカナ。",
    "한국어 문장입니다",
    "مرحبا بالعالم",
    "नमस्ते दुनिया",
    "สวัสดีครับ",
    "𠀀𠀁𠀂 astral CJK \U0002a6d6",
    "I love it 😍👍🏽🎉🔥",
    "family 👨\u200d👩\u200d👧 flag 🇫🇷 heart ❤️",
    "zero\u200bwidth\u200cjoin\u200dmarks\ufeffbom",
    "control\x00chars\x01\x02\x07\x1b\x7f here",
    "non\u00a0breaking\u2009thin\u3000ideographic\u2028line",
    "ＡＢＣ１２３ fullwidth ｶﾀｶﾅ",
    "ligature ﬁ ﬂ ﬀ ½ ² ③ ™",
    "3.14 1,000,000 $100 50% #1 2nd 10:30pm",
    "email me@example.com or visit https://example.com/path?q=1&r=2#frag",
    "def f(x): return x**2 + y[0] / {a: b}",
    "!!!???... ,,, ;;; ::: ---",
    "\u201csmart quotes\u201d \u2018single\u2019 \u00abguillemets\u00bb \u201elow\u201c",
    "em\u2014dash en\u2013dash hyphen-ated",
    "don't can't it's I'm we've they're y'all o'clock",
    "``double backticks'' and ''two quotes''",
    "#hashtag @mention $ticker &amp; <b>bold</b>",
    "∑∫√∞≠≤≥ ∂x/∂y αβγ",
    "x" * 150,
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z",
    "The Quick BROWN fox JuMpS over the lazy DOG",
    "tab\tseparated\tvalues",
    "line one\nline two\nline three",
    "mixed 中文 and English and русский",
    "\u0300\u0301 leading combining marks",
    "\ufffd replacement char \ufffd",
    "private use \ue000\uf8ff",
    "music 𝄞 math 𝐀𝐁𝐂 𝕏",
    "bom\ufeff!mid \ufeff x next\x85line  \x85 y",
]

SPECIAL_LITERALS = [
    "[CLS] hello [SEP] world [SEP]",
    "the movie was [MASK] good",
    "the movie was[MASK]good",
    "[mask] lowercase is not special",
    "<s> roberta </s></s> pair </s>",
    "the movie was <mask> good",
    "the movie was<mask>good",
    "<pad><unk> [PAD][UNK]",
    "<mask>",
    "[MASK]",
]

UNICODE_POOLS = [
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "0123456789",
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
    "      \t\n\u00a0\u3000\u2009\u2028\r",
    "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÉÎÕÜÇÑßœŒ",
    "αβγδεζηθικλμνξοπρσςτυφχψωΑΒΓΔΣΩ",
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЁ",
    "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年",
    "あいうえおかきくけこアイウエオカキクケコ",
    "가나다라마바사아자차카타파하",
    "😀😁😂🤣😍👍🏽🎉🔥❤️✨🚀🌍",
    "\u0300\u0301\u0302\u0303\u0308\u0327",
    "\u0000\u0001\u001f\u007f\u200b\u200c\u200d\ufeff\u00ad",
    "ＡＢＣａｂｃ１２３！？",
    "€£¥©®™°±×÷¶§•…",
    "∑∫√∞≠≤≥∂∇",
    "مرحبانمستे",
    "𠀀𠀁𠀂𝄞𝐀",
]


def random_strings(rng, count):
    out = []
    for _ in range(count):
        pools = rng.sample(UNICODE_POOLS, rng.randint(1, 4))
        length = rng.randint(1, 40)
        out.append("".join(rng.choice(rng.choice(pools)) for _ in range(length)))
    return out


def build_cases(dev, train):
    rng = random.Random(1234)
    cases = []
    for text in HANDMADE + SPECIAL_LITERALS:
        cases.append({"text": text})
    for text in dev[:80]:
        cases.append({"text": text})
    for text in random_strings(rng, 60):
        cases.append({"text": text})
    # Pairs, including empty halves and special-token literals.
    pair_texts = dev[80:120]
    for i in range(0, 40, 2):
        cases.append({"text": pair_texts[i], "pair": pair_texts[i + 1]})
    for text, pair in [
        ("", ""),
        ("", "only the second"),
        ("only the first", ""),
        ("Café naïve", "我喜欢这部电影"),
        ("question: is it [MASK]?", "answer: <mask> yes"),
        ("   ", "\t"),
    ]:
        cases.append({"text": text, "pair": pair})
    # Long texts, truncated (longest_first for pairs).
    long_texts = [" ".join(train[i * 40 : i * 40 + 10]) for i in range(4)]
    for i, text in enumerate(long_texts):
        for max_length in (32, 128):
            cases.append({"text": text, "maxLength": max_length})
            other = long_texts[(i + 1) % len(long_texts)]
            short = dev[120 + i]
            cases.append({"text": text, "pair": other[: 200 + 300 * i], "maxLength": max_length})
            cases.append({"text": short, "pair": text, "maxLength": max_length})
    for max_length in (5, 8, 16):
        cases.append({"text": dev[130], "pair": dev[131], "maxLength": max_length})
        cases.append({"text": HANDMADE[22], "maxLength": max_length})
    # No max length: transformers truncates to model_max_length when the tokenizer has one.
    very_long = " ".join(train[400:480])
    cases.append({"text": very_long})
    cases.append({"text": very_long[:1500], "pair": " ".join(train[500:560])})
    # Without special tokens.
    for text in [dev[140], HANDMADE[3], "", "[CLS] literal"]:
        cases.append({"text": text, "addSpecialTokens": False})
    cases.append({"text": dev[141], "pair": dev[142], "addSpecialTokens": False})
    cases.append({"text": long_texts[0], "maxLength": 16, "addSpecialTokens": False})
    cases.append({"text": long_texts[1], "pair": long_texts[2], "maxLength": 20, "addSpecialTokens": False})
    return cases


def expected(tokenizer, cases):
    out = []
    for case in cases:
        kwargs = {
            "truncation": True,
            "return_token_type_ids": True,
            "return_attention_mask": True,
            "add_special_tokens": case.get("addSpecialTokens", True),
        }
        if "maxLength" in case:
            kwargs["max_length"] = case["maxLength"]
        if "pair" in case:
            enc = tokenizer(case["text"], case["pair"], **kwargs)
        else:
            enc = tokenizer(case["text"], **kwargs)
        row = dict(case)
        row["ids"] = enc["input_ids"]
        row["typeIds"] = enc["token_type_ids"]
        row["attentionMask"] = enc["attention_mask"]
        out.append(row)
    return out


def variant_cases(cases):
    """The cases a vocab-file-only variant is checked on: every fourth short case and all the long ones."""
    return [c for i, c in enumerate(cases) if i % 4 == 0 or "maxLength" in c or len(c["text"]) > 1000]


def write_golden(folders, cases):
    """One golden file per distinct behaviour: variant folders that tokenize alike share the first one's file."""
    groups = []  # (results, folder names)
    for folder in folders:
        tokenizer = AutoTokenizer.from_pretrained(folder)
        assert tokenizer.is_fast, folder
        got = expected(tokenizer, cases)
        same = next((g for g in groups if [r["ids"] for r in g[0]] == [r["ids"] for r in got]), None)
        if same is not None:
            same[1].append(os.path.basename(folder))
        else:
            groups.append((got, [os.path.basename(folder)]))
    for results, names in groups:
        path = os.path.join(OUT, f"{names[0]}.golden.json")
        lines = [json.dumps(row, ensure_ascii=False, separators=(",", ":")) for row in results]
        write_text(path, '{"folders":' + json.dumps(names) + ',"cases":[\n' + ",\n".join(lines) + "\n]}\n")
        print(f"{path}: {len(results)} cases for {', '.join(names)}")


def main():
    train = read_sentences(DATA, TRAIN_ROWS)
    dev = read_sentences(DEV)
    lines = train + EXTRA_TRAINING_LINES
    cases = build_cases(dev, train)
    os.makedirs(OUT, exist_ok=True)
    wordpiece = make_wordpiece(lines)
    write_golden([wordpiece], cases)
    write_golden([os.path.join(OUT, "wordpiece-vocab")], variant_cases(cases))
    write_golden([os.path.join(OUT, "wordpiece-vocab-cased")], variant_cases(cases[:120]))
    bpe = make_bpe(lines)
    write_golden([bpe], cases)
    write_golden([os.path.join(OUT, "bpe-vocab")], variant_cases(cases))
    write_golden([make_unigram(lines)], cases)
    # The word-level vocabulary comes from the SST-2 rows alone, so the TypeScript builder can rebuild it.
    write_golden([make_wordlevel(train)], variant_cases(cases))


if __name__ == "__main__":
    main()
