"""5-node graphlet orbit counts (73 orbits) without listing the subgraphs, by counting
homomorphisms and inverting two triangular systems.

Papers:

* N. Pržulj, "Biological network comparison using graphlet degree distribution",
  Bioinformatics 2007: graphlets ``G0..G29`` and orbits ``0..72``; the orbit numbering is ORCA's
  (:data:`jaxgraph.embed.graphlet_enum.GRAPHLET_TEMPLATES`).
* T. Hočevar, J. Demšar, "A combinatorial approach to graphlet counting" (ORCA),
  Bioinformatics 2014: orbit counts from a linear system over counts of smaller structures,
  instead of enumeration. The system here is a different one, derived by machine (below).
* L. Lovász, "Large networks and graph limits" (2012), Sec. 5.2, and R. Curticapean, H. Dell,
  D. Marx, "Homomorphisms are a good basis for counting small subgraphs", STOC 2017: injective
  counts are a Möbius sum of homomorphism counts over the set partitions of the pattern.

For a node ``v``, a pattern ``F`` and a root vertex ``r`` of ``F``:

* ``hom(F; r -> v)`` counts all maps ``V(F) -> V(G)`` with ``r -> v`` that keep edges. For a
  pattern of treewidth <= 2 this is a variable elimination over ``G``'s adjacency: eliminating a
  pattern vertex with one remaining neighbour is a matrix-vector product, with two it is a
  matrix product ``M1^T diag(g) M2``; sparse times sparse stays sparse, a dense factor costs
  ``nnz(A) * N`` (no ``N^3`` product is needed for the patterns that occur). Elimination
  orders are searched over all permutations of the <= 4 non-root vertices.
* ``inj(F; r -> v) = sum_pi mu(pi) hom(F / pi; [r] -> v)`` over the set partitions ``pi`` of
  ``V(F)`` with no edge inside a block, ``mu(pi) = prod_B (-1)^(|B|-1) (|B|-1)!``. The quotients
  of the treewidth-2 5-node graphlets have treewidth <= 2, except ``K4``, whose rooted
  homomorphisms are ``6 x`` (orbit 14).
* ``inj(F; r -> v) = sum_(H, o) N(F, r; H, o) c_(H, o)(v)``: each induced 5-node graphlet ``H``
  containing ``v`` on orbit ``o`` holds ``N`` bijections ``F -> H`` that keep ``F``'s edges and
  send ``r`` to ``v``'s position. ``N`` is computed by brute force over the 120 bijections of
  each template pair, and is triangular (``H`` has at least ``F``'s edges; same edge count
  only for ``H = F``), so back-substitution from ``K5`` down gives the 58 induced orbit counts
  ``c`` exactly, in int64.
* The six 5-node graphlets of treewidth 3 (``G23, G25..G29``) are counted directly. Five of
  them have a node adjacent to all others, ``u0``: ``inj(F; u0 -> v)`` is the number of
  injective copies of ``F - u0`` in the subgraph induced by ``N(v)``, and for another root
  ``r``, ``inj(F; r -> v) = sum_(u ~ v) inj(F - u0 in G[N(u)]; r -> v)``; ``F - u0`` has 4 nodes
  and treewidth <= 2, so the same elimination runs on each neighbourhood's dense adjacency.
  ``K5`` comes from a degree-ordered scan (each ``K5`` found once, at its lowest-ranked node).
  ``G25`` (``K_{2,3}`` plus an edge on the 3-side) has no such node; its three orbits are sums
  over each node's neighbourhood of ``S``, ``S^2``, ``A^2`` and ``B^T B`` (edges inside common
  neighbourhoods) restricted to it (:func:`_g25_hub`).

Every intermediate is a count held in float64; each is checked to stay below ``2**53`` (all
terms are non-negative, so partial sums are then exact too) and the call fails with a
``ValueError`` otherwise. The cost is about ``nnz(A) * N`` per dense elimination step (about
70 rooted patterns), plus ``sum_v d_v^3`` for the neighbourhood terms, and memory is a few
dense ``[N, N]`` float64 arrays. On a 2-core CPU, PPI (3.9k nodes) takes about 30 s and
BlogCatalog (10k nodes, 334k edges) about 9 min. Beyond ``max_nodes_dense`` nodes the call
refuses. Tests check all 73 columns against the
enumeration of :mod:`jaxgraph.embed.graphlet_enum` (itself equal to ORCA's output).
"""
from __future__ import annotations

