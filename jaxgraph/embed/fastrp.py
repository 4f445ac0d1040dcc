"""FastRP: node embeddings by very sparse random projection of degree-normalised powers of the
transition matrix.

H. Chen, S. F. Sultan, Y. Tian, M. Chen, S. Skiena, "Fast and Accurate Network Embeddings via
Very Sparse Random Projection", CIKM 2019 (arXiv:1908.11512); official code
https://github.com/GTmac/FastRP (``fastrp.py``: ``fastrp_projection`` / ``fastrp_merge``).

Algorithm 1 of the paper, with the official code's normalisations::

    R   in R^{N x d}, R_ij = sqrt(s) * {+1 w.p. 1/(2s), 0 w.p. 1 - 1/s, -1 w.p. 1/(2s)}
    A   = D^-1 S                       (transition matrix; S adjacency, D its row sums)
    L   = diag((deg_j / 2m)^beta)      (degree normalisation, 2m = sum of degrees)
    N_1 = A . L . R,    N_i = A . N_{i-1}   (i = 2..k; never forming A^i or any N x N matrix)
    U   = sum_i alpha_i * rownorm(N_i)  (rownorm: each row to unit L2 norm, if ``normalize``)
    out = standardize(U)                (each column to zero mean / unit variance, if ``standardize``)

``s = sqrt(N)`` is Li, Hastie & Church's "very sparse" projection (KDD 2006; density
``1/sqrt(N)``, what the official code gets from scikit-learn's ``SparseRandomProjection``);
``s = 3`` (density 1/3) is Achlioptas' (2003). The official code's ``L`` is ``diag(deg^beta)``;
the paper's ``(deg/2m)^beta`` differs by the constant ``(2m)^-beta``, which both normalisations
remove (tested). ``A . x`` is a sparse-dense product over the edge list: JAX's CSR kernel
(default) or a gather–scatter (:func:`jaxgraph.ops.gather_scatter`) done in column blocks so
that peak memory is ``O(E * block + N * d)``.

Also here: the FastRP vs DeepWalk vs node2vec benchmark of issue 10 (``run_fastrp``,
``summarize_fastrp``), the official hyperparameter search (``tune_fastrp``, ``run_fastrp_tune``)
and the quick claim (``quick_claim``).
"""
from __future__ import annotations

import functools
import math
import statistics
import time
from typing import Any, Callable, Sequence

import jax
import jax.numpy as jnp
import jraph
import numpy as np

from jaxgraph.ops import gather_scatter, segment_sum

__all__ = [
    "sparse_random_projection",
    "fastrp",
    "transition_matvec",
    "run_fastrp",
    "summarize_fastrp",
    "tune_fastrp",
    "run_fastrp_tune",
    "summarize_fastrp_tune",
    "quick_claim",
    "PAPER_F1",
    "FASTRP_DEFAULTS",
    "FASTRP_TUNED",
]

# Official BlogCatalog setting (GTmac/FastRP fast-random-projection-blogcatalog.ipynb @ 5af0189,
# the 10%-90% run): d = 512, weights (0, 0, 1, 6.67), beta (their "alpha") = -0.64, L2
# normalisation of each power, sparse projection, transition matrix; classifier C = 0.1.
FASTRP_DEFAULTS: dict[str, Any] = {
    "dim": 512,
    "weights": (0.0, 0.0, 1.0, 6.67),
    "beta": -0.64,
    "density": None,
    "normalize": True,
    "standardize": True,
    "self_loops": False,
}

# PPI and Wikipedia-POS have no published FastRP setting. These come from the official search
# procedure (``tune_fastrp``: weights (0, 0, 1, alpha_4), alpha_4 log-uniform in [1, 64], beta in
# [-1, 0], Macro-F1 at 10 % over 3 shuffles, C = 0.1, 20 trials) on splits of their own (seeds
# 100-102, projection key 1): ``python experiments/embeddings/main.py
# --config=experiments/embeddings/configs/fastrp_tune.py`` (2026-11-28; both datasets chose trial 18).
FASTRP_TUNED: dict[str, dict[str, Any]] = {
    "ppi": {"weights": (0.0, 0.0, 1.0, 1.06), "beta": -0.17},
    "wikipedia-pos": {"weights": (0.0, 0.0, 1.0, 1.06), "beta": -0.17},
}


# ----------------------------------------------------------------------------- projection
def _density_value(density, n_real):
    """Traced density: ``1/sqrt(n_real)`` when ``density`` is None, else ``density``."""
    if density is None:
        return jax.lax.rsqrt(jnp.maximum(jnp.asarray(n_real, jnp.float32), 1.0))
    return jnp.asarray(density, jnp.float32)


def _check_density(density):
    if density is None:
        return None
    if isinstance(density, bool) or not isinstance(density, (int, float, np.floating, np.integer)):
        raise ValueError(f"density must be None or a float in (0, 1], got {density!r}")
    density = float(density)
    if not (0.0 < density <= 1.0) or not math.isfinite(density):
        raise ValueError(f"density must be in (0, 1], got {density!r}")
    return density


