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