import functools
import itertools
import math
import time
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from jaxgraph.embed.graphlet_enum import GRAPHLET_TEMPLATES, NUM_ORBITS_5

__all__ = ["hom_orbit_counts"]

_EXACT = float(2**53)
_DENSE_LOOKUP_MAX = 12000  # up to this many nodes, neighbourhoods are cut from a dense bool adjacency
_FIRST5 = 9  # G9 is the first 5-node graphlet; its orbits start at 15
_N4 = 15


# ----------------------------------------------------------------------------- pattern algebra
def _set_partitions(items: list):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for p in _set_partitions(rest):
        yield [[first]] + p
        for i in range(len(p)):
            yield p[:i] + [[first] + p[i]] + p[i + 1:]


def _norm(i: int, j: int) -> tuple[int, int]:
    return (i, j) if i < j else (j, i)


def _canonical(k: int, edges, root: int) -> tuple[int, tuple]:
    """A rooted pattern up to isomorphism: ``(k, sorted edges)`` with the root relabelled 0."""
    others = [v for v in range(k) if v != root]
    best = None
    for perm in itertools.permutations(range(1, k)):
        m = {root: 0, **dict(zip(others, perm))}
        e = tuple(sorted(_norm(m[i], m[j]) for i, j in edges))
        if best is None or e < best:
            best = e
    return k, best


@functools.lru_cache(maxsize=None)
def _quotients(k: int, edges: tuple, root: int) -> tuple:
    """``inj(F; root) = sum coef * hom(Q)``: ((canonical Q, coef), ...), Möbius over partitions."""
    out: dict = {}
    for part in _set_partitions(list(range(k))):
        block = {v: b for b, blk in enumerate(part) for v in blk}
        if any(block[i] == block[j] for i, j in edges):
            continue  # an edge inside a block is a loop: no homomorphism into a simple graph
        mu = 1
        for blk in part:
            mu *= (-1) ** (len(blk) - 1) * math.factorial(len(blk) - 1)
        key = _canonical(len(part), {_norm(block[i], block[j]) for i, j in edges}, block[root])
        out[key] = out.get(key, 0) + mu
    return tuple((q, c) for q, c in sorted(out.items()) if c)


@functools.lru_cache(maxsize=None)
def _elimination_order(k: int, edges: tuple) -> tuple | None:
    """Order of eliminating vertices ``1..k-1`` (the root 0 stays) with every factor on <= 2
    vertices, cheapest first; ``None`` when the pattern has treewidth > 2.

    Costs: a vertex with one remaining neighbour is a matrix-vector product (free here); with
    two, a matrix product: ``A A`` is shared by all patterns (1), one with a weight vector or a
    derived factor is a new product (10), and one of a derived unmasked (dense) factor costs
    more (100, or 10000 for two of them).
    """
    best = None
    for perm in itertools.permutations(range(1, k)):
        nb = {v: set() for v in range(k)}
        for i, j in edges:
            nb[i].add(j)
            nb[j].add(i)
        orig = {frozenset(e) for e in edges}  # pairs whose factor is exactly A
        dense: set = set()  # pairs whose factor is derived and not masked by an edge of the pattern
        weighted: set = set()  # vertices holding a unary factor
        cost, ok = 0, True
        for u in perm:
            ws = nb.pop(u)
            if len(ws) > 2:
                ok = False
                break
            for w in ws:
                nb[w].discard(u)
            if len(ws) == 1:
                weighted |= ws
            elif len(ws) == 2:
                w1, w2 = sorted(ws)
                pairs = [frozenset((u, w)) for w in ws]
                n_dense = sum(p in dense for p in pairs)
                if n_dense:
                    cost += (100, 10000)[n_dense - 1]
                elif u in weighted or not all(p in orig for p in pairs):
                    cost += 10
                else:
                    cost += 1
                new = frozenset((w1, w2))
                if w2 in nb[w1]:  # multiplied into the factor already there: masked if that one is
                    orig.discard(new)
                else:
                    dense.add(new)
                nb[w1].add(w2)
                nb[w2].add(w1)
        if ok and (best is None or cost < best[0]):
            best = (cost, perm)
    return None if best is None else best[1]


