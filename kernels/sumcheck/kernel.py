r"""Pallas kernels for the per-round sumcheck work (zkDL, issue 5 section 2).

Paper: "zkDL: Efficient Zero-Knowledge Proofs of Deep Learning Training". Every sumcheck round
of the prover (``jaxgraph.zk.sumcheck``) does two passes over the K stacked extension tables
``tables: uint64[K, S, 2]`` (Goldilocks quadratic extension F_p[X]/(X^2 - 7), p = 2^64-2^32+1):

* round polynomial  ``g(t) = sum_j prod_k (lo_k[j] + t d_k[j])``, t = 0..K, with
  ``lo = f[0::2]``, ``d = f[1::2] - f[0::2]``  ->  ``uint64[K+1, 2]``;
* fold              ``f'[j] = lo[j] + r d[j]`` for a challenge r in F_{p^2}  ->  ``uint64[K, S/2, 2]``.

Layout. The interleaved table ``[K, S, 2]`` is viewed (free reshape, no copy) as
``[K, S/2, 4]``: row j holds ``(lo.c0, lo.c1, hi.c0, hi.c1)`` of pair (2j, 2j+1), so every pair
is read exactly once, as one contiguous 32-byte row. The grid runs over blocks of
``block_pairs`` pairs (a power of two); the tail is zero-padded (a zero pair folds to zero and
adds nothing to g, exactly as the zk module's zero-padded buffers).

* :func:`round_poly_call`: grid ``(num_blocks,)``; the K tables reach the kernel as K separate
  refs of the SAME array (K BlockSpecs with index maps ``(k, i, 0)``, no copies), so every block
  shape is a power of two (Triton's requirement) even for K = 3. Each program writes its
  partial sums ``[2, KP]`` (KP = max(8, next power of two >= K+1)); one tiny jnp field sum over
  the blocks finishes the reduction.
* :func:`round_step_call`: grid ``(K, num_blocks)``; block ``[block_pairs, 4]`` in,
  ``[block_pairs, 2]`` out; r arrives broadcast to ``[8, 2]`` (one 128-byte copy).

GPU status: all three calls LOWER for ``backend="mosaic_gpu"`` and ``"triton"`` (checked on CPU
with ``lowering_platforms=("cuda",)`` in the tests); compiling and running them on a GPU has not
been verified. JAX deprecates ``pallas_call`` for Mosaic GPU in favour of ``plgpu.kernel``.
* :func:`step_poly_call` (fused): fold with r AND evaluate the NEXT round polynomial in one pass,
  reading each quad ``f[4q..4q+3]`` once (``[K, S/4, 8]`` view): ``f'[2q], f'[2q+1]`` are the two
  folded entries and also the next round's pair q.

Arithmetic. Elements are canonical uint64 words. The kernels restate the jnp helpers of
``jaxgraph.zk.field`` (``_add``, ``_sub``, ``_mul`` = four 32x32->64-bit partial products +
Goldilocks reduction, ``_sum`` = 32-bit-split sums) without any literal >= 2^63, which the GPU
lowerings cannot encode (see the note at ``_canon``). Extension products are done on planar
components (c0, c1) with the same Karatsuba formula as ``field._ext_mul``. All results are
canonical, so they equal the reference word for word. The final cross-block sum (a few words)
uses ``field._ext_sum`` outside the kernel.

x64: the kernels need uint64, i.e. they must be traced inside ``jaxgraph.zk.x64()`` (the public
wrappers in ``kernels.sumcheck`` do that; as prover hooks they are traced inside the prover's
scope). Nothing here touches global JAX state.
"""
from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import pallas as pl

from jaxgraph.zk import field as F
from kernels.common import compiler_params, default_interpret

__all__ = ["DEFAULT_BLOCK_PAIRS", "round_poly_call", "round_step_call", "step_poly_call",
           "default_interpret"]

DEFAULT_BLOCK_PAIRS = 256
"""Pairs per grid block. 256 is the largest TMA box Mosaic GPU accepts along one dimension."""
_MIN_KP = 8  # partial-sum rows padded to >= 8 words: 2 x 8 x 8 B = 128 B (Mosaic GPU copy unit)
_R_ROWS = 8  # r is passed broadcast to [8, 2] (128 B) for the same reason
_W = np.uint64(F.NONRESIDUE)
_SQUEEZED = pl.squeezed if hasattr(pl, "squeezed") else None


def _compiler_params(backend):
    """Optional explicit GPU backend: None (pallas_call's default), "triton" or "mosaic_gpu"."""
    return compiler_params(backend)


