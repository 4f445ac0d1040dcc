"""Fused gather–transform–scatter (SpMM) Pallas kernels with ``custom_vjp`` (issue 9).

``out[i] = reduce_{e: r_e = i} w_e x[s_e]`` for reduce = sum / mean / max / min, the
aggregation of GCN (Kipf & Welling, ICLR 2017; ``w`` = symmetric normalisation), GraphSAGE
(Hamilton et al., NeurIPS 2017; mean / max) and GIN (Xu et al., ICLR 2019; sum).

Public entry points:

* :func:`prepare_csr` ``(senders, receivers, n, edge_mask=None, n_src=None)`` -> :class:`CSR`:
  receiver-sorted AND sender-sorted CSR of the edge list (masked edges dropped), computed once
  per graph (jit-able, static shapes); pass it to :func:`spmm` to skip the sort per call.
* :func:`spmm` ``(x, senders, receivers, n, edge_weight=None, reduce="sum", edge_mask=None, *,
  csr=None, impl="auto")`` -> ``[n, F]``: differentiable in ``x`` and ``edge_weight``.
* :func:`spmm_csr`: the same on a prepared CSR (the kernel path only).

``impl``: "pallas" (the kernel; interpret mode off-GPU), "xla" (the jnp reference), "auto"
(Pallas on a GPU backend, XLA elsewhere). See :mod:`kernels.spmm.kernel` for the kernels and
their GPU status.
"""
from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp

from kernels.common import resolve_impl
from kernels.spmm import kernel as _K
from kernels.spmm.kernel import DEFAULT_BLOCK_R
from kernels.spmm.reference import spmm_ref

__all__ = ["CSR", "prepare_csr", "spmm", "spmm_csr", "spmm_ref", "resolve_impl",
           "DEFAULT_BLOCK_R", "REDUCES"]

REDUCES = ("sum", "mean", "max", "min")


class CSR(NamedTuple):
    """Both sortings of one edge list (E' = E edges, masked ones sorted to the end).

    indptr: int32[n+1] receiver row pointers; col: int32[E] senders in receiver order;
    perm: int32[E] original edge id of each receiver-sorted position.
    indptr_t: int32[n_src+1] sender row pointers; row_t: int32[E] receivers in sender order;
    perm_t: int32[E] original edge id of each sender-sorted position.
    """

    indptr: jax.Array
    col: jax.Array
    perm: jax.Array
    indptr_t: jax.Array
    row_t: jax.Array
    perm_t: jax.Array


def _sorted(key, other, nrows):
    perm = jnp.argsort(key, stable=True).astype(jnp.int32)
    counts = jnp.bincount(key, length=nrows + 1)[:nrows]
    indptr = jnp.concatenate([jnp.zeros((1,), jnp.int32), jnp.cumsum(counts).astype(jnp.int32)])
    return indptr, other[perm].astype(jnp.int32), perm


def prepare_csr(senders, receivers, n: int, edge_mask=None, n_src=None) -> CSR:
    """Receiver- and sender-sorted CSR of ``senders -> receivers`` (see :class:`CSR`).

    Edges with ``edge_mask`` False, or an index outside ``[0, n)`` / ``[0, n_src)``, are sorted
    past the last row pointer and never read by the kernels.

    Args:
      senders, receivers: int ``[E]``. n: receiver rows. edge_mask: optional bool ``[E]``.
      n_src: sender rows (default ``n``).
    Raises:
      ValueError: shape mismatch.
    """
    senders = jnp.asarray(senders, jnp.int32)
    receivers = jnp.asarray(receivers, jnp.int32)
    if senders.ndim != 1 or senders.shape != receivers.shape:
        raise ValueError(f"senders and receivers must be [E] of one length, got "
                         f"{senders.shape} and {receivers.shape}")
    n_src = n if n_src is None else n_src
    valid = (senders >= 0) & (senders < n_src) & (receivers >= 0) & (receivers < n)
    if edge_mask is not None:
        if edge_mask.shape != senders.shape:
            raise ValueError(f"edge_mask must be [E]={senders.shape}, got {edge_mask.shape}")
        valid = valid & edge_mask
    indptr, col, perm = _sorted(jnp.where(valid, receivers, n), senders, n)
    indptr_t, row_t, perm_t = _sorted(jnp.where(valid, senders, n_src), receivers, n_src)
    return CSR(indptr, col, perm, indptr_t, row_t, perm_t)


def _valid_sorted(indptr, e):
    return jnp.arange(e) < indptr[-1]


