"""Shared fixtures of the zk tests (uses the library; the independent reference is
``zk_reference.py``)."""
import numpy as np

from jaxgraph.zk import field as F


def matmul_instance(shape, seed):
    """Random field matrices A, W and Z = A @ W for shape (m, k, n) or (N, m, k, n)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, F.P, tuple(shape[:-3]) + (shape[-3], shape[-2]), dtype=np.uint64)
    w = rng.integers(0, F.P, tuple(shape[:-3]) + (shape[-2], shape[-1]), dtype=np.uint64)
    return a, w, np.asarray(F.matmul(a, w))


# the small network of the training-proof tests (test_training.py, test_training_committed.py)
TRAIN_WIDTHS = [8, 4, 4, 4, 2]
TRAIN_BATCH, TRAIN_STEPS, TRAIN_LR_SHIFT, TRAIN_SEED = 4, 3, 2, 1


def training_data(n=16, seed=0):
    """Uniform [0, 1) inputs [n, 8] and labels in [0, 2) for the training-proof tests."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 1.0, size=(n, TRAIN_WIDTHS[0])), rng.integers(0, TRAIN_WIDTHS[-1], size=n)
