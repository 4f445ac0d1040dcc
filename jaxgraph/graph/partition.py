"""Balanced graph partitioning and Cluster-GCN batching.

Partitioning (no METIS here): **recursive spectral bisection** (Pothen, Simon & Liou, SIAM J.
Matrix Anal. Appl. 1990; Fiedler 1973). A node set is split into parts of sizes proportional to
``ceil(k/2) : floor(k/2)`` by ordering its nodes — connected components largest first, the nodes
of each component (≥ 3 nodes) by the Fiedler vector of that component's normalised Laplacian
``L = I - D^{-1/2} A D^{-1/2}`` (second-largest eigenvector of ``I + D^{-1/2} A D^{-1/2}``,
``scipy.sparse.linalg.eigsh``) — and cutting the order at the target size, so only one component
is ever cut and parts are balanced to within one node. Recursion until ``k`` parts.
``method="random"`` is the baseline (a random balanced assignment).

Cluster-GCN (Chiang et al., KDD 2019, "Cluster-GCN: An Efficient Algorithm for Training Deep and
Large Graph Convolutional Networks", Sec. 3.2 "stochastic multiple partitions"): each batch is
the union of ``q`` random parts; its subgraph is **induced** on the union, so the edges between
the chosen parts are kept. Batches are padded to one static :class:`~jaxgraph.graph.Budget`.
"""
from __future__ import annotations

from typing import NamedTuple

import jraph
import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph
from scipy.sparse.linalg import ArpackNoConvergence, eigsh

from jaxgraph.graph.sampling import expand_rows

__all__ = ["partition_graph", "edge_cut", "ClusterBatch", "ClusterBatcher"]


def _adjacency(senders, receivers, n: int) -> sp.csr_matrix:
    s, r = np.asarray(senders).reshape(-1), np.asarray(receivers).reshape(-1)
    keep = s != r
    a = sp.coo_matrix((np.ones(int(keep.sum()), np.float64), (s[keep], r[keep])), shape=(n, n)).tocsr()
    a = ((a + a.T) > 0).astype(np.float64)  # symmetric, unweighted, no self loops
    return a.tocsr()


def _fiedler_order(a: sp.csr_matrix, rng: np.random.Generator) -> np.ndarray:
    """Node order of a connected graph by its Fiedler vector (normalised Laplacian)."""
    n = a.shape[0]
    if n < 3:
        return np.arange(n)
    d = np.asarray(a.sum(1)).reshape(-1)
    dis = 1.0 / np.sqrt(d)
    m = sp.diags(dis) @ a @ sp.diags(dis) + sp.identity(n)
    if n <= 200:
        _, vecs = np.linalg.eigh(m.toarray())
        v = vecs[:, -2]
    else:
        v0 = rng.random(n) + 0.5
        try:
            _, vecs = eigsh(m, k=2, which="LA", v0=v0, tol=1e-6, maxiter=20 * n)
        except ArpackNoConvergence as err:  # keep the partial result: still a good ordering
            vecs = err.eigenvectors
            if vecs.shape[1] < 2:
                return np.argsort(v0)
        trivial = np.sqrt(d) / np.linalg.norm(np.sqrt(d))
        # The eigenvector least aligned with the trivial one sqrt(d) is the Fiedler vector.
        v = vecs[:, np.argmin(np.abs(trivial @ vecs))]
    return np.argsort(v * dis, kind="stable")


def _bisect_order(a: sp.csr_matrix, rng: np.random.Generator) -> np.ndarray:
    n_comp, comp = csgraph.connected_components(a, directed=False)
    sizes = np.bincount(comp, minlength=n_comp)
    out = []
    for c in np.argsort(-sizes, kind="stable"):
        idx = np.flatnonzero(comp == c)
        out.append(idx[_fiedler_order(a[idx][:, idx], rng)] if len(idx) >= 3 else idx)
    return np.concatenate(out)