def sparse_random_projection(key, num_rows: int, dim: int, *, density=None, num_real=None,
                             dtype=jnp.float32) -> jax.Array:
    """Very sparse random projection matrix (Li, Hastie & Church 2006; FastRP Eq. 3).

    ``R_ij = sqrt(s) * (+1 w.p. 1/(2s), 0 w.p. 1 - 1/s, -1 w.p. 1/(2s))`` with ``s = 1/density``,
    so ``E[R_ij] = 0`` and ``E[R_ij^2] = 1``: ``E[(x R) . (y R)] = d * (x . y)``.
    Row ``i`` depends only on ``(key, i)`` (and ``dim``), so adding padding rows leaves the
    real rows unchanged.

    Args:
      key: PRNG key.
      num_rows: ``N`` (static).
      dim: ``d`` (static), ``>= 1``.
      density: fraction of non-zeros ``1/s`` in ``(0, 1]``; None: ``1/sqrt(num_real)``.
      num_real: number of real rows for the default density (default ``num_rows``; may be traced).
    Returns:
      ``[num_rows, dim]`` array of ``dtype``.
    Raises:
      ValueError: ``num_rows < 1``, ``dim < 1`` or a density outside ``(0, 1]``.
    """
    if not isinstance(num_rows, (int, np.integer)) or num_rows < 1:
        raise ValueError(f"num_rows must be a positive int, got {num_rows!r}")
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool) or dim < 1:
        raise ValueError(f"dim must be a positive int, got {dim!r}")
    density = _check_density(density)
    rho = _density_value(density, num_rows if num_real is None else num_real)
    if jax.config.jax_threefry_partitionable:
        # Threefry's counter for element (i, j) is i * dim + j, so row i does not depend on
        # num_rows. One [N, d] draw compiles in under half the time of N per-row keys.
        u = jax.random.uniform(key, (num_rows, dim), jnp.float32)
    else:  # the legacy (non-partitionable) threefry mixes the shape in: one key per row
        keys = jax.vmap(lambda i: jax.random.fold_in(key, i))(jnp.arange(num_rows, dtype=jnp.uint32))
        u = jax.vmap(lambda k: jax.random.uniform(k, (dim,), jnp.float32))(keys)
    half = 0.5 * rho
    val = jax.lax.rsqrt(rho)  # sqrt(s)
    r = jnp.where(u < half, val, jnp.where(u >= 1.0 - half, -val, 0.0))
    return r.astype(dtype)


# ----------------------------------------------------------------------------- propagation
def _auto_block(num_edges: int, dim: int) -> int:
    """Columns per gather–scatter block: the edge messages ``[E, block]`` stay under ~128 MiB."""
    budget = (1 << 25) // max(num_edges, 1)  # 32 Mi floats
    block = 1 << max(int(math.floor(math.log2(max(budget, 1)))), 0)
    return int(max(1, min(dim, block)))


