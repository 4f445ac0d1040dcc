"""Multi-label node classification from fixed node embeddings (the DeepWalk protocol).

B. Perozzi, R. Al-Rfou, S. Skiena, "DeepWalk: Online Learning of Social Representations", KDD
2014, Section 6 (and its ``scoring.py``), used unchanged by node2vec (Grover & Leskovec, KDD 2016)
and FastRP (Chen et al., CIKM 2019): for each repeat, shuffle the labelled nodes, train a
one-vs-rest L2-regularised logistic regression (liblinear) on the first ``train_ratio`` of them,
and predict for each test node its ``k`` most probable labels, ``k`` = the node's true number of
labels. Report Micro-F1 and Macro-F1 over all labels, averaged over the repeats.
"""
from __future__ import annotations

import warnings

import numpy as np

__all__ = ["multilabel_node_classification", "top_k_predictions", "multilabel_f1"]


def top_k_predictions(scores: np.ndarray, k: np.ndarray) -> np.ndarray:
    """0/1 predictions ``[M, C]``: row ``i`` marks the ``k[i]`` highest ``scores[i]`` (ties: lower
    label index first)."""
    scores = np.asarray(scores)
    k = np.asarray(k, np.int64)
    order = np.argsort(-scores, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(scores.shape[0])[:, None]
    ranks[rows, order] = np.arange(scores.shape[1])[None, :]
    return (ranks < k[:, None]).astype(np.uint8)


def multilabel_f1(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[float, float]:
    """``(micro_f1, macro_f1)`` of 0/1 matrices ``[M, C]``; a label with no true and no predicted
    positive has F1 = 0 in the macro average (scikit-learn's ``zero_division=0``)."""
    t = np.asarray(y_true, bool)
    p = np.asarray(y_pred, bool)
    tp = (t & p).sum(0).astype(np.float64)
    fp = (~t & p).sum(0).astype(np.float64)
    fn = (t & ~p).sum(0).astype(np.float64)
    denom = 2 * tp + fp + fn
    micro = float(2 * tp.sum() / denom.sum()) if denom.sum() > 0 else 0.0
    per = np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1.0), 0.0)
    return micro, float(per.mean())


def _check(embeddings, labels, train_ratios, repeats):
    x = np.asarray(embeddings)
    y = np.asarray(labels)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1:
        raise ValueError(f"embeddings must be [N, D] with N >= 2 and D >= 1, got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.number):
        raise ValueError(f"embeddings must be numeric, got dtype {x.dtype}")
    if not np.all(np.isfinite(x)):
        bad = np.argwhere(~np.isfinite(x))[0]
        raise ValueError(f"embeddings{[int(i) for i in bad]} = {x[tuple(bad)]} is not finite")
    if y.ndim != 2 or y.shape[0] != x.shape[0]:
        raise ValueError(
            f"labels must be a 0/1 matrix [N={x.shape[0]}, C] matching embeddings, got shape {y.shape}"
        )
    if y.shape[1] < 1 or not np.isin(y, (0, 1)).all():
        raise ValueError(f"labels must be a non-empty 0/1 matrix, got values {np.unique(y)[:5]}")
    ratios = tuple(float(r) for r in np.atleast_1d(np.asarray(train_ratios, np.float64)))
    if not ratios or any(not (0.0 < r < 1.0) for r in ratios):
        raise ValueError(f"train_ratios must be in (0, 1), got {train_ratios!r}")
    if not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ValueError(f"repeats must be a positive int, got {repeats!r}")
    return x.astype(np.float64), y.astype(np.uint8), ratios


def multilabel_node_classification(
    embeddings,
    labels,
    *,
    train_ratios=(0.1, 0.5, 0.9),
    repeats: int = 5,
    seed: int = 0,
    normalize: bool = True,
    C: float = 1.0,
) -> list[dict]:
    """Micro/Macro-F1 of one-vs-rest logistic regression on node embeddings (DeepWalk protocol).

    For repeat ``r`` the labelled nodes (rows of ``labels`` with at least one 1) are permuted by
    ``np.random.default_rng(seed + r).permutation``; every train ratio of that repeat uses the same
    permutation, training on its first ``round(ratio * M)`` nodes and testing on the rest. One
    liblinear logistic regression per label (``C``, L2, scikit-learn's
    ``OneVsRestClassifier``); each test node gets its ``k`` highest-probability labels, ``k`` its
    true label count. A label absent from the training part is never predicted.

    Args:
      embeddings: ``[N, D]`` float (numpy or jax).
      labels: ``[N, C]`` 0/1 multi-label matrix.
      train_ratios: fractions of the labelled nodes used for training, each in ``(0, 1)``.
      repeats: number of random splits per ratio.
      seed: base seed of the splits.
      normalize: L2-normalise each embedding row before the classifier.
      C: inverse regularisation strength of the logistic regressions (DeepWalk: 1.0).
    Returns:
      one row per ratio, ``{"train_ratio", "micro_f1", "macro_f1", "micro_f1_std",
      "macro_f1_std", "repeats", "num_train", "num_test"}`` (means and population std over
      the repeats).
    Raises:
      ValueError: bad shapes, non-finite embeddings, non-0/1 labels, ratios outside ``(0, 1)``,
        ``repeats < 1``, ``C <= 0``, or a split that leaves no train or no test node.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    x, y, ratios = _check(embeddings, labels, train_ratios, repeats)
    if not (np.isfinite(C) and C > 0):
        raise ValueError(f"C must be a positive finite float, got {C!r}")
    keep = y.sum(1) > 0
    x, y = x[keep], y[keep]
    m = x.shape[0]
    if normalize:
        norm = np.linalg.norm(x, axis=1, keepdims=True)
        x = x / np.where(norm > 0, norm, 1.0)
    sizes = {}
    for r in ratios:
        n_train = int(round(r * m))
        if n_train < 1 or n_train >= m:
            raise ValueError(f"train_ratio {r} leaves {n_train} of {m} labelled nodes for training; "
                             "need at least one train and one test node")
        sizes[r] = n_train
    scores = {r: [] for r in ratios}
    for rep in range(repeats):
        perm = np.random.default_rng(seed + rep).permutation(m)
        for r in ratios:
            tr, te = perm[: sizes[r]], perm[sizes[r]:]
            clf = OneVsRestClassifier(LogisticRegression(solver="liblinear", C=C))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # labels absent from a small training part
                clf.fit(x[tr], y[tr])
                prob = clf.predict_proba(x[te])
            pred = top_k_predictions(prob, y[te].sum(1))
            scores[r].append(multilabel_f1(y[te], pred))
    rows = []
    for r in ratios:
        s = np.asarray(scores[r])
        rows.append({
            "train_ratio": r,
            "micro_f1": float(s[:, 0].mean()),
            "macro_f1": float(s[:, 1].mean()),
            "micro_f1_std": float(s[:, 0].std()),
            "macro_f1_std": float(s[:, 1].std()),
            "repeats": int(repeats),
            "num_train": sizes[r],
            "num_test": m - sizes[r],
        })
    return rows
