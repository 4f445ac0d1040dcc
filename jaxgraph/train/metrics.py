"""Evaluation metrics on host numpy arrays (exact, tie-aware), with optional masks.

Checked against scikit-learn in the tests; implemented here so the core package does not
depend on it.
"""
from __future__ import annotations

import numpy as np

__all__ = ["accuracy", "roc_auc", "average_precision", "f1_micro", "f1_macro", "mean_absolute_error"]


def _apply_mask(mask, *arrays):
    if mask is None:
        return arrays
    m = np.asarray(mask, bool)
    return tuple(np.asarray(a)[m] for a in arrays)


def accuracy(logits_or_preds, labels, mask=None) -> float:
    """Fraction correct; accepts logits ``[B, C]`` (argmax taken) or predictions ``[B]``."""
    p, y = _apply_mask(mask, np.asarray(logits_or_preds), np.asarray(labels))
    if p.ndim == 2:
        p = p.argmax(-1)
    return float(np.mean(p == y)) if len(y) else 0.0


def _binary_roc_auc(scores, y):
    y = np.asarray(y).astype(bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError(f"roc_auc needs both classes; got {n_pos} positives and {n_neg} negatives")
    # Mann–Whitney U with average ranks for ties.
    import scipy.stats

    r = scipy.stats.rankdata(np.asarray(scores, np.float64))
    return float((r[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def roc_auc(scores, labels, mask=None, average: str = "macro") -> float:
    """Area under the ROC curve. ``scores`` ``[B]`` (binary) or ``[B, C]`` with 0/1 ``labels``
    ``[B, C]`` (multi-label, macro average over labels with both classes present)."""
    s, y = _apply_mask(mask, np.asarray(scores, np.float64), np.asarray(labels))
    if s.ndim == 1:
        return _binary_roc_auc(s, y)
    if average != "macro":
        raise ValueError(f"average must be 'macro', got {average!r}")
    vals = [_binary_roc_auc(s[:, c], y[:, c]) for c in range(s.shape[1]) if 0 < y[:, c].sum() < len(y)]
    return float(np.mean(vals))


def average_precision(scores, labels, mask=None) -> float:
    """Average precision ``Σ_k (R_k − R_{k−1}) P_k`` over distinct score thresholds (as sklearn)."""
    s, y = _apply_mask(mask, np.asarray(scores, np.float64), np.asarray(labels).astype(bool))
    n_pos = int(y.sum())
    if n_pos == 0:
        raise ValueError("average_precision needs at least one positive")
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    distinct = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tp = np.cumsum(y)[distinct]
    fp = (distinct + 1) - tp
    precision = tp / (tp + fp)
    recall = tp / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def _to_indicator(y, num_classes):
    y = np.asarray(y)
    if y.ndim == 2:
        return y.astype(bool)
    out = np.zeros((len(y), num_classes), bool)
    out[np.arange(len(y)), y] = True
    return out


def _f1_counts(pred, y, num_classes):
    p = _to_indicator(pred, num_classes)
    t = _to_indicator(y, num_classes)
    tp = (p & t).sum(0).astype(np.float64)
    fp = (p & ~t).sum(0).astype(np.float64)
    fn = (~p & t).sum(0).astype(np.float64)
    return tp, fp, fn


def _num_classes(pred, y, num_classes):
    if num_classes is not None:
        return num_classes
    if np.asarray(y).ndim == 2:
        return np.asarray(y).shape[1]
    return int(max(np.max(pred, initial=0), np.max(y, initial=0))) + 1


def f1_micro(pred, labels, mask=None, num_classes: int | None = None) -> float:
    """Micro-F1. ``pred``/``labels``: class ids ``[B]`` or 0/1 indicators ``[B, C]`` (multi-label)."""
    pred, labels = _apply_mask(mask, np.asarray(pred), np.asarray(labels))
    tp, fp, fn = _f1_counts(pred, labels, _num_classes(pred, labels, num_classes))
    d = 2 * tp.sum() + fp.sum() + fn.sum()
    return float(2 * tp.sum() / d) if d else 0.0


def f1_macro(pred, labels, mask=None, num_classes: int | None = None) -> float:
    """Macro-F1 over classes present in labels or predictions (sklearn's default labels)."""
    pred, labels = _apply_mask(mask, np.asarray(pred), np.asarray(labels))
    tp, fp, fn = _f1_counts(pred, labels, _num_classes(pred, labels, num_classes))
    d = 2 * tp + fp + fn
    if np.asarray(labels).ndim == 1:
        present = d > 0
    else:
        present = np.ones_like(d, bool)  # sklearn multilabel averages over all labels
    f1 = np.where(d > 0, 2 * tp / np.where(d > 0, d, 1), 0.0)
    return float(f1[present].mean()) if present.any() else 0.0


def mean_absolute_error(preds, targets, mask=None) -> float:
    p, t = _apply_mask(mask, np.asarray(preds, np.float64), np.asarray(targets, np.float64))
    return float(np.mean(np.abs(p - t)))