def transition_matvec(x, senders, receivers, num_nodes: int, edge_coef, *, block_size: int | None = None):
    """``A . x`` for ``A[u, v] = sum_{e: u -> v} edge_coef[e]``: ``out[u] = sum_{e: senders[e]=u}
    edge_coef[e] * x[receivers[e]]`` (gather–scatter), over column blocks of ``block_size``.

    With ``edge_coef[e] = w_e / deg(senders[e])`` this is the random-walk transition ``D^-1 S``.

    Args:
      x: ``[N, d]``; senders, receivers: ``[E]`` int; edge_coef: ``[E]`` float (0 for padding).
      block_size: columns per block (None: automatic, see module docstring).
    Returns:
      ``[N, d]``.
    """
    d = x.shape[1]
    block = _auto_block(senders.shape[0], d) if block_size is None else int(block_size)
    if block < 1:
        raise ValueError(f"block_size must be a positive int, got {block_size!r}")
    step = lambda xb: gather_scatter(xb, receivers, senders, num_nodes, edge_weight=edge_coef)
    if block >= d:
        return step(x)
    nb = -(-d // block)
    pad = nb * block - d
    xp = jnp.pad(x, ((0, 0), (0, pad))) if pad else x
    xb = jnp.moveaxis(xp.reshape(x.shape[0], nb, block), 1, 0)  # [nb, N, block]
    out = jax.lax.map(step, xb)
    out = jnp.moveaxis(out, 0, 1).reshape(x.shape[0], nb * block)
    return out[:, :d] if pad else out


def csr_transition(senders, receivers, num_nodes: int, edge_coef):
    """``A`` as a :class:`jax.experimental.sparse.BCSR` matrix, ``A[u, v] = sum_{e: u -> v}
    edge_coef[e]`` (:func:`jaxgraph.ops.csr_from_edges`; jit-able). ``A @ x`` runs JAX's CSR
    sparse-dense kernel (``cpu_csr_sparse_dense`` on CPU, cuSPARSE on GPU)."""
    from jaxgraph.ops import csr_from_edges

    return csr_from_edges(senders, receivers, edge_coef, (num_nodes, num_nodes))


def _check_weights(weights) -> tuple[float, ...]:
    try:
        w = tuple(float(a) for a in weights)
    except TypeError:
        raise ValueError(f"weights must be a non-empty sequence of floats, got {weights!r}") from None
    if not w or not all(math.isfinite(a) for a in w):
        raise ValueError(f"weights must be a non-empty sequence of finite floats, got {weights!r}")
    return w


def _concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


def fastrp(
    graph: jraph.GraphsTuple,
    key,
    *,
    dim: int = 512,
    weights: Sequence[float] = (0.0, 0.0, 1.0, 6.67),
    beta: float = -0.64,
    density: float | None = None,
    normalize: bool = True,
    standardize: bool = True,
    self_loops: bool = False,
    edge_weight=None,
    node_mask=None,
    edge_mask=None,
    block_size: int | None = None,
    degree_scale: str = "paper",
    spmm: str = "csr",
) -> jax.Array:
    """FastRP node embeddings (Chen et al., CIKM 2019, Algorithm 1; see the module docstring).

    ``N_1 = A L R``, ``N_i = A N_{i-1}``, ``out = standardize(sum_i alpha_i rownorm(N_i))`` with
    ``A = D^-1 S`` (``S[u, v]`` = total weight of edges ``u -> v``; pass both directions for an
    undirected graph), ``L = diag((deg/2m)^beta)``, ``R`` from :func:`sparse_random_projection`.
    Pure and jit-able (all keyword arguments are static except ``edge_weight``, ``node_mask``,
    ``edge_mask``); memory ``O(E * block + N * d)``, never an ``N x N`` matrix.

    Args:
      graph: GraphsTuple with ``senders``/``receivers`` ``[E]``; the node count is the leading
        dimension of ``graph.nodes`` (static under jit) or ``sum(n_node)``.
      key: PRNG key of the projection ``R``.
      dim: embedding dimension ``d``.
      weights: ``(alpha_1, ..., alpha_k)``; ``k = len(weights)`` propagation steps.
      beta: degree-normalisation exponent (the paper's ``beta``; official code's ``alpha``).
        Nodes of degree 0 get ``L_jj = 0``.
      density: non-zero fraction ``1/s`` of ``R``; None: ``1/sqrt(#real nodes)``; 1/3: Achlioptas.
      normalize: L2-normalise each row of every ``N_i`` before the weighted sum (official
        ``normalization=True``).
      standardize: scale each output column to zero mean and unit variance over the real nodes
        (scikit-learn ``scale``, as the official ``fastrp_merge``; constant columns stay 0).
      self_loops: use ``S + I`` (one unit self loop per real node).
      edge_weight: optional ``[E]`` non-negative edge weights (default 1).
      node_mask, edge_mask: optional ``[N]`` / ``[E]`` bool marking real nodes / edges of a padded
        graph (e.g. :func:`jaxgraph.graph.node_mask`); padding rows of the output are 0 and the
        real rows equal those of the unpadded graph.
      block_size: columns per gather–scatter block (None: automatic).
      degree_scale: ``"paper"`` for ``(deg/2m)^beta`` or ``"official"`` for ``deg^beta``.
      spmm: how ``A . x`` is computed: ``"csr"`` (JAX's CSR sparse-dense kernel on the edge list
        sorted by sender; ~6x faster on CPU) or ``"segment"`` (gather–scatter with
        :func:`jaxgraph.ops.gather_scatter` in column blocks). Both are ``O(E d)``.
    Returns:
      ``[N, dim]`` float32 embeddings.
    Raises:
      ValueError: ``dim < 1``, empty/non-finite ``weights``, non-finite ``beta``, density outside
        ``(0, 1]``, bad ``degree_scale``, mismatched ``senders``/``receivers``/mask/weight shapes,
        or (outside jit) edge indices outside ``[0, N)`` or negative edge weights.
    """
    if not isinstance(graph, jraph.GraphsTuple):
        raise ValueError(f"graph must be a jraph.GraphsTuple, got {type(graph).__name__}")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise ValueError(f"dim must be a positive int, got {dim!r}")
    w_alpha = _check_weights(weights)
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.floating, np.integer)) \
            or not math.isfinite(float(beta)):
        raise ValueError(f"beta must be a finite float, got {beta!r}")
    beta = float(beta)
    density = _check_density(density)
    if spmm not in ("csr", "segment"):
        raise ValueError(f"spmm must be 'csr' or 'segment', got {spmm!r}")
    if degree_scale not in ("paper", "official"):
        raise ValueError(f"degree_scale must be 'paper' or 'official', got {degree_scale!r}")
    if graph.senders is None or graph.receivers is None:
        raise ValueError("graph.senders and graph.receivers must be set (FastRP needs edges)")
    senders = jnp.asarray(graph.senders)
    receivers = jnp.asarray(graph.receivers)
    if senders.ndim != 1 or senders.shape != receivers.shape:
        raise ValueError(f"senders {senders.shape} and receivers {receivers.shape} must be equal-length 1-D")
    leaves = jax.tree_util.tree_leaves(graph.nodes)
    if leaves:
        n = int(leaves[0].shape[0])
    else:
        if not _concrete(graph.n_node):
            raise ValueError("graph.nodes is None, so N is not static under jit; give node features")
        n = int(np.asarray(graph.n_node).sum())
    if n < 1:
        raise ValueError(f"graph has {n} nodes; FastRP needs at least one")
    e = senders.shape[0]
    if _concrete(senders) and _concrete(receivers) and e:
        for name, arr in (("senders", senders), ("receivers", receivers)):
            lo, hi = int(jnp.min(arr)), int(jnp.max(arr))
            if lo < 0 or hi >= n:
                raise ValueError(f"{name} must lie in [0, {n}), got values in [{lo}, {hi}]")
    if edge_weight is None:
        w = jnp.ones((e,), jnp.float32)
    else:
        w = jnp.asarray(edge_weight, jnp.float32)
        if w.shape != (e,):
            raise ValueError(f"edge_weight must have shape ({e},), got {w.shape}")
        if _concrete(w) and e and float(jnp.min(w)) < 0:
            raise ValueError(f"edge_weight must be non-negative, got min {float(jnp.min(w))}")
    if edge_mask is not None:
        edge_mask = jnp.asarray(edge_mask, bool)
        if edge_mask.shape != (e,):
            raise ValueError(f"edge_mask must have shape ({e},), got {edge_mask.shape}")
        w = jnp.where(edge_mask, w, 0.0)
    if node_mask is None:
        nmask = jnp.ones((n,), bool)
    else:
        nmask = jnp.asarray(node_mask, bool)
        if nmask.shape != (n,):
            raise ValueError(f"node_mask must have shape ({n},), got {nmask.shape}")
    senders = senders.astype(jnp.int32)
    receivers = receivers.astype(jnp.int32)
    if self_loops:
        loops = jnp.arange(n, dtype=jnp.int32)
        senders = jnp.concatenate([senders, loops])
        receivers = jnp.concatenate([receivers, loops])
        w = jnp.concatenate([w, nmask.astype(jnp.float32)])
    n_real = jnp.sum(nmask)

    deg = segment_sum(w, senders, n)                              # row sums of S
    inv_deg = jnp.where(deg > 0, 1.0 / jnp.where(deg > 0, deg, 1.0), 0.0)
    coef = w * inv_deg[senders]                                    # A = D^-1 S as edge weights
    base = deg / jnp.sum(deg) if degree_scale == "paper" else deg
    lvec = jnp.where(deg > 0, jnp.power(jnp.where(deg > 0, base, 1.0), beta), 0.0)

    r = sparse_random_projection(key, n, dim, density=density, num_real=n_real)
    r = jnp.where(nmask[:, None], r, 0.0)
    if spmm == "csr":
        a_csr = csr_transition(senders, receivers, n, coef)
        mv = lambda x: a_csr @ x
    else:
        mv = functools.partial(transition_matvec, senders=senders, receivers=receivers, num_nodes=n,
                               edge_coef=coef, block_size=block_size)

    def rownorm(x):
        if not normalize:
            return x
        nrm = jnp.sqrt(jnp.sum(x * x, axis=1, keepdims=True))
        return x / jnp.where(nrm > 0, nrm, 1.0)

    def body(carry, alpha):                                        # N_i = A N_{i-1}, N_0 = L R
        cur, acc = carry
        cur = mv(cur)
        return (cur, acc + alpha * rownorm(cur)), None

    # One scan over all k powers: the sparse product is traced and compiled once.
    (_, acc), _ = jax.lax.scan(body, (lvec[:, None] * r, jnp.zeros_like(r)), jnp.asarray(w_alpha, jnp.float32))
    acc = jnp.where(nmask[:, None], acc, 0.0)
    if standardize:
        cnt = jnp.maximum(n_real.astype(jnp.float32), 1.0)
        mean = jnp.sum(acc, axis=0) / cnt
        cen = jnp.where(nmask[:, None], acc - mean, 0.0)
        std = jnp.sqrt(jnp.sum(cen * cen, axis=0) / cnt)
        acc = cen / jnp.where(std > 0, std, 1.0)
    return acc.astype(jnp.float32)


