"""GraphSAGE-style neighbour sampling with fixed fan-outs, padded to static shapes.

Hamilton, Ying & Leskovec (NeurIPS 2017), "Inductive Representation Learning on Large
Graphs", Algorithm 2: for a batch of seed nodes ``B^L``, hop ``k`` samples at most ``S_k``
in-neighbours of every node of the frontier, ``B^{k-1} = B^k ∪ N_k(B^k)``; an ``L``-layer
model run on the sampled subgraph gives the seeds' outputs. As in PyTorch Geometric's
``NeighborLoader`` every node is expanded once (the frontier of hop ``k+1`` is the nodes first
reached at hop ``k``) and the sampled edges of all hops form one subgraph, so one ``L``-layer
message-passing model run on it computes, for the seeds, exactly the sampled computation tree:
a node first reached at hop ``k`` needs correct layer-``L-k`` features, and its in-edges were
sampled when ``k < L``.

Sampling rule (per node ``i`` with in-degree ``d_i`` and fan-out ``f``):
  * ``d_i > f``: ``f`` distinct in-edges uniformly **without replacement** (Floyd's algorithm,
    vectorised over the frontier);
  * ``d_i <= f``: **all** ``d_i`` in-edges, no replacement and no duplication; the unused
    ``f - d_i`` slots are *padding* (they cost nothing: the edge budget is a static bound and the
    unused tail is masked by ``edge_mask``).

Host numpy, not jit: the output sizes depend on the sample (node de-duplication), so the
sampler runs on the host, vectorised over the frontier (one ``np.repeat``/gather per hop plus
an ``O(R f^2)`` Floyd loop over ``f`` columns), and pads to a budget fixed at construction
(worst case ``budget_nodes = min(N, B Π(1+f_k)) + 1``, ``budget_edges = min(E, Σ_k B Π_{j<k}(f_j)
f_k)``, or a measured one, :meth:`NeighborSampler.fit_budget`), so the training step compiles
once. Randomness: ``numpy.random.Generator``.

Edge weights for a sampled GCN (``edge_weight``, ``self_weight``): the full graph's
normalisation ``Â = D̃^{-1/2}(A + I)D̃^{-1/2}`` with the neighbour sum rescaled by
``d_i / s_i`` (``s_i`` = number sampled), an unbiased estimate of ``(Â X)_i`` that is exact when
``s_i = d_i``: ``w_ji = (d_i / s_i) / sqrt((d_i+1)(d_j+1))``, self weight ``1/(d_i+1)``.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import jraph
import numpy as np

from jaxgraph.graph.validate import check_index_array

__all__ = ["SampledSubgraph", "NeighborSampler", "in_csr", "expand_rows"]


class SampledSubgraph(NamedTuple):
    """One padded sampled subgraph (a pytree; every array has a static shape).

    Attributes:
      graph: ``GraphsTuple`` with local ids; ``nodes`` ``[Nb, F]`` features (zeros for padding),
        ``senders``/``receivers`` ``[Eb]`` (edge ``j -> i`` means ``j`` was sampled as an
        in-neighbour of ``i``), ``n_node = [n_real, Nb - n_real]``, ``n_edge`` likewise (the
        jraph padding convention of :func:`jaxgraph.graph.pad_to_budget`: padding edges join the
        first padding node to itself), ``edges=None``.
      node_ids: ``[Nb]`` int32 global ids, ``-1`` for padding. The seeds come first.
      seed_mask: ``[Nb]`` bool, True on the real seeds (positions ``0..b-1``).
      node_mask: ``[Nb]`` bool, True on real nodes.
      edge_mask: ``[Eb]`` bool, True on real (sampled) edges.
      edge_weight: ``[Eb]`` float32 sampled-GCN weights (module docstring), 0 on padding.
      self_weight: ``[Nb]`` float32 ``1/(d_i+1)``, 0 on padding.
    """

    graph: jraph.GraphsTuple
    node_ids: np.ndarray
    seed_mask: np.ndarray
    node_mask: np.ndarray
    edge_mask: np.ndarray
    edge_weight: np.ndarray
    self_weight: np.ndarray


def in_csr(senders, receivers, n: int) -> tuple[np.ndarray, np.ndarray]:
    """In-neighbour CSR: the senders of the edges into ``i`` are ``indices[indptr[i]:indptr[i+1]]``.

    Args:
      senders, receivers: ``[E]`` int node ids in ``[0, n)``.
      n: number of nodes.
    Returns:
      ``(indptr [n+1] int64, indices [E] int32)`` (stable counting sort by receiver).
    Raises:
      ValueError: shapes differ, ``n < 1`` or an id is out of range.
    """
    s = np.asarray(senders).reshape(-1)
    r = np.asarray(receivers).reshape(-1)
    if s.shape != r.shape:
        raise ValueError(f"senders has shape {s.shape} but receivers has shape {r.shape}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    s, r = check_index_array("senders", s, n), check_index_array("receivers", r, n)
    order = np.argsort(r, kind="stable")
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
    return indptr, s[order].astype(np.int32)


def expand_rows(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For CSR rows ``rows [R]``: ``(row_index [T], position [T])`` of all their entries,
    ``row_index`` in ``[0, R)``, ``position`` into ``indices`` (``T = Σ deg``)."""
    starts = indptr[rows]
    counts = (indptr[rows + 1] - starts).astype(np.int64)
    total = int(counts.sum())
    row_index = np.repeat(np.arange(len(rows)), counts)
    first = np.cumsum(counts) - counts
    position = np.repeat(starts - first, counts) + np.arange(total)
    return row_index, position