def _is_k4(q) -> bool:
    return q[0] == 4 and len(q[1]) == 6


# ----------------------------------------------------------------------------- homomorphisms
def _check(x, what: str):
    m = float(x.max()) if not sp.issparse(x) else (float(x.data.max()) if x.nnz else 0.0)
    if m >= _EXACT:
        raise ValueError(
            f"5-node orbit counting: a homomorphism count ({what}) reaches {m:.3g} >= 2**53, beyond "
            "float64's exact integers on this graph; use the enumeration (method='enumerate') instead"
        )
    return x


def _hadamard(m1, m2):
    if sp.issparse(m1):
        return sp.csr_matrix(m1.multiply(m2))
    if sp.issparse(m2):
        return sp.csr_matrix(m2.multiply(m1))
    return m1 * m2


def _product(m1t, g, m2, n: int):
    """``m1t diag(g) m2`` (g may be None), sparse when both are sparse and the result is."""
    if g is not None:
        m2 = sp.diags(g) @ m2 if sp.issparse(m2) else g[:, None] * m2
    out = m1t @ m2
    if sp.issparse(out):
        out = sp.csr_matrix(out)
        if out.nnz > 0.25 * n * n:
            out = out.toarray()
    return np.asarray(out) if not sp.issparse(out) else out


class _Hom:
    """Rooted homomorphism counts ``hom(Q; 0 -> v)`` for all ``v`` of one host graph (cached)."""

    def __init__(self, a, k4_rooted: np.ndarray | None = None):
        self.a = a  # csr (global) or dense ndarray (a neighbourhood)
        self.n = a.shape[0]
        self.k4 = k4_rooted
        self.cache: dict = {}
        self._a2 = None  # A A, shared by every pattern that needs it

    def _orient(self, m, flip: bool):
        return m.T if flip and m is not self.a else m  # A is symmetric: keep the object, for _a2

    def _times(self, m1, g, m2):
        """``m1^T diag(g) m2``."""
        if g is None and m1 is self.a and m2 is self.a:
            if self._a2 is None:
                self._a2 = _check(_product(self.a, None, self.a, self.n), "A A")
            return self._a2
        return _check(_product(self._orient(m1, True), g, m2, self.n), "a product")

    def __call__(self, q) -> np.ndarray:
        if q not in self.cache:
            self.cache[q] = self._compute(q)
        return self.cache[q]

    def _compute(self, q) -> np.ndarray:
        k, edges = q
        n = self.n
        if k == 1:
            return np.ones(n)
        if _is_k4(q):
            if self.k4 is None:
                raise ValueError("K4 homomorphisms need the K4 counts of the host graph")
            return 6.0 * self.k4
        order = _elimination_order(k, edges)
        if order is None:
            raise ValueError(f"pattern {q} has treewidth > 2: no elimination with factors on 2 vertices")
        unary: dict = {}
        binary: dict = {}  # frozenset{x, y} -> (x, matrix indexed [x, y])

        def put(x, y, m):
            key = frozenset((x, y))
            if key in binary:
                x0, m0 = binary[key]
                m = _hadamard(m0, self._orient(m, x0 != x))
                x = x0
            binary[key] = (x, m)

        for i, j in edges:
            put(i, j, self.a)
        scalar = 1.0
        for u in order:
            g = unary.pop(u, None)
            inc = []
            for key in [kk for kk in binary if u in kk]:
                x, m = binary.pop(key)
                (w,) = key - {u}
                inc.append((w, self._orient(m, x != u)))
            if not inc:
                scalar *= float(n if g is None else g.sum())
            elif len(inc) == 1:
                w, m = inc[0]
                vec = np.asarray(m.sum(0)).ravel() if g is None else np.asarray(m.T @ g).ravel()
                vec = _check(vec, f"pattern {q}")
                unary[w] = vec if w not in unary else unary[w] * vec
            else:
                (w1, m1), (w2, m2) = inc
                put(w1, w2, self._times(m1, g, m2))
        out = np.full(n, scalar)
        if 0 in unary:
            out = out * unary[0]
        return _check(out, f"pattern {q}")


