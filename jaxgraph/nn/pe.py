"""Positional encodings (PEs) of nodes: Laplacian eigenvectors and random-walk return probabilities.

The PEs are computed on the host with numpy/scipy, once per graph of a (possibly batched)
``jraph.GraphsTuple`` (graphs are independent: a node's PE depends only on its own graph), and
returned as ``[N, k]`` float32 arrays aligned with ``graph.nodes`` — concatenate them to the
node features or store them in a features dict. They use dense ``[n, n]`` matrices per graph,
which suits the small graphs (molecules, superpixels, ...) these PEs are used on.

:func:`random_sign_flip` is the jit-able training-time augmentation for Laplacian PEs, whose
eigenvector signs are arbitrary (Dwivedi et al. 2020).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import jraph
import numpy as np

from jaxgraph.ops.pooling import graph_segment_ids

__all__ = ["laplacian_pe", "random_walk_pe", "random_sign_flip"]


def _per_graph(graph: jraph.GraphsTuple):
    """Yields ``(node_start, n, local_senders, local_receivers)`` for every graph (host-side)."""
    n_node = np.asarray(graph.n_node).reshape(-1).astype(np.int64)
    s = np.asarray(graph.senders).astype(np.int64)
    r = np.asarray(graph.receivers).astype(np.int64)
    total = int(n_node.sum())
    if s.size and (s.min() < 0 or r.min() < 0 or s.max() >= total or r.max() >= total):
        raise ValueError(f"senders/receivers must be in [0, {total}) (sum of n_node)")
    gid = np.repeat(np.arange(len(n_node)), n_node)
    if s.size and np.any(gid[s] != gid[r]):
        bad = int(np.flatnonzero(gid[s] != gid[r])[0])
        raise ValueError(f"edge {bad} ({s[bad]} -> {r[bad]}) joins two different graphs of the batch")
    starts = np.concatenate([[0], np.cumsum(n_node)[:-1]])
    eg = gid[s] if s.size else np.zeros(0, np.int64)
    order = np.argsort(eg, kind="stable")
    bounds = np.searchsorted(eg[order], np.arange(len(n_node) + 1))
    for g, (start, n) in enumerate(zip(starts, n_node)):
        idx = order[bounds[g] : bounds[g + 1]]
        yield int(start), int(n), s[idx] - start, r[idx] - start


def _adjacency(n, s, r):
    a = np.zeros((n, n), np.float64)
    np.add.at(a, (s, r), 1.0)
    return a


def _check_k(k):
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")


def laplacian_pe(graph: jraph.GraphsTuple, k: int, return_eigenvalues: bool = False, canonical_sign: bool = True):
    """Laplacian eigenvector PE (Dwivedi et al. 2020, "Benchmarking Graph Neural Networks").

    For each graph: ``A`` is its adjacency made undirected (``A <- max(A, A^T)``, multi-edges
    counted, a self loop counts once), ``L = I - D^{-1/2} A D^{-1/2}`` (``0^{-1/2} := 0``, as in
    networkx), ``L = U Λ U^T`` by ``numpy.linalg.eigh`` (ascending ``λ``). The PE is the ``k``
    eigenvectors after the first (trivial) one, ``U[:, 1:k+1]``; a graph with fewer than
    ``k + 1`` nodes gets zero columns for the missing ones. With ``canonical_sign`` each
    eigenvector is flipped so its largest-magnitude entry (the first one, up to a relative
    1e-6, on ties) is positive (deterministic output;
    use :func:`random_sign_flip` in training).

    Args:
      graph: a single or batched GraphsTuple (host arrays; edges must not cross graphs).
      k: number of eigenvectors.
      return_eigenvalues: also return each node's graph's ``λ_1..λ_k`` (zero-padded).
    Returns:
      ``pe [N, k]`` float32, and ``eigenvalues [N, k]`` float32 when requested.
    Raises:
      ValueError: bad ``k``, out-of-range indices, or an edge joining two graphs.
    """
    _check_k(k)
    total = int(np.asarray(graph.n_node).sum())
    pe = np.zeros((total, k), np.float64)
    ev = np.zeros((total, k), np.float64)
    for start, n, s, r in _per_graph(graph):
        if n == 0:
            continue
        a = _adjacency(n, s, r)
        a = np.maximum(a, a.T)
        deg = a.sum(axis=1)
        dinv = np.where(deg > 0, 1.0 / np.sqrt(np.where(deg > 0, deg, 1.0)), 0.0)
        lap = np.eye(n) - dinv[:, None] * a * dinv[None, :]
        vals, vecs = np.linalg.eigh(lap)
        kk = min(k, n - 1)
        v = vecs[:, 1 : 1 + kk]
        if canonical_sign and kk:
            mag = np.abs(v)
            first = np.argmax(mag >= mag.max(axis=0) * (1 - 1e-6), axis=0)  # ties: lowest index
            v = v * np.where(v[first, np.arange(kk)] < 0, -1.0, 1.0)
        pe[start : start + n, :kk] = v
        ev[start : start + n, :kk] = vals[1 : 1 + kk]
    pe = pe.astype(np.float32)
    return (pe, ev.astype(np.float32)) if return_eigenvalues else pe


def random_walk_pe(graph: jraph.GraphsTuple, k: int):
    """Random-walk PE (Dwivedi et al. 2022, "Graph Neural Networks with Learnable Structural
    and Positional Representations"): ``p_i = [M_ii, (M^2)_ii, ..., (M^k)_ii]``.

    ``M = D^{-1} A`` with ``A[s, r]`` the number of edges ``s -> r`` of the node's graph and
    ``D`` the out-degree (a walk moves along edge direction; undirected graphs store both
    directions). ``(M^t)_ii`` is the probability that a ``t``-step random walk from ``i``
    returns to ``i`` (equal to the diagonal of ``(A D^{-1})^t`` used in the paper). Nodes with
    no out-edges get 0.

    Args:
      graph: single or batched GraphsTuple (host arrays; edges must not cross graphs).
      k: number of steps ``K``.
    Returns:
      ``[N, k]`` float32.
    """
    _check_k(k)
    total = int(np.asarray(graph.n_node).sum())
    pe = np.zeros((total, k), np.float64)
    for start, n, s, r in _per_graph(graph):
        if n == 0:
            continue
        a = _adjacency(n, s, r)
        deg = a.sum(axis=1, keepdims=True)
        m = np.where(deg > 0, a / np.where(deg > 0, deg, 1.0), 0.0)
        p = m
        for t in range(k):
            if t:
                p = p @ m
            pe[start : start + n, t] = np.diagonal(p)
    return pe.astype(np.float32)


def random_sign_flip(pe, rng, n_node=None):
    """Randomly flips the sign of each eigenvector column of a Laplacian PE (jit-able).

    Without ``n_node`` one sign per column for the whole batch (as in Dwivedi et al.'s code);
    with ``n_node`` (``[G]``) an independent sign per graph and column.

    Args:
      pe: ``[N, k]``; rng: a PRNG key; n_node: optional ``[G]`` node counts.
    Returns:
      ``[N, k]`` with ``pe``'s dtype.
    """
    pe = jnp.asarray(pe)
    k = pe.shape[-1]
    if n_node is None:
        signs = jnp.where(jax.random.bernoulli(rng, 0.5, (k,)), 1.0, -1.0)
        return pe * signs.astype(pe.dtype)
    g = jnp.asarray(n_node).shape[0]
    signs = jnp.where(jax.random.bernoulli(rng, 0.5, (g, k)), 1.0, -1.0).astype(pe.dtype)
    return pe * signs[graph_segment_ids(n_node, pe.shape[0])]
