"""Fused edge-softmax attention aggregation (GAT) Pallas kernels with ``custom_vjp`` (issue 9).

Veličković et al., "Graph Attention Networks" (ICLR 2018): for edge ``j -> i`` and head k,
``e_ij = LeakyReLU(a_s[j,k] + a_d[i,k])``, ``α_ij = softmax_j e_ij`` over ``i``'s incoming
edges, ``out[i,k] = Σ_j α_ij h[j,k,:]``.

Public entry points:

* :func:`gat_aggregate` ``(h, a_s, a_d, csr, *, negative_slope)`` -> ``(out [N,H,C],
  lse [N,H])``: the kernel path on a prepared :class:`kernels.spmm.CSR` (from
  :func:`kernels.spmm.prepare_csr`), differentiable in ``h``, ``a_s``, ``a_d``;
* :func:`gat` ``(h, a_s, a_d, senders, receivers, n, negative_slope=0.2, edge_mask=None, *,
  csr=None, impl="auto")`` -> ``(out, alpha [E, H])``; ``impl`` as in :mod:`kernels.spmm`;
* :func:`gat_ref`: the pure-jnp reference.

See :mod:`kernels.gat.kernel` for the kernels, the backward formulas and the GPU status.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from kernels.common import resolve_impl
from kernels.gat import kernel as _K
from kernels.gat.kernel import DEFAULT_BLOCK_R
from kernels.gat.reference import gat_ref
from kernels.spmm import CSR, prepare_csr

__all__ = ["gat", "gat_aggregate", "gat_ref", "edge_alpha", "quick_claim", "resolve_impl", "DEFAULT_BLOCK_R"]


@functools.partial(jax.custom_vjp, nondiff_argnums=(4, 5, 6, 7))
def _core(h, a_s, a_d, csr, slope, block_r, interpret, backend):
    return _K.gat_fwd_call(csr.indptr, csr.col, h, a_s, a_d, negative_slope=slope,
                           block_r=block_r, interpret=interpret, backend=backend)


def _core_fwd(h, a_s, a_d, csr, slope, block_r, interpret, backend):
    out, lse = _core(h, a_s, a_d, csr, slope, block_r, interpret, backend)
    return (out, lse), (h, a_s, a_d, csr, out, lse)


def _core_bwd(slope, block_r, interpret, backend, saved, cts):
    h, a_s, a_d, csr, out, lse = saved
    g, g_lse = cts
    kw = dict(negative_slope=slope, block_r=block_r, interpret=interpret, backend=backend)
    corr = g_lse - jnp.sum(g * out, axis=-1)                       # g_lse - δ, [N, H]
    dad, dpre = _K.gat_bwd_dst_call(csr.indptr, csr.col, h, a_s, a_d, lse, g, corr, **kw)
    # receiver-sorted position of each original edge, then of each sender-sorted position
    pos = jnp.zeros_like(csr.perm).at[csr.perm].set(jnp.arange(csr.perm.shape[0],
                                                               dtype=jnp.int32))
    dpre_t = dpre[pos[csr.perm_t]]
    dh, das = _K.gat_bwd_src_call(csr.indptr_t, csr.row_t, dpre_t, a_s, a_d, lse, g, **kw)
    return dh, das, dad, jax.tree_util.tree_map(lambda a: None, csr)


_core.defvjp(_core_fwd, _core_bwd)


def gat_aggregate(h, a_s, a_d, csr: CSR, *, negative_slope: float = 0.2,
                  block_r: int = DEFAULT_BLOCK_R, interpret=None, backend=None):
    """Fused GAT aggregation on a prepared CSR (square graph: ``N`` senders = ``N`` receivers).

    Args:
      h: float32 ``[N, H, C]``; a_s, a_d: float32 ``[N, H]`` (``<h, att_src>``, ``<h, att_dst>``).
      csr: :func:`kernels.spmm.prepare_csr` of the edges (masked edges dropped there).
    Returns:
      ``(out [N, H, C], lse [N, H])``; ``lse`` is 0 for rows without (unmasked) edges.
    Raises:
      ValueError: bad shapes / dtypes.
    """
    h = jnp.asarray(h, jnp.float32)
    if h.ndim != 3:
        raise ValueError(f"h must be [N, H, C], got shape {tuple(h.shape)}")
    for name, a in (("a_s", a_s), ("a_d", a_d)):
        if a.shape != h.shape[:2]:
            raise ValueError(f"{name} must be [N, H]={h.shape[:2]}, got {tuple(a.shape)}")
    return _core(h, a_s.astype(jnp.float32), a_d.astype(jnp.float32), csr,
                 float(negative_slope), block_r, interpret, backend)


def edge_alpha(a_s, a_d, lse, senders, receivers, negative_slope: float = 0.2, edge_mask=None):
    """Attention weights ``α [E, H] = exp(LeakyReLU(a_s[s] + a_d[r]) - lse[r])`` (0 if masked)."""
    logit = jax.nn.leaky_relu(a_s[senders] + a_d[receivers], negative_slope)
    alpha = jnp.exp(logit - lse[receivers])
    return alpha if edge_mask is None else jnp.where(edge_mask[:, None], alpha, 0.0)


def gat(h, a_s, a_d, senders, receivers, n: int, negative_slope: float = 0.2, edge_mask=None,
        *, csr: CSR | None = None, impl: str = "auto", block_r: int = DEFAULT_BLOCK_R,
        interpret=None, backend=None):
    """GAT aggregation via the chosen implementation: ``(out [n, H, C], alpha [E, H])``.

    Raises:
      ValueError: bad ``impl`` or shapes.
    """
    if resolve_impl(impl) == "xla":
        out, _, alpha = gat_ref(h, a_s, a_d, senders, receivers, n, negative_slope, edge_mask)
        return out, alpha
    if csr is None:
        csr = prepare_csr(senders, receivers, n, edge_mask)
    out, lse = gat_aggregate(h, a_s, a_d, csr, negative_slope=negative_slope, block_r=block_r,
                             interpret=interpret, backend=backend)
    return out, edge_alpha(a_s, a_d, lse, senders, receivers, negative_slope, edge_mask)


def quick_claim(quick: bool = True) -> float:
    """Issue 9's "done when" for the kernels, measured cheaply: the largest relative error
    ``||pallas - xla|| / ||xla||`` over the values AND gradients of the Pallas kernels (interpret
    mode off-GPU) against the independent XLA references, on a random graph with duplicate
    edges, rows without edges and masked padding edges: SpMM sum / max with edge weights
    (d/dx, d/dw) and fused GAT (d/dh, d/da_s, d/da_d, through out and alpha). ``quick``: 300
    nodes / 3000 edges, else 2000 / 20000. Holds if <= 1e-5 (float32 rounding).
    """
    import numpy as np

    from kernels import spmm as _spmm

    n, e = (300, 3000) if quick else (2000, 20000)
    rng = np.random.default_rng(0)
    s = jnp.asarray(rng.integers(0, n, e), jnp.int32)
    r = jnp.asarray(rng.integers(0, n - n // 10, e), jnp.int32)  # last 10% of rows: no edges
    mask = jnp.asarray(rng.random(e) > 0.1)
    x = jnp.asarray(rng.standard_normal((n, 16)), jnp.float32)
    w = jnp.asarray(rng.uniform(0.5, 1.5, e), jnp.float32)
    h = jnp.asarray(rng.standard_normal((n, 4, 8)), jnp.float32)
    a_s, a_d = (jnp.asarray(rng.standard_normal((n, 4)), jnp.float32) for _ in range(2))
    csr = prepare_csr(s, r, n, mask)

    def rel(a, b):
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))

    errs = []
    for reduce in ("sum", "max"):
        fk = lambda x, w: _spmm.spmm_csr(x, csr, w, reduce)
        fr = lambda x, w: _spmm.spmm_ref(x, s, r, n, w, reduce, mask)
        errs.append(rel(fk(x, w), fr(x, w)))
        gk = jax.grad(lambda x, w: jnp.sum(jnp.sin(fk(x, w))), argnums=(0, 1))(x, w)
        gr = jax.grad(lambda x, w: jnp.sum(jnp.sin(fr(x, w))), argnums=(0, 1))(x, w)
        errs += [rel(a, b) for a, b in zip(gk, gr)]

    def gat_loss(impl):
        def f(h, a_s, a_d):
            out, al = gat(h, a_s, a_d, s, r, n, 0.2, mask, csr=csr, impl=impl)
            return jnp.sum(jnp.sin(out)) + jnp.sum(jnp.cos(al))
        return f

    errs.append(rel(gat(h, a_s, a_d, s, r, n, 0.2, mask, csr=csr, impl="pallas")[0],
                    gat(h, a_s, a_d, s, r, n, 0.2, mask, impl="xla")[0]))
    gk = jax.grad(gat_loss("pallas"), argnums=(0, 1, 2))(h, a_s, a_d)
    gr = jax.grad(gat_loss("xla"), argnums=(0, 1, 2))(h, a_s, a_d)
    errs += [rel(a, b) for a, b in zip(gk, gr)]
    return max(errs)