# ------------------------------------------------------------------ in-kernel field math
# Restated from jaxgraph.zk.field (same algorithms, same canonical results) with ONE change:
# no literal >= 2^63. The GPU lowerings build integer constants with MLIR's IntegerAttr.get,
# which rejects Python ints above int64 max (p = 0xFFFFFFFF00000001 fails with std::bad_cast
# under both Mosaic GPU and Triton). Here ``x >= p`` is tested on the 32-bit halves and
# ``x - p`` is computed as ``x + EPS`` (mod 2^64), so every literal is < 2^33.
_EPS = np.uint64(F.EPS)
_MASK32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_TWO32 = np.uint64(1 << 32)


def _sel(cond, x, y):
    x, y = jnp.broadcast_arrays(x, y)
    return jax.lax.select(jnp.broadcast_to(cond, x.shape), x, y)


def _canon(x):
    """x < 2^64 -> x mod p: x >= p iff hi32 == 2^32-1 and lo32 != 0; then x - p = x + EPS."""
    ge_p = ((x >> _S32) == _MASK32) & ((x & _MASK32) != np.uint64(0))
    return _sel(ge_p, x + _EPS, x)


def _add(a, b):
    s = a + b
    return _canon(_sel(s < a, s + _EPS, s))  # carry: + 2^64 = + EPS (mod p)


def _sub(a, b):
    d = a - b
    return _sel(a < b, d - _EPS, d)  # borrow: + p = - EPS after the wrap


def _mul(a, b):
    """a b mod p: 128-bit product from four 32x32->64-bit partial products, Goldilocks reduction
    (2^64 = EPS, 2^96 = -1 mod p)."""
    a0, a1 = a & _MASK32, a >> _S32
    b0, b1 = b & _MASK32, b >> _S32
    ll, lh, hl, hh = a0 * b0, a0 * b1, a1 * b0, a1 * b1
    mid = lh + hl
    mid_carry = (mid < lh).astype(jnp.uint64)
    lo = ll + (mid << _S32)
    lo_carry = (lo < ll).astype(jnp.uint64)
    hi = hh + (mid >> _S32) + (mid_carry << _S32) + lo_carry
    h_hi, h_lo = hi >> _S32, hi & _MASK32
    t0 = lo - h_hi
    t0 = _sel(lo < h_hi, t0 - _EPS, t0)
    t1 = h_lo * _EPS
    s = t0 + t1
    s = _sel(s < t1, s + _EPS, s)
    return _canon(s)


def _sum(x, axis):
    """Sum mod p along ``axis`` (< 2^32 terms): 32-bit halves summed natively, recombined."""
    lo = jnp.sum(x & _MASK32, axis=axis, dtype=jnp.uint64)
    hi = jnp.sum(x >> _S32, axis=axis, dtype=jnp.uint64)
    return _add(_canon(lo), _mul(_canon(hi), _TWO32))


# ------------------------------------------------------------------- planar extension math
def _emul(a0, a1, b0, b1):
    """(a0 + a1 X)(b0 + b1 X) mod (X^2 - 7), Karatsuba as in field._ext_mul; planar operands."""
    t0 = _mul(a0, b0)
    t1 = _mul(a1, b1)
    cross = _sub(_sub(_mul(_add(a0, a1), _add(b0, b1)), t0), t1)
    return _add(t0, _mul(t1, _W)), cross


def _poly_sums(lo, hi, k, o_ref):
    """Block partial sums of g(t), t = 0..k, written to o_ref[0, t] (c0) and o_ref[1, t] (c1).

    lo, hi: lists (over the k tables) of planar pairs (c0, c1), each [B]. o_ref: [2, KP] with
    KP >= k + 1; the entries t > k are zeroed. Scalar stores, no jnp.stack (which neither
    Triton nor Mosaic GPU lowers).
    """
    d = [(_sub(h0, l0), _sub(h1, l1)) for (l0, l1), (h0, h1) in zip(lo, hi)]
    vals = list(lo)  # t = 0
    for t in range(k + 1):
        if t == 1:
            vals = list(hi)
        elif t >= 2:
            vals = [(_add(v0, d0), _add(v1, d1)) for (v0, v1), (d0, d1) in zip(vals, d)]
        p0, p1 = vals[0]
        for (v0, v1) in vals[1:]:
            p0, p1 = _emul(p0, p1, v0, v1)
        o_ref[0, t] = _sum(p0, 0)
        o_ref[1, t] = _sum(p1, 0)
    for t in range(k + 1, o_ref.shape[1]):
        o_ref[0, t] = np.uint64(0)
        o_ref[1, t] = np.uint64(0)


