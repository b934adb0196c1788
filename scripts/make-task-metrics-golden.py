# Records scikit-learn's multi-label metrics and scipy's correlations for seeded data, for the streaming metric tests.
#
# Usage: /work/venv/bin/python scripts/make-task-metrics-golden.py
#
# Writes test/golden/tasks/metrics.golden.json with
# - "multiLabel": labels, rows, float32 probabilities and 0/1 targets (some probabilities exactly on
#   a float32 grid threshold, one label never true, one never above 0.5), and for every grid
#   threshold 0.05..0.95 the sklearn f1/precision/recall (average micro and macro, zero_division=0),
#   per-label precision/recall/f1/support, accuracy_score (subset accuracy) and hamming_loss. A label
#   is predicted when its probability, in float64, is strictly above the threshold.
# - "regression": cases of float32 predictions and targets (with ties, a large offset, a constant
#   prediction) with mse, mae, rmse, scipy.stats.pearsonr and spearmanr (NaN written as null).
import json
import math
import os
import warnings

import numpy as np
from scipy import stats
from sklearn.metrics import accuracy_score, f1_score, hamming_loss, precision_recall_fscore_support, precision_score, recall_score

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "golden", "tasks", "metrics.golden.json")
GRID = [k / 20 for k in range(1, 20)]


def floats(array):
    return [None if math.isnan(v) else float(v) for v in np.asarray(array, dtype=np.float64).ravel()]


def multi_label(rng):
    labels = ["toxic", "obscene", "insult", "threat", "never", "rare"]
    rows = 240
    k = len(labels)
    targets = (rng.random((rows, k)) < [0.4, 0.3, 0.5, 0.2, 0.0, 0.1]).astype(np.uint8)
    # Probabilities that lean towards the truth, with noise, so every threshold gives different counts.
    logits = rng.normal(0, 1.5, (rows, k)) + np.where(targets == 1, 1.2, -1.2)
    probs = (1 / (1 + np.exp(-logits))).astype(np.float32)
    probs[:, 5] *= np.float32(0.5)  # "rare" never goes above 0.5
    # Some probabilities exactly on a threshold (as float32): strictly-above decides them.
    for r in range(0, rows, 7):
        probs[r, r % k] = np.float32(GRID[r % len(GRID)])
    probs[3, :] = np.float32(0.5)
    p64 = probs.astype(np.float64)
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in GRID:
            pred = (p64 > t).astype(np.uint8)
            p, r, f, s = precision_recall_fscore_support(targets, pred, average=None, zero_division=0)
            results.append({
                "threshold": t,
                "f1_micro": float(f1_score(targets, pred, average="micro", zero_division=0)),
                "precision_micro": float(precision_score(targets, pred, average="micro", zero_division=0)),
                "recall_micro": float(recall_score(targets, pred, average="micro", zero_division=0)),
                "f1_macro": float(f1_score(targets, pred, average="macro", zero_division=0)),
                "precision_macro": float(precision_score(targets, pred, average="macro", zero_division=0)),
                "recall_macro": float(recall_score(targets, pred, average="macro", zero_division=0)),
                "subset_accuracy": float(accuracy_score(targets, pred)),
                "hamming_loss": float(hamming_loss(targets, pred)),
                "precision": floats(p), "recall": floats(r), "f1": floats(f), "support": [int(v) for v in s],
            })
    return {"labels": labels, "rows": rows, "probabilities": floats(probs), "targets": [int(v) for v in targets.ravel()], "results": results}


def regression_case(name, predictions, targets):
    p = np.asarray(predictions, dtype=np.float32)
    t = np.asarray(targets, dtype=np.float32)
    p64 = p.astype(np.float64)
    t64 = t.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pearson = stats.pearsonr(p64, t64).statistic
        spearman = stats.spearmanr(p64, t64).statistic
    mse = float(np.mean((p64 - t64) ** 2))
    return {
        "name": name, "predictions": floats(p), "targets": floats(t),
        "mse": mse, "mae": float(np.mean(np.abs(p64 - t64))), "rmse": math.sqrt(mse),
        "pearson": floats([pearson])[0], "spearman": floats([spearman])[0],
    }


def regression(rng):
    n = 500
    targets = rng.normal(2.5, 1.2, n)
    noisy = targets + rng.normal(0, 0.6, n)
    ties_t = rng.integers(0, 6, 300).astype(np.float64)
    ties_p = np.round(ties_t + rng.normal(0, 1.0, 300))
    offset_t = 1e4 + rng.normal(0, 1, 400)
    offset_p = offset_t + rng.normal(0, 0.5, 400)
    return [
        regression_case("noisy", noisy, targets),
        regression_case("ties", ties_p, ties_t),
        regression_case("large offset", offset_p, offset_t),
        regression_case("anti", -targets[:50], targets[:50]),
        regression_case("constant prediction", np.full(40, 3.0), targets[:40]),
        regression_case("two values", [1.0, 2.0], [2.0, 5.0]),
    ]


def main():
    rng = np.random.default_rng(20261201)
    golden = {"multiLabel": multi_label(rng), "regression": regression(rng)}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as handle:
        json.dump(golden, handle, separators=(",", ":"))
        handle.write("\n")
    print(f"{OUT}: {len(golden['multiLabel']['results'])} thresholds, {len(golden['regression'])} regression cases")


if __name__ == "__main__":
    main()
