"""Graphlet orbit counts up to 5 nodes (73 orbits) by vectorised enumeration of connected
induced subgraphs.

Papers:

* N. Pržulj, "Biological network comparison using graphlet degree distribution",
  Bioinformatics 2007: the 30 connected graphlets ``G0..G29`` on 2-5 nodes and their 73
  automorphism orbits ``0..72``; a node's graphlet degree vector (GDV) counts how often it
  touches each orbit.
* T. Hočevar, J. Demšar, "A combinatorial approach to graphlet counting" (ORCA),
  Bioinformatics 2014: the orbit numbering used here is the one ORCA prints (``orca node 5``).
  Every 5-node template below was labelled by running ORCA on that graph alone, and the tests
  compare the counts with ORCA's output on two graphs (``tests/data/orca_node5_*.txt``).

:func:`jaxgraph.embed.graphlets.orbit_counts` counts orbits 0-14 without enumeration (sparse
algebra, seconds on 10k-node graphs). Orbits 15-72 are counted here by listing every connected
induced subgraph on 3, 4 and 5 nodes exactly once, level by level, all in numpy:

* A connected ``(k+1)``-set ``T`` is produced from the connected ``k``-set ``T \\ {u}`` for
  exactly one ``u``: the largest node id among ``T``'s non-cut vertices (removing a non-cut
  vertex leaves ``T`` connected, so ``T \\ {u}`` is one of the listed ``k``-sets). Candidates
  ``(S, u)`` are the ``u`` adjacent to some member of ``S`` with an id above the second-largest
  non-cut id of ``S`` (adding ``u`` can make at most one non-cut member a cut vertex, so a
  smaller ``u`` never passes the rule; sorted neighbour lists skip them without looking).
  Each ``u`` is taken from its first adjacent member of ``S`` only, and kept if it passes.
* A ``k``-set is stored with its members in generation order and a ``k(k-1)/2``-bit code of
  its induced edges (bit ``j(j-1)/2 + i`` for positions ``i < j``); extending by ``u`` adds the
  ``k`` bits of ``u``'s adjacency to the members. Tables indexed by the code give whether the
  labelled graph is connected, its non-cut positions and the orbit of every position (all
  permutations of the 30 templates, built once).

The cost grows with the number of connected 5-node subgraphs, which is large around hubs: a
graph has at least ``sum_v C(d_v, 4) / 5`` of them (the 5-node stars, each 5-set counted at most
once per centre). On this 2-core CPU about 5M candidates a second are processed (Cora: 45M
connected 5-node subgraphs from 95M candidates, 21 s; ORCA takes 0.14 s). The 3.9k-node PPI
network has ``sum_v C(d_v, 4) = 1.6e10``, out of reach here; ``max_candidates`` refuses such
inputs before the work starts, with a ``ValueError`` that gives the count. For those graphs
:mod:`jaxgraph.embed.graphlet_hom` counts the same 73 orbits from homomorphism counts without
listing any subgraph (PPI in about 30 s; ORCA's equation system takes about a minute), and
``orbit_counts(..., max_nodes=5)`` uses it by default. This enumeration stays as its
independent reference (the two share no counting code).
"""
from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["NUM_ORBITS_5", "GRAPHLET_TEMPLATES", "ORBIT_GRAPHLET_5", "enumerate_orbit_counts"]

NUM_ORBITS_5 = 73

