r"""Pallas kernels for NAT's N-cache row work (issue 7): fetch (gather) and winner scatter.

Paper: Luo & Li, "Neighborhood-aware Scalable Temporal Network Representation Learning"
(NAT, LoG 2022). An N-cache (``jaxgraph.temporal.ncache.NCache``) is four flat arrays over
S = N*M slots: ``key`` int32[S], ``t`` float32[S], ``eid`` int32[S], ``rep`` float32[S, F];
node u owns slots ``u*M .. u*M+M-1``. The decisions (hash, replacement rule, latest-writer
resolution) are cheap O(C log C) jnp work in ``jaxgraph.temporal.ncache``; these kernels do
the memory-heavy row movement.

* :func:`fetch_call` ``(key, t, eid, rep, nodes, *, slots)`` -> ``([Q, M], [Q, M], [Q, M],
  [Q, M, F])``: grid over blocks of ``block_q`` query nodes. The cache arrays are passed
  whole (``memory_space=pl.ANY``: no blocking, no copy); each program loops over its
  ``block_q`` queries, reads the node id from its ``nodes`` block and loads the contiguous
  slot range ``pl.ds(node*M, M)`` of every field (one ``[M, F]`` tile for ``rep``) into row i
  of its output blocks ``[block_q, M]`` / ``[block_q, M, F]``.
* :func:`scatter_call` ``(key, t, eid, rep, slot_w, ck, ct, ce, cr)`` -> updated cache:
  grid over blocks of ``block_c`` candidates; the four cache arrays are aliased input ->
  output (``input_output_aliases``, in place when the caller donates them) and passed whole
  (``pl.ANY``). Each program loops over its candidates; candidate i with ``slot_w[i] >= 0``
  stores its ``(key, t, eid, rep row)`` at ``pl.ds(slot_w[i], 1)``; ``slot_w[i] = -1``
  (not a winner, or tail padding) stores nothing. Winner slots are unique (the caller's
  contract, guaranteed by ``ncache_update``), so programs never race and the result is
  independent of program order.

Both are pure data movement, so they equal the jnp reference (``reference.py``) bit for bit.

GPU status: written for the Triton backend of ``pallas_call`` (pointer refs, scalar loads of
the node id / slot, contiguous dynamic-offset loads and stores, ``pl.when`` -> ``scf.if``);
both calls LOWER with ``backend="triton"`` for ``lowering_platforms=("cuda",)`` (checked in the
tests on CPU). Compiling and running on a GPU has NOT been verified (no GPU this session).
Triton needs power-of-two tensor shapes, so with ``interpret=False`` the slot count M, the
rep dim F and the block sizes must be powers of two (``ValueError`` otherwise); interpret mode
takes any sizes. Mosaic GPU is not supported (its ``pallas_call`` path wants TMA-blocked refs,
not data-dependent row offsets): ``backend="mosaic_gpu"`` raises ``ValueError``.

On CPU (``interpret=None`` -> interpret unless the backend is a GPU) the kernels run in the
Pallas interpreter: correct but slow, for testing only.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax.experimental import pallas as pl

from kernels.common import compiler_params, default_interpret

__all__ = ["DEFAULT_BLOCK_Q", "DEFAULT_BLOCK_C", "fetch_call", "scatter_call",
           "default_interpret"]

DEFAULT_BLOCK_Q = 64
"""Query nodes per fetch program (each moves M*(3+F) words, e.g. 32*(3+8)*4 B = 1.4 KB)."""
DEFAULT_BLOCK_C = 128
"""Candidates per scatter program."""


def _compiler_params(backend):
    """Optional explicit GPU backend: None (pallas_call's default) or "triton"."""
    return compiler_params(backend, supported=("triton",),
                           why="the ncache kernels use data-dependent row offsets")


def _pow2(x: int) -> bool:
    return x >= 1 and not x & (x - 1)


def _check_block(name, b):
    if isinstance(b, bool) or not isinstance(b, int) or not _pow2(b):
        raise ValueError(f"{name} must be a power of two, got {b!r}")


def _check_cache(key, t, eid, rep):
    s = key.shape[0]
    for name, x, dt, nd in (("key", key, jnp.int32, 1), ("t", t, jnp.float32, 1),
                            ("eid", eid, jnp.int32, 1), ("rep", rep, jnp.float32, 2)):
        if x.dtype != dt or x.ndim != nd or x.shape[0] != s:
            raise ValueError(f"cache {name} must be {jnp.dtype(dt).name} with {nd} dim(s) and "
                             f"{s} rows, got {x.dtype}{tuple(x.shape)}")
    return s, rep.shape[1]


def _check_compiled(interpret, **sizes):
    if not interpret:
        for name, v in sizes.items():
            if not _pow2(v):
                raise ValueError(f"{name}={v} must be a power of two for the compiled (Triton) "
                                 "kernel; use interpret mode or impl='xla'")


def _pad1(x, size, value=0):
    p = size - x.shape[0]
    if p == 0:
        return x
    return jnp.pad(x, [(0, p)] + [(0, 0)] * (x.ndim - 1), constant_values=value)


_ANY = functools.partial(pl.BlockSpec, memory_space=pl.ANY)


# ----------------------------------------------------------------------------------- fetch
def _fetch_kernel(nodes_ref, key_ref, t_ref, eid_ref, rep_ref, ok_ref, ot_ref, oe_ref, or_ref,
                  *, m, block_q):
    def body(i, carry):
        rows = pl.ds(nodes_ref[i] * m, m)
        ok_ref[i, :] = key_ref[rows]
        ot_ref[i, :] = t_ref[rows]
        oe_ref[i, :] = eid_ref[rows]
        or_ref[i, :, :] = rep_ref[rows, :]
        return carry
    jax.lax.fori_loop(0, block_q, body, 0)


def fetch_call(key, t, eid, rep, nodes, *, slots: int, block_q: int = DEFAULT_BLOCK_Q,
               interpret=None, backend=None):
    """Gather the ``slots`` slots of each query node.

    Args:
      key, t, eid, rep: the cache fields (int32[S], float32[S], int32[S], float32[S, F]).
      nodes: int32[Q] node ids, each in [0, S // slots) (NOT checked here: out-of-range ids
        read out of bounds on a GPU; the interpreter clamps).
      slots: M. block_q: queries per program (power of two). interpret: None -> default.
      backend: None or "triton".

    Returns:
      (key int32[Q, M], t float32[Q, M], eid int32[Q, M], rep float32[Q, M, F]).
    """
    s, f = _check_cache(key, t, eid, rep)
    m = int(slots)
    if m < 1 or s % m:
        raise ValueError(f"slots={slots} must be >= 1 and divide the cache size {s}")
    _check_block("block_q", block_q)
    if nodes.dtype != jnp.int32 or nodes.ndim != 1:
        raise ValueError(f"nodes must be int32[Q], got {nodes.dtype}{tuple(nodes.shape)}")
    interpret = default_interpret() if interpret is None else interpret
    _check_compiled(interpret, slots=m, rep_dim=f)
    q = int(nodes.shape[0])
    b = min(block_q, pl.next_power_of_2(max(q, 1)))
    nb = -(-q // b)
    nodes_p = _pad1(nodes, nb * b)  # padded queries read node 0, sliced off below
    out = pl.pallas_call(
        functools.partial(_fetch_kernel, m=m, block_q=b),
        out_shape=(jax.ShapeDtypeStruct((nb * b, m), jnp.int32),
                   jax.ShapeDtypeStruct((nb * b, m), jnp.float32),
                   jax.ShapeDtypeStruct((nb * b, m), jnp.int32),
                   jax.ShapeDtypeStruct((nb * b, m, f), jnp.float32)),
        grid=(nb,),
        in_specs=[pl.BlockSpec((b,), lambda i: (i,)), _ANY(), _ANY(), _ANY(), _ANY()],
        out_specs=(pl.BlockSpec((b, m), lambda i: (i, 0)),
                   pl.BlockSpec((b, m), lambda i: (i, 0)),
                   pl.BlockSpec((b, m), lambda i: (i, 0)),
                   pl.BlockSpec((b, m, f), lambda i: (i, 0, 0))),
        interpret=interpret,
        compiler_params=_compiler_params(backend),
        name="ncache_fetch",
    )(nodes_p, key, t, eid, rep)
    if nb * b != q:
        out = tuple(o[:q] for o in out)
    return out


# --------------------------------------------------------------------------------- scatter
def _scatter_kernel(slot_ref, ck_ref, ct_ref, ce_ref, cr_ref, key_in, t_in, eid_in, rep_in,
                    key_ref, t_ref, eid_ref, rep_ref, *, block_c):
    del key_in, t_in, eid_in, rep_in  # aliased to the outputs

    def body(i, carry):
        s = slot_ref[i]

        @pl.when(s >= 0)
        def _():
            dst, src = pl.ds(s, 1), pl.ds(i, 1)
            key_ref[dst] = ck_ref[src]
            t_ref[dst] = ct_ref[src]
            eid_ref[dst] = ce_ref[src]
            rep_ref[dst, :] = cr_ref[src, :]
        return carry
    jax.lax.fori_loop(0, block_c, body, 0)


def scatter_call(key, t, eid, rep, slot_w, ck, ct, ce, cr, *, block_c: int = DEFAULT_BLOCK_C,
                 interpret=None, backend=None):
    """Write the winners' rows into the cache (in place when the cache buffers are donated).

    Args:
      key, t, eid, rep: cache fields (int32[S], float32[S], int32[S], float32[S, F]).
      slot_w: int32[C] destination slot of candidate c, or -1 (write nothing). Non-negative
        entries must be UNIQUE and < S (not checked here; ``ncache_update`` guarantees it).
      ck, ct, ce, cr: candidate key int32[C], t float32[C], eid int32[C], rep float32[C, F].
      block_c: candidates per program (power of two). interpret: None -> default.
      backend: None or "triton".

    Returns:
      (key, t, eid, rep) after the writes.
    """
    s, f = _check_cache(key, t, eid, rep)
    _check_block("block_c", block_c)
    c = int(slot_w.shape[0])
    for name, x, dt in (("slot_w", slot_w, jnp.int32), ("ck", ck, jnp.int32),
                        ("ct", ct, jnp.float32), ("ce", ce, jnp.int32)):
        if x.dtype != dt or x.shape != (c,):
            raise ValueError(f"{name} must be {jnp.dtype(dt).name}[{c}], got "
                             f"{x.dtype}{tuple(x.shape)}")
    if cr.dtype != jnp.float32 or cr.shape != (c, f):
        raise ValueError(f"cr must be float32[{c}, {f}], got {cr.dtype}{tuple(cr.shape)}")
    interpret = default_interpret() if interpret is None else interpret
    _check_compiled(interpret, rep_dim=f)
    if c == 0:
        return key, t, eid, rep
    b = min(block_c, pl.next_power_of_2(c))
    nb = -(-c // b)
    slot_p = _pad1(slot_w, nb * b, -1)  # tail candidates write nothing
    ck, ct, ce, cr = (_pad1(x, nb * b) for x in (ck, ct, ce, cr))
    vec = pl.BlockSpec((b,), lambda i: (i,))
    return pl.pallas_call(
        functools.partial(_scatter_kernel, block_c=b),
        out_shape=tuple(jax.ShapeDtypeStruct(x.shape, x.dtype) for x in (key, t, eid, rep)),
        grid=(nb,),
        in_specs=[vec, vec, vec, vec, pl.BlockSpec((b, f), lambda i: (i, 0)),
                  _ANY(), _ANY(), _ANY(), _ANY()],
        out_specs=(_ANY(), _ANY(), _ANY(), _ANY()),
        input_output_aliases={5: 0, 6: 1, 7: 2, 8: 3},
        interpret=interpret,
        compiler_params=_compiler_params(backend),
        name="ncache_scatter",
    )(slot_p, ck, ct, ce, cr, key, t, eid, rep)