def _inj(hom: _Hom, k: int, edges: tuple, root: int) -> np.ndarray:
    """Injective rooted counts (int64) from the Möbius sum of homomorphism counts."""
    out = np.zeros(hom.n, np.int64)
    for q, coef in _quotients(k, edges, root):
        out += coef * np.rint(hom(q)).astype(np.int64)
    return out


# ----------------------------------------------------------------------------- tables
def _template(g: int):
    edges, orbits = GRAPHLET_TEMPLATES[g]
    return tuple(sorted(_norm(i, j) for i, j in edges)), orbits


@functools.lru_cache(maxsize=None)
def _tables():
    """Targets (graphlet, orbit, representative position), the dense graphlets, and ``N``."""
    targets = []
    for g in range(_FIRST5, len(GRAPHLET_TEMPLATES)):
        _, orbits = _template(g)
        for o in sorted(set(orbits)):
            targets.append((g, o, orbits.index(o)))
    size = NUM_ORBITS_5 - _N4
    coef = np.zeros((size, size), np.int64)
    for g in range(_FIRST5, len(GRAPHLET_TEMPLATES)):
        eg, og = _template(g)
        for h in range(_FIRST5, len(GRAPHLET_TEMPLATES)):
            eh, oh = _template(h)
            if len(eh) < len(eg):
                continue
            seh = set(eh)
            hits = np.zeros((size, size), np.int64)
            for perm in itertools.permutations(range(5)):
                if all(_norm(perm[i], perm[j]) in seh for i, j in eg):
                    for o in set(og):
                        hits[o - _N4, oh[perm[og.index(o)]] - _N4] += 1
            for o2 in set(oh):
                hits[:, o2 - _N4] //= oh.count(o2)  # maps hitting one fixed position of orbit o2
            coef += hits
    dense = tuple(g for g in range(_FIRST5, len(GRAPHLET_TEMPLATES)) if _elimination_order(5, _template(g)[0]) is None)
    # back-substitution order: orbits of graphlets with more edges first
    order = sorted(range(size), key=lambda i: -len(_template(targets[i][0])[0]))
    return tuple(targets), coef, dense, tuple(order)


@functools.lru_cache(maxsize=None)
def _hub_pattern(g: int):
    """For a graphlet with a node adjacent to all others: (u0, F - u0 edges on 0..3, map)."""
    edges, orbits = _template(g)
    deg = [sum(v in e for e in edges) for v in range(5)]
    u0 = deg.index(4)
    rest = [v for v in range(5) if v != u0]
    idx = {v: i for i, v in enumerate(rest)}
    sub = tuple(sorted(_norm(idx[i], idx[j]) for i, j in edges if u0 not in (i, j)))
    return u0, sub, idx


