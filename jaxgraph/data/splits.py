"""Split helpers: Planetoid-style per-class random splits and k-fold index splits."""
from __future__ import annotations

import numpy as np

__all__ = ["per_class_split", "kfold_indices"]


def per_class_split(labels, train_per_class: int, num_val: int, num_test: int | None = None, seed: int = 0):
    """Boolean masks ``{"train", "val", "test"}`` ``[N]``: ``train_per_class`` random nodes of
    each class for training, then ``num_val`` random other nodes, then ``num_test`` (default: all
    the rest). Multi-label ``[N, C]`` labels are not supported (raises)."""
    y = np.asarray(labels)
    if y.ndim != 1:
        raise ValueError(f"labels must be [N] class ids for a per-class split, got shape {y.shape}")
    rng = np.random.default_rng(seed)
    n = len(y)
    train = np.zeros(n, bool)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        if len(idx) < train_per_class:
            raise ValueError(f"class {c} has {len(idx)} nodes < train_per_class={train_per_class}")
        train[rng.choice(idx, train_per_class, replace=False)] = True
    rest = rng.permutation(np.flatnonzero(~train))
    if num_val > len(rest):
        raise ValueError(f"num_val={num_val} exceeds the {len(rest)} non-training nodes")
    val = np.zeros(n, bool)
    val[rest[:num_val]] = True
    rest = rest[num_val:]
    if num_test is not None:
        if num_test > len(rest):
            raise ValueError(f"num_test={num_test} exceeds the {len(rest)} remaining nodes")
        rest = rest[:num_test]
    test = np.zeros(n, bool)
    test[rest] = True
    return {"train": train, "val": val, "test": test}


def kfold_indices(n: int, k: int = 10, seed: int = 0, labels=None):
    """``k`` folds ``{"train", "test"}`` of indices ``0..n-1`` (stratified when ``labels`` given)."""
    if not 2 <= k <= n:
        raise ValueError(f"k must be in [2, n={n}], got {k}")
    rng = np.random.default_rng(seed)
    fold_of = np.empty(n, int)
    if labels is None:
        fold_of[rng.permutation(n)] = np.arange(n) % k
    else:
        y = np.asarray(labels)
        offset = 0
        for c in np.unique(y):
            idx = rng.permutation(np.flatnonzero(y == c))
            fold_of[idx] = (np.arange(len(idx)) + offset) % k
            offset += len(idx)
    return [{"train": np.flatnonzero(fold_of != f), "test": np.flatnonzero(fold_of == f)} for f in range(k)]