# ----------------------------------------------------------------------------- benchmark
# Published figures beside ours. Keys: (dataset, method) -> {train_ratio: (micro_f1, macro_f1)};
# None where a source gives only one of the two.
# * blogcatalog: the official FastRP notebook (GTmac/FastRP fast-random-projection-blogcatalog
#   .ipynb @ 5af0189): FastRP d=512, weights (0,0,1,6.67), beta=-0.64, C=0.1 (cell 23);
#   DeepWalk (deepwalk-sgns, 80 walks x 40 steps, d=128, cell 54); node2vec p=q=0.25 (cell 55);
#   5 shuffles each.
# * node2vec paper (Grover & Leskovec, KDD 2016), Table 2: Macro-F1 at 50% training, d=128,
#   r=10, l=80, k=10: BlogCatalog DeepWalk 0.2110 / node2vec 0.2581; PPI 0.1768 / 0.1791;
#   Wikipedia 0.1274 / 0.1552 (node2vec p, q = (0.25, 0.25), (4, 1), (4, 0.5)).
_NB = {
    "fastrp": [(0.3723, 0.2281), (0.3907, 0.2494), (0.3998, 0.2587), (0.4074, 0.2692), (0.4122, 0.2753),
               (0.4163, 0.2746), (0.4204, 0.2801), (0.4187, 0.2805), (0.4257, 0.2801)],
    "deepwalk": [(0.3529, 0.1625), (0.3861, 0.1989), (0.3996, 0.2194), (0.4100, 0.2349), (0.4193, 0.2451),
                 (0.4262, 0.2508), (0.4270, 0.2553), (0.4283, 0.2575), (0.4294, 0.2575)],
    "node2vec": [(0.3591, 0.2119), (0.3827, 0.2413), (0.3991, 0.2610), (0.4079, 0.2704), (0.4164, 0.2771),
                 (0.4206, 0.2842), (0.4251, 0.2893), (0.4351, 0.2952), (0.4429, 0.3017)],
}
_RATIOS9 = tuple(round(0.1 * i, 1) for i in range(1, 10))
PAPER_F1: dict[tuple[str, str], dict[float, tuple[float | None, float | None]]] = {
    ("blogcatalog", m): dict(zip(_RATIOS9, v)) for m, v in _NB.items()
}
PAPER_F1[("ppi", "deepwalk")] = {0.5: (None, 0.1768)}
PAPER_F1[("ppi", "node2vec")] = {0.5: (None, 0.1791)}
PAPER_F1[("wikipedia-pos", "deepwalk")] = {0.5: (None, 0.1274)}
PAPER_F1[("wikipedia-pos", "node2vec")] = {0.5: (None, 0.1552)}
_PAPER_SOURCE = {
    "blogcatalog": "official FastRP notebook (GTmac/FastRP @5af0189, cells 23/54/55)",
    "ppi": "node2vec paper Table 2 (Macro-F1 @50% only)",
    "wikipedia-pos": "node2vec paper Table 2 (Macro-F1 @50% only)",
}