#: ``G0..G29``: (edges between positions, orbit of each position). 2-4 nodes as in
#: :mod:`jaxgraph.embed.graphlets`; 5 nodes labelled by ORCA (``orca node 5`` on each graph).
GRAPHLET_TEMPLATES: tuple[tuple[tuple[tuple[int, int], ...], tuple[int, ...]], ...] = (
    (((0, 1),), (0, 0)),  # G0 edge
    (((0, 1), (1, 2)), (1, 2, 1)),  # G1 path
    (((0, 1), (0, 2), (1, 2)), (3, 3, 3)),  # G2 triangle
    (((0, 1), (1, 2), (2, 3)), (4, 5, 5, 4)),  # G3 path
    (((0, 1), (0, 2), (0, 3)), (7, 6, 6, 6)),  # G4 star
    (((0, 1), (1, 2), (2, 3), (0, 3)), (8, 8, 8, 8)),  # G5 4-cycle
    (((0, 1), (1, 2), (2, 3), (1, 3)), (9, 11, 10, 10)),  # G6 paw
    (((0, 1), (0, 2), (1, 2), (1, 3), (2, 3)), (12, 13, 13, 12)),  # G7 diamond
    (((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)), (14, 14, 14, 14)),  # G8 K4
    (((0, 1), (0, 4), (1, 2), (2, 3)), (16, 17, 16, 15, 15)),  # G9 path 3-2-1-0-4
    (((0, 4), (1, 3), (2, 3), (3, 4)), (18, 19, 19, 21, 20)),  # G10 fork: 21 degree 3, 20 on the long leg
    (((0, 4), (1, 4), (2, 4), (3, 4)), (22, 22, 22, 22, 23)),  # G11 star
    (((0, 1), (0, 2), (0, 4), (1, 2), (2, 3)), (26, 25, 26, 24, 24)),  # G12 bull
    (((0, 4), (1, 2), (1, 3), (2, 3), (3, 4)), (27, 29, 29, 30, 28)),  # G13 triangle with a 2-path tail
    (((0, 4), (1, 4), (2, 3), (2, 4), (3, 4)), (31, 31, 32, 32, 33)),  # G14 triangle, two pendants on one node
    (((0, 1), (0, 4), (1, 2), (2, 3), (3, 4)), (34, 34, 34, 34, 34)),  # G15 5-cycle
    (((0, 1), (1, 3), (1, 4), (2, 3), (2, 4)), (35, 38, 36, 37, 37)),  # G16 4-cycle with a pendant
    (((0, 1), (1, 2), (1, 3), (1, 4), (2, 3), (2, 4)), (39, 42, 41, 40, 40)),  # G17 diamond, pendant on a degree-3 node
    (((0, 1), (0, 4), (1, 4), (2, 3), (2, 4), (3, 4)), (43, 43, 43, 43, 44)),  # G18 bowtie
    (((0, 1), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)), (45, 47, 46, 48, 48)),  # G19 diamond, pendant on a degree-2 node
    (((0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4)), (50, 50, 49, 49, 49)),  # G20 K_{2,3}
    (((0, 1), (0, 3), (0, 4), (1, 2), (2, 3), (3, 4)), (53, 51, 51, 53, 52)),  # G21 house
    (((0, 3), (0, 4), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)), (54, 54, 54, 55, 55)),  # G22 K_{2,3} + edge on the 2-side
    (((0, 4), (1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)), (56, 57, 57, 57, 58)),  # G23 K4 with a pendant
    (((0, 1), (0, 4), (1, 2), (1, 3), (1, 4), (2, 3), (3, 4)), (59, 61, 59, 60, 60)),  # G24 two triangles on a 4-path hub
    (((0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (2, 4)), (63, 63, 64, 62, 64)),  # G25 K_{2,3} + edge on the 3-side
    (((0, 1), (0, 3), (0, 4), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)), (66, 66, 65, 67, 67)),  # G26 K4 + node on two
    (((0, 1), (0, 3), (0, 4), (1, 2), (1, 4), (2, 3), (2, 4), (3, 4)), (68, 68, 68, 68, 69)),  # G27 wheel
    (((0, 1), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)), (70, 71, 70, 71, 71)),  # G28 K5 - edge
    (tuple(itertools.combinations(range(5), 2)), (72, 72, 72, 72, 72)),  # G29 K5
)

#: graphlet index (G0..G29) of each orbit 0..72.
ORBIT_GRAPHLET_5 = tuple(
    next(g for g, (_, orbs) in enumerate(GRAPHLET_TEMPLATES) if o in orbs) for o in range(NUM_ORBITS_5)
)


def _bit(i: int, j: int) -> int:
    """Code bit of the position pair ``{i, j}``."""
    i, j = min(i, j), max(i, j)
    return j * (j - 1) // 2 + i


def _connected(k: int, edges, drop: int = -1) -> bool:
    nodes = [v for v in range(k) if v != drop]
    seen, stack = {nodes[0]}, [nodes[0]]
    while stack:
        x = stack.pop()
        for a, b in edges:
            for p, q in ((a, b), (b, a)):
                if p == x and q != drop and q not in seen:
                    seen.add(q)
                    stack.append(q)
    return len(seen) == len(nodes)


