"""Masked losses: every loss averages over the rows where ``mask`` is True only.

Shapes: ``logits``/``preds`` ``[B, C]`` (or ``[B]``), ``labels`` ``[B]`` int (cross-entropy),
``[B, C]`` 0/1 (multi-label BCE) or ``[B, ...]`` float (regression), ``mask`` ``[B]`` bool.
A mask with no True entry gives loss 0 (not NaN).
"""
from __future__ import annotations

import jax.numpy as jnp
import optax

__all__ = ["masked_mean", "cross_entropy", "binary_cross_entropy", "mae", "mse"]


def masked_mean(values, mask=None):
    """Mean of ``values`` (``[B]`` or ``[B, ...]``, reduced over trailing dims first) over ``mask``."""
    if values.ndim > 1:
        values = values.reshape(values.shape[0], -1).mean(axis=1)
    if mask is None:
        return values.mean()
    m = mask.astype(values.dtype)
    return jnp.sum(values * m) / jnp.maximum(jnp.sum(m), 1.0)


def cross_entropy(logits, labels, mask=None, label_smoothing: float = 0.0):
    """Softmax cross-entropy with integer labels."""
    num_classes = logits.shape[-1]
    onehot = jnp.eye(num_classes, dtype=logits.dtype)[labels]
    if label_smoothing:
        onehot = optax.smooth_labels(onehot, label_smoothing)
    return masked_mean(optax.softmax_cross_entropy(logits, onehot), mask)


def binary_cross_entropy(logits, labels, mask=None):
    """Sigmoid BCE for (multi-)label 0/1 targets, averaged over labels then masked rows."""
    return masked_mean(optax.sigmoid_binary_cross_entropy(logits, labels.astype(logits.dtype)), mask)


def mae(preds, targets, mask=None):
    """Mean absolute error."""
    return masked_mean(jnp.abs(preds - targets), mask)


def mse(preds, targets, mask=None):
    """Mean squared error."""
    return masked_mean(jnp.square(preds - targets), mask)