def _paper(dataset: str, method: str, ratio: float):
    tab = PAPER_F1.get((dataset, method), {})
    for r, v in tab.items():
        if abs(r - ratio) < 1e-6:
            return v
    return (None, None)


def _merge(base: dict, *over) -> dict:
    out = dict(base)
    for o in over:
        if o:
            out.update(o)
    return out


def _fastrp_params(cfg: dict, dataset: str) -> dict:
    p = _merge(FASTRP_DEFAULTS, cfg.get("fastrp", {}).get("common"),
               cfg.get("fastrp", {}).get("per_dataset", {}).get(dataset))
    p["weights"] = tuple(float(a) for a in p["weights"])
    return p


def time_fastrp(graph, key, params: dict, repeats: int = 3) -> tuple[np.ndarray, float, float]:
    """Embeds ``graph`` with a freshly jitted :func:`fastrp` and times it end to end (host numpy
    graph in, host numpy embeddings out).

    Returns:
      ``(embeddings [N, d] float32 numpy, seconds_with_compile, seconds_warm)``: the first call
      (trace + compile + run) and the median of ``repeats`` further calls.
    """
    fn = jax.jit(functools.partial(fastrp, **params))  # a new jit object: the first call compiles
    t0 = time.perf_counter()
    out = np.asarray(jax.block_until_ready(fn(graph, key)))
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(max(int(repeats), 1)):
        t0 = time.perf_counter()
        out = np.asarray(jax.block_until_ready(fn(graph, key)))
        warm.append(time.perf_counter() - t0)
    return out, cold, float(statistics.median(warm))


def _time_walk_method(method: str, graph, key, params: dict) -> tuple[np.ndarray, float]:
    from jaxgraph.embed import skipgram

    fn = getattr(skipgram, method)
    t0 = time.perf_counter()
    emb = np.asarray(jax.block_until_ready(fn(graph, key, **params)))
    return emb, time.perf_counter() - t0


def _load(name: str, data_root=None):
    from jaxgraph import data

    ds = data.load(name, root=data_root)
    g = ds.graph
    g = g._replace(senders=np.asarray(g.senders, np.int32), receivers=np.asarray(g.receivers, np.int32))
    return g, np.asarray(ds.labels)