def partition_graph(graph: jraph.GraphsTuple, k: int, method: str = "spectral", seed: int = 0) -> np.ndarray:
    """Partitions the nodes into ``k`` balanced parts with few cut edges.

    Args:
      graph: one graph (edges read as undirected; self loops ignored).
      k: number of parts, ``1 <= k <= N``.
      method: ``'spectral'`` (recursive spectral bisection, module docstring) or ``'random'``.
      seed: seeds the eigensolver start vectors / the random assignment.
    Returns:
      ``[N]`` int32 part ids in ``[0, k)``; part sizes are ``floor(N/k)`` or ``ceil(N/k)``
      (within one node of each other).
    Raises:
      ValueError: bad ``k`` or ``method``.
    """
    n = int(np.asarray(graph.n_node).sum())
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ValueError(f"k must be an integer in [1, {n}], got {k!r}")
    if method not in ("spectral", "random"):
        raise ValueError(f"method must be 'spectral' or 'random', got {method!r}")
    rng = np.random.default_rng(seed)
    parts = np.zeros(n, np.int32)
    if method == "random":
        parts[rng.permutation(n)] = np.arange(n) % k
        return parts
    a = _adjacency(graph.senders, graph.receivers, n)
    # Target sizes: the balanced sizes of k parts, assigned to the leaves of the recursion.
    sizes = np.full(k, n // k) + (np.arange(k) < n % k)
    stack = [(np.arange(n), 0, k)]  # (nodes, first part id, number of parts)
    while stack:
        nodes, first, kk = stack.pop()
        if kk == 1:
            parts[nodes] = first
            continue
        k_left = (kk + 1) // 2
        n_left = int(sizes[first:first + k_left].sum())
        order = nodes[_bisect_order(a[nodes][:, nodes], rng)]
        stack.append((order[:n_left], first, k_left))
        stack.append((order[n_left:], first + k_left, kk - k_left))
    return parts


def edge_cut(graph: jraph.GraphsTuple, parts) -> int:
    """Number of undirected edges (self loops and multi-edges removed) whose ends lie in
    different parts."""
    n = int(np.asarray(graph.n_node).sum())
    parts = np.asarray(parts)
    if parts.shape != (n,):
        raise ValueError(f"parts must have shape ({n},), got {parts.shape}")
    a = sp.triu(_adjacency(graph.senders, graph.receivers, n), k=1).tocoo()
    return int(np.sum(parts[a.row] != parts[a.col]))


class ClusterBatch(NamedTuple):
    """One padded Cluster-GCN batch (a pytree of static-shape arrays).

    Attributes:
      graph: induced subgraph on the union of the chosen parts, local ids, padded with the
        :func:`jaxgraph.graph.pad_to_budget` convention (``nodes`` ``[Nb, F]``).
      node_ids: ``[Nb]`` int32 global ids (``-1`` padding).
      node_mask: ``[Nb]`` bool real nodes; edge_mask: ``[Eb]`` bool real edges.
    """

    graph: jraph.GraphsTuple
    node_ids: np.ndarray
    node_mask: np.ndarray
    edge_mask: np.ndarray


class ClusterBatcher:
    """Cluster-GCN batches: unions of ``q`` random parts, induced subgraphs, one budget.

    Args:
      graph: the full graph (``nodes`` ``[N, F]``).
      parts: ``[N]`` part ids in ``[0, k)`` (e.g. :func:`partition_graph`).
      q: parts per batch (Cluster-GCN's "multiple clusters"), ``1 <= q <= k``.
    The budget fits any ``q`` parts: nodes = the ``q`` largest part sizes + 1, edges = the ``q``
    largest per-part counts of edges leaving a part's nodes (every induced edge is counted by its
    sender's part).
    Raises:
      ValueError: ``parts`` of the wrong shape / with ids outside ``[0, k)``, or bad ``q``.
    """

    def __init__(self, graph: jraph.GraphsTuple, parts, q: int):
        n = int(np.asarray(graph.n_node).sum())
        parts = np.asarray(parts)
        if parts.shape != (n,) or not np.issubdtype(parts.dtype, np.integer) or parts.min() < 0:
            raise ValueError(f"parts must be non-negative integer part ids of shape ({n},), got {parts.shape} {parts.dtype}")
        self.k = int(parts.max()) + 1
        if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or not 1 <= q <= self.k:
            raise ValueError(f"q must be an integer in [1, {self.k}], got {q!r}")
        self.q, self.parts, self.num_nodes = int(q), parts, n
        s = np.asarray(graph.senders).astype(np.int64)
        r = np.asarray(graph.receivers).astype(np.int64)
        order = np.argsort(s, kind="stable")
        self.out_indices = r[order]
        self.out_edge_ids = order
        self.indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(s, minlength=n), out=self.indptr[1:])
        self.features = np.asarray(graph.nodes)
        self.edges = graph.edges
        self.members = [np.flatnonzero(parts == p) for p in range(self.k)]
        psize = np.bincount(parts, minlength=self.k)
        pedges = np.bincount(parts[s], minlength=self.k) if s.size else np.zeros(self.k, np.int64)
        self.budget_nodes = int(np.sort(psize)[::-1][: self.q].sum()) + 1
        self.budget_edges = max(1, int(np.sort(pedges)[::-1][: self.q].sum()))
        self._local = np.full(n, -1, np.int64)

    def batch(self, part_ids) -> ClusterBatch:
        """The padded batch induced on the union of ``part_ids`` (``1..q`` distinct part ids)."""
        part_ids = np.asarray(part_ids).reshape(-1)
        if not 1 <= part_ids.size <= self.q or part_ids.min() < 0 or part_ids.max() >= self.k:
            raise ValueError(f"part_ids must hold 1..{self.q} ids in [0, {self.k}), got {part_ids}")
        if len(np.unique(part_ids)) != len(part_ids):
            raise ValueError(f"part_ids must be distinct, got {part_ids}")
        nodes = np.concatenate([self.members[p] for p in part_ids])
        local = self._local
        local[nodes] = np.arange(len(nodes))
        try:
            ri, pos = expand_rows(self.indptr, nodes)
            dst_local = local[self.out_indices[pos]]
            keep = dst_local >= 0
            s, r = ri[keep], dst_local[keep]
            eids = self.out_edge_ids[pos[keep]]
        finally:
            local[nodes] = -1
        nb, eb = self.budget_nodes, self.budget_edges
        n_real, e_real = len(nodes), len(s)
        x = np.zeros((nb,) + self.features.shape[1:], self.features.dtype)
        x[:n_real] = self.features[nodes]
        snd = np.full(eb, n_real, np.int32)
        rcv = np.full(eb, n_real, np.int32)
        snd[:e_real], rcv[:e_real] = s, r
        edges = None
        if self.edges is not None:
            ef = np.asarray(self.edges)
            edges = np.zeros((eb,) + ef.shape[1:], ef.dtype)
            edges[:e_real] = ef[eids]
        ids = np.full(nb, -1, np.int32)
        ids[:n_real] = nodes
        g = jraph.GraphsTuple(nodes=x, edges=edges, senders=snd, receivers=rcv, globals=None,
                              n_node=np.array([n_real, nb - n_real], np.int32),
                              n_edge=np.array([e_real, eb - e_real], np.int32))
        return ClusterBatch(g, ids, np.arange(nb) < n_real, np.arange(eb) < e_real)

    def batches(self, rng: np.random.Generator):
        """One epoch: a random permutation of the parts cut into groups of ``q``."""
        perm = rng.permutation(self.k)
        for start in range(0, self.k, self.q):
            yield self.batch(perm[start:start + self.q])
