"""Generated substructure-counting tasks: the standard expressivity benchmark for graph-level GNNs.

Chen, Chen, Villar & Bruna, "Can Graph Neural Networks Count Substructures?" (NeurIPS 2020)
introduced graph-level regression of substructure counts on random graphs; it is used by the
subgraph-GNN literature (GNN-AK, Zhao et al. ICLR 2022; I²-GNN, Huang et al. ICLR 2023) and by
the unified graph-level evaluation framework of "Revisiting Graph Neural Networks on Graph-level
Tasks" (counting = one of its task families). 1-WL message passing cannot count triangles or
4-cycles exactly (Chen et al., Thm. 3.3), so the task separates plain MPNNs from models with
structural information (e.g. random-walk positional encodings, GNN+ of Luo et al. ICML 2025).

Substructures (:data:`SUBSTRUCTURES`), all counted as *subgraphs* (not necessarily induced):
the number of distinct edge sets of the graph that form a copy of the pattern, i.e. the number
of subgraph monomorphisms divided by the pattern's automorphism count. With ``A`` the
symmetric 0/1 adjacency (no self loops), ``d = A 1`` the degrees, ``m`` the edge count,
``t_v = (A^3)_vv / 2`` the triangles at ``v`` and ``c_uv = (A^2)_uv`` the common neighbours:

* ``triangle`` (K3):                ``tr(A^3) / 6``
* ``tailed_triangle`` (K3 + pendant edge): ``sum_v t_v (d_v - 2)``
* ``star`` (3-star K_{1,3}):        ``sum_v C(d_v, 3)``
* ``cycle4`` (C4):                  ``(tr(A^4) - 2 sum_v d_v^2 + 2 m) / 8``
* ``chordal_cycle`` (diamond, C4 + one chord): ``sum_{u<v, A_uv=1} C(c_uv, 2)``

(closed 4-walks that are not 4-cycles go back and forth along one edge or two edges at one
node: ``2 sum_v d_v^2 - 2m`` of them; each 4-cycle gives 8 closed walks). Computed for a whole
batch at once with stacked dense float64 adjacency matrices (graphs of <= a few hundred nodes).

Graphs (:func:`random_graphs`): half Erdős–Rényi ``G(n, p)`` and half random ``d``-regular,
``n`` uniform in ``[min_nodes, max_nodes]``, ``p`` uniform in ``p_range``, ``d`` from ``degrees``
(``n d`` even is enforced by resampling ``n``). Chen et al. used 5,000 graphs of 10 nodes (ER)
and random regular graphs of 10-30 nodes; the default here is 1,000 graphs of 10-30 nodes.
"""
from __future__ import annotations

import numpy as np

from jaxgraph.graph.build import from_edge_list

__all__ = ["SUBSTRUCTURES", "substructure_counts", "random_graphs", "counting_dataset", "adjacency_of"]

SUBSTRUCTURES = ("triangle", "tailed_triangle", "star", "cycle4", "chordal_cycle")
"""Names of the counted substructures, in the column order of :func:`substructure_counts`."""


def _check_adjacency(adj) -> np.ndarray:
    a = np.asarray(adj)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or a.shape[1] != a.shape[2]:
        raise ValueError(f"adj must be [n, n] or [B, n, n], got shape {np.shape(adj)}")
    a = a.astype(np.float64)
    if not np.all((a == 0) | (a == 1)):
        raise ValueError("adj must be a 0/1 matrix; found other values")
    if not np.array_equal(a, np.swapaxes(a, 1, 2)):
        raise ValueError("adj must be symmetric (undirected graph)")
    if np.any(np.diagonal(a, axis1=1, axis2=2)):
        raise ValueError("adj must have a zero diagonal (no self loops)")
    return a


def substructure_counts(adj, substructures=SUBSTRUCTURES) -> np.ndarray:
    """Counts of ``substructures`` in each graph (closed forms in the module docstring).

    Args:
      adj: symmetric 0/1 adjacency ``[n, n]`` or a zero-padded stack ``[B, n, n]`` (padding
        rows/columns of zeros add no substructure).
      substructures: names from :data:`SUBSTRUCTURES`.
    Returns:
      float64 ``[B, S]`` (``[1, S]`` for a single matrix) of exact integer counts.
    Raises:
      ValueError: bad shape, non-0/1, asymmetric or self-looped ``adj``, unknown substructure.
    """
    subs = tuple(substructures)
    for s in subs:
        if s not in SUBSTRUCTURES:
            raise ValueError(f"substructures: unknown {s!r}; known: {SUBSTRUCTURES}")
    a = _check_adjacency(adj)
    deg = a.sum(axis=2)  # [B, n]
    a2 = a @ a
    a3 = a2 @ a
    diag3 = np.diagonal(a3, axis1=1, axis2=2)  # [B, n] = 2 t_v
    m = a.sum(axis=(1, 2)) / 2.0
    out = []
    for s in subs:
        if s == "triangle":
            v = diag3.sum(axis=1) / 6.0
        elif s == "tailed_triangle":
            v = (diag3 / 2.0 * np.maximum(deg - 2.0, 0.0)).sum(axis=1)
        elif s == "star":
            v = (deg * (deg - 1) * (deg - 2) / 6.0).sum(axis=1)
        elif s == "cycle4":
            tr4 = np.einsum("bij,bji->b", a2, a2)
            v = (tr4 - 2.0 * (deg**2).sum(axis=1) + 2.0 * m) / 8.0
        else:  # chordal_cycle
            c = a2 * a  # common neighbours of adjacent pairs
            v = (c * (c - 1) / 2.0).sum(axis=(1, 2)) / 2.0
        out.append(v)
    return np.rint(np.stack(out, axis=1))