def run_fastrp(cfg: dict, log: Callable[[str], None] = print) -> list[dict]:
    """The FastRP benchmark of issue 10: multi-label node classification and embedding time of
    FastRP vs DeepWalk vs node2vec on each configured dataset.

    ``cfg`` keys: ``datasets`` (names for :func:`jaxgraph.data.load`), ``methods`` (subset of
    fastrp/deepwalk/node2vec), ``seed``, ``fastrp`` (``{"common": {...}, "per_dataset": {name:
    {...}}}`` keyword arguments of :func:`fastrp`, ``"timing_repeats"``), ``deepwalk`` /
    ``node2vec`` (``{"common": {...}, "per_dataset": {...}}`` keyword arguments of
    :func:`jaxgraph.embed.skipgram.deepwalk` / ``node2vec``), ``eval`` (``train_ratios``,
    ``repeats``, ``normalize``, ``C``, optional per-method ``C_per_method`` and per-method,
    per-dataset ``C_per_dataset`` (``{"fastrp": {"ppi": 0.01}}``, which wins)), ``data_root``.

    Returns:
      rows ``{"dataset", "method", "train_ratio", "micro_f1", "macro_f1", "micro_f1_std",
      "macro_f1_std", "embed_seconds", "embed_seconds_with_compile" (FastRP; else equal to
      embed_seconds), "speedup_vs_fastrp" (method seconds / FastRP warm seconds),
      "speedup_vs_fastrp_cold" (method seconds with compile / FastRP seconds with compile), "paper_micro_f1",
      "paper_macro_f1", "dim", "C" (the classifier's), "num_nodes", "num_edges"}``.
    """
    datasets = list(cfg.get("datasets", ["blogcatalog", "ppi", "wikipedia-pos"]))
    methods = list(cfg.get("methods", ["fastrp", "deepwalk", "node2vec"]))
    bad = [m for m in methods if m not in ("fastrp", "deepwalk", "node2vec")]
    if bad or not methods:
        raise ValueError(f"methods must be a non-empty subset of fastrp/deepwalk/node2vec, got {methods}")
    seed = int(cfg.get("seed", 0))
    ev = dict(cfg.get("eval", {}))
    ratios = tuple(float(r) for r in ev.get("train_ratios", (0.1, 0.5, 0.9)))
    c_per = dict(ev.get("C_per_method", {}) or {})
    c_per_ds = {m: dict(v) for m, v in dict(ev.get("C_per_dataset", {}) or {}).items()}
    rows: list[dict] = []
    for dname in datasets:
        graph, labels = _load(dname, cfg.get("data_root"))
        n, e = int(labels.shape[0]), int(np.asarray(graph.senders).shape[0])
        log(f"[fastrp] {dname}: N={n} E={e} labels={labels.shape[1]}")
        times: dict[str, tuple[float, float]] = {}
        results: dict[str, tuple[list[dict], int]] = {}
        for m in methods:
            key = jax.random.PRNGKey(seed)
            if m == "fastrp":
                params = _fastrp_params(cfg, dname)
                emb, cold, warm = time_fastrp(graph, key, params, cfg.get("fastrp", {}).get("timing_repeats", 3))
                times[m] = (warm, cold)
            else:
                mc = cfg.get(m, {})
                params = _merge(mc.get("common", {}), mc.get("per_dataset", {}).get(dname))
                emb, secs = _time_walk_method(m, graph, key, params)
                times[m] = (secs, secs)
            log(f"[fastrp] {dname} {m}: embedded in {times[m][0]:.3f} s "
                f"(with compile {times[m][1]:.3f} s), dim={emb.shape[1]}")
            t0 = time.perf_counter()
            C = float(c_per_ds.get(m, {}).get(dname, c_per.get(m, ev.get("C", 1.0))))
            res = multilabel_eval(emb, labels, ratios, ev, C, seed)
            log(f"[fastrp] {dname} {m}: " + ", ".join(
                f"{r['train_ratio']:.1f}: {r['micro_f1']:.4f}/{r['macro_f1']:.4f}" for r in res)
                + f" (micro/macro, eval {time.perf_counter() - t0:.0f} s)")
            results[m] = (res, int(emb.shape[1]), C)
        ref_warm, ref_cold = times.get("fastrp", (float("nan"), float("nan")))
        for m in methods:
            res, d, C = results[m]
            for r in res:
                pm, pM = _paper(dname, m, r["train_ratio"])
                rows.append({
                    "dataset": dname, "method": m, "train_ratio": r["train_ratio"],
                    "micro_f1": r["micro_f1"], "macro_f1": r["macro_f1"],
                    "micro_f1_std": r["micro_f1_std"], "macro_f1_std": r["macro_f1_std"],
                    "embed_seconds": times[m][0], "embed_seconds_with_compile": times[m][1],
                    "speedup_vs_fastrp": times[m][0] / ref_warm if ref_warm == ref_warm else None,
                    "speedup_vs_fastrp_cold": times[m][1] / ref_cold if ref_cold == ref_cold else None,
                    "paper_micro_f1": pm, "paper_macro_f1": pM,
                    "dim": d, "C": C, "num_nodes": n, "num_edges": e,
                })
    return rows


def multilabel_eval(emb, labels, ratios, ev: dict, C: float, seed: int) -> list[dict]:
    """:func:`jaxgraph.embed.evaluate.multilabel_node_classification` with the config's options."""
    from jaxgraph.embed.evaluate import multilabel_node_classification

    return multilabel_node_classification(
        emb, labels, train_ratios=ratios, repeats=int(ev.get("repeats", 3)), seed=seed,
        normalize=bool(ev.get("normalize", False)), C=float(C),
    )


def _f(v, digits=4):
    return "-" if v is None else f"{v:.{digits}f}"


def summarize_fastrp(rows: list[dict], cfg: dict) -> str:
    """Tables of the benchmark: per dataset, Micro/Macro-F1 (ours | published) per method and
    train ratio; then embedding wall time per method and the speed-up over FastRP."""
    from jaxgraph.train.runners import format_table

    out = []
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    for dname in datasets:
        rs = [r for r in rows if r["dataset"] == dname]
        table = [{
            "method": r["method"], "ratio": f"{r['train_ratio']:.1f}",
            "micro (ours)": f"{r['micro_f1']:.4f}±{r['micro_f1_std']:.3f}",
            "micro (paper)": _f(r["paper_micro_f1"]),
            "macro (ours)": f"{r['macro_f1']:.4f}±{r['macro_f1_std']:.3f}",
            "macro (paper)": _f(r["paper_macro_f1"]),
        } for r in rs]
        out.append(f"{dname} (N={rs[0]['num_nodes']}, E={rs[0]['num_edges']} directed; "
                   f"published: {_PAPER_SOURCE.get(dname, '-')})")
        out.append(format_table(table, ["method", "ratio", "micro (ours)", "micro (paper)",
                                        "macro (ours)", "macro (paper)"]))
        out.append("")
    timing = []
    for dname in datasets:
        seen = set()
        for r in rows:
            if r["dataset"] != dname or r["method"] in seen:
                continue
            seen.add(r["method"])
            timing.append({
                "dataset": dname, "method": r["method"], "dim": r["dim"],
                "seconds": f"{r['embed_seconds']:.3f}",
                "seconds incl. compile": f"{r['embed_seconds_with_compile']:.3f}",
                "x FastRP (warm)": _f(r["speedup_vs_fastrp"], 1),
                "x FastRP (incl. compile)": _f(r["speedup_vs_fastrp_cold"], 1),
            })
    out.append("Embedding wall time (end to end, same CPU; FastRP warm = median after a compiled call)")
    out.append(format_table(timing, ["dataset", "method", "dim", "seconds", "seconds incl. compile",
                                     "x FastRP (warm)", "x FastRP (incl. compile)"]))
    return "\n".join(out)