def _fold_pair(l0, l1, h0, h1, r0, r1):
    """lo + r (hi - lo) on planar components."""
    m0, m1 = _emul(_sub(h0, l0), _sub(h1, l1), r0, r1)
    return _add(l0, m0), _add(l1, m1)


# ------------------------------------------------------------------------------ helpers
def _blocking(pairs: int, block_pairs: int):
    if block_pairs < 1 or block_pairs & (block_pairs - 1):
        raise ValueError(f"block_pairs must be a power of two, got {block_pairs}")
    b = min(block_pairs, pl.next_power_of_2(pairs))
    nb = -(-pairs // b)
    return b, nb


def _pad_axis1(x, size):
    if x.shape[1] == size:
        return x
    return jnp.pad(x, ((0, 0), (0, size - x.shape[1]), (0, 0)))


def _check(tables):
    if tables.dtype != jnp.uint64:
        raise TypeError(f"tables must be uint64 (trace inside jaxgraph.zk.x64()), got {tables.dtype}")
    if tables.ndim != 3 or tables.shape[-1] != 2 or tables.shape[1] < 2 or tables.shape[1] % 2:
        raise ValueError(f"tables must be uint64[K, S, 2] with S even >= 2, got {tuple(tables.shape)}")


def _finish_poly(partials, k):
    """[nb, 2, KP] block partials -> uint64[K+1, 2] (exact field sum over blocks)."""
    sums = jnp.transpose(partials[:, :, :k + 1], (0, 2, 1))  # [nb, K+1, 2]
    return F._ext_sum(sums, 0)


# ------------------------------------------------------------------------------ round_poly
def _round_poly_kernel(*refs, k, kp):
    t_refs, o_ref = refs[:k], refs[k]
    lo = [(t[:, 0], t[:, 1]) for t in t_refs]
    hi = [(t[:, 2], t[:, 3]) for t in t_refs]
    _poly_sums(lo, hi, k, o_ref)


def round_poly_call(tables, *, block_pairs: int = DEFAULT_BLOCK_PAIRS, interpret=None,
                    backend=None):
    """g(0..K) of the current round. tables: uint64[K, S, 2] (S even) -> uint64[K+1, 2].

    Must be traced with x64 on. ``interpret=None`` picks :func:`default_interpret`.
    """
    _check(tables)
    k, s = int(tables.shape[0]), int(tables.shape[1])
    h = s // 2
    b, nb = _blocking(h, block_pairs)
    kp = max(pl.next_power_of_2(k + 1), _MIN_KP)
    t4 = _pad_axis1(tables.reshape(k, h, 4), b * nb)
    in_specs = [pl.BlockSpec((_SQUEEZED, b, 4), functools.partial(lambda i, kk: (kk, i, 0), kk=kk))
                for kk in range(k)]
    partials = pl.pallas_call(
        functools.partial(_round_poly_kernel, k=k, kp=kp),
        out_shape=jax.ShapeDtypeStruct((nb, 2, kp), jnp.uint64),
        grid=(nb,),
        in_specs=in_specs,
        out_specs=pl.BlockSpec((_SQUEEZED, 2, kp), lambda i: (i, 0, 0)),
        interpret=default_interpret() if interpret is None else interpret,
        compiler_params=_compiler_params(backend),
        name="sumcheck_round_poly",
    )(*([t4] * k))
    return _finish_poly(partials, k)


# ------------------------------------------------------------------------------ round_step
def _round_step_kernel(r_ref, t_ref, o_ref):
    r0, r1 = r_ref[0, 0], r_ref[0, 1]
    c0, c1 = _fold_pair(t_ref[:, 0], t_ref[:, 1], t_ref[:, 2], t_ref[:, 3], r0, r1)
    o_ref[:, 0] = c0
    o_ref[:, 1] = c1


def _as_ext_challenge(r):
    if r.dtype != jnp.uint64:
        raise TypeError(f"r must be uint64 (trace inside jaxgraph.zk.x64()), got {r.dtype}")
    if r.ndim == 0:  # base-field challenge: embed (identical values: r*(d0, d1) either way)
        r = jnp.stack([r, jnp.zeros_like(r)])
    elif r.shape != (2,):
        raise ValueError(f"r must be uint64[2] (extension) or uint64[] (base), got {tuple(r.shape)}")
    return jnp.broadcast_to(r, (_R_ROWS, 2))


def round_step_call(tables, r, *, block_pairs: int = DEFAULT_BLOCK_PAIRS, interpret=None,
                    backend=None):
    """Fold x_1 := r in every table: uint64[K, S, 2], r uint64[2] -> uint64[K, S/2, 2]."""
    _check(tables)
    r = _as_ext_challenge(r)
    k, s = int(tables.shape[0]), int(tables.shape[1])
    h = s // 2
    b, nb = _blocking(h, block_pairs)
    t4 = _pad_axis1(tables.reshape(k, h, 4), b * nb)
    out = pl.pallas_call(
        _round_step_kernel,
        out_shape=jax.ShapeDtypeStruct((k, b * nb, 2), jnp.uint64),
        grid=(k, nb),
        in_specs=[pl.BlockSpec((_R_ROWS, 2), lambda kk, i: (0, 0)),
                  pl.BlockSpec((_SQUEEZED, b, 4), lambda kk, i: (kk, i, 0))],
        out_specs=pl.BlockSpec((_SQUEEZED, b, 2), lambda kk, i: (kk, i, 0)),
        interpret=default_interpret() if interpret is None else interpret,
        compiler_params=_compiler_params(backend),
        name="sumcheck_round_step",
    )(r, t4)
    return out[:, :h] if b * nb != h else out


# ------------------------------------------------------------------ fused step + next poly
def _step_poly_kernel(*refs, k, kp):
    r_ref, t_refs, o_ref, p_ref = refs[0], refs[1:k + 1], refs[k + 1], refs[k + 2]
    r0, r1 = r_ref[0, 0], r_ref[0, 1]
    lo, hi = [], []
    for kk, t in enumerate(t_refs):
        # quad q = f[4q .. 4q+3]: folded f'[2q] from (f[4q], f[4q+1]), f'[2q+1] from the rest.
        a0, a1 = _fold_pair(t[:, 0], t[:, 1], t[:, 2], t[:, 3], r0, r1)
        b0, b1 = _fold_pair(t[:, 4], t[:, 5], t[:, 6], t[:, 7], r0, r1)
        o_ref[kk, :, 0] = a0
        o_ref[kk, :, 1] = a1
        o_ref[kk, :, 2] = b0
        o_ref[kk, :, 3] = b1
        lo.append((a0, a1))
        hi.append((b0, b1))
    _poly_sums(lo, hi, k, p_ref)


def step_poly_call(tables, r, *, block_pairs: int = DEFAULT_BLOCK_PAIRS, interpret=None,
                   backend=None):
    """Fused ``(round_step(tables, r), round_poly(round_step(tables, r)))`` in one pass.

    tables: uint64[K, S, 2] with S % 4 == 0; r: uint64[2].
    Returns (uint64[K, S/2, 2], uint64[K+1, 2]). ``block_pairs`` counts quads here.
    """
    _check(tables)
    r = _as_ext_challenge(r)
    k, s = int(tables.shape[0]), int(tables.shape[1])
    if s % 4:
        raise ValueError(f"step_poly_call needs S % 4 == 0, got S={s}")
    q = s // 4
    b, nb = _blocking(q, block_pairs)
    kp = max(pl.next_power_of_2(k + 1), _MIN_KP)
    t8 = _pad_axis1(tables.reshape(k, q, 8), b * nb)
    in_specs = [pl.BlockSpec((_R_ROWS, 2), lambda i: (0, 0))] + [
        pl.BlockSpec((_SQUEEZED, b, 8), functools.partial(lambda i, kk: (kk, i, 0), kk=kk))
        for kk in range(k)]
    # Folded output as [K, S/4, 4] = [K, S/2, 2] (row q: f'[2q].c0, .c1, f'[2q+1].c0, .c1).
    kq = pl.next_power_of_2(k)
    folded, partials = pl.pallas_call(
        functools.partial(_step_poly_kernel, k=k, kp=kp),
        out_shape=(jax.ShapeDtypeStruct((kq, b * nb, 4), jnp.uint64),
                   jax.ShapeDtypeStruct((nb, 2, kp), jnp.uint64)),
        grid=(nb,),
        in_specs=in_specs,
        out_specs=(pl.BlockSpec((kq, b, 4), lambda i: (0, i, 0)),
                   pl.BlockSpec((_SQUEEZED, 2, kp), lambda i: (i, 0, 0))),
        interpret=default_interpret() if interpret is None else interpret,
        compiler_params=_compiler_params(backend),
        name="sumcheck_step_poly",
    )(r, *([t8] * k))
    folded = folded[:k, :q].reshape(k, 2 * q, 2)
    return folded, _finish_poly(partials, k)
