#!/usr/bin/python3
"""Generates src/fixtures/sklearn.json: fixed inputs and scikit-learn's outputs for them.

Run with Debian's python3-sklearn (apt-get install -y python3-sklearn), not another Python:

    /usr/bin/python3 packages/metrics/scripts/generate-fixtures.py

Each case names a Tessera function (`fn`), its `options` and its `pred` and `target` (stored once
in `inputs`, named by `input`) exactly as the TypeScript call takes them, and the `expected` value computed by scikit-learn with the matching
arguments. Inputs are random but seeded (numpy default_rng), plus hand-made edge cases.
NaN and infinities are written as the strings "NaN", "Infinity" and "-Infinity" (JSON has none).
"""
import json
import math
import os
import warnings

import numpy as np
import sklearn
from sklearn import metrics as M

warnings.simplefilter("ignore")  # UndefinedMetricWarning etc.: the edge cases are deliberate.

rng = np.random.default_rng(20240501)
inputs = {}
cases = []


def enc(x):
    """JSON-safe copy: numpy to lists, non-finite floats to strings."""
    if isinstance(x, dict):
        return {k: enc(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [enc(v) for v in x]
    if isinstance(x, np.ndarray):
        return enc(x.tolist())
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
        return x
    return x


def add(case_id, fn, pred, target, options, expected):
    """Records one case; `pred` and `target` are stored once in `inputs` and named by `input`."""
    data = enc({"pred": pred, "target": target})
    key = next((k for k, v in inputs.items() if v == data), None)
    if key is None:
        key = f"input{len(inputs)}"
        inputs[key] = data
    cases.append(enc({"id": case_id, "fn": fn, "input": key, "options": options, "expected": expected}))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------- label metrics

def pred_labels(pred, threshold=0.5):
    """Tessera's rule: argmax of [N, C] scores, integers as labels, other [N] values thresholded."""
    pred = np.asarray(pred, dtype=float)
    if pred.ndim == 2:
        return pred.argmax(axis=1)
    if np.all(pred == np.round(pred)):
        return pred.astype(int)
    return (pred > threshold).astype(int)


def label_cases(name, pred, target, *, binary, num_classes=None, threshold=None):
    target = np.asarray(target, dtype=int)
    p = pred_labels(pred, 0.5 if threshold is None else threshold)
    base = {}
    if num_classes is not None:
        base["numClasses"] = num_classes
    if threshold is not None:
        base["threshold"] = threshold
    pred_arr = np.asarray(pred)
    if num_classes is not None:
        n_labels = num_classes
    elif pred_arr.ndim == 2:
        n_labels = pred_arr.shape[1]
    else:
        n_labels = int(max(target.max(), p.max())) + 1
    labels = list(range(n_labels))

    add(f"accuracy/{name}", "accuracy", pred, target, base, M.accuracy_score(target, p))

    averages = (["binary"] if binary else []) + ["micro", "macro", "weighted", "none"]
    score_fns = {
        "precision": M.precision_score,
        "recall": M.recall_score,
        "f1Score": M.f1_score,
    }
    for fn, sk in score_fns.items():
        for average in averages:
            for zd in (0, 1):
                opts = dict(base, average=average, zeroDivision=zd)
                if average == "none":
                    expected = sk(target, p, average=None, labels=labels, zero_division=zd)
                else:
                    expected = sk(target, p, average=average, zero_division=zd)
                add(f"{fn}/{name}/{average}/zd{zd}", fn, pred, target, opts, expected)
    for beta in (0.5, 2.0):
        for average in averages:
            opts = dict(base, average=average, beta=beta)
            if average == "none":
                expected = M.fbeta_score(target, p, beta=beta, average=None, labels=labels, zero_division=0)
            else:
                expected = M.fbeta_score(target, p, beta=beta, average=average, zero_division=0)
            add(f"fbeta/{name}/{average}/beta{beta}", "fbeta", pred, target, opts, expected)

    for normalize in (None, "true", "pred", "all"):
        opts = dict(base) if normalize is None else dict(base, normalize=normalize)
        expected = M.confusion_matrix(target, p, labels=labels, normalize=normalize)
        add(f"confusionMatrix/{name}/{normalize}", "confusionMatrix", pred, target, opts, expected)

    add(f"matthewsCorrCoef/{name}", "matthewsCorrCoef", pred, target, base, M.matthews_corrcoef(target, p))
    for weights in (None, "linear", "quadratic"):
        opts = dict(base) if weights is None else dict(base, weights=weights)
        # labels=range(C): weights use the class index, whatever classes are present.
        expected = M.cohen_kappa_score(target, p, labels=labels, weights=weights)
        add(f"cohenKappa/{name}/{weights}", "cohenKappa", pred, target, opts, expected)


n = 40
label_cases("binary", rng.integers(0, 2, n), rng.integers(0, 2, n), binary=True)
label_cases("binary_probs", rng.random(n), rng.integers(0, 2, n), binary=True)
label_cases("binary_probs_threshold", rng.random(n), rng.integers(0, 2, n), binary=True, threshold=0.3)
label_cases("binary_no_positive_pred", np.zeros(12, dtype=int), rng.integers(0, 2, 12), binary=True)
label_cases("binary_all_negative", np.zeros(10, dtype=int), np.zeros(10, dtype=int), binary=True)
label_cases("binary_all_wrong", np.array([1, 0, 1, 0, 1]), np.array([0, 1, 0, 1, 0]), binary=True)
label_cases("multiclass", rng.integers(0, 4, 60), rng.integers(0, 4, 60), binary=False)
# Class 3 never appears; class 4 is predicted but never true.
label_cases(
    "multiclass_absent_class",
    rng.choice([0, 1, 2, 4], 50),
    rng.choice([0, 1, 2], 50),
    binary=False,
    num_classes=5,
)
label_cases("multiclass_scores", rng.normal(size=(50, 4)), rng.integers(0, 4, 50), binary=False)
label_cases("multiclass_perfect", np.arange(30) % 3, np.arange(30) % 3, binary=False)
label_cases("multiclass_hand", [0, 2, 1, 0, 2, 2], [0, 1, 1, 2, 2, 0], binary=False)

# Top-k accuracy (random continuous scores: no ties).
scores = rng.normal(size=(40, 5))
target = rng.integers(0, 5, 40)
for k in (1, 2, 3, 5):
    add(f"accuracy/topk{k}", "accuracy", scores, target, {"topK": k},
        M.top_k_accuracy_score(target, scores, k=k, labels=list(range(5))))


# ---------------------------------------------------------------- ranking metrics

def binary_ranking_cases(name, scores, target):
    scores = np.asarray(scores, dtype=float)
    target = np.asarray(target, dtype=int)
    for drop in (True, False):
        fpr, tpr, thr = M.roc_curve(target, scores, drop_intermediate=drop)
        add(f"rocCurve/{name}/drop{drop}", "rocCurve", scores, target, {"dropIntermediate": drop},
            {"fpr": fpr, "tpr": tpr, "thresholds": thr})
    precision, recall, thr = M.precision_recall_curve(target, scores)
    add(f"precisionRecallCurve/{name}", "precisionRecallCurve", scores, target, {},
        {"precision": precision, "recall": recall, "thresholds": thr})
    if len(np.unique(target)) == 2:
        add(f"auroc/{name}", "auroc", scores, target, {}, M.roc_auc_score(target, scores))
    add(f"averagePrecision/{name}", "averagePrecision", scores, target, {}, M.average_precision_score(target, scores))


t = rng.integers(0, 2, 80)
binary_ranking_cases("binary", rng.random(80) + 0.3 * t, t)
t = rng.integers(0, 2, 60)
binary_ranking_cases("ties_rounded", np.round(rng.random(60) + 0.2 * t, 1), t)
t = rng.integers(0, 2, 50)
binary_ranking_cases("heavy_ties", rng.choice([0.0, 0.5, 1.0], 50), t)
t = rng.integers(0, 2, 50)
binary_ranking_cases("logits", rng.normal(size=50) + t, t)
binary_ranking_cases("all_tied", np.full(8, 0.3), [0, 1, 0, 1, 1, 0, 0, 1])
binary_ranking_cases("separable", [0.1, 0.2, 0.3, 0.7, 0.8, 0.9], [0, 0, 0, 1, 1, 1])
binary_ranking_cases("reversed", [0.9, 0.8, 0.7, 0.3, 0.2, 0.1], [0, 0, 0, 1, 1, 1])
binary_ranking_cases("hand", [0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
# One class only: roc_curve gives NaN rates (auroc raises: tested in TypeScript).
binary_ranking_cases("all_positive", [0.2, 0.6, 0.6, 0.9], [1, 1, 1, 1])
binary_ranking_cases("all_negative", [0.2, 0.6, 0.6, 0.9], [0, 0, 0, 0])


def ovr(score_fn, target, scores, average):
    """One-vs-rest from scikit-learn's binary metric per column (used where C == 2 and for AP)."""
    C = scores.shape[1]
    onehot = np.eye(C)[target]
    if average == "micro":
        return score_fn(onehot.ravel(), scores.ravel())
    per_class = np.array([score_fn(onehot[:, c], scores[:, c]) for c in range(C)])
    if average is None:
        return per_class
    weights = onehot.sum(axis=0) if average == "weighted" else None
    return np.average(per_class, weights=weights)


def multiclass_ranking_cases(name, scores, target, auroc=True):
    scores = np.asarray(scores, dtype=float)
    target = np.asarray(target, dtype=int)
    C = scores.shape[1]
    for average in ("macro", "weighted", "micro", None):
        opts = {"average": "none" if average is None else average}
        if auroc:
            expected = ovr(M.roc_auc_score, target, scores, average)
            if C > 2:
                native = M.roc_auc_score(target, scores, multi_class="ovr", average=average, labels=list(range(C)))
                assert np.allclose(native, expected), (name, average)
            add(f"auroc/{name}/{opts['average']}", "auroc", scores, target, opts, expected)
        native_ap = M.average_precision_score(np.eye(C)[target], scores, average=average)
        add(f"averagePrecision/{name}/{opts['average']}", "averagePrecision", scores, target, opts, native_ap)


multiclass_ranking_cases("probs", softmax(rng.normal(size=(100, 4)) * 2), rng.integers(0, 4, 100))
perms = np.array([rng.permutation([0.1, 0.2, 0.3, 0.4]) for _ in range(40)])
multiclass_ranking_cases("probs_ties", perms, rng.integers(0, 4, 40))
p = rng.random(30)
multiclass_ranking_cases("two_columns", np.stack([1 - p, p], axis=1), rng.integers(0, 2, 30))
# Class 3 never in the target: AUROC raises (TypeScript test); AP scores it 0.
multiclass_ranking_cases("absent_class", softmax(rng.normal(size=(40, 4))), rng.integers(0, 3, 40), auroc=False)


# ---------------------------------------------------------------- log loss

def log_loss_case(name, probs, target, eps=None):
    probs = np.asarray(probs, dtype=float)
    target = np.asarray(target, dtype=int)
    C = 2 if probs.ndim == 1 else probs.shape[1]
    opts = {} if eps is None else {"eps": eps}
    expected = M.log_loss(target, probs, labels=list(range(C)), eps="auto" if eps is None else eps)
    add(f"logLoss/{name}", "logLoss", probs, target, opts, expected)


log_loss_case("binary", rng.random(40), rng.integers(0, 2, 40))
log_loss_case("binary_extremes", [0.0, 1.0, 0.0, 1.0, 0.5], [0, 1, 1, 0, 1])
log_loss_case("binary_extremes_eps", [0.0, 1.0, 0.0, 1.0, 0.5], [0, 1, 1, 0, 1], eps=1e-7)
log_loss_case("binary_one_class", [0.2, 0.7, 0.9], [1, 1, 1])
log_loss_case("multiclass", softmax(rng.normal(size=(50, 3))), rng.integers(0, 3, 50))
log_loss_case("multiclass_unnormalized", rng.random((30, 3)), rng.integers(0, 3, 30))
log_loss_case("multiclass_absent_class", softmax(rng.normal(size=(30, 4))), rng.integers(0, 3, 30))
log_loss_case("multiclass_zero_prob", [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 0.0]], [0, 2, 2])
log_loss_case("hand", [[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]], [1, 0, 0, 1])


# ---------------------------------------------------------------- regression

def regression_cases(name, pred, target):
    pred = np.asarray(pred, dtype=float)
    target = np.asarray(target, dtype=float)
    add(f"meanSquaredError/{name}", "meanSquaredError", pred, target, {}, M.mean_squared_error(target, pred))
    add(f"rootMeanSquaredError/{name}", "rootMeanSquaredError", pred, target, {},
        M.mean_squared_error(target, pred, squared=False))
    add(f"meanAbsoluteError/{name}", "meanAbsoluteError", pred, target, {}, M.mean_absolute_error(target, pred))
    add(f"meanAbsolutePercentageError/{name}", "meanAbsolutePercentageError", pred, target, {},
        M.mean_absolute_percentage_error(target, pred))
    for force in (True, False):
        add(f"r2Score/{name}/force{force}", "r2Score", pred, target, {"forceFinite": force},
            M.r2_score(target, pred, force_finite=force))


y = rng.normal(size=50) * 3 + 1
regression_cases("1d", y + rng.normal(size=50), y)
Y = rng.normal(size=(30, 3)) * [1, 10, 0.1]
regression_cases("2d", Y + rng.normal(size=(30, 3)) * [0.5, 2, 0.3], Y)
regression_cases("constant_target_perfect", [2.0, 2.0, 2.0], [2.0, 2.0, 2.0])
regression_cases("constant_target_imperfect", [2.0, 2.0, 3.0], [2.0, 2.0, 2.0])
regression_cases("2d_one_constant_column", [[1.0, 2.0], [2.0, 2.0], [3.5, 2.5]], [[1.0, 2.0], [2.0, 2.0], [3.0, 2.0]])
regression_cases("zero_target", [1.2, 0.1, 2.4, 8.0], [1.0, 0.0, 2.4, 7.0])
regression_cases("single_sample", [1.5], [1.0])
y = 1e6 + rng.normal(size=40)
regression_cases("large_mean", y + 0.5 * rng.normal(size=40), y)
regression_cases("hand", [2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0])


out = {
    "generator": "packages/metrics/scripts/generate-fixtures.py",
    "sklearn": sklearn.__version__,
    "numpy": np.__version__,
    "inputs": inputs,
    "cases": cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "sklearn.json")
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "w") as f:
    json.dump(out, f, indent=None, separators=(",", ":"), allow_nan=False)
    f.write("\n")
print(f"wrote {len(cases)} cases to {os.path.normpath(path)} (scikit-learn {sklearn.__version__})")