# ----------------------------------------------------------------------------- tuning
_OBJECTIVES = ("macro", "micro", "mean")
_WEIGHT_SPACES = ("official", "all")


def tune_fastrp(graph, labels, key, *, trials: int = 20, seed: int = 100, train_ratio: float = 0.1,
                repeats: int = 3, objective: str = "macro", C: float | Sequence[float] = 0.1,
                weight_range: tuple[float, float] = (1.0, 64.0), beta_range: tuple[float, float] = (-1.0, 0.0),
                weight_space: str = "official", base: dict | None = None,
                log: Callable[[str], None] | None = None) -> list[dict]:
    """Random search over the official FastRP search space, scored on splits of their own.

    The official notebooks (GTmac/FastRP ``fast-random-projection-blogcatalog.ipynb`` @5af0189,
    cell 21) tune two numbers with optuna: the last weight ``alpha_4`` (log-uniform in
    ``[1, 64]``, with ``alpha_1..3 = 0, 0, 1``) and ``beta`` (uniform in ``[-1, 0]``), maximising
    Macro-F1 at 10 % training over 3 shuffles with ``C = 0.1``. Here the same space is sampled
    uniformly at random (``np.random.default_rng(seed)``; trial 0 is ``base``, by default
    :data:`FASTRP_DEFAULTS`, so the search never ends below the untuned setting on its own
    objective), each embedding is scored by
    :func:`jaxgraph.embed.evaluate.multilabel_node_classification` with split seeds ``seed ..
    seed + repeats - 1``; the benchmark's reported splits use seeds ``0, 1, ...``, so a tuned
    setting is never chosen on the splits it is reported on (the labelled nodes are shared, as in
    the official procedure).

    Args:
      graph: GraphsTuple (both edge directions for an undirected graph).
      labels: ``[N, C]`` 0/1 label matrix.
      key: PRNG key of the projection (use another key than the reported run's).
      trials: settings scored, including ``base``.
      seed: seed of the sampler and base seed of the tuning splits.
      train_ratio, repeats, C: the scoring protocol (official: 0.1, 3, 0.1). A sequence of C
        values scores every setting with each (one row per setting and C): the classifier's
        regularisation joins the search.
      objective: ``"macro"`` (official), ``"micro"`` or ``"mean"`` (of the two).
      weight_range, beta_range: the search box of ``alpha_4`` (log-uniform) and ``beta``.
      weight_space: ``"official"`` (``alpha_1..3 = 0, 0, 1``, only ``alpha_4`` searched) or
        ``"all"``: each of ``alpha_1..alpha_4`` drawn independently, log-uniform in
        ``weight_range`` (the paper's Algorithm 1 takes any weights; the official box puts no
        weight on ``A`` and ``A^2``).
      base: other :func:`fastrp` keyword arguments (``dim``, ``normalize`` ...; default
        :data:`FASTRP_DEFAULTS`); its ``weights``/``beta`` are trial 0.
      log: optional progress callback, one line per trial.
    Returns:
      one row per trial (and C), in trial order: ``{"trial", "weights", "beta", "C", "micro_f1",
      "macro_f1", "micro_f1_std", "macro_f1_std", "objective", "best"}`` (``best`` marks the
      first row with the highest objective).
    Raises:
      ValueError: ``trials < 1``, an unknown ``objective`` or ``weight_space``, a C that is not a
        positive finite number, or a search box with ``lo > hi`` or a non-positive weight bound.
    """
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 1:
        raise ValueError(f"trials must be a positive int, got {trials!r}")
    if objective not in _OBJECTIVES:
        raise ValueError(f"objective must be one of {_OBJECTIVES}, got {objective!r}")
    if weight_space not in _WEIGHT_SPACES:
        raise ValueError(f"weight_space must be one of {_WEIGHT_SPACES}, got {weight_space!r}")
    Cs = (C,) if isinstance(C, (int, float, np.integer, np.floating)) else tuple(C)
    if not Cs or not all(isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, bool)
                         and math.isfinite(c) and c > 0 for c in Cs):
        raise ValueError(f"C must be a positive finite number or a non-empty sequence of them, got {C!r}")
    (wl, wh), (bl, bh) = (float(v) for v in weight_range), (float(v) for v in beta_range)
    if not (0 < wl <= wh < math.inf):
        raise ValueError(f"weight_range must be 0 < lo <= hi < inf, got {weight_range!r}")
    if not (math.isfinite(bl) and math.isfinite(bh) and bl <= bh):
        raise ValueError(f"beta_range must be finite with lo <= hi, got {beta_range!r}")
    params = dict(FASTRP_DEFAULTS if base is None else _merge(FASTRP_DEFAULTS, base))
    rng = np.random.default_rng(seed)
    settings = [(tuple(float(a) for a in params["weights"]), float(params["beta"]))]
    for _ in range(int(trials) - 1):
        drawn = np.exp(rng.uniform(math.log(wl), math.log(wh), size=4 if weight_space == "all" else 1))
        weights = tuple(round(float(w), 2) for w in drawn)
        if weight_space == "official":
            weights = (0.0, 0.0, 1.0) + weights
        settings.append((weights, round(float(rng.uniform(bl, bh)), 2)))
    rows = []
    for t, (weights, beta) in enumerate(settings):
        emb = np.asarray(fastrp(graph, key, **_merge(params, {"weights": weights, "beta": beta})))
        for c in Cs:
            r = multilabel_eval(emb, labels, (train_ratio,), {"repeats": repeats, "normalize": False}, c, seed)[0]
            obj = {"macro": r["macro_f1"], "micro": r["micro_f1"],
                   "mean": 0.5 * (r["micro_f1"] + r["macro_f1"])}[objective]
            rows.append({"trial": t, "weights": weights, "beta": beta, "C": float(c), "micro_f1": r["micro_f1"],
                         "macro_f1": r["macro_f1"], "micro_f1_std": r["micro_f1_std"],
                         "macro_f1_std": r["macro_f1_std"], "objective": obj, "best": False})
            if log is not None:
                log(f"[fastrp_tune] trial {t + 1}/{len(settings)}: weights={weights} beta={beta:+.2f} C={c:g} "
                    f"micro/macro {r['micro_f1']:.4f}/{r['macro_f1']:.4f}")
    rows[int(np.argmax([r["objective"] for r in rows]))]["best"] = True
    return rows


