"""Tiny tokenizers for the model golden files, trained with the `tokenizers` library on SST-2 lines.

Used by scripts/make-model-golden.py (see its docstring for the files written). Three kinds:
  wordpiece  BERT / DistilBERT: BertNormalizer(lowercase) + BertPreTokenizer + WordPiece ("##"),
             special tokens [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then the sorted alphabet, then
             merges (see train_wordpiece); extra file vocab.txt
  bpe        RoBERTa: byte-level BPE (no prefix space), <s>=0 <pad>=1 </s>=2 <unk>=3 <mask>=4;
             extra files vocab.json + merges.txt
  unigram    XLM-RoBERTa: Metaspace + Unigram, <s>=0 <pad>=1 </s>=2 <unk>=3, pieces by score, <mask> last; no extra
             file (a sentencepiece.bpe.model cannot be made without sentencepiece)
The trained vocabulary is handed to the matching transformers tokenizer class, which builds the
same tokenizer.json pipeline (normalizer, pre-tokenizer, post-processor, decoder) as real checkpoints;
save() then writes tokenizer.json + tokenizer_config.json (what transformers 5 writes) plus
special_tokens_map.json and the vocabulary files older tools read.
"""
import json
import os
from collections import Counter

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
from transformers import BertTokenizer, DistilBertTokenizer, RobertaTokenizer, XLMRobertaTokenizer

TRAIN_LINES = 400
MODEL_MAX_LENGTH = 64
WORDPIECE_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
VOCAB_SIZES = {"wordpiece": 500, "bpe": 500, "unigram": 500}


def read_training_lines(tsv_path):
    """The first TRAIN_LINES sentences of a `label<TAB>sentence` file with a header row."""
    with open(tsv_path, encoding="utf-8") as f:
        rows = f.read().splitlines()[1:TRAIN_LINES + 1]
    return [row.split("\t", 1)[1].strip() for row in rows]


def train_wordpiece(lines):
    """WordPiece vocabulary learned the way tokenizers' WordPieceTrainer does it (BPE merges where every
    symbol but a word's first carries "##"), with ties broken by the symbols' text: the library breaks
    them by hash order, so its vocabulary changes from run to run."""
    splitter = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    splitter.normalizer = normalizers.BertNormalizer(lowercase=True)
    splitter.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    counts = Counter(word for line in lines
                     for word, _ in splitter.pre_tokenizer.pre_tokenize_str(splitter.normalizer.normalize_str(line)))
    words = {word: [word[0]] + ["##" + c for c in word[1:]] for word in counts}
    vocab = list(WORDPIECE_SPECIALS) + sorted({symbol for symbols in words.values() for symbol in symbols})
    while len(vocab) < VOCAB_SIZES["wordpiece"]:
        pairs = Counter()
        for word, symbols in words.items():
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += counts[word]
        if not pairs:
            break
        (left, right), _ = min(pairs.items(), key=lambda item: (-item[1], item[0]))
        merged = left + right[2:]
        for word, symbols in words.items():
            i, out = 0, []
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == left and symbols[i + 1] == right:
                    out.append(merged)
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            words[word] = out
        if merged not in vocab:
            vocab.append(merged)
    return {token: i for i, token in enumerate(vocab)}


def train_bpe(lines):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(show_progress=False, vocab_size=VOCAB_SIZES["bpe"],
                                  special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(lines, trainer)
    model = json.loads(tok.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    return model["vocab"], merges


def train_unigram(lines):
    tok = Tokenizer(models.Unigram())
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    trainer = trainers.UnigramTrainer(show_progress=False, vocab_size=VOCAB_SIZES["unigram"] - 1,
                                      special_tokens=["<s>", "<pad>", "</s>", "<unk>"], unk_token="<unk>")
    tok.train_from_iterator(lines, trainer)
    # The trainer appends the characters it must keep with made-up falling scores in hash order, and
    # orders equal scores by hash too: give that tail its scores in text order, and sort ties by text.
    pieces = [(piece, round(float(score), 6)) for piece, score in json.loads(tok.to_str())["model"]["vocab"]]
    specials, learned = pieces[:4], pieces[4:]
    floor = min(score for piece, score in learned if len(piece) > 1)
    tail = [(piece, score) for piece, score in learned if len(piece) == 1 and score < floor]
    head = sorted((p for p in learned if p not in tail), key=lambda p: (-p[1], p[0]))
    tail = list(zip(sorted(piece for piece, _ in tail), sorted((score for _, score in tail), reverse=True)))
    return specials + head + tail + [("<mask>", 0.0)]


def build(kind, arch, lines):
    """Returns (transformers tokenizer, extra files {name: text}) for an architecture."""
    if kind == "wordpiece":
        vocab = train_wordpiece(lines)
        cls = DistilBertTokenizer if arch == "distilbert" else BertTokenizer
        tokenizer = cls(vocab=vocab, model_max_length=MODEL_MAX_LENGTH)
        ordered = sorted(vocab, key=vocab.get)
        return tokenizer, {"vocab.txt": "".join(t + "\n" for t in ordered)}
    if kind == "bpe":
        vocab, merges = train_bpe(lines)
        tokenizer = RobertaTokenizer(vocab=vocab, merges=merges, model_max_length=MODEL_MAX_LENGTH)
        merges_txt = "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges)
        return tokenizer, {"vocab.json": json.dumps(vocab, ensure_ascii=False), "merges.txt": merges_txt}
    if kind == "unigram":
        tokenizer = XLMRobertaTokenizer(vocab=train_unigram(lines), model_max_length=MODEL_MAX_LENGTH)
        return tokenizer, {}
    raise ValueError(f"unknown tokenizer kind {kind}")


def special_tokens_map(tokenizer):
    names = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
    return {n: getattr(tokenizer, n) for n in names if getattr(tokenizer, n, None) is not None}


def save(tokenizer, extra_files, folder):
    """Writes the tokenizer files into folder (before any encoding call, which would store padding state)."""
    tokenizer.save_pretrained(folder)
    with open(os.path.join(folder, "special_tokens_map.json"), "w", encoding="utf-8") as f:
        json.dump(special_tokens_map(tokenizer), f, indent=2)
        f.write("\n")
    for name, text in extra_files.items():
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            f.write(text)
