r"""Pallas kernels for fused edge-softmax attention aggregation (GAT; issue 9).

Paper: Veličković et al., "Graph Attention Networks" (ICLR 2018). For edge ``j -> i`` and head k

    e_ij = LeakyReLU(a_s[j, k] + a_d[i, k]),   a_s = <h_j, att_src_k>, a_d = <h_i, att_dst_k>
    α_ij = exp(e_ij) / Σ_{j' -> i} exp(e_ij'),  out[i, k] = Σ_j α_ij h[j, k, :]

Forward (:func:`gat_fwd_call`): one program per block of receiver rows over the
receiver-sorted CSR (see :mod:`kernels.spmm`); each row streams its edges once with the ONLINE
softmax (running max m, running denominator l, rescaled accumulator; Milakov & Gimelshein 2018,
as in FlashAttention), so the ``[E, H]`` logits / weights and the ``[E, H, C]`` messages never
touch memory. Outputs ``out [N, H, C]`` and ``lse [N, H] = m + log l`` (0 for empty rows).

Backward, with ``g`` the cotangent of ``out``, ``g_lse`` that of ``lse`` and
``δ_i = <g_i, out_i>`` (per head):

    dα_ij = <g_i, h_j>,  de_ij = α_ij (dα_ij − δ_i + g_lse_i),  dpre_ij = de_ij · LeakyReLU'(pre)
    da_d[i] = Σ_j dpre_ij,   da_s[j] = Σ_i dpre_ij,   dh[j] = Σ_i α_ij g_i

* :func:`gat_bwd_dst_call` (receiver CSR): recomputes α from ``lse``, writes ``dpre`` per
  sorted edge and accumulates ``da_d``;
* :func:`gat_bwd_src_call` (sender CSR): recomputes α, accumulates ``dh`` and ``da_s``
  (``dpre`` re-read in sender order).

Every output row is owned by one program (no atomics). Backend and GPU status are those of
:mod:`kernels.spmm.kernel`: a backend-agnostic ``pallas_call`` compiled with Triton on a GPU
(power-of-two H, C and block sizes), lowering checked for CUDA in the tests, not run on a GPU
this session; Mosaic GPU is not supported (data-dependent row gathers).
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax.experimental import pallas as pl

from kernels.common import default_interpret
from kernels.spmm.kernel import _compiler_params, _nonempty, _pow2, _row_grid

__all__ = ["DEFAULT_BLOCK_R", "gat_fwd_call", "gat_bwd_dst_call", "gat_bwd_src_call"]

DEFAULT_BLOCK_R = 8
_ANY = functools.partial(pl.BlockSpec, memory_space=pl.ANY)


def _check(h, block_r, interpret):
    if h.ndim != 3 or h.dtype != jnp.float32:
        raise ValueError(f"h must be float32[N, H, C], got {h.dtype}{tuple(h.shape)}")
    if isinstance(block_r, bool) or not isinstance(block_r, int) or not _pow2(block_r):
        raise ValueError(f"block_r must be a power of two, got {block_r!r}")
    if not interpret and not (_pow2(h.shape[1]) and _pow2(h.shape[2])):
        raise ValueError(f"heads={h.shape[1]} and channels={h.shape[2]} must be powers of two "
                         "for the compiled kernel; use interpret mode or impl='xla'")


def _leaky(pre, slope):
    return jnp.where(pre > 0, pre, pre * slope)


# ------------------------------------------------------------------------------ forward
def _fwd_kernel(indptr_ref, col_ref, h_ref, as_ref, ad_ref, out_ref, lse_ref, *, block_r, slope):
    base = pl.program_id(0) * block_r
    _, nh, c = h_ref.shape

    def row(i, carry):
        start = indptr_ref[base + i]
        end = indptr_ref[base + i + 1]
        ad = ad_ref[pl.ds(base + i, 1), :]                     # [1, H]

        def edge(e, st):
            m, l, acc = st
            j = col_ref[e]
            logit = _leaky(as_ref[pl.ds(j, 1), :] + ad, slope)  # [1, H]
            m_new = jnp.maximum(m, logit)
            scale = jnp.exp(m - m_new)
            p = jnp.exp(logit - m_new)
            acc = acc * scale[:, :, None] + p[:, :, None] * h_ref[pl.ds(j, 1), :, :]
            return m_new, l * scale + p, acc

        init = (jnp.full((1, nh), -jnp.inf, jnp.float32), jnp.zeros((1, nh), jnp.float32),
                jnp.zeros((1, nh, c), jnp.float32))
        m, l, acc = jax.lax.fori_loop(start, end, edge, init)
        has = l > 0
        safe_l = jnp.where(has, l, 1.0)
        out_ref[pl.ds(i, 1), :, :] = acc / safe_l[:, :, None]
        lse_ref[pl.ds(i, 1), :] = jnp.where(has, m + jnp.log(safe_l), 0.0)
        return carry

    jax.lax.fori_loop(0, block_r, row, 0)


def gat_fwd_call(indptr, col, h, a_s, a_d, *, negative_slope: float = 0.2,
                 block_r: int = DEFAULT_BLOCK_R, interpret=None, backend=None):
    """Fused GAT forward over the receiver-sorted CSR.

    Args:
      indptr: int32[N+1]; col: int32[E] senders in receiver order (masked edges past indptr[N]).
      h: float32[N, H, C] projected features; a_s, a_d: float32[N, H] source / target scores.
    Returns:
      ``(out float32[N, H, C], lse float32[N, H])``.
    Raises:
      ValueError: bad dtypes / shapes / block size, or H, C not powers of two when compiled.
    """
    interpret = default_interpret() if interpret is None else interpret
    _check(h, block_r, interpret)
    n, nh, c = h.shape
    b, nb, ip = _row_grid(indptr, n, block_r)
    a_d = jnp.pad(a_d, ((0, nb * b - n), (0, 0)))
    out, lse = pl.pallas_call(
        functools.partial(_fwd_kernel, block_r=b, slope=float(negative_slope)),
        out_shape=(jax.ShapeDtypeStruct((nb * b, nh, c), jnp.float32),
                   jax.ShapeDtypeStruct((nb * b, nh), jnp.float32)),
        grid=(nb,),
        in_specs=[_ANY()] * 5,
        out_specs=(pl.BlockSpec((b, nh, c), lambda i: (i, 0, 0)),
                   pl.BlockSpec((b, nh), lambda i: (i, 0))),
        interpret=interpret,
        compiler_params=_compiler_params(backend, interpret),
        name="gat_fwd",
    )(ip, _nonempty(col.astype(jnp.int32), 0), h, a_s, a_d)
    return out[:n], lse[:n]


# ----------------------------------------------------------------------------- backward
def _bwd_dst_kernel(indptr_ref, col_ref, h_ref, as_ref, ad_ref, lse_ref, g_ref, c_ref,
                    dad_ref, dpre_ref, *, block_r, slope):
    base = pl.program_id(0) * block_r
    nh = h_ref.shape[1]

    def row(i, carry):
        r = base + i
        start = indptr_ref[r]
        end = indptr_ref[r + 1]
        ad = ad_ref[pl.ds(r, 1), :]
        lse = lse_ref[pl.ds(r, 1), :]
        g = g_ref[pl.ds(r, 1), :, :]                           # [1, H, C]
        corr = c_ref[pl.ds(r, 1), :]                           # g_lse - δ, [1, H]

        def edge(e, acc):
            j = col_ref[e]
            pre = as_ref[pl.ds(j, 1), :] + ad
            alpha = jnp.exp(_leaky(pre, slope) - lse)
            dalpha = jnp.sum(g * h_ref[pl.ds(j, 1), :, :], axis=2)
            dpre = alpha * (dalpha + corr) * jnp.where(pre > 0, 1.0, slope)
            dpre_ref[pl.ds(e, 1), :] = dpre
            return acc + dpre

        dad_ref[pl.ds(i, 1), :] = jax.lax.fori_loop(start, end, edge,
                                                    jnp.zeros((1, nh), jnp.float32))
        return carry

    jax.lax.fori_loop(0, block_r, row, 0)


def gat_bwd_dst_call(indptr, col, h, a_s, a_d, lse, g, corr, *, negative_slope: float = 0.2,
                     block_r: int = DEFAULT_BLOCK_R, interpret=None, backend=None):
    """Receiver-side backward: ``(da_d float32[N, H], dpre float32[E, H] in receiver order)``.

    ``corr = g_lse - δ`` (``[N, H]``). ``dpre`` rows past ``indptr[N]`` are not written."""
    interpret = default_interpret() if interpret is None else interpret
    _check(h, block_r, interpret)
    n, nh, c = h.shape
    e = col.shape[0]
    b, nb, ip = _row_grid(indptr, n, block_r)
    pad = ((0, nb * b - n), (0, 0))
    dad, dpre = pl.pallas_call(
        functools.partial(_bwd_dst_kernel, block_r=b, slope=float(negative_slope)),
        out_shape=(jax.ShapeDtypeStruct((nb * b, nh), jnp.float32),
                   jax.ShapeDtypeStruct((max(e, 1), nh), jnp.float32)),
        grid=(nb,),
        in_specs=[_ANY()] * 8,
        out_specs=(pl.BlockSpec((b, nh), lambda i: (i, 0)), _ANY()),
        interpret=interpret,
        compiler_params=_compiler_params(backend, interpret),
        name="gat_bwd_dst",
    )(ip, _nonempty(col.astype(jnp.int32), 0), h, a_s, jnp.pad(a_d, pad), jnp.pad(lse, pad),
      jnp.pad(g, pad + ((0, 0),)), jnp.pad(corr, pad))
    return dad[:n], dpre[:e]


def _bwd_src_kernel(indptr_ref, row_ref, dpre_ref, as_ref, ad_ref, lse_ref, g_ref,
                    dh_ref, das_ref, *, block_r, slope):
    base = pl.program_id(0) * block_r
    _, nh, c = g_ref.shape

    def row(i, carry):
        j = base + i
        start = indptr_ref[j]
        end = indptr_ref[j + 1]
        a_s = as_ref[pl.ds(j, 1), :]

        def edge(e, st):
            dh, das = st
            r = row_ref[e]
            alpha = jnp.exp(_leaky(a_s + ad_ref[pl.ds(r, 1), :], slope) - lse_ref[pl.ds(r, 1), :])
            dh = dh + alpha[:, :, None] * g_ref[pl.ds(r, 1), :, :]
            return dh, das + dpre_ref[pl.ds(e, 1), :]

        dh, das = jax.lax.fori_loop(start, end, edge, (jnp.zeros((1, nh, c), jnp.float32),
                                                       jnp.zeros((1, nh), jnp.float32)))
        dh_ref[pl.ds(i, 1), :, :] = dh
        das_ref[pl.ds(i, 1), :] = das
        return carry

    jax.lax.fori_loop(0, block_r, row, 0)


def gat_bwd_src_call(indptr_t, row_t, dpre_t, a_s, a_d, lse, g, *, negative_slope: float = 0.2,
                     block_r: int = DEFAULT_BLOCK_R, interpret=None, backend=None):
    """Sender-side backward over the sender-sorted CSR: ``(dh float32[N, H, C], da_s [N, H])``.

    ``dpre_t``: float32[E, H], :func:`gat_bwd_dst_call`'s ``dpre`` in sender order."""
    interpret = default_interpret() if interpret is None else interpret
    _check(g, block_r, interpret)
    n, nh, c = g.shape
    b, nb, ip = _row_grid(indptr_t, n, block_r)
    dh, das = pl.pallas_call(
        functools.partial(_bwd_src_kernel, block_r=b, slope=float(negative_slope)),
        out_shape=(jax.ShapeDtypeStruct((nb * b, nh, c), jnp.float32),
                   jax.ShapeDtypeStruct((nb * b, nh), jnp.float32)),
        grid=(nb,),
        in_specs=[_ANY()] * 7,
        out_specs=(pl.BlockSpec((b, nh, c), lambda i: (i, 0, 0)),
                   pl.BlockSpec((b, nh), lambda i: (i, 0))),
        interpret=interpret,
        compiler_params=_compiler_params(backend, interpret),
        name="gat_bwd_src",
    )(ip, _nonempty(row_t.astype(jnp.int32), 0), _nonempty(dpre_t, 0.0),
      jnp.pad(a_s, ((0, nb * b - n), (0, 0))), a_d, lse, g)
    return dh[:n], das[:n]