def run_fastrp_tune(cfg: dict, log: Callable[[str], None] = print) -> list[dict]:
    """:func:`tune_fastrp` on each of ``cfg["datasets"]`` with ``cfg["tune"]`` (its keyword
    arguments) and the projection key ``PRNGKey(cfg["seed"])``; rows gain ``"dataset"``."""
    tune = dict(cfg.get("tune", {}))
    rows = []
    for dname in list(cfg.get("datasets", ["ppi", "wikipedia-pos"])):
        graph, labels = _load(dname, cfg.get("data_root"))
        log(f"[fastrp_tune] {dname}: N={labels.shape[0]} labels={labels.shape[1]}")
        for r in tune_fastrp(graph, labels, jax.random.PRNGKey(int(cfg.get("seed", 0))), log=log, **tune):
            rows.append({"dataset": dname, **r})
    return rows


def summarize_fastrp_tune(rows: list[dict], cfg: dict) -> str:
    """Per dataset: the trials sorted by objective (best first) and the chosen setting."""
    from jaxgraph.train.runners import format_table

    out = []
    for dname in dict.fromkeys(r["dataset"] for r in rows):
        rs = sorted((r for r in rows if r["dataset"] == dname), key=lambda r: (-r["objective"], r["trial"]))
        best = next(r for r in rs if r["best"])
        out.append(f"{dname}: chosen weights={best['weights']} beta={best['beta']} C={best.get('C', '-')} "
                   f"(trial {best['trial']}; objective {best['objective']:.4f})")
        out.append(format_table([{
            "trial": r["trial"], "weights": str(r["weights"]), "beta": f"{r['beta']:+.2f}", "C": f"{r.get('C', '-')}",
            "micro": f"{r['micro_f1']:.4f}±{r['micro_f1_std']:.3f}",
            "macro": f"{r['macro_f1']:.4f}±{r['macro_f1_std']:.3f}", "objective": f"{r['objective']:.4f}",
        } for r in rs], ["trial", "weights", "beta", "C", "micro", "macro", "objective"]))
        out.append("")
    return "\n".join(out)


# ----------------------------------------------------------------------------- quick claim
CLAIM_TEXT = ("FastRP embeds PPI >= 100x faster than DeepWalk (end to end, same CPU, FastRP after "
              "compilation) with Micro-F1 at 50% training no more than 0.02 below DeepWalk's")
CLAIM_PAPER_VALUE = 4000.0  # "over 4,000 times faster than ... DeepWalk and node2vec" (abstract)


def quick_claim(quick: bool = True) -> float:
    """Measures the headline claim: DeepWalk / FastRP embedding wall-time ratio on PPI.

    Returns the ratio (DeepWalk seconds / FastRP warm seconds) when FastRP's Micro-F1 at 50%
    training is at least DeepWalk's minus 0.02 (one split, DeepWalk-protocol classifier with
    C = 0.1 for FastRP's 512-d and 1.0 for DeepWalk's 128-d embeddings), else 0.0 (the
    accuracy half of the claim fails). The claim holds when the value is ``>= 100`` (the paper:
    > 4,000x on a multi-core server). ``quick=True``: DeepWalk with 4 walks of length 40 per
    node (< ~60 s on CPU); ``False``: DeepWalk's defaults (10 walks of length 80) and 3 splits.
    """
    graph, labels = _load("ppi")
    key = jax.random.PRNGKey(0)
    params = _merge(FASTRP_DEFAULTS, FASTRP_TUNED["ppi"])  # PPI's tuned setting, as in the benchmark config
    emb_f, _, warm = time_fastrp(graph, key, params, repeats=3)
    dw = dict(dim=128, window=10, negatives=5, epochs=1)
    dw.update(dict(walks_per_node=4, walk_length=40) if quick else dict(walks_per_node=10, walk_length=80))
    emb_d, secs = _time_walk_method("deepwalk", graph, key, dw)
    ev = {"repeats": 1 if quick else 3, "normalize": False}
    f_fast = multilabel_eval(emb_f, labels, (0.5,), ev, 0.1, 0)[0]
    f_dw = multilabel_eval(emb_d, labels, (0.5,), ev, 1.0, 0)[0]
    if f_fast["micro_f1"] < f_dw["micro_f1"] - 0.02:
        return 0.0
    return float(secs / warm)
