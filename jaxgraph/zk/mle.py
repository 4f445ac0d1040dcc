r"""Multilinear extensions (MLEs) over the Goldilocks field and its quadratic extension.

Paper: "zkDL: Efficient Zero-Knowledge Proofs of Deep Learning Training" represents every
tensor of the training computation by the multilinear extension of its flattened entries; the
sumcheck-based proofs reduce claims about tensors to evaluations of these MLEs at random points.

Definitions and variable order
------------------------------
A table ``f`` of ``2^n`` field elements defines the unique multilinear polynomial

    f~(x_1, ..., x_n) = sum_{idx < 2^n} f[idx] * eq(x, bits(idx)),
    eq(x, b) = prod_i ( x_i b_i + (1 - x_i)(1 - b_i) ),

with ``bits(idx) = (b_1, ..., b_n)``, ``idx = b_1 + 2 b_2 + ... + 2^{n-1} b_n``:
**the FIRST variable x_1 is the LEAST significant bit of the index** (little-endian variable
order, the convention of arkworks' ark-poly ``DenseMultilinearExtension`` and HyperPlonk).
Consequences used throughout zk/:

* folding (partial evaluation) fixes the variables in the order x_1, x_2, ..., and folding x_1
  pairs neighbouring entries: ``f'(j) = f(2j) + r (f(2j+1) - f(2j))``, i.e.
  ``f'(b) = f(0, b) + r (f(1, b) - f(0, b))`` for ``b in {0,1}^{n-1}``;
* a C-order tensor ``T[a_1, ..., a_d]`` flattened with ``T.reshape(-1)`` has its LAST axis in
  the lowest bits, so its variables are ``(x_{a_d}, ..., x_{a_1})``: innermost axis first. Use
  :func:`tensor_point` to build evaluation points from per-axis points given outermost first,
  e.g. for a matrix ``M[i, j]``: ``M~ at (r_i, r_j) = evaluate(M.reshape(-1), tensor_point(r_i, r_j))``
  and ``tensor_point(r_i, r_j) = concat(r_j, r_i)``;
* ``eq_table(r)[idx] = eq(r, bits(idx))``, so ``sum_idx f[idx] eq_table(r)[idx] = f~(r)``.

Why little-endian: a table whose valid entries are a prefix of a zero-padded buffer stays a
zero-padded prefix after folding, with fixed (static) slicing ``t[0::2]``, ``t[1::2]``. The
prover and verifier therefore run every table of at most :data:`SMALL` entries in one fixed
buffer shape, so a single compiled XLA program serves all rounds and all small sizes instead of
one compilation per table size. Larger tables use exact shapes until they shrink to SMALL.

Representation: base-field tables are ``uint64[2^n]``, extension tables ``uint64[2^n, 2]``;
points are ``uint64[n]`` (base) or ``uint64[n, 2]`` (extension); a single challenge is
``uint64[]`` or ``uint64[2]``. Folding a base table with an extension challenge gives an
extension table. All functions are jit-able; called from outside a trace they enter the 64-bit
scope themselves (and use the fixed-buffer small path).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from jaxgraph.zk import field as F
from jaxgraph.zk._x64 import is_tracing, x64, zk_jit

__all__ = ["SMALL", "log2_ceil", "log2_floor", "pow2_ceil", "num_vars", "tensor_point", "fold", "evaluate", "eq_table", "eq_eval",
           "eq_eval_int", "dot"]

SMALL = 1 << 10
"""Tables with at most this many entries are processed in one fixed, zero-padded buffer."""
SMALL_VARS = SMALL.bit_length() - 1


def log2_ceil(x: int) -> int:
    """Number of variables of a hypercube holding ``x`` entries: ``ceil(log2(max(x, 1)))``."""
    return max(int(x) - 1, 0).bit_length()


def pow2_ceil(x: int) -> int:
    """``x`` zero-padded to a power of two: ``2 ** log2_ceil(x)`` (1 for ``x <= 1``)."""
    return 1 << log2_ceil(x)


def log2_floor(x: int) -> int:
    """``floor(log2(x))`` for ``x >= 1`` (the exact log of a power of two)."""
    return int(x).bit_length() - 1


def num_vars(table) -> int:
    """n for a table of 2^n entries (base [2^n] or extension [2^n, 2]).

    Raises:
      ValueError: if the table length is not a power of two or the rank is wrong.
    """
    shape = tuple(np.shape(table))
    if len(shape) not in (1, 2) or (len(shape) == 2 and shape[1] != 2):
        raise ValueError(f"MLE table must have shape [2^n] or [2^n, 2], got {shape}")
    size = shape[0]
    if size < 1 or size & (size - 1):
        raise ValueError(f"MLE table length must be a power of two, got {size}")
    return size.bit_length() - 1


def tensor_point(*axis_points):
    """Evaluation point of a flattened C-order tensor from per-axis points, outermost axis first.

    Each axis point is ``[n_a]`` or ``[n_a, 2]`` (little-endian within the axis). Returns the
    concatenation innermost-axis first, e.g. ``tensor_point(r_t, r_i, r_j) = concat(r_j, r_i, r_t)``.
    Host (numpy) or traced arrays alike.
    """
    mod = jnp if is_tracing(axis_points) else np
    return mod.concatenate([mod.asarray(p) for p in axis_points[::-1]], axis=0)


# ------------------------------------------------------------------------------ folding
def _lerp(lo, hi, r, t_ext: bool, r_ext: bool):
    """lo + r * (hi - lo) for base/extension lo, hi (same kind) and scalar r of either kind."""
    d = F._sub(hi, lo)
    if r_ext and t_ext:
        return F._add(lo, F._ext_mul(d, r))
    if r_ext:  # base table, extension challenge -> extension table
        return F._add(F._ext_embed(lo), F._ext_mul_base(jnp.broadcast_to(r, d.shape + (2,)), d))
    if t_ext:
        return F._add(lo, F._ext_mul_base(d, r))
    return F._add(lo, F._mul(d, r))


def _fold(table, r, ext_table=None):
    """Fix x_1 := r on the leading axis. table: [S(, 2)] or stacked [K, S, 2] (ext_table=True,
    pairs along axis -2)."""
    if ext_table is None:
        ext_table = table.ndim == 2
    if ext_table:
        lo, hi = table[..., 0::2, :], table[..., 1::2, :]
    else:
        lo, hi = table[0::2], table[1::2]
    return _lerp(lo, hi, r, ext_table, r.ndim == 1)


def _check_scalar(r):
    r = F._u64(r)
    if r.ndim not in (0, 1) or (r.ndim == 1 and r.shape[0] != 2):
        raise ValueError(f"r must be a base scalar [] or an extension element [2], got {r.shape}")
    return r


@zk_jit
def fold(table, r):
    """Fix the FIRST variable x_1 (least significant index bit) to r: [2^n(,2)] -> [2^{n-1}(,2)].

    f'(j) = f(2j) + r (f(2j+1) - f(2j)). r: base [] or extension [2]; the result is an
    extension table if either input is.
    """
    table = F._u64(table)
    if num_vars(table) < 1:
        raise ValueError("fold: table has no variables left")
    return _fold(table, _check_scalar(r))


def _pad_rows(t, size):
    if t.shape[0] == size:
        return t
    pad = [(0, size - t.shape[0])] + [(0, 0)] * (t.ndim - 1)
    return jnp.pad(t, pad)


def _eval_small(table, point):
    """Fixed-buffer evaluation: table [SMALL(,2)] zero-padded, point [SMALL_VARS(,2)] zero-padded.

    Folding with r = 0 keeps entry 0, so padded variables are harmless.
    """
    ext = point.ndim == 2
    if ext and table.ndim == 1:
        table = F._ext_embed(table)

    def body(t, r):
        f = _fold(t, r)
        return _pad_rows(f, t.shape[0]), None

    t, _ = jax.lax.scan(body, table, point)
    return t[0]


_fold_jit = jax.jit(_fold, static_argnames=("ext_table",))
_eval_small_jit = jax.jit(_eval_small)


def _check_point(point, n):
    if point.ndim not in (1, 2) or point.shape[0] != n or (point.ndim == 2 and point.shape[1] != 2):
        raise ValueError(f"point must have shape [{n}] or [{n}, 2] for a table of 2^{n} entries, "
                         f"got {tuple(point.shape)}")
    return point


def _evaluate_exact(table, point):
    for i in range(point.shape[0]):
        table = _fold(table, point[i])
    return table[0]


def evaluate(table, point):
    """f~(point): fold x_1, ..., x_n in order (about 2 * 2^n lerps).

    Args:
      table: base uint64[2^n] or extension uint64[2^n, 2].
      point: base uint64[n] or extension uint64[n, 2] (little-endian: point[0] is x_1).
    Returns:
      base uint64[] if table and point are base, else extension uint64[2].
    """
    if is_tracing((table, point)):
        table, point = F._u64(table), F._u64(point)
        return _evaluate_exact(table, _check_point(point, num_vars(table)))
    with x64():
        table, point = F._u64(table), F._u64(point)
        n = num_vars(table)
        _check_point(point, n)
        i = 0
        while table.shape[0] > SMALL:  # exact shapes (one compilation per size) until small
            table = _fold_jit(table, point[i])
            i += 1
        rest = point[i:]
        pad_pt = jnp.zeros((SMALL_VARS,) + rest.shape[1:], jnp.uint64).at[:rest.shape[0]].set(rest)
        out = _eval_small_jit(_pad_rows(table, SMALL), pad_pt)
        return out


# ------------------------------------------------------------------------------ eq tables
def _eq_small(point, active):
    """Fixed-buffer eq table: point [SMALL_VARS, 2] (ext) processed LAST variable first; inactive
    steps (padding) leave the table unchanged. Returns [SMALL, 2]; the first 2^n rows are valid."""
    one = jnp.array([1, 0], jnp.uint64)
    t0 = jnp.zeros((SMALL, 2), jnp.uint64).at[0].set(one)

    def body(t, xs):
        r, on = xs
        half = t[:SMALL // 2]
        a = F._ext_mul(half, F._sub(one, r))  # new LSB = 0
        b = F._ext_mul(half, r)  # new LSB = 1
        new = jnp.stack([a, b], axis=1).reshape(SMALL, 2)
        return jax.lax.select(jnp.broadcast_to(on, t.shape), new, t), None

    t, _ = jax.lax.scan(body, t0, (point[::-1], active[::-1]))
    return t


_eq_small_jit = jax.jit(_eq_small)


def _eq_exact(point):
    """eq table by doubling, last variable first (prepending the new LSB). point [n, 2] ext."""
    one = jnp.array([1, 0], jnp.uint64)
    t = one[None]
    for i in range(point.shape[0] - 1, -1, -1):
        r = point[i]
        t = jnp.stack([F._ext_mul(t, F._sub(one, r)), F._ext_mul(t, r)], axis=1).reshape(-1, 2)
    return t


def _outer(hi, lo):
    """eq over (lo vars, hi vars): idx = idx_hi * len(lo) + idx_lo."""
    return F._ext_mul(hi[:, None, :], lo[None, :, :]).reshape(-1, 2)


_outer_jit = jax.jit(_outer)


def eq_table(point):
    """Table of eq(point, bits(idx)) over idx < 2^n (little-endian: point[0] <-> bit 0).

    point: extension [n, 2] (a base [n] point is embedded) -> uint64[2^n, 2].
    sum_idx f[idx] * eq_table(r)[idx] = f~(r).
    """
    if is_tracing(point):
        point = F._u64(point)
        if point.ndim == 1:
            point = F._ext_embed(point)
        return _eq_exact(point)
    with x64():
        point = F._u64(point)
        if point.ndim == 1:
            point = F._ext_embed(point)
        if point.ndim != 2 or point.shape[1] != 2:
            raise ValueError(f"eq_table: point must be [n] or [n, 2], got {tuple(point.shape)}")
        n = point.shape[0]
        table = None
        for start in range(0, max(n, 1), SMALL_VARS):  # chunks of <= SMALL_VARS variables
            chunk = point[start:start + SMALL_VARS]
            c = chunk.shape[0]
            pad = jnp.zeros((SMALL_VARS, 2), jnp.uint64).at[:c].set(chunk)
            active = jnp.arange(SMALL_VARS) < c
            part = _eq_small_jit(pad, active)[:1 << c]
            table = part if table is None else _outer_jit(part, table)
        return table


def _eq_eval(x, y):
    one = jnp.array([1, 0], jnp.uint64)
    xy = F._ext_mul(x, y)
    # x y + (1 - x)(1 - y) = 2 x y - x - y + 1
    terms = F._add(F._sub(F._sub(F._add(xy, xy), x), y), one)
    acc = one
    for i in range(x.shape[0]):
        acc = F._ext_mul(acc, terms[i])
    return acc


@zk_jit
def eq_eval(x, y):
    """eq(x, y) = prod_i (x_i y_i + (1 - x_i)(1 - y_i)); x, y: extension [n, 2] -> [2]."""
    x, y = F._u64(x), F._u64(y)
    if x.shape != y.shape or x.ndim != 2 or x.shape[-1] != 2:
        raise ValueError(f"eq_eval: points must both be [n, 2], got {x.shape} and {y.shape}")
    return _eq_eval(x, y)


def eq_eval_int(x, y) -> tuple:
    """Host version of :func:`eq_eval` on Python ints (for verifiers): returns (c0, c1)."""
    x, y = np.asarray(x, np.uint64), np.asarray(y, np.uint64)
    if x.shape != y.shape or x.ndim != 2 or x.shape[-1] != 2:
        raise ValueError(f"eq_eval_int: points must both be [n, 2], got {x.shape} and {y.shape}")
    acc = (1, 0)
    for xi, yi in zip(x, y):
        a, b = F.int_ext(xi), F.int_ext(yi)
        xy = F.int_ext_mul(a, b)
        term = F.int_ext_add(F.int_ext_sub(F.int_ext_sub(F.int_ext_add(xy, xy), a), b), (1, 0))
        acc = F.int_ext_mul(acc, term)
    return acc


def _dot(table, weights):
    """sum_idx table[idx] * weights[idx]: base or extension table, extension weights [2^n, 2]."""
    if table.ndim == 2:
        return F._ext_sum(F._ext_mul(table, weights), 0)
    return F._ext_sum(F._ext_mul_base(weights, table), 0)


@zk_jit
def dot(table, weights):
    """Inner product sum_idx table[idx] * weights[idx] with extension weights; e.g.
    dot(f, eq_table(r)) equals evaluate(f, r). table: [2^n] or [2^n, 2]; weights: [2^n, 2] -> [2]."""
    return _dot(F._u64(table), F._u64(weights))