# ----------------------------------------------------------------------------- dense graphlets
def _k5_counts(a: sp.csr_matrix, dense_a: np.ndarray | None) -> np.ndarray:
    """Per-node number of K5s: each found once, at its lowest-ranked node u and second-lowest a,
    as a triangle among their common higher-ranked neighbours."""
    from jaxgraph.embed.graphlets import _oriented

    n = a.shape[0]
    o = _oriented(a)
    out = np.zeros(n)
    for u in range(n):
        s = o.indices[o.indptr[u]:o.indptr[u + 1]]
        if len(s) < 4:
            continue
        sub = dense_a[np.ix_(s, s)] if dense_a is not None else a[s][:, s].toarray() > 0
        osub = o[s][:, s].toarray() > 0  # orientation inside s
        for i in np.nonzero(osub.sum(1) >= 3)[0]:
            t = np.nonzero(osub[i])[0]
            m = sub[np.ix_(t, t)].astype(np.float64)
            x = (m @ m) * m  # x[b, c] = triangles on edge (b, c) inside t
            tri_node = x.sum(1) / 2.0
            total = tri_node.sum() / 3.0
            if total == 0:
                continue
            out[u] += total
            out[s[i]] += total
            np.add.at(out, s[t], tri_node)
    return np.rint(out)


def _g25_hub(s: np.ndarray, s2: np.ndarray, xl: np.ndarray, kl: np.ndarray, deg: np.ndarray):
    """G25 (edges 02 03 04 12 13 14 24; orbits 63 at 0/1, 62 at 3, 64 at 2/4) around one hub v.

    ``s`` = adjacency induced by N(v), ``s2 = s @ s``, ``xl = A^2`` and ``kl`` = edges inside common
    neighbourhoods, both restricted to N(v), ``deg`` = global degrees of N(v). Returns
    (inj rooted at 2 for v, inj rooted at 3 for v, inj rooted at 0 for each member of N(v) when
    v plays node 2).
    """
    x2 = xl - 2.0
    deg_l = s.sum(1)
    at2 = float((s2 * x2).sum() - (deg_l * (deg - 2.0)).sum())  # sum_b (S x2 S)[b, b] = <S^2, x2>
    at3 = float(2.0 * (kl.sum() - np.trace(kl)) - 2.0 * (s2.sum() - np.trace(s2)))
    at0 = (s2 * x2).sum(1) - deg_l * (np.diag(xl) - 2.0)
    return at2, at3, at0


def _dense_graphlets(a: sp.csr_matrix, dense_a, targets, dense, log) -> dict:
    """inj counts for the treewidth-3 graphlets, keyed by target index."""
    from jaxgraph.embed.graphlets import _diamond_matrix

    n = a.shape[0]
    out: dict = {}
    plan = []  # (target index, graphlet, kind, local root, sub edges)
    for t, (g, o, r) in enumerate(targets):
        if g not in dense or g in (25, 29):
            continue
        u0, sub, idx = _hub_pattern(g)
        orbits = _template(g)[1]
        if orbits[r] == orbits[u0]:
            plan.append((t, "hub", 0, sub))
        else:
            plan.append((t, "member", idx[r], sub))
        out[t] = np.zeros(n, np.int64)
    g25 = {o: t for t, (g, o, _) in enumerate(targets) if g == 25}
    acc25 = {k: np.zeros(n) for k in g25}
    deg = np.diff(a.indptr).astype(np.float64)
    kmat = _diamond_matrix(a).tocsr() if 25 in dense else None
    t0 = time.time()
    for v in range(n):
        nb = a.indices[a.indptr[v]:a.indptr[v + 1]]
        d = len(nb)
        if d < 2:  # G25's degree-2 node is the least demanding root
            continue
        s = (dense_a[np.ix_(nb, nb)] if dense_a is not None else a[nb][:, nb].toarray() > 0).astype(np.float64)
        hom = _Hom(s)
        if 25 in dense:
            b = a[nb]
            xl = (b @ b.T).toarray()
            kl = kmat[nb][:, nb].toarray()
            at2, at3, at0 = _g25_hub(s, hom._times(s, None, s), xl, kl, deg[nb])
            acc25[64][v] += at2
            acc25[62][v] += at3
            acc25[63][nb] += at0
        if d < 4:
            continue
        for t, kind, root, sub in plan:
            vec = _inj(hom, 4, sub, root)
            if kind == "hub":
                out[t][v] += int(vec.sum())
            else:
                out[t][nb] += vec
        if log is not None and (v + 1) % 1000 == 0:
            log(f"  neighbourhood terms: {v + 1}/{n} nodes, {time.time() - t0:.1f} s")
    for o, t in g25.items():
        out[t] = np.rint(_check(acc25[o], "G25")).astype(np.int64)
    if 29 in dense:
        (t29,) = [t for t, (g, _, _) in enumerate(targets) if g == 29]
        out[t29] = 24 * _k5_counts(a, dense_a).astype(np.int64)
    return out


