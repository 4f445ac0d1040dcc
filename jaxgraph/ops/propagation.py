"""Gather–scatter message passing, degrees, normalized adjacency and propagation.

Conventions: edge ``e`` sends ``x[senders[e]]`` to ``receivers[e]``; ``n`` is the static
number of nodes (the padded budget inside jit). ``edge_mask`` (``[E]`` bool) excludes
padding edges. Pure functions; no Python control flow on traced values.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxgraph.ops.segment import (
    resolve_impl,
    segment_max,
    segment_mean,
    segment_min,
    segment_softmax,
    segment_sum,
)

__all__ = [
    "gather_scatter",
    "degree",
    "with_self_loops",
    "gcn_norm",
    "propagate",
    "propagate_k",
    "edge_softmax",
    "laplacian_matvec",
    "csr_from_edges",
]

_REDUCERS = {
    "sum": segment_sum,
    "mean": segment_mean,
    "max": segment_max,
    "min": segment_min,
}


def _pallas_reason(x, edge_weight):
    """Why the SpMM kernel cannot take this call (None if it can)."""
    if x.dtype != jnp.float32:
        return f"x must be float32 for the kernel, got {x.dtype}"
    if x.ndim < 1:
        return f"x must have a node axis, got shape {x.shape}"
    if edge_weight is not None and edge_weight.ndim != 1:
        return f"edge_weight must be [E] for the kernel, got shape {edge_weight.shape}"
    if jax.default_backend() == "gpu":
        f = 1
        for d in x.shape[1:]:
            f *= d
        if f & (f - 1):
            return f"the compiled kernel needs a power-of-two feature width, got {f}"
    return None


def gather_scatter(x, senders, receivers, n: int, edge_weight=None, reduce: str = "sum", edge_mask=None,
                   *, impl: str = "xla", csr=None):
    """Sparse ``A^T x``: ``out[i] = reduce_{e: receivers[e]=i} w[e] * x[senders[e]]``.

    The fused gather–transform–scatter (SpMM) of message passing: GCN (Kipf & Welling, 2017)
    with GCN-normalised ``w``, SAGE mean/max (Hamilton et al., 2017), GIN sum (Xu et al., 2019).

    Args:
      x: ``[N, ...]`` node features.
      senders, receivers: ``[E]`` int.
      n: number of output nodes.
      edge_weight: optional ``[E]`` (or broadcastable ``[E, ...]``) weights.
      reduce: 'sum' | 'mean' | 'max' | 'min'.
      edge_mask: optional ``[E]`` bool.
      impl: ``"xla"`` (default, see below), ``"auto"`` (Pallas SpMM kernel ``kernels.spmm`` on a GPU
        backend, XLA elsewhere;
        calls the kernel cannot take -- non-float32 ``x``, ``[E, ...]`` weights, a
        non-power-of-two feature width on GPU -- use XLA), ``"pallas"`` (the kernel; interpret
        mode off-GPU) or ``"xla"`` (``x[senders]`` + ``jax.ops`` segment reduction).
      csr: optional ``kernels.spmm.prepare_csr(senders, receivers, n, edge_mask, n_src=N)``
        result, reused by the Pallas path instead of sorting the edges on every call.

    The default is ``"xla"``, not ``"auto"``: on one H200 the SpMM kernel matched XLA but ran at
    0.69-0.98x its speed (4,096 nodes, 65,536 edges, F = 64; experiments/benchmarks/RESULTS.md),
    and the layer-level GPU comparison (``experiments/benchmarks/gpu_session.sh``, STAGES=mp)
    has not run yet; a GPU user opts in with ``impl="auto"``.
    Returns:
      ``[n, ...]``.
    Raises:
      ValueError: bad ``reduce`` or ``impl``; ``impl="pallas"`` for a call the kernel cannot
        take (the message names the reason).
    """
    if reduce not in _REDUCERS:
        raise ValueError(f"reduce must be one of {sorted(_REDUCERS)}, got {reduce!r}")
    use = resolve_impl(impl)
    if use == "pallas":
        why = _pallas_reason(x, edge_weight)
        if why is None:
            from kernels import spmm as _spmm

            flat = x.reshape(x.shape[0], -1)
            out = _spmm.spmm(flat, senders, receivers, n, edge_weight, reduce, edge_mask,
                             csr=csr, impl="pallas")
            return out.reshape((n,) + x.shape[1:])
        if impl == "pallas":
            raise ValueError(f"impl='pallas' cannot take this call: {why}")
    msg = x[senders]
    if edge_weight is not None:
        w = edge_weight.reshape(edge_weight.shape + (1,) * (msg.ndim - edge_weight.ndim))
        msg = msg * w
    return _REDUCERS[reduce](msg, receivers, n, edge_mask)


def degree(index, n: int, edge_weight=None, edge_mask=None, dtype=jnp.float32):
    """(Weighted) degree ``deg[i] = sum_{e: index[e]=i} w[e]``; pass receivers for in-degree."""
    w = jnp.ones(index.shape, dtype) if edge_weight is None else edge_weight.astype(dtype)
    return segment_sum(w, index, n, edge_mask)


def with_self_loops(senders, receivers, n: int, edge_weight=None, edge_mask=None, fill_value=1.0):
    """Appends one self loop per node (static shape ``E + n``).

    Returns ``(senders, receivers, edge_weight, edge_mask)``; new loops have weight
    ``fill_value`` and mask True. Existing self loops are kept (as in Kipf & Welling's
    ``A + I``).
    """
    loops = jnp.arange(n, dtype=jnp.int32)
    senders, receivers = jnp.asarray(senders, jnp.int32), jnp.asarray(receivers, jnp.int32)
    s = jnp.concatenate([senders, loops])
    r = jnp.concatenate([receivers, loops])
    w = None
    if edge_weight is not None:
        w = jnp.concatenate([edge_weight, jnp.full((n,), fill_value, edge_weight.dtype)])
    elif fill_value != 1.0:
        w = jnp.concatenate([jnp.ones(senders.shape), jnp.full((n,), fill_value)])
    m = None
    if edge_mask is not None:
        m = jnp.concatenate([edge_mask, jnp.ones((n,), bool)])
    return s, r, w, m


def gcn_norm(senders, receivers, n: int, edge_weight=None, add_self_loops: bool = True, edge_mask=None):
    """Symmetric normalization ``D^{-1/2} (A [+ I]) D^{-1/2}`` as edge weights.

    Kipf & Welling (2017), "Semi-Supervised Classification with Graph Convolutional
    Networks": ``Â = D̃^{-1/2} Ã D̃^{-1/2}``, ``Ã = A + I``, ``D̃`` the degree of ``Ã``
    (computed from in-degrees, i.e. ``D̃_ii = sum_j Ã_ji`` with the convention that
    edge ``j -> i`` means ``Ã[j, i]``; symmetric graphs give the usual degree).

    Returns:
      ``(senders, receivers, weights [E'], edge_mask or None)`` with ``E' = E + n`` when
      self loops are added. Masked edges get weight 0; zero-degree nodes give 0, not inf.
    """
    if add_self_loops:
        senders, receivers, edge_weight, edge_mask = with_self_loops(
            senders, receivers, n, edge_weight, edge_mask
        )
    w = jnp.ones(senders.shape, jnp.float32) if edge_weight is None else edge_weight.astype(jnp.float32)
    if edge_mask is not None:
        w = jnp.where(edge_mask, w, 0.0)
    deg = segment_sum(w, receivers, n)
    inv_sqrt = jnp.where(deg > 0, jax.lax.rsqrt(jnp.where(deg > 0, deg, 1.0)), 0.0)
    return senders, receivers, inv_sqrt[senders] * w * inv_sqrt[receivers], edge_mask


def propagate(x, senders, receivers, n: int, edge_weight=None, edge_mask=None, *, impl: str = "xla",
              csr=None):
    """One step ``x <- Â x`` with precomputed edge weights (e.g. from :func:`gcn_norm`).

    ``impl`` / ``csr``: as in :func:`gather_scatter` (sum reduction)."""
    return gather_scatter(x, senders, receivers, n, edge_weight, "sum", edge_mask, impl=impl, csr=csr)


def propagate_k(x, senders, receivers, n: int, k: int, edge_weight=None, edge_mask=None, *,
                impl: str = "xla"):
    """``Â^k x`` by ``k`` gather–scatter steps (``lax.fori_loop``, constant memory in ``k``).

    ``impl``: as in :func:`gather_scatter`; the Pallas path sorts the edges once for all k steps.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    csr = None
    if resolve_impl(impl) == "pallas" and _pallas_reason(x, edge_weight) is None:
        from kernels import spmm as _spmm

        csr = _spmm.prepare_csr(senders, receivers, n, edge_mask, n_src=x.shape[0])

    def body(_, h):
        return propagate(h, senders, receivers, n, edge_weight, edge_mask, impl=impl, csr=csr)

    return jax.lax.fori_loop(0, k, body, x)


def edge_softmax(logits, receivers, n: int, edge_mask=None):
    """Softmax of edge ``logits`` (``[E]`` or ``[E, H]``) over each receiver's incoming edges."""
    return segment_softmax(logits, receivers, n, edge_mask)


def laplacian_matvec(x, senders, receivers, n: int, normalized: bool = True, edge_weight=None, edge_mask=None):
    """Graph Laplacian times ``x``.

    ``normalized=True``: ``L x = x - D^{-1/2} A D^{-1/2} x`` (isolated nodes: ``L x = x``
    there, matching ``I - D^{-1/2} A D^{-1/2}`` with ``0^{-1/2} := 0``).
    ``normalized=False``: ``L x = D x - A x`` with ``D`` the in-degree.
    """
    if normalized:
        s, r, w, m = gcn_norm(senders, receivers, n, edge_weight, add_self_loops=False, edge_mask=edge_mask)
        return x - propagate(x, s, r, n, w, m)
    deg = degree(receivers, n, edge_weight, edge_mask, x.dtype)
    ax = gather_scatter(x, senders, receivers, n, edge_weight, "sum", edge_mask)
    return deg.reshape((n,) + (1,) * (x.ndim - 1)) * x - ax


def csr_from_edges(rows, cols, values, shape: tuple[int, int]):
    """The :class:`jax.experimental.sparse.BCSR` matrix ``M[rows[e], cols[e]] += values[e]``
    (jit-able: the entries are sorted by row inside the trace). ``M @ x`` runs JAX's CSR
    sparse-dense kernel (``cpu_csr_sparse_dense`` on CPU, cuSPARSE on GPU)."""
    from jax.experimental import sparse as jsparse

    rows, cols = jnp.asarray(rows), jnp.asarray(cols)
    order = jnp.argsort(rows, stable=True)
    counts = segment_sum(jnp.ones(rows.shape, jnp.int32), rows, shape[0])
    indptr = jnp.concatenate([jnp.zeros((1,), jnp.int32), jnp.cumsum(counts).astype(jnp.int32)])
    return jsparse.BCSR((jnp.asarray(values)[order], cols[order].astype(jnp.int32), indptr), shape=shape)
