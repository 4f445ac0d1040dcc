"""A synthetic graph the size of ogbn-products, for large-graph training benchmarks.

Target sizes (``scale=1``) are those of ogbn-products in the Open Graph Benchmark (Hu et al.,
NeurIPS 2020, "Open Graph Benchmark: Datasets for Machine Learning on Graphs", Table 2 and
Sec. 4.1): 2,449,029 nodes, 61,859,140 undirected edges, 100-dimensional node features, 47
classes, and the sales-rank split sizes 196,615 / 39,323 / 2,213,091 (train / val / test; here a
random split of the same proportions). ``scale`` multiplies the node and edge counts (so the
average degree, ≈ 50.5, is kept).

Generative model — a degree-corrected stochastic block model (Karrer & Newman, PRE 2011) with a
homophily knob:
  * class ``y_i ~ Categorical(π)``, ``π_c ∝ (c + 1)^{-class_skew}`` (products' classes are very
    unbalanced);
  * degree weight ``θ_i = U_i^{-1/(γ-1)}`` (a power law ``P(θ) ∝ θ^{-γ}``), rescaled so the
    expected degree is ``2m/N`` and clipped at ``max_degree`` (ogbn-products' maximum degree is
    17,481);
  * each undirected edge: an endpoint ``i ∝ θ``; with probability ``homophily`` the other end
    ``j ∝ θ`` inside ``y_i``'s class, else ``j ∝ θ`` over all nodes; self loops and repeated
    edges are dropped and re-drawn (rounds sized by the measured acceptance rate), so the edge
    count lands within 0.1 % of the target;
  * features ``x_i = feature_signal · μ_{y_i} + ε_i``, ``μ_c, ε_i ~ N(0, I_100)``.
Generated in chunks of ``chunk_edges`` with a seeded ``numpy.random.Generator``; the memory peak
is the output (two int32 edge arrays, both directions) plus one int64 key per undirected edge
for the de-duplication.
"""
from __future__ import annotations

import jraph
import numpy as np

from jaxgraph.data.core import NodeDataset

__all__ = ["PRODUCTS_SIZES", "products_like", "degree_stats", "edge_homophily"]

PRODUCTS_SIZES = dict(nodes=2_449_029, edges=61_859_140, features=100, classes=47,
                      train=196_615, val=39_323, test=2_213_091, max_degree=17_481)


def _check(name, value, lo, hi=None, integer=False):
    ok = not isinstance(value, bool) and isinstance(value, (int, np.integer) if integer else (int, float, np.number))
    if not ok or not np.isfinite(value) or value < lo or (hi is not None and value > hi):
        rng = f"[{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise ValueError(f"{name} must be {'an integer' if integer else 'a number'} {rng}, got {value!r}")