def _floyd_sample(deg: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``[R, k]`` distinct uniform offsets in ``[0, deg_r)`` per row (all ``deg_r >= k``):
    Floyd's algorithm (Bentley & Floyd, CACM 1987), one column per iteration."""
    r = len(deg)
    out = np.empty((r, k), np.int64)
    for i in range(k):
        j = deg - k + i  # 0-indexed: j runs over deg-k .. deg-1
        t = np.floor(rng.random(r) * (j + 1)).astype(np.int64)
        t = np.minimum(t, j)
        if i:
            taken = np.any(out[:, :i] == t[:, None], axis=1)
            t = np.where(taken, j, t)
        out[:, i] = t
    return out


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class NeighborSampler:
    """Samples fixed-fan-out ``L``-hop subgraphs around seed batches (host numpy).

    Args:
      graph: the full graph (``GraphsTuple``, one graph; ``nodes`` ``[N, F]`` features, or
        ``None`` for a feature-less sampler whose subgraphs carry ``nodes`` ``[Nb, 0]``).
      fanouts: ``[f_1, ..., f_L]``: hop ``k`` samples ``f_k`` in-neighbours (``f_1`` for the
        seeds, i.e. the last layer).
      batch_size: maximum number of seeds ``B`` per call (smaller batches are padded).
      csr: optional precomputed ``(indptr, indices)`` from :func:`in_csr` (saves the sort on
        very large graphs).
      budget_nodes, budget_edges: padded sizes; default the worst case (module docstring), which
        never overflows. Smaller budgets (e.g. from :meth:`fit_budget`) make every step cheaper;
        :meth:`sample` then raises on a sample that does not fit and :meth:`batches` splits such
        a seed batch in two (same shapes, no recompilation).
    Raises:
      ValueError: empty/non-positive ``fanouts``, ``batch_size < 1``, features of the wrong
        length, a bad ``csr``, or a budget below 2 nodes / 1 edge.
    """

    def __init__(self, graph: jraph.GraphsTuple, fanouts: Sequence[int], batch_size: int, csr=None,
                 budget_nodes: int | None = None, budget_edges: int | None = None):
        fanouts = list(fanouts)
        if not fanouts:
            raise ValueError("fanouts must be a non-empty list of positive ints, got []")
        self.fanouts = [_check_int(f"fanouts[{i}]", f, 1) for i, f in enumerate(fanouts)]
        self.batch_size = _check_int("batch_size", batch_size, 1)
        n = int(np.asarray(graph.n_node).sum())
        self.num_nodes = n
        if csr is None:
            csr = in_csr(graph.senders, graph.receivers, n)
        self.indptr, self.indices = np.asarray(csr[0], np.int64), np.asarray(csr[1], np.int32)
        if self.indptr.shape != (n + 1,) or self.indptr[-1] != len(self.indices):
            raise ValueError(f"csr indptr must have shape ({n + 1},) and end at len(indices)={len(self.indices)}, "
                             f"got shape {self.indptr.shape} ending at {self.indptr[-1] if self.indptr.size else None}")
        self.features = None if graph.nodes is None else np.asarray(graph.nodes)
        if self.features is not None and self.features.shape[0] != n:
            raise ValueError(f"graph.nodes has {self.features.shape[0]} rows for {n} nodes")
        self.deg = np.diff(self.indptr)
        self.inv_sqrt = (1.0 / np.sqrt(self.deg + 1.0)).astype(np.float32)
        e = len(self.indices)
        # Static budgets (see module docstring).
        frontier, nodes, edges = self.batch_size, self.batch_size, 0
        for f in self.fanouts:
            edges += frontier * f
            frontier *= f
            nodes += frontier
        self.max_nodes = min(n, nodes) + 1
        self.max_edges = max(1, min(e, edges))
        self.budget_nodes = self.max_nodes if budget_nodes is None else _check_int("budget_nodes", budget_nodes, 2)
        self.budget_edges = self.max_edges if budget_edges is None else _check_int("budget_edges", budget_edges, 1)
        self._local = np.full(n, -1, np.int64)  # global -> local id scratch, reset after each call

    def sample(self, seeds, rng: np.random.Generator) -> SampledSubgraph:
        """Samples the subgraph of ``seeds`` (``[b]`` distinct ids, ``1 <= b <= batch_size``).

        Returns:
          :class:`SampledSubgraph` padded to ``(budget_nodes, budget_edges)``.
        Raises:
          ValueError: ``seeds`` empty, too many, out of range or repeated; or (with a budget
            smaller than the worst case) the sample does not fit the budget.
        """
        node_ids, s, r, w = self._sample(seeds, rng)
        if len(node_ids) + 1 > self.budget_nodes or len(s) > self.budget_edges:
            raise ValueError(f"sample has {len(node_ids)} nodes / {len(s)} edges; budget_nodes={self.budget_nodes} "
                             f"(needs one padding node) / budget_edges={self.budget_edges} is too small")
        return self._pad(node_ids, len(np.asarray(seeds).reshape(-1)), s, r, w)

    def fit_budget(self, nodes, rng: np.random.Generator, num_batches: int = 16, slack: float = 1.2) -> None:
        """Sets the budgets to ``slack`` x the largest of ``num_batches`` sampled batches of
        ``nodes`` (rounded up to a multiple of 64, at most the worst case)."""
        nodes = np.asarray(nodes).reshape(-1)
        mn = me = 0
        for _ in range(num_batches):
            seeds = rng.choice(nodes, min(self.batch_size, len(nodes)), replace=False)
            ids, s, _, _ = self._sample(seeds, rng)
            mn, me = max(mn, len(ids)), max(me, len(s))
        up = lambda v: int(-(-int(v * slack) // 64) * 64)
        self.budget_nodes = min(self.max_nodes, up(mn) + 1)
        self.budget_edges = min(self.max_edges, max(1, up(me)))

    def _sample(self, seeds, rng):
        seeds = np.asarray(seeds).reshape(-1)
        if seeds.size == 0 or seeds.size > self.batch_size:
            raise ValueError(f"seeds must hold 1..{self.batch_size} node ids, got {seeds.size}")
        if not np.issubdtype(seeds.dtype, np.integer) or seeds.min() < 0 or seeds.max() >= self.num_nodes:
            raise ValueError(f"seeds must be integer ids in [0, {self.num_nodes}), got {seeds[:5]}...")
        if len(np.unique(seeds)) != len(seeds):
            raise ValueError("seeds contains repeated node ids")
        local = self._local
        order = [seeds.astype(np.int64)]
        local[seeds] = np.arange(len(seeds))
        count = len(seeds)
        frontier = order[0]
        send, recv, wts = [], [], []
        try:
            for f in self.fanouts:
                if frontier.size == 0:
                    break
                deg = self.deg[frontier]
                small = deg <= f
                # d <= f: every in-edge.
                rows_s = np.flatnonzero(small)
                ri, pos = expand_rows(self.indptr, frontier[rows_s])
                rows_all = [rows_s[ri]]
                pos_all = [pos]
                # d > f: f distinct in-edges (Floyd).
                rows_b = np.flatnonzero(~small)
                if rows_b.size:
                    off = _floyd_sample(deg[rows_b], f, rng)
                    rows_all.append(np.repeat(rows_b, f))
                    pos_all.append((self.indptr[frontier[rows_b]][:, None] + off).reshape(-1))
                rows = np.concatenate(rows_all)
                src = self.indices[np.concatenate(pos_all)].astype(np.int64)
                dst = frontier[rows]
                # New nodes in order of first appearance.
                new = src[local[src] < 0]
                if new.size:
                    uniq, first = np.unique(new, return_index=True)
                    uniq = uniq[np.argsort(first)]
                    local[uniq] = count + np.arange(len(uniq))
                    count += len(uniq)
                    order.append(uniq)
                else:
                    uniq = new
                d_dst = self.deg[dst].astype(np.float32)
                s_dst = np.minimum(d_dst, f)
                send.append(local[src])
                recv.append(local[dst])
                wts.append((d_dst / s_dst) * self.inv_sqrt[dst] * self.inv_sqrt[src])
                frontier = uniq
            node_ids = np.concatenate(order)
        finally:
            for o in order:
                local[o] = -1
        s = np.concatenate(send) if send else np.zeros(0, np.int64)
        r = np.concatenate(recv) if recv else np.zeros(0, np.int64)
        w = np.concatenate(wts) if wts else np.zeros(0, np.float32)
        return node_ids, s, r, w

    def _pad(self, node_ids, b, s, r, w) -> SampledSubgraph:
        nb, eb = self.budget_nodes, self.budget_edges
        n_real, e_real = len(node_ids), len(s)
        ids = np.full(nb, -1, np.int32)
        ids[:n_real] = node_ids
        if self.features is None:
            x = np.zeros((nb, 0), np.float32)
        else:
            x = np.zeros((nb,) + self.features.shape[1:], self.features.dtype)
            x[:n_real] = self.features[node_ids]
        senders = np.full(eb, n_real, np.int32)
        receivers = np.full(eb, n_real, np.int32)
        senders[:e_real], receivers[:e_real] = s, r
        ew = np.zeros(eb, np.float32)
        ew[:e_real] = w
        sw = np.zeros(nb, np.float32)
        sw[:n_real] = self.inv_sqrt[node_ids] ** 2
        graph = jraph.GraphsTuple(
            nodes=x, edges=None, senders=senders, receivers=receivers, globals=None,
            n_node=np.array([n_real, nb - n_real], np.int32), n_edge=np.array([e_real, eb - e_real], np.int32))
        ar_n, ar_e = np.arange(nb), np.arange(eb)
        return SampledSubgraph(graph, ids, ar_n < b, ar_n < n_real, ar_e < e_real, ew, sw)

    def batches(self, nodes, rng: np.random.Generator, shuffle: bool = True):
        """Yields :class:`SampledSubgraph` s over ``nodes`` in chunks of ``batch_size`` seeds
        (a chunk whose sample overflows the budget is split in two and re-sampled)."""
        nodes = np.asarray(nodes).reshape(-1)
        if shuffle:
            nodes = rng.permutation(nodes)
        for start in range(0, len(nodes), self.batch_size):
            yield from self._fitting(nodes[start:start + self.batch_size], rng)

    def _fitting(self, seeds, rng):
        node_ids, s, r, w = self._sample(seeds, rng)
        if len(node_ids) + 1 <= self.budget_nodes and len(s) <= self.budget_edges:
            yield self._pad(node_ids, len(seeds), s, r, w)
        elif len(seeds) == 1:
            raise ValueError(f"one seed's sample ({len(node_ids)} nodes, {len(s)} edges) exceeds the budget "
                             f"({self.budget_nodes}, {self.budget_edges})")
        else:  # rare with a fitted budget: split the seeds (same shapes, so no recompilation)
            half = len(seeds) // 2
            yield from self._fitting(seeds[:half], rng)
            yield from self._fitting(seeds[half:], rng)