@functools.partial(jax.custom_vjp, nondiff_argnums=(3, 4, 5, 6))
def _spmm_core(x, w, csr, reduce, block_r, interpret, backend):
    out = _fwd(x, w, csr, reduce, block_r, interpret, backend)
    return out[0] if reduce == "max" else out


def _fwd(x, w, csr, reduce, block_r, interpret, backend):
    wt = None if w is None else w[csr.perm]
    return _K.spmm_fwd_call(csr.indptr, csr.col, wt, x, reduce=reduce, block_r=block_r,
                            interpret=interpret, backend=backend)


def _core_fwd(x, w, csr, reduce, block_r, interpret, backend):
    res = _fwd(x, w, csr, reduce, block_r, interpret, backend)
    out, ties = res if reduce == "max" else (res, None)
    return out, (x, w, csr, out, ties)


def _core_bwd(reduce, block_r, interpret, backend, saved, g):
    x, w, csr, out, ties = saved
    wt_t = None if w is None else w[csr.perm_t]
    dx, dw_t = _K.spmm_bwd_call(csr.indptr_t, csr.row_t, wt_t, x, g, out, ties, reduce=reduce,
                                block_r=block_r, interpret=interpret, backend=backend)
    dw = None
    if w is not None:
        dw_t = jnp.where(_valid_sorted(csr.indptr_t, dw_t.shape[0]), dw_t, 0.0)
        dw = jnp.zeros_like(w).at[csr.perm_t].set(dw_t)
    csr_ct = jax.tree_util.tree_map(lambda a: None, csr)
    return dx, dw, csr_ct


_spmm_core.defvjp(_core_fwd, _core_bwd)


def spmm_csr(x, csr: CSR, edge_weight=None, reduce: str = "sum", *,
             block_r: int = DEFAULT_BLOCK_R, interpret=None, backend=None):
    """Kernel SpMM on a prepared :class:`CSR`; ``x`` float32 ``[n_src, F]`` -> ``[n, F]``.

    ``edge_weight`` (float ``[E]``, original edge order) is optional; gradients flow to ``x`` and
    ``edge_weight``. ``mean`` divides the sum by the (unmasked) in-degree (0 for empty rows);
    ``min`` is ``-max(-x)``.

    Raises:
      ValueError: bad ``reduce`` (names it), bad block size, dtype or shape.
    """
    if reduce not in REDUCES:
        raise ValueError(f"reduce must be one of {REDUCES}, got {reduce!r}")
    if x.ndim != 2:
        raise ValueError(f"x must be [N, F], got shape {tuple(x.shape)}")
    if edge_weight is not None:
        edge_weight = jnp.asarray(edge_weight, jnp.float32)
        if edge_weight.shape != csr.perm.shape:
            raise ValueError(f"edge_weight must be [E]={csr.perm.shape}, got "
                             f"{edge_weight.shape}")
    x = x.astype(jnp.float32)
    if reduce == "min":
        return -_spmm_core(-x, edge_weight, csr, "max", block_r, interpret, backend)
    if reduce == "max":
        return _spmm_core(x, edge_weight, csr, "max", block_r, interpret, backend)
    out = _spmm_core(x, edge_weight, csr, "sum", block_r, interpret, backend)
    if reduce == "mean":
        deg = jnp.diff(csr.indptr).astype(jnp.float32)[:, None]
        out = out / jnp.maximum(deg, 1.0)
    return out


def spmm(x, senders, receivers, n: int, edge_weight=None, reduce: str = "sum", edge_mask=None,
         *, csr: CSR | None = None, impl: str = "auto", block_r: int = DEFAULT_BLOCK_R,
         interpret=None, backend=None):
    """``out[i] = reduce_{e: r_e=i, mask_e} w_e x[s_e]`` via the chosen implementation.

    Args:
      x: ``[N, F]``. senders, receivers: int ``[E]``. n: output rows.
      edge_weight: optional ``[E]``. reduce: sum | mean | max | min. edge_mask: optional bool [E].
      csr: a :func:`prepare_csr` result for this edge list (else built here, one sort per call).
      impl: "auto" | "pallas" | "xla".
    Returns:
      ``[n, F]`` float32.
    Raises:
      ValueError: bad ``impl`` or ``reduce``.
    """
    if reduce not in REDUCES:
        raise ValueError(f"reduce must be one of {REDUCES}, got {reduce!r}")
    if resolve_impl(impl) == "xla":
        return spmm_ref(x, senders, receivers, n, edge_weight, reduce, edge_mask)
    if csr is None:
        csr = prepare_csr(senders, receivers, n, edge_mask, n_src=x.shape[0])
    return spmm_csr(x, csr, edge_weight, reduce, block_r=block_r, interpret=interpret,
                    backend=backend)
