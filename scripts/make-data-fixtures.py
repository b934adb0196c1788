#!/usr/bin/env python3
# Writes the small Parquet fixtures of the data-layer tests (test/fixtures/data/*.parquet) with pyarrow.
# Run: /work/venv/bin/python scripts/make-data-fixtures.py   (pyarrow from the local wheel folder)
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

for name in ("reviews.parquet", "pairs.parquet", "reviews-zstd.parquet", "topics.parquet", "scores.parquet"):
    print(name, (OUT / name).stat().st_size, "bytes")