@functools.lru_cache(maxsize=None)
def _tables(k: int) -> tuple[np.ndarray, np.ndarray]:
    """For labelled graphs on ``k`` positions, indexed by code: the non-cut positions as a bit
    mask (0 for disconnected graphs) and the orbit of every position (-1 when disconnected)."""
    size = 1 << (k * (k - 1) // 2)
    noncut = np.zeros(size, np.int8)
    orbit = np.full((size, k), -1, np.int64)
    for edges, orbs in GRAPHLET_TEMPLATES:
        if len(orbs) != k:
            continue
        free = [v for v in range(k) if _connected(k, edges, drop=v)]
        for perm in itertools.permutations(range(k)):  # template node v sits at position perm[v]
            code = sum(1 << _bit(perm[a], perm[b]) for a, b in edges)
            orbit[code, list(perm)] = orbs
            noncut[code] = sum(1 << perm[v] for v in free)
    return noncut, orbit


class _Adjacency:
    """Vectorised edge test on an undirected simple graph (dense bits for small N), and the
    sorted flat keys ``row * N + col`` of the CSR entries (neighbour lists above a floor)."""

    def __init__(self, a: sp.csr_matrix):
        self.n = a.shape[0]
        self.indptr, self.indices = a.indptr.astype(np.int64), a.indices.astype(np.int32)
        self.deg = np.diff(self.indptr)
        rows = np.repeat(np.arange(self.n, dtype=np.int64), self.deg)
        self.keys = rows * self.n + self.indices  # sorted: CSR rows in order, sorted indices
        self.dense = a.toarray() != 0 if self.n <= 8192 else None

    def has(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        if self.dense is not None:
            return self.dense[u, v]
        keys = u.astype(np.int64) * self.n + v
        pos = np.clip(np.searchsorted(self.keys, keys), 0, len(self.keys) - 1)
        return self.keys[pos] == keys

    def above(self, nodes: np.ndarray, floor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each node: CSR offset of its first neighbour with id > floor, and how many there are."""
        first = np.searchsorted(self.keys, nodes.astype(np.int64) * self.n + floor + 1)
        return first, self.indptr[nodes + 1] - first


def _candidates(adj: _Adjacency, sets: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per (set, member): the CSR offset and number of the member's neighbours that can extend
    the set canonically. Adding u turns at most one non-cut member into a cut vertex (the one u
    hangs from, if u has a single neighbour in the set), so u must exceed the second-largest
    non-cut id of the set; neighbours at or below it are never generated. Shapes ``[M, k]``."""
    m, k = sets.shape
    noncut, _ = _tables(k)
    mask = noncut[codes]
    ids = np.where((mask[:, None] >> np.arange(k)[None, :]) & 1 == 1, sets, -1)
    floor = np.sort(ids, 1)[:, -2]  # connected sets have >= 2 non-cut members
    first, counts = adj.above(sets.ravel(), np.repeat(floor.astype(np.int64), k))
    return first.reshape(m, k), counts.reshape(m, k)


def _extend(adj: _Adjacency, sets: np.ndarray, codes: np.ndarray, first: np.ndarray, counts: np.ndarray):
    """All connected (k+1)-sets whose canonical parent is one of the k-sets ``sets`` [M, k]
    (members in generation order, induced-edge ``codes`` [M]; ``first, counts`` from
    :func:`_candidates`). Returns (sets', codes')."""
    m, k = sets.shape
    counts = counts.ravel()
    total = int(counts.sum())
    if total == 0:
        return np.zeros((0, k + 1), sets.dtype), np.zeros(0, codes.dtype)
    src = np.repeat(np.arange(m * k, dtype=np.int64), counts)  # (set, position) of each candidate
    starts = np.cumsum(counts) - counts
    u = adj.indices[first.ravel()[src] + (np.arange(total) - starts[src])]
    row, pos = src // k, (src % k).astype(np.int8)
    members = sets[row]  # [T, k]
    # bit j: u ~ members[:, j]; u is taken from its first adjacent member only, and not from inside
    bits = np.zeros(total, np.int16)
    inside = np.zeros(total, bool)
    for j in range(k):
        bits |= adj.has(u, members[:, j]).astype(np.int16) << j
        inside |= members[:, j] == u
    keep = ~inside & ((bits & ((1 << pos) - 1)) == 0)
    row, u, bits, members = row[keep], u[keep], bits[keep], members[keep]
    new_codes = codes[row] | (bits.astype(codes.dtype) << (k * (k - 1) // 2))
    noncut, _ = _tables(k + 1)
    mask = noncut[new_codes]
    # u is the largest non-cut node id of the new set: no non-cut member has a larger id (u itself
    # is non-cut: removing it leaves the connected parent)
    canonical = np.ones(len(u), bool)
    for j in range(k):
        canonical &= ~(((mask >> j) & 1 == 1) & (members[:, j] > u))
    new_sets = np.concatenate([members[canonical], u[canonical, None]], 1)
    return new_sets, new_codes[canonical]


def _adjacency(graph: Any, self_loops: str) -> sp.csr_matrix:
    from jaxgraph.embed.graphlets import adjacency_matrix

    return adjacency_matrix(graph, self_loops=self_loops)


def _edge_sets(a: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    coo = sp.triu(a, 1).tocoo()
    sets = np.stack([coo.row, coo.col], 1).astype(np.int32)
    return sets, np.ones(len(sets), np.int32)


def _chunks(weights: np.ndarray, budget: int):
    """Row ranges whose ``weights`` sum to at most ``budget`` (at least one row each)."""
    cum = np.cumsum(weights)
    start = 0
    while start < len(weights):
        base = cum[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(cum, base + budget, side="right")))
        yield start, stop
        start = stop


def enumerate_orbit_counts(graph: Any, max_nodes: int = 5, *, self_loops: str = "error",
                           max_candidates: float = 2e9, chunk: int = 1 << 21, log=None) -> np.ndarray:
    """Per-node counts of the orbits of all connected graphlets on 2..``max_nodes`` nodes.

    Lists every connected induced subgraph on up to ``max_nodes`` nodes once (module
    docstring) and adds one to ``out[v, orbit of v]`` for each of its nodes.

    Args:
      graph: undirected simple graph: ``jraph.GraphsTuple`` (both directions stored) or a square
        scipy.sparse / dense adjacency (see :func:`jaxgraph.embed.graphlets.adjacency_matrix`).
      max_nodes: 2, 3, 4 or 5; the output has 1, 4, 15 or 73 columns.
      self_loops: ``"error"`` or ``"drop"``.
      max_candidates: refuse (``ValueError``) when a level would test more candidate extensions
        than this; a first, cheap check uses the lower bound ``sum_v C(d_v, max_nodes - 1) / max_nodes``
        on the number of connected ``max_nodes``-node subgraphs.
      chunk: candidates processed at once (memory: about 200 bytes each).
      log: optional callable for per-level progress lines.

    Returns:
      int64 ``[N, n_orbits]`` with ``n_orbits = (1, 4, 15, 73)[max_nodes - 2]``.

    Raises:
      ValueError: bad ``max_nodes``, bad graph input, or more work than ``max_candidates``.
    """
    if max_nodes not in (2, 3, 4, 5):
        raise ValueError(f"max_nodes must be 2, 3, 4 or 5, got {max_nodes!r}")
    a = _adjacency(graph, self_loops)
    n = a.shape[0]
    n_orbits = (1, 4, 15, NUM_ORBITS_5)[max_nodes - 2]
    adj = _Adjacency(a)
    d = adj.deg.astype(np.float64)
    stars = float(np.prod([d - i for i in range(max_nodes - 1)], axis=0).sum()) / float(np.prod(range(1, max_nodes)))
    if stars / max_nodes > max_candidates:  # each star's node set is a connected subgraph to list
        raise ValueError(
            f"graph has at least {round(stars / max_nodes):,} connected {max_nodes}-node subgraphs to list "
            f"(sum_v C(d_v, {max_nodes - 1}) / {max_nodes}, max degree {int(d.max())}), more than "
            f"max_candidates={max_candidates:.3g}: enumeration is out of reach"
        )
    counts = np.zeros(n * n_orbits, np.int64)
    sets, codes = _edge_sets(a)

    def add(sets_k, codes_k):
        _, orbit = _tables(sets_k.shape[1])
        keys = (sets_k.astype(np.int64) * n_orbits + orbit[codes_k]).ravel()
        if 8 * keys.size < counts.size:  # few keys on a big graph: skip the full-length bincount
            uniq, hits = np.unique(keys, return_counts=True)
            counts[uniq] += hits
        else:
            counts[:] += np.bincount(keys, minlength=counts.size)

    add(sets, codes)
    for k in range(2, max_nodes):
        first, cand = _candidates(adj, sets, codes)
        weights = cand.sum(1)
        total = int(weights.sum())
        if total > max_candidates:
            raise ValueError(
                f"listing {k + 1}-node subgraphs would test {total:,} candidates, more than "
                f"max_candidates={max_candidates:.3g}"
            )
        parts_s, parts_c, found = [], [], 0
        for lo, hi in _chunks(weights, chunk):
            s_new, c_new = _extend(adj, sets[lo:hi], codes[lo:hi], first[lo:hi], cand[lo:hi])
            found += len(s_new)
            if k + 1 == max_nodes:
                add(s_new, c_new)
            else:
                parts_s.append(s_new)
                parts_c.append(c_new)
        if log is not None:
            log(f"  {k + 1}-node connected subgraphs: {found} ({total} candidates)")
        if k + 1 < max_nodes:
            sets = np.concatenate(parts_s) if parts_s else np.zeros((0, k + 1), np.int32)
            codes = np.concatenate(parts_c) if parts_c else np.zeros(0, np.int32)
            add(sets, codes)
    return counts.reshape(n, n_orbits)