# ----------------------------------------------------------------------------- public
def hom_orbit_counts(graph: Any, *, self_loops: str = "error", max_nodes_dense: int = 20000,
                     log: Callable | None = None) -> np.ndarray:
    """Per-node counts of the 73 orbits of the 2-5-node graphlets, without enumeration.

    Same output as :func:`jaxgraph.embed.graphlet_enum.enumerate_orbit_counts` with
    ``max_nodes=5`` (ORCA's numbering), computed from homomorphism counts (module docstring).

    Args:
      graph: undirected simple graph (see :func:`jaxgraph.embed.graphlets.adjacency_matrix`).
      self_loops: ``"error"`` or ``"drop"``.
      max_nodes_dense: refuse graphs with more nodes (the method holds dense ``[N, N]``
        float64 factors: 8 N^2 bytes each).
      log: optional callable for progress lines.

    Returns:
      int64 ``[N, 73]``.

    Raises:
      ValueError: bad graph input, more than ``max_nodes_dense`` nodes, or a count beyond
        float64's exact integer range (``2**53``).
    """
    from jaxgraph.embed.graphlets import adjacency_matrix, orbit_counts

    a = adjacency_matrix(graph, self_loops=self_loops)
    n = a.shape[0]
    if n > max_nodes_dense:
        raise ValueError(
            f"graph has {n} nodes, more than max_nodes_dense={max_nodes_dense}: the homomorphism "
            f"counts hold dense [N, N] float64 factors ({8 * n * n / 1e9:.1f} GB each)"
        )
    out = np.zeros((n, NUM_ORBITS_5), np.int64)
    out[:, :_N4] = orbit_counts(a)
    if a.nnz == 0:
        return out
    targets, coef, dense, order = _tables()
    dense_a = a.toarray() > 0 if n <= _DENSE_LOOKUP_MAX else None
    t0 = time.time()
    hom = _Hom(a, k4_rooted=out[:, 14].astype(np.float64))
    inj = np.zeros((n, len(targets)), np.int64)
    special = _dense_graphlets(a, dense_a, targets, dense, log)
    if log is not None:
        log(f"  treewidth-3 graphlets: {time.time() - t0:.1f} s")
    for t, (g, o, r) in enumerate(targets):
        if t in special:
            inj[:, t] = special[t]
        else:
            inj[:, t] = _inj(hom, 5, _template(g)[0], r)
    if log is not None:
        log(f"  homomorphism counts: {len(hom.cache)} rooted patterns, {time.time() - t0:.1f} s")
    c = np.zeros_like(inj)
    for i in order:
        rem = inj[:, i] - c @ coef[i]
        diag = coef[i, i]
        if (rem % diag).any() or (rem < 0).any():
            raise AssertionError(f"orbit {i + _N4}: inconsistent counts (internal error)")
        c[:, i] = rem // diag
    out[:, _N4:] = c
    return out
