#!/usr/bin/env python3
# Writes the small Parquet fixtures of the data-layer tests (test/fixtures/data/*.parquet) with pyarrow.
# Run: /work/venv/bin/python scripts/make-data-fixtures.py   (pyarrow from the local wheel folder)
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "data"
OUT.mkdir(parents=True, exist_ok=True)

# Integer labels, one null text (dropped as empty), one duplicate, non-ASCII text.
reviews = pa.table({
    "id": pa.array([1, 2, 3, 4, 5, 6], pa.int64()),
    "review": pa.array(["great film", "dull and long", "great film", None, "a café scene, très bien", "awful"], pa.string()),
    "label": pa.array([1, 0, 1, 0, 1, 0], pa.int64()),
})
pq.write_table(reviews, OUT / "reviews.parquet", compression="snappy")

# A sentence-pair layout with string labels, uncompressed, in two row groups.
pairs = pa.table({
    "premise": ["a man sleeps", "a dog runs", "kids play", "it rains"],
    "hypothesis": ["a person rests", "a cat sleeps", "children are playing", "the sun shines"],
    "label": ["entailment", "contradiction", "entailment", "contradiction"],
})
pq.write_table(pairs, OUT / "pairs.parquet", compression="none", row_group_size=2)

# A codec hyparquet cannot read without extra packages, for the error message.
pq.write_table(reviews, OUT / "reviews-zstd.parquet", compression="zstd")

# Multi-label rows as a list column (one empty list: no label), and regression targets as doubles.
topics = pa.table({
    "text": ["rates rise again", "the match went to penalties", "quiet day", "minister resigns over budget"],
    "labels": pa.array([["economy"], ["sport"], [], ["politics", "economy"]], pa.list_(pa.string())),
})
pq.write_table(topics, OUT / "topics.parquet", compression="snappy")
scores = pa.table({
    "sentence1": ["a man plays guitar", "a cat sleeps", "kids play"],
    "sentence2": ["a person plays music", "a dog runs", "children are playing"],
    "score": pa.array([3.8, 0.4, 5.0], pa.float64()),
})
pq.write_table(scores, OUT / "scores.parquet", compression="snappy")

# Many small pages of every kind the page checks read: nulls (definition levels), lists (repetition
# levels), booleans, a constant column (long dictionary runs), version 1 and 2 data pages.
rng = random.Random(0)
words = ["good", "bad", "fine", "great", "awful", "ok"]
count = 2000
pages = pa.table({
    "text": [None if i % 7 == 0 else " ".join(rng.choice(words) for _ in range(rng.randint(1, 4))) for i in range(count)],
    "label": [rng.randint(0, 1) for _ in range(count)],
    "flag": [None if i % 11 == 0 else i % 3 == 0 for i in range(count)],
    "tokens": [[rng.choice(words) for _ in range(rng.randint(0, 3))] for _ in range(count)],
    "same": ["x"] * count,
})
pq.write_table(pages, OUT / "pages-v1.parquet", compression="none", data_page_version="1.0", use_dictionary=False, data_page_size=1024, row_group_size=700)
pq.write_table(pages, OUT / "pages-v2.parquet", compression="snappy", data_page_version="2.0", data_page_size=1024, row_group_size=700)

for name in ("reviews.parquet", "pairs.parquet", "reviews-zstd.parquet", "topics.parquet", "scores.parquet", "pages-v1.parquet", "pages-v2.parquet"):
    print(name, (OUT / name).stat().st_size, "bytes")
