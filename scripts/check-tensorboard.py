"""Reads finetune's TensorBoard event files with TensorBoard's own reader and checks the scalars against metrics.jsonl.

Usage: /work/venv/bin/python scripts/check-tensorboard.py <run output folder> [--golden]
  Checks <folder>/tensorboard (written by `finetune train --report-to jsonl,tensorboard`): every
  record's CRCs (TensorBoard's reader refuses a bad one), and that each numeric value of each
  metrics.jsonl entry is a scalar at its step under transformers' tag (train/loss, eval/accuracy).
  --golden prints, as hex, the event file TensorBoard's own writer makes for a fixed event (the
  bytes src/report/tensorboard.test.ts expects).
"""

import json
import math
import os
import sys


def golden() -> None:
    import tempfile

    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.record_writer import RecordWriter

    event = event_pb2.Event(wall_time=1700000000.5, step=7)
    event.summary.value.add(tag="train/loss", simple_value=0.25)
    event.summary.value.add(tag="eval/accuracy", simple_value=0.875)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "record")
        with open(path, "wb") as f:
            writer = RecordWriter(f)
            writer.write(event.SerializeToString())
            writer.flush()
        with open(path, "rb") as f:
            print(f.read().hex())


def check(folder: str) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(os.path.join(folder, "tensorboard"), size_guidance={"scalars": 0})
    accumulator.Reload()
    tags = accumulator.Tags()["scalars"]
    scalars = {tag: {e.step: e.value for e in accumulator.Scalars(tag)} for tag in tags}
    expected = 0
    with open(os.path.join(folder, "metrics.jsonl")) as f:
        for line in f:
            entry = json.loads(line)
            for key, value in entry.items():
                if key == "step" or not isinstance(value, (int, float)) or not math.isfinite(value):
                    continue
                tag = f"eval/{key[5:]}" if key.startswith("eval_") else f"train/{key}"
                found = scalars.get(tag, {}).get(entry["step"])
                if found is None or not math.isclose(found, value, rel_tol=1e-6, abs_tol=1e-7):
                    sys.exit(f"{tag} at step {entry['step']}: TensorBoard read {found}, metrics.jsonl has {value}")
                expected += 1
    print(f"TensorBoard read {len(tags)} scalar tags, {sum(len(v) for v in scalars.values())} values; all {expected} values of metrics.jsonl found")
    print("tags: " + ", ".join(sorted(tags)))


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "--golden":
        golden()
    elif len(sys.argv) == 2:
        check(sys.argv[1])
    else:
        sys.exit(__doc__)