def products_like(
    scale: float = 1.0,
    seed: int = 0,
    *,
    homophily: float = 0.8,
    power_law_exponent: float = 2.5,
    class_skew: float = 1.0,
    feature_signal: float = 0.27,
    max_degree: int | None = None,
    chunk_edges: int = 4_000_000,
    num_features: int = 100,
    num_classes: int = 47,
) -> NodeDataset:
    """Generates the ogbn-products-like graph (module docstring) at ``scale``.

    Args:
      scale: fraction of the ogbn-products size, ``(0, 1]`` (and beyond, if memory allows);
        nodes ``round(2,449,029 · scale)``, undirected edges ``round(61,859,140 · scale)``.
      seed: seeds everything.
      homophily: probability that an edge is drawn inside the class (the measured edge
        homophily is higher: the random edges also land in the class now and then).
      power_law_exponent: ``γ > 2`` of the degree-weight distribution.
      class_skew: exponent of the class prior.
      feature_signal: class-mean scale of the features (0 = features carry no label signal).
      max_degree: clip of the expected degree (default ogbn-products' 17,481, times ``scale``
        but at least 50x the mean degree).
      chunk_edges: edges generated per chunk.
      num_features, num_classes: 100 and 47 as ogbn-products.
    Returns:
      ``NodeDataset`` named ``'products_like'``: ``graph`` with both edge directions (int32
      ``senders``/``receivers`` ``[2m]``, float32 ``nodes`` ``[N, F]``), int32 ``labels``
      ``[N]``, one random split with OGB's proportions, ``extras`` with the generator settings.
    Raises:
      ValueError: a parameter out of range (named in the message).
    """
    _check("scale", scale, 1e-6)
    _check("homophily", homophily, 0.0, 1.0)
    _check("power_law_exponent", power_law_exponent, 2.0001)
    _check("class_skew", class_skew, 0.0)
    _check("feature_signal", feature_signal, 0.0)
    _check("chunk_edges", chunk_edges, 1, integer=True)
    _check("num_features", num_features, 1, integer=True)
    _check("num_classes", num_classes, 1, integer=True)
    n = max(int(round(PRODUCTS_SIZES["nodes"] * scale)), 2)
    m = max(int(round(PRODUCTS_SIZES["edges"] * scale)), 1)
    if m > n * (n - 1) // 4:
        raise ValueError(f"scale={scale} gives {m} edges on {n} nodes: too dense for a simple graph")
    rng = np.random.default_rng(seed)
    # Classes.
    prior = (np.arange(num_classes) + 1.0) ** -class_skew
    prior /= prior.sum()
    labels = rng.choice(num_classes, size=n, p=prior).astype(np.int32)
    # Degree weights.
    mean_deg = 2.0 * m / n
    theta = rng.random(n) ** (-1.0 / (power_law_exponent - 1.0))
    theta *= mean_deg / theta.mean()
    cap = max_degree if max_degree is not None else max(PRODUCTS_SIZES["max_degree"] * scale, 50 * mean_deg)
    _check("max_degree", cap, 1.0)
    np.minimum(theta, cap, out=theta)
    # Sampling tables: global and per class (nodes sorted by class, contiguous ranges).
    cum_all = np.cumsum(theta)
    by_class = np.argsort(labels, kind="stable")
    cum_cls = np.cumsum(theta[by_class])
    class_end = np.cumsum(np.bincount(labels, minlength=num_classes))
    class_start = class_end - np.bincount(labels, minlength=num_classes)
    lo = np.where(class_start > 0, cum_cls[np.maximum(class_start - 1, 0)], 0.0)
    hi = cum_cls[np.maximum(class_end - 1, 0)]

    def draw(count):
        i = np.searchsorted(cum_all, rng.random(count) * cum_all[-1], side="right")
        i = np.minimum(i, n - 1)
        inside = rng.random(count) < homophily
        c = labels[i[inside]]
        u = lo[c] + rng.random(int(inside.sum())) * (hi[c] - lo[c])
        pos = np.minimum(np.searchsorted(cum_cls, u, side="right"), n - 1)
        j = np.empty(count, np.int64)
        j[inside] = by_class[pos]
        out = ~inside
        j[out] = np.minimum(np.searchsorted(cum_all, rng.random(int(out.sum())) * cum_all[-1], side="right"), n - 1)
        a, b = np.minimum(i, j), np.maximum(i, j)
        keep = a != b
        return a[keep] * n + b[keep]

    keys = np.zeros(0, np.int64)
    accept = 1.0  # fraction of drawn edges that survive de-duplication (measured per round)
    for _ in range(10):  # draw, de-duplicate, top up
        need = m - len(keys)
        if need <= m // 1000:
            break
        want = int(need * 1.02 / max(accept, 0.05)) + 16
        parts = [keys]
        for start in range(0, want, chunk_edges):
            parts.append(draw(min(chunk_edges, want - start)))
        before = len(keys)
        keys = np.unique(np.concatenate(parts))
        accept = max((len(keys) - before) / want, 1e-3)
        del parts
    if len(keys) > m:
        keys = rng.choice(keys, m, replace=False)
        keys.sort()
    a = (keys // n).astype(np.int32)
    b = (keys % n).astype(np.int32)
    del keys
    senders = np.concatenate([a, b])
    receivers = np.concatenate([b, a])
    del a, b
    # Features, chunked.
    means = rng.standard_normal((num_classes, num_features), dtype=np.float32) * np.float32(feature_signal)
    x = np.empty((n, num_features), np.float32)
    for start in range(0, n, 262_144):
        stop = min(n, start + 262_144)
        x[start:stop] = rng.standard_normal((stop - start, num_features), dtype=np.float32)
        x[start:stop] += means[labels[start:stop]]
    # Split with OGB's proportions.
    perm = rng.permutation(n)
    n_train = int(round(n * PRODUCTS_SIZES["train"] / PRODUCTS_SIZES["nodes"]))
    n_val = int(round(n * PRODUCTS_SIZES["val"] / PRODUCTS_SIZES["nodes"]))
    masks = {k: np.zeros(n, bool) for k in ("train", "val", "test")}
    masks["train"][perm[:n_train]] = True
    masks["val"][perm[n_train:n_train + n_val]] = True
    masks["test"][perm[n_train + n_val:]] = True
    graph = jraph.GraphsTuple(nodes=x, edges=None, senders=senders, receivers=receivers, globals=None,
                              n_node=np.array([n], np.int32), n_edge=np.array([len(senders)], np.int32))
    extras = dict(scale=scale, seed=seed, homophily=homophily, power_law_exponent=power_law_exponent,
                  class_skew=class_skew, feature_signal=feature_signal, max_degree=float(cap),
                  target_edges=m, undirected_edges=len(senders) // 2)
    return NodeDataset("products_like", graph, labels, [masks], num_classes, extras)


def degree_stats(graph: jraph.GraphsTuple) -> dict:
    """Degree statistics (by receiver): mean, median, max, and the maximum-likelihood power-law
    exponent of the tail ``d >= d_min`` (Clauset, Shalizi & Newman 2009, Eq. 3.7 with the
    discrete ``d_min - 1/2`` correction), ``d_min`` = the 90th percentile."""
    n = int(np.asarray(graph.n_node).sum())
    deg = np.bincount(np.asarray(graph.receivers), minlength=n)
    d_min = max(int(np.percentile(deg, 90)), 1)
    tail = deg[deg >= d_min].astype(np.float64)
    alpha = 1.0 + len(tail) / np.sum(np.log(tail / (d_min - 0.5))) if len(tail) else float("nan")
    return dict(mean=float(deg.mean()), median=float(np.median(deg)), max=int(deg.max()),
                min=int(deg.min()), tail_dmin=d_min, tail_exponent=float(alpha))


def edge_homophily(graph: jraph.GraphsTuple, labels) -> float:
    """Fraction of edges joining same-label nodes (Zhu et al., NeurIPS 2020, edge homophily)."""
    labels = np.asarray(labels)
    s, r = np.asarray(graph.senders), np.asarray(graph.receivers)
    return float(np.mean(labels[s] == labels[r])) if len(s) else float("nan")
