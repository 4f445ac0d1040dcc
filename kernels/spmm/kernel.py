r"""Pallas kernels for fused gather–transform–scatter (SpMM over a CSR graph; issue 9).

Math (Kipf & Welling 2017 GCN propagation, Hamilton et al. 2017 SAGE mean/max aggregators,
Xu et al. 2019 GIN sum): for edges ``e = (s_e -> r_e)`` with optional weight ``w_e``

    sum : out[i] = Σ_{e: r_e = i} w_e x[s_e]
    max : out[i] = max_{e: r_e = i} w_e x[s_e]      (per feature; 0 for empty rows)

Layout. The caller sorts the edges by receiver once (:func:`kernels.spmm.prepare_csr`):
``indptr[i] .. indptr[i+1]`` are the sorted positions of row ``i``'s edges, ``col`` their
senders, ``wt`` their weights. Masked (padding) edges are sorted past ``indptr[N]`` and never
read. The backward pass is the transposed SpMM, run by the same kind of kernel over the
SENDER-sorted CSR (``indptr_t``, ``row_t`` = receivers, ``wt_t``), precomputed once too.

Kernels (grid = one program per block of ``block_r`` rows; x, indices and weights are passed
whole with ``memory_space=pl.ANY``; each program loops over its rows and, inside, over the
row's edges with data-dependent bounds, loading one ``[1, F]`` feature row per edge):

* :func:`spmm_fwd_call` -> ``out [N, F]`` (and, for ``max``, ``ties [N, F]``: how many edges
  reach the maximum, so the backward splits the gradient equally among them, as
  ``jax.ops.segment_max``'s gradient does).
* :func:`spmm_bwd_call` over the transposed CSR -> ``dx [N, F]`` and ``dw`` in sender-sorted
  order: ``dx[j] = Σ_{e: s_e = j} w_e g[r_e] (⊙ tie_e / ties[r_e] for max)``, ``dw_e =
  <g[r_e] (⊙ ...), x[j]>`` (``x[j]`` is the program's own row, loaded once).

No atomics: every output row is owned by one program, so results do not depend on program
order (sums run in sorted-edge order; they equal the XLA reference up to float rounding).

Backend. Written as a backend-agnostic ``pallas_call`` (pointer refs, scalar index loads,
dynamic-offset row loads, ``fori_loop`` with data-dependent bounds). On a GPU it is compiled by
``pallas_call``'s default GPU lowering (``backend=None``) or explicitly ``backend="triton"``;
the tests check that it LOWERS for a CUDA target with Triton. Mosaic GPU is not supported: its
``pallas_call`` path moves data in TMA-blocked tiles and has no per-row data-dependent gather
from global memory on Hopper (TMA gather is a Blackwell feature), which this op needs; so
``backend="mosaic_gpu"`` raises ``ValueError``. On one H200 (2026-11-28,
``experiments/benchmarks/gpu_session.sh``, stage ``check_spmm``) it compiled with the default
lowering and matched XLA (sum and max, values and both gradients, rel. error <= 1e-7) at 4,096
nodes / 65,536 edges / F = 64, where it ran at 0.69-0.98x XLA's speed; larger sizes not yet run.
Triton needs power-of-two tile shapes: with ``interpret=False``, F and ``block_r`` must be
powers of two. On CPU (``interpret=None`` -> interpret unless the backend is a GPU) it runs in
the Pallas interpreter: correct but slow, for tests only.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax.experimental import pallas as pl

from kernels.common import compiler_params, default_interpret

__all__ = ["DEFAULT_BLOCK_R", "REDUCES", "spmm_fwd_call", "spmm_bwd_call"]

DEFAULT_BLOCK_R = 8
"""Rows per program (each row is one ``[1, F]`` accumulator)."""
REDUCES = ("sum", "max")

_ANY = functools.partial(pl.BlockSpec, memory_space=pl.ANY)


def _compiler_params(backend, interpret=True):
    """Validates ``backend`` (None | "triton"); returns None in interpret mode, else Triton's
    params (``backend=None`` means Triton: JAX's default GPU lowering for ``pallas_call`` is
    Mosaic GPU, which cannot express these gathers)."""
    params = compiler_params("triton" if backend is None else backend, supported=("triton",),
                             why="the kernels gather rows at data-dependent offsets")
    return None if interpret else params


def _pow2(v: int) -> bool:
    return v >= 1 and not v & (v - 1)


def check_static(*, reduce: str, block_r, f: int, interpret: bool):
    """ValueError for a bad reduce / block size / (compiled) feature width."""
    if reduce not in REDUCES:
        raise ValueError(f"reduce must be one of {REDUCES}, got {reduce!r}")
    if isinstance(block_r, bool) or not isinstance(block_r, int) or not _pow2(block_r):
        raise ValueError(f"block_r must be a power of two, got {block_r!r}")
    if not interpret and not _pow2(f):
        raise ValueError(f"features={f} must be a power of two for the compiled kernel; "
                         "use interpret mode or impl='xla'")


def _pad_indptr(indptr, rows):
    p = rows + 1 - indptr.shape[0]
    return indptr if p == 0 else jnp.concatenate([indptr, jnp.broadcast_to(indptr[-1:], (p,))])


def _row_grid(indptr, n, block_r):
    """Rows per program ``b`` (a power of two, at most ``block_r``), the number of programs
    ``nb`` covering ``n`` rows, and ``indptr`` as int32 padded to ``nb * b`` rows (empty rows)."""
    b = min(block_r, pl.next_power_of_2(max(n, 1)))
    nb = -(-n // b)
    return b, nb, _pad_indptr(indptr.astype(jnp.int32), nb * b)


def _nonempty(a, fill):
    """``a``, or one ``fill`` row when ``a`` has none (a zero-size operand cannot be passed in)."""
    return a if a.shape[0] else jnp.full((1,) + a.shape[1:], fill, a.dtype)


# ------------------------------------------------------------------------------ forward
def _fwd_kernel(indptr_ref, col_ref, wt_ref, x_ref, out_ref, *rest, block_r, reduce, weighted):
    ties_ref = rest[0] if rest else None
    base = pl.program_id(0) * block_r
    f = x_ref.shape[1]

    def row(i, carry):
        start = indptr_ref[base + i]
        end = indptr_ref[base + i + 1]

        def edge(e, c):
            msg = x_ref[pl.ds(col_ref[e], 1), :]
            if weighted:
                msg = msg * wt_ref[e]
            if reduce == "sum":
                return c + msg
            best, cnt = c
            return jnp.maximum(best, msg), jnp.where(msg > best, 1.0, cnt + (msg == best))

        if reduce == "sum":
            acc = jax.lax.fori_loop(start, end, edge, jnp.zeros((1, f), jnp.float32))
        else:
            best, cnt = jax.lax.fori_loop(
                start, end, edge, (jnp.full((1, f), -jnp.inf, jnp.float32),
                                   jnp.zeros((1, f), jnp.float32)))
            acc = jnp.where(end > start, best, 0.0)
            ties_ref[pl.ds(i, 1), :] = cnt
        out_ref[pl.ds(i, 1), :] = acc
        return carry

    jax.lax.fori_loop(0, block_r, row, 0)


def spmm_fwd_call(indptr, col, wt, x, *, reduce: str = "sum", block_r: int = DEFAULT_BLOCK_R,
                  interpret=None, backend=None):
    """Row-blocked CSR SpMM forward.

    Args:
      indptr: int32[N+1] row pointers (receiver-sorted). col: int32[E] senders in sorted order.
      wt: float32[E] weights in sorted order, or None (all ones).
      x: float32[N_src, F] source features.
      reduce: "sum" | "max". block_r: rows per program (power of two).
      interpret: None -> interpret unless on a GPU. backend: None or "triton".

    Returns:
      ``out float32[N, F]`` for sum; ``(out, ties float32[N, F])`` for max.

    Raises:
      ValueError: bad reduce / block_r / dtypes, or F not a power of two when compiled.
    """
    interpret = default_interpret() if interpret is None else interpret
    if x.ndim != 2 or x.dtype != jnp.float32:
        raise ValueError(f"x must be float32[N, F], got {x.dtype}{tuple(x.shape)}")
    check_static(reduce=reduce, block_r=block_r, f=x.shape[1], interpret=interpret)
    n = indptr.shape[0] - 1
    f = x.shape[1]
    weighted = wt is not None
    if not weighted:
        wt = jnp.ones((1,), jnp.float32)
    b, nb, ip = _row_grid(indptr, n, block_r)
    col = _nonempty(col.astype(jnp.int32), 0)
    wt = _nonempty(wt.astype(jnp.float32), 0.0)
    blk = pl.BlockSpec((b, f), lambda i: (i, 0))
    shape = jax.ShapeDtypeStruct((nb * b, f), jnp.float32)
    outs = pl.pallas_call(
        functools.partial(_fwd_kernel, block_r=b, reduce=reduce, weighted=weighted),
        out_shape=(shape, shape) if reduce == "max" else shape,
        grid=(nb,),
        in_specs=[_ANY(), _ANY(), _ANY(), _ANY()],
        out_specs=(blk, blk) if reduce == "max" else blk,
        interpret=interpret,
        compiler_params=_compiler_params(backend, interpret),
        name=f"spmm_{reduce}_fwd",
    )(ip, col, wt, x)
    if reduce == "max":
        return tuple(o[:n] for o in outs)
    return outs[:n]


# ----------------------------------------------------------------------------- backward
def _bwd_kernel(indptr_ref, row_ref, wt_ref, x_ref, g_ref, *rest, block_r, reduce, weighted):
    if reduce == "max":
        out_ref, ties_ref, dx_ref, dw_ref = rest
    else:
        dx_ref, dw_ref = rest
    base = pl.program_id(0) * block_r
    f = x_ref.shape[1]

    def row(i, carry):
        j = base + i
        start = indptr_ref[j]
        end = indptr_ref[j + 1]
        xj = x_ref[pl.ds(j, 1), :]

        def edge(e, acc):
            r = row_ref[e]
            g = g_ref[pl.ds(r, 1), :]
            w = wt_ref[e] if weighted else 1.0
            if reduce == "max":
                hit = (xj * w) == out_ref[pl.ds(r, 1), :]
                g = jnp.where(hit, g / jnp.maximum(ties_ref[pl.ds(r, 1), :], 1.0), 0.0)
            dw_ref[pl.ds(e, 1)] = jnp.sum(g * xj, axis=1)
            return acc + g * w

        dx = jax.lax.fori_loop(start, end, edge, jnp.zeros((1, f), jnp.float32))
        dx_ref[pl.ds(i, 1), :] = dx
        return carry

    jax.lax.fori_loop(0, block_r, row, 0)


def spmm_bwd_call(indptr_t, row_t, wt_t, x, g, out=None, ties=None, *, reduce: str = "sum",
                  block_r: int = DEFAULT_BLOCK_R, interpret=None, backend=None):
    """Transposed SpMM (the backward of :func:`spmm_fwd_call`) over the sender-sorted CSR.

    Args:
      indptr_t: int32[N_src+1] sender row pointers. row_t: int32[E] receivers in sender order.
      wt_t: float32[E] weights in sender order, or None. x: float32[N_src, F] forward input.
      g: float32[N, F] cotangent of the output. out, ties: the forward's max outputs (max only).

    Returns:
      ``(dx float32[N_src, F], dw float32[E'] in sender-sorted order)``; ``dw`` entries past
      ``indptr_t[-1]`` (masked edges) are not written (the caller zeroes them).
    """
    interpret = default_interpret() if interpret is None else interpret
    check_static(reduce=reduce, block_r=block_r, f=x.shape[1], interpret=interpret)
    n_src, f = x.shape
    e = row_t.shape[0]
    weighted = wt_t is not None
    if not weighted:
        wt_t = jnp.ones((1,), jnp.float32)
    b, nb, ip = _row_grid(indptr_t, n_src, block_r)
    xp = jnp.pad(x, ((0, nb * b - n_src), (0, 0)))
    row_t = _nonempty(row_t.astype(jnp.int32), 0)
    wt_t = _nonempty(wt_t.astype(jnp.float32), 0.0)
    extra = (out, ties) if reduce == "max" else ()
    dx, dw = pl.pallas_call(
        functools.partial(_bwd_kernel, block_r=b, reduce=reduce, weighted=weighted),
        out_shape=(jax.ShapeDtypeStruct((nb * b, f), jnp.float32),
                   jax.ShapeDtypeStruct((max(e, 1),), jnp.float32)),
        grid=(nb,),
        in_specs=[_ANY()] * (5 + len(extra)),
        out_specs=(pl.BlockSpec((b, f), lambda i: (i, 0)), _ANY()),
        interpret=interpret,
        compiler_params=_compiler_params(backend, interpret),
        name=f"spmm_{reduce}_bwd",
    )(ip, row_t, wt_t, xp, g, *extra)
    return dx[:n_src], dw[:e]