def _random_regular(n: int, d: int, rng: np.random.Generator, tries: int = 100) -> np.ndarray:
    """Random d-regular simple graph by sequential stub pairing (Steger & Wormald 1999): pick two
    random free stubs whose nodes differ and are not yet adjacent; restart when none is left."""
    for _ in range(tries):
        a = np.zeros((n, n), np.float64)
        free = np.full(n, d)
        while free.any():
            u = int(rng.choice(n, p=free / free.sum()))
            ok = (free > 0) & (a[u] == 0)
            ok[u] = False
            if not ok.any():
                break
            w = free * ok
            v = int(rng.choice(n, p=w / w.sum()))
            a[u, v] = a[v, u] = 1.0
            free[u] -= 1
            free[v] -= 1
        else:
            return a
    raise RuntimeError(f"no simple {d}-regular graph on {n} nodes after {tries} tries")


def random_graphs(num_graphs: int, min_nodes: int = 10, max_nodes: int = 30, p_range=(0.1, 0.3),
                  degrees=(3, 4, 5), seed: int = 0) -> list[np.ndarray]:
    """Random graphs as dense 0/1 adjacency matrices: even indices Erdős–Rényi, odd random regular.

    Args:
      num_graphs: how many graphs (>= 1).
      min_nodes, max_nodes: node count uniform in ``[min_nodes, max_nodes]`` (>= 4).
      p_range: ER edge probability uniform in this interval (within (0, 1]).
      degrees: degrees of the random regular graphs (each < min_nodes).
      seed: numpy seed; the graphs are a pure function of the arguments.
    Returns:
      list of float64 ``[n_i, n_i]`` symmetric adjacency matrices.
    Raises:
      ValueError: a bad argument (named in the message).
    """
    if not isinstance(num_graphs, (int, np.integer)) or num_graphs < 1:
        raise ValueError(f"num_graphs must be a positive int, got {num_graphs!r}")
    if not (4 <= min_nodes <= max_nodes):
        raise ValueError(f"need 4 <= min_nodes <= max_nodes, got min_nodes={min_nodes}, max_nodes={max_nodes}")
    lo, hi = p_range
    if not (0 < lo <= hi <= 1):
        raise ValueError(f"p_range must satisfy 0 < lo <= hi <= 1, got {p_range!r}")
    if not degrees or any(int(d) < 1 or int(d) >= min_nodes for d in degrees):
        raise ValueError(f"degrees must be non-empty with 1 <= d < min_nodes={min_nodes}, got {degrees!r}")
    rng = np.random.default_rng(seed)
    out = []
    for g in range(num_graphs):
        n = int(rng.integers(min_nodes, max_nodes + 1))
        if g % 2 == 0:
            p = rng.uniform(lo, hi)
            upper = np.triu(rng.random((n, n)) < p, k=1)
            out.append((upper | upper.T).astype(np.float64))
        else:
            d = int(rng.choice(np.asarray(degrees)))
            if (n * d) % 2:
                n = n + 1 if n < max_nodes else n - 1
            out.append(_random_regular(n, d, rng))
    return out


def adjacency_of(graph) -> np.ndarray:
    """Dense 0/1 ``[n, n]`` adjacency of a single-graph GraphsTuple (both directions stored)."""
    n = int(np.asarray(graph.n_node).sum())
    a = np.zeros((n, n), np.float64)
    a[np.asarray(graph.senders), np.asarray(graph.receivers)] = 1.0
    return a


def counting_dataset(num_graphs: int = 1000, substructures=SUBSTRUCTURES, seed: int = 0, **graph_kwargs):
    """Graph-level regression dataset of substructure counts (Chen et al. 2020 style).

    Args:
      num_graphs: number of graphs.
      substructures: target columns, names from :data:`SUBSTRUCTURES`.
      seed: generation seed (graphs and hence targets are a pure function of it).
      **graph_kwargs: forwarded to :func:`random_graphs` (``min_nodes``, ``max_nodes``, ...).
    Returns:
      ``(graphs, targets)``: a list of single-graph numpy GraphsTuples (``nodes``: float32
      ``[n, 1]`` of ones, no node attributes; ``edges`` None; both directions of each edge,
      sorted by ``(sender, receiver)``) and float64 ``[G, S]`` raw counts.
    Raises:
      ValueError: bad arguments.
    """
    adjs = random_graphs(num_graphs, seed=seed, **graph_kwargs)
    nmax = max(a.shape[0] for a in adjs)
    stack = np.zeros((len(adjs), nmax, nmax))
    for i, a in enumerate(adjs):
        stack[i, : a.shape[0], : a.shape[0]] = a
    targets = substructure_counts(stack, substructures)
    graphs = []
    for a in adjs:
        s, r = np.nonzero(a)  # row-major: sorted by (sender, receiver)
        graphs.append(from_edge_list(s.astype(np.int32), r.astype(np.int32), np.int32(a.shape[0]),
                                     node_features=np.ones((a.shape[0], 1), np.float32)))
    return graphs, targets
