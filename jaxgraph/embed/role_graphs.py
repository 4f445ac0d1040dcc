"""Synthetic graphs with structural-role labels (the struc2vec / GraphWave benchmark families).

Structural-role ("identity") embeddings are evaluated on graphs whose nodes play known roles:
a base cycle with small shapes (houses, stars, cliques) attached at evenly spaced points
(Donnat et al., "Learning Structural Node Embeddings via Diffusion Wavelets" (GraphWave), KDD
2018, Sec. 4.1) and barbells (two cliques joined by a path; Ribeiro et al., "struc2vec:
Learning Node Representations from Structural Identity", KDD 2017, Sec. 4.1). Here the role of
a node is its **automorphism orbit** in the noiseless graph: ``u`` and ``v`` share a label iff
some automorphism of the graph maps ``u`` to ``v``. Orbits are computed exactly by
:func:`automorphism_orbits` (1-WL colour refinement to split the candidates, then
individualization-refinement per candidate pair with a verified permutation, VF2 as fallback). Optional random edge noise (``noise``
extra edges between non-adjacent pairs) is added *after* the labels are fixed, as in GraphWave,
so on noisy graphs the labels are those of the noiseless base.

Two graphs made with the same family parameters and different ``seed`` share the node order and
the labels (only their noise edges differ): the inductive role test trains on one and infers
embeddings on the other.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from jaxgraph.data.core import NodeDataset
from jaxgraph.graph.build import from_networkx

__all__ = [
    "SHAPES",
    "FAMILIES",
    "automorphism_orbits",
    "cycle_with_shapes",
    "barbell",
    "role_graph",
]

#: Shapes that can be attached to the base cycle; ``size`` is their extra size parameter.
SHAPES = ("house", "star", "clique")
#: Named families of :func:`role_graph`.
FAMILIES = ("houses", "mixed", "barbell")


def _nx():
    import networkx as nx

    return nx


def _refine(adj: list[list[int]], color: list[int]) -> list[int]:
    """1-WL colour refinement of ``color`` to the stable partition (colours renumbered in
    canonical order of their signatures, so the result depends only on the coloured graph)."""
    num = len(set(color))
    while True:
        sig = [(color[v], tuple(sorted(color[u] for u in adj[v]))) for v in range(len(adj))]
        table = {x: i for i, x in enumerate(sorted(set(sig)))}
        new = [table[x] for x in sig]
        if len(table) == num:
            return new
        color, num = new, len(table)


def _automorphic(adj: list[list[int]], edges: set, r: int, u: int) -> bool | None:
    """Individualization-refinement on two copies of the graph: pin ``r`` in copy 0 and ``u`` in
    copy 1, refine jointly; unequal colour histograms prove that no automorphism maps ``r -> u``
    (returns False). Otherwise keep individualizing one node per copy of the first non-singleton
    class and refining; a discrete colouring gives a bijection, returned True if it is an
    automorphism. None when the greedy choice failed (the caller then runs an exact search)."""
    n = len(adj)
    uadj = adj + [[x + n for x in a] for a in adj]
    color = [0] * (2 * n)
    color[r], color[n + u] = 1, 1
    while True:
        color = _refine(uadj, color)
        h0, h1 = sorted(color[:n]), sorted(color[n:])
        if h0 != h1:
            return False
        if len(set(h0)) == n:
            break
        counts = np.bincount(h0)
        c = int(np.flatnonzero(counts > 1)[0])
        a = next(v for v in range(n) if color[v] == c)
        b = next(v for v in range(n, 2 * n) if color[v] == c)
        top = max(color) + 1
        color[a], color[b] = top, top
    where = {color[n + v]: v for v in range(n)}
    perm = [where[color[v]] for v in range(n)]
    ok = all((min(perm[x], perm[y]), max(perm[x], perm[y])) in edges for x, y in edges)
    return True if ok else None


def automorphism_orbits(g) -> np.ndarray:
    """Automorphism orbits of an undirected networkx graph with nodes ``0..N-1``.

    Nodes in different 1-WL colour classes are never automorphic; inside a class, node ``u``
    joins the orbit of representative ``r`` iff an automorphism maps ``r`` to ``u``. That is
    decided by individualization-refinement (pin ``r`` and ``u``, refine; unequal colour
    histograms prove "no"; otherwise individualize greedily to a discrete colouring and verify the
    resulting permutation is an automorphism), falling back to networkx's VF2 with ``r``, ``u``
    pinned when the greedy branch does not verify.

    Args:
      g: ``networkx.Graph`` with nodes ``0..N-1``.

    Returns:
      int32 ``[N]`` orbit label of each node; labels are numbered in order of (WL colour,
      smallest node of the orbit), so graphs with the same node order get the same labels.

    Raises:
      ValueError: ``g`` is directed or its nodes are not ``0..N-1``.
    """
    nx = _nx()
    if g.is_directed():
        raise ValueError("g must be an undirected networkx graph, got a directed one")
    n = g.number_of_nodes()
    if sorted(g.nodes) != list(range(n)):
        raise ValueError(f"g must have nodes 0..{n - 1}, got {sorted(g.nodes)[:5]}...")
    adj = [sorted(g.neighbors(v)) for v in range(n)]
    edges = {(min(a, b), max(a, b)) for a, b in g.edges}
    color = _refine(adj, [0] * n)

    def vf2(r, u):
        base = nx.Graph()
        base.add_nodes_from((v, {"c": color[v], "pin": int(v == r)}) for v in range(n))
        base.add_edges_from(g.edges)
        other = base.copy()
        other.nodes[r]["pin"] = 0
        other.nodes[u]["pin"] = 1
        match = lambda a, b: a["c"] == b["c"] and a["pin"] == b["pin"]
        return nx.algorithms.isomorphism.GraphMatcher(base, other, node_match=match).is_isomorphic()

    orbit = -np.ones(n, np.int64)
    reps: list[int] = []
    for u in sorted(range(n), key=lambda v: (color[v], v)):
        for k, r in enumerate(reps):
            if color[r] != color[u]:
                continue
            res = _automorphic(adj, edges, r, u)
            if res is None:
                res = vf2(r, u)
            if res:
                orbit[u] = k
                break
        else:
            orbit[u] = len(reps)
            reps.append(u)
    return orbit.astype(np.int32)


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _attach_shape(g, anchor: int, shape: str, size: int) -> None:
    """Adds one shape to ``g`` (new nodes numbered from ``len(g)``) joined to ``anchor``."""
    s = g.number_of_nodes()
    if shape == "house":  # square s..s+3, roof s+4 on top of s+2, s+3; attached at s
        g.add_edges_from([(s, s + 1), (s + 1, s + 2), (s + 2, s + 3), (s + 3, s),
                          (s + 2, s + 4), (s + 3, s + 4)])
        g.add_edge(anchor, s)
    elif shape == "star":  # centre s with `size` leaves; attached at the centre
        g.add_edges_from((s, s + i) for i in range(1, size + 1))
        g.add_edge(anchor, s)
    elif shape == "clique":  # K_size attached at s
        g.add_edges_from((s + i, s + j) for i in range(size) for j in range(i + 1, size))
        g.add_edge(anchor, s)
    else:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")


def _add_noise(g, noise: int, rng: np.random.Generator):
    """Adds ``noise`` random edges between distinct non-adjacent nodes; returns them [2, noise]."""
    n = g.number_of_nodes()
    free = n * (n - 1) // 2 - g.number_of_edges()
    if noise > free:
        raise ValueError(f"noise = {noise} exceeds the {free} non-adjacent node pairs")
    added = []
    while len(added) < noise:
        u, v = (int(x) for x in rng.choice(n, 2, replace=False))
        if not g.has_edge(u, v):
            g.add_edge(u, v)
            added.append((min(u, v), max(u, v)))
    return np.asarray(added, np.int64).reshape(-1, 2).T


def _dataset(name: str, g, noise: int, seed: int, extras: dict) -> NodeDataset:
    labels = automorphism_orbits(g)
    rng = np.random.default_rng(seed)
    noisy = g.copy()
    noise_edges = _add_noise(noisy, noise, rng)
    graph = from_networkx(noisy)
    graph = graph._replace(nodes=np.ones((noisy.number_of_nodes(), 1), np.float32))
    extras = dict(extras, noise_edges=noise_edges, base_edges=np.asarray(sorted(g.edges), np.int64).T)
    return NodeDataset(name=name, graph=graph, labels=labels, splits=[],
                       num_classes=int(labels.max()) + 1, extras=extras)


def cycle_with_shapes(cycle_length: int, shapes: Sequence[str], *, size: int = 4,
                      noise: int = 0, seed: int = 0) -> NodeDataset:
    """GraphWave's synthetic family: a cycle with shapes attached at evenly spaced nodes.

    Node ``i < cycle_length`` is on the cycle; shape ``k`` is attached to cycle node
    ``floor(k * cycle_length / len(shapes))``; its nodes follow in order. Labels are the
    automorphism orbits of this noiseless graph; then ``noise`` random edges are added.

    Args:
      cycle_length: nodes on the base cycle (>= 3).
      shapes: sequence of names in :data:`SHAPES` (``house``: 5 nodes; ``star``: centre plus
        ``size`` leaves, attached at the centre; ``clique``: ``K_size``), at least one.
      size: star leaves / clique size (>= 2).
      noise: number of random extra edges (>= 0).
      seed: seed of the noise.

    Returns:
      :class:`NodeDataset` with ``nodes`` = ones ``[N, 1]`` (no attributes), ``labels`` int32
      ``[N]`` orbits, ``splits=[]``, ``extras`` = ``{"noise_edges": [2, noise],
      "base_edges": [2, E0], "role_part": [N] (0 cycle, 1.. shape index + 1)}``.

    Raises:
      ValueError: bad argument (named in the message).
    """
    cycle_length = _check_int("cycle_length", cycle_length, 3)
    size = _check_int("size", size, 2)
    noise = _check_int("noise", noise, 0)
    if isinstance(shapes, str) or len(shapes) == 0:
        raise ValueError(f"shapes must be a non-empty sequence of names in {SHAPES}, got {shapes!r}")
    if len(shapes) > cycle_length:
        raise ValueError(f"shapes has {len(shapes)} entries, more than cycle_length={cycle_length}")
    for s in shapes:
        if s not in SHAPES:
            raise ValueError(f"shapes must hold names in {SHAPES}, got {s!r}")
    nx = _nx()
    g = nx.cycle_graph(cycle_length)
    part = [0] * cycle_length
    for k, s in enumerate(shapes):
        before = g.number_of_nodes()
        _attach_shape(g, (k * cycle_length) // len(shapes), s, size)
        part += [k + 1] * (g.number_of_nodes() - before)
    name = f"cycle{cycle_length}-" + "-".join(shapes)
    return _dataset(name, g, noise, seed, {"role_part": np.asarray(part, np.int32)})


def barbell(clique_size: int, path_length: int, *, noise: int = 0, seed: int = 0) -> NodeDataset:
    """struc2vec's barbell graph: two ``K_clique_size`` joined by a path of ``path_length`` nodes
    (``networkx.barbell_graph``). Orbits: the clique nodes not on the bridge, the two bridge
    nodes, and path nodes paired by their distance to the middle.

    Args / Returns / Raises: as :func:`cycle_with_shapes` (``clique_size >= 3``,
    ``path_length >= 0``); ``extras["role_part"]`` is 0 for clique nodes, 1 for path nodes.
    """
    clique_size = _check_int("clique_size", clique_size, 3)
    path_length = _check_int("path_length", path_length, 0)
    noise = _check_int("noise", noise, 0)
    nx = _nx()
    g = nx.barbell_graph(clique_size, path_length)
    g = nx.convert_node_labels_to_integers(g, ordering="sorted")
    part = [0 if (v < clique_size or v >= clique_size + path_length) else 1 for v in range(len(g))]
    return _dataset(f"barbell{clique_size}-{path_length}", g, noise, seed,
                    {"role_part": np.asarray(part, np.int32)})


def role_graph(family: str = "houses", *, scale: int = 1, noise: float = 0.0, seed: int = 0) -> NodeDataset:
    """A named role-labelled benchmark graph.

    ``houses``: cycle of ``40*scale`` nodes with ``8*scale`` houses (GraphWave's "cycle with
    houses"); ``mixed``: cycle of ``48*scale`` with ``12*scale`` shapes cycling house, star(4),
    clique(4); ``barbell``: ``K_{6+scale}`` -- path of ``8*scale`` -- ``K_{6+scale}``.

    Args:
      family: one of :data:`FAMILIES`.
      scale: integer size multiplier (>= 1).
      noise: fraction of the base edge count added as random edges, in ``[0, 1]``.
      seed: noise seed.

    Raises:
      ValueError: unknown family or bad ``scale`` / ``noise``.
    """
    scale = _check_int("scale", scale, 1)
    if not (isinstance(noise, (int, float)) and 0.0 <= float(noise) <= 1.0):
        raise ValueError(f"noise must be a fraction in [0, 1], got {noise!r}")
    if family == "houses":
        n_edges = 40 * scale + 8 * scale * 7
        return cycle_with_shapes(40 * scale, ["house"] * (8 * scale),
                                 noise=int(round(noise * n_edges)), seed=seed)
    if family == "mixed":
        shapes = [SHAPES[k % 3] for k in range(12 * scale)]
        n_edges = 48 * scale + 4 * scale * (7 + 5 + 7)
        return cycle_with_shapes(48 * scale, shapes, size=4, noise=int(round(noise * n_edges)), seed=seed)
    if family == "barbell":
        m, p = 6 + scale, 8 * scale
        n_edges = m * (m - 1) + p + 1
        return barbell(m, p, noise=int(round(noise * n_edges)), seed=seed)
    raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
