"""Goldilocks field and its quadratic extension vs Python big-int arithmetic."""
import random

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zk_reference as ref
from jaxgraph.zk import field as F
from jaxgraph.zk import x64

P = ref.P
EDGE = [0, 1, 2, 3, P - 1, P - 2, P // 2, P // 2 + 1, 2**32, 2**32 - 1, 2**32 + 1, 2**31,
        2**63, 2**63 - 1, 2**63 + 2**32, 2**64 - 2**33 + 1, 0xFFFFFFFE00000000, 0xFFFFFFFEFFFFFFFE,
        0x80000000FFFFFFFF, 0x7FFFFFFF00000001, 0xFFFFFFFF, 0xFFFFFFFF * 7, P - 2**32, 5 * 2**32 + 3]


def _values(n_random=60, seed=0):
    rng = random.Random(seed)
    vals = list(EDGE)
    vals += [rng.randrange(P) for _ in range(n_random)]
    # carry-heavy randoms: high 32-bit limb all ones / low limb all ones
    vals += [(0xFFFFFFFE << 32) | rng.randrange(2**32) for _ in range(6)]
    vals += [(rng.randrange(2**32 - 1) << 32) | 0xFFFFFFFF for _ in range(6)]
    return vals


def _pairs(vals):
    a = np.array([x for x in vals for _ in vals], dtype=np.uint64)
    b = np.array([y for _ in vals for y in vals], dtype=np.uint64)
    return a, b


def test_constants():
    assert F.P == 2**64 - 2**32 + 1 == P
    assert F.EPS == 2**64 % P == 2**32 - 1
    assert pow(2, 96, P) == P - 1  # 2^96 = -1, used by the reduction
    # 7 is a quadratic non-residue (Euler's criterion), so X^2 - 7 is irreducible over F_p.
    assert pow(7, (P - 1) // 2, P) == P - 1
    assert F.to_int(F.pow(np.uint64(7), (P - 1) // 2)) == P - 1
    # the prime itself (Miller-Rabin with fixed bases is deterministic below 2^64)
    for base in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        d, s = P - 1, 0
        while d % 2 == 0:
            d, s = d // 2, s + 1
        x = pow(base, d, P)
        assert x in (1, P - 1) or any(pow(x, 2**j, P) == P - 1 for j in range(1, s))


@pytest.mark.parametrize("name,fn,refn", [
    ("add", F.add, ref.add), ("sub", F.sub, ref.sub), ("mul", F.mul, ref.mul)])
def test_binary_ops_vs_bigint(name, fn, refn):
    vals = _values()
    a, b = _pairs(vals)
    out = F.to_int(fn(a, b))
    expect = [refn(int(x), int(y)) for x, y in zip(a, b)]
    assert out == expect
    assert all(0 <= v < P for v in out)


def test_mul_reduction_branches_are_exercised():
    """The test set above hits every conditional correction of the 128-bit reduction."""
    vals = _values()
    hits = {"borrow": 0, "carry": 0, "final_sub": 0, "mid_carry": 0}
    m32 = 2**32 - 1
    for x in vals:
        for y in vals:
            a0, a1, b0, b1 = x & m32, x >> 32, y & m32, y >> 32
            hits["mid_carry"] += a0 * b1 + a1 * b0 >= 2**64
            prod = x * y
            hi, lo = prod >> 64, prod & (2**64 - 1)
            hh, hl = hi >> 32, hi & m32
            borrow = lo < hh
            t0 = (lo - hh) % 2**64
            if borrow:
                t0 -= m32
            t1 = hl * m32
            s = t0 + t1
            hits["borrow"] += borrow
            hits["carry"] += s >= 2**64
            s = s % 2**64 + (m32 if s >= 2**64 else 0)
            hits["final_sub"] += s >= P
    assert all(v > 0 for v in hits.values()), hits


def test_neg_square():
    vals = _values()
    x = np.array(vals, np.uint64)
    assert F.to_int(F.neg(x)) == [(-v) % P for v in vals]
    assert F.to_int(F.square(x)) == [v * v % P for v in vals]


def test_broadcasting_and_shapes():
    a = np.array([[1, 2, 3]], np.uint64)
    b = np.array([[P - 1], [5]], np.uint64)
    out = np.asarray(F.mul(a, b))
    assert out.shape == (2, 3)
    assert F.to_int(out) == [[(i * j) % P for i in (1, 2, 3)] for j in (P - 1, 5)]


def test_pow():
    rng = random.Random(1)
    bases = [0, 1, 2, P - 1, 2**32, rng.randrange(P), rng.randrange(P)]
    exps = [0, 1, 2, 3, 63, 2**32 + 5, P - 2, P - 1, 2**64 - 1, rng.randrange(2**64)]
    x = np.array(bases, np.uint64)
    for e in exps:
        assert F.to_int(F.pow(x, e)) == [pow(b, e, P) for b in bases], e
    # array exponents, elementwise
    ev = np.array(exps[: len(bases)], np.uint64)
    assert F.to_int(F.pow(x, ev)) == [pow(b, e, P) for b, e in zip(bases, exps)]
    with pytest.raises(ValueError):
        F.pow(x, -1)
    with pytest.raises(ValueError):
        F.pow(x, 2**64)


def test_inverse_and_batch_inverse():
    vals = _values(40, seed=3)
    x = np.array(vals, np.uint64)
    inv = F.to_int(F.inv(x))
    assert inv == [ref.inv(v) for v in vals]
    assert all(v * w % P == (1 if v else 0) for v, w in zip(vals, inv))
    # batch inverse: 2-D, zeros interspersed (mapped to 0, must not poison the others)
    grid = np.array(vals[:36], np.uint64).reshape(6, 6)
    grid[2, 3] = 0
    grid[5, 5] = 0
    out = F.to_int(F.batch_inv(grid))
    assert out == [[ref.inv(int(v)) for v in row] for row in grid]
    assert F.to_int(F.batch_inv(np.zeros((3,), np.uint64))) == [0, 0, 0]
    assert F.to_int(F.batch_inv(np.array([P - 1], np.uint64))) == [P - 1]


def test_sum():
    rng = random.Random(5)
    vals = [rng.randrange(P) for _ in range(1000)]
    assert F.to_int(F.sum(np.array(vals, np.uint64))) == sum(vals) % P
    big = np.full((3, 4096), P - 1, np.uint64)  # carry-heavy: every term is p - 1
    assert F.to_int(F.sum(big, axis=1)) == [4096 * (P - 1) % P] * 3
    assert F.to_int(F.sum(big, axis=0)) == [3 * (P - 1) % P] * 4096


def test_conversions():
    ints = [0, 1, -1, -2**63, 2**63 - 1, P, P + 5, -P - 5, 2**64, 2**200 + 3, -(2**100)]
    assert F.to_int(F.from_int(ints)) == [v % P for v in ints]
    signed = np.array([0, 1, -1, -7, 2**63 - 1, -2**63, -2**40, 2**40], np.int64)
    out = F.to_int(F.from_signed(signed))
    assert out == [int(v) % P for v in signed]
    assert out[2] == P - 1 and out[3] == P - 7  # negative -> p - |x|
    s32 = np.array([-5, 5, -2**31], np.int32)
    assert F.to_int(F.from_signed(s32)) == [int(v) % P for v in s32]
    back = np.asarray(F.to_signed(F.from_signed(np.array([-3, 0, 3, -2**62, 2**62], np.int64))))
    assert back.tolist() == [-3, 0, 3, -2**62, 2**62]
    q = F.quantize(np.array([0.5, -0.25, 1.0, -3.0]), frac_bits=8)
    assert F.to_int(q) == [128, P - 64, 256, P - 768]
    with pytest.raises(ValueError):
        F.quantize(np.array([np.nan]), 8)
    with pytest.raises(ValueError):
        F.quantize(np.array([2.0**60]), 8)
    assert F.is_canonical(np.array([P - 1], np.uint64))
    assert not F.is_canonical(np.array([P], np.uint64))
    assert not F.is_canonical(np.array([1], np.int64))


def test_field_matmul():
    rng = np.random.default_rng(0)
    a = rng.integers(0, P, size=(5, 7), dtype=np.uint64)
    w = rng.integers(0, P, size=(7, 3), dtype=np.uint64)
    a[0] = P - 1
    w[:, 0] = P - 1
    assert F.to_int(F.matmul(a, w)) == ref.matmul(a.tolist(), w.tolist())
    # batched
    a3 = rng.integers(0, P, size=(2, 3, 4), dtype=np.uint64)
    w3 = rng.integers(0, P, size=(2, 4, 2), dtype=np.uint64)
    out = F.to_int(F.matmul(a3, w3))
    assert out == [ref.matmul(a3[t].tolist(), w3[t].tolist()) for t in range(2)]


# ------------------------------------------------------------------------ extension field
def _ext_values(seed=0):
    rng = random.Random(seed)
    comps = [0, 1, P - 1, 2**32, 2**63, P - 2]
    vals = [(a, b) for a in comps for b in comps]
    vals += [(rng.randrange(P), rng.randrange(P)) for _ in range(30)]
    return vals


def test_extension_ops_vs_reference():
    vals = _ext_values()
    a = np.array([x for x in vals for _ in vals], np.uint64)
    b = np.array([y for _ in vals for y in vals], np.uint64)
    pa, pb = [tuple(map(int, r)) for r in a], [tuple(map(int, r)) for r in b]
    assert [tuple(r) for r in F.ext_to_int(F.ext_add(a, b))] == [ref.eadd(x, y) for x, y in zip(pa, pb)]
    assert [tuple(r) for r in F.ext_to_int(F.ext_sub(a, b))] == [ref.esub(x, y) for x, y in zip(pa, pb)]
    assert [tuple(r) for r in F.ext_to_int(F.ext_mul(a, b))] == [ref.emul(x, y) for x, y in zip(pa, pb)]
    x = np.array(vals, np.uint64)
    assert [tuple(r) for r in F.ext_to_int(F.ext_neg(x))] == [ref.esub((0, 0), v) for v in vals]
    assert [tuple(r) for r in F.ext_to_int(F.ext_square(x))] == [ref.emul(v, v) for v in vals]


def test_extension_inverse():
    vals = _ext_values(1)[:40]
    x = np.array(vals, np.uint64)
    inv = [tuple(r) for r in F.ext_to_int(F.ext_inv(x))]
    assert inv == [ref.einv(v) for v in vals]  # reference uses a^(p^2 - 2), not the norm
    for v, w in zip(vals, inv):
        assert ref.emul(v, w) == ((1, 0) if v != (0, 0) else (0, 0))
    # host scalar version used by verifiers
    for v in vals[:10]:
        assert F.int_ext_inv(v) == ref.einv(v)
        assert F.int_ext_mul(v, vals[3]) == ref.emul(v, vals[3])


def test_extension_mixed_and_sum():
    rng = random.Random(2)
    vals = [(rng.randrange(P), rng.randrange(P)) for _ in range(50)]
    s = [rng.randrange(P) for _ in range(50)]
    x = np.array(vals, np.uint64)
    out = [tuple(r) for r in F.ext_to_int(F.ext_mul_base(x, np.array(s, np.uint64)))]
    assert out == [ref.emul(v, (t, 0)) for v, t in zip(vals, s)]
    emb = F.ext_to_int(F.ext_embed(np.array(s, np.uint64)))
    assert [tuple(r) for r in emb] == [(t, 0) for t in s]
    total = (0, 0)
    for v in vals:
        total = ref.eadd(total, v)
    assert tuple(F.ext_to_int(F.ext_sum(x, axis=0))) == total
    assert tuple(F.ext_to_int(F.ext_sum(x.reshape(5, 10, 2), axis=-1))[0]) == \
        __import__("functools").reduce(ref.eadd, vals[:10])
    assert F.ext_from_int([1, 2], 3).tolist() == [[1, 3], [2, 3]]
    with pytest.raises(ValueError):
        F.ext_mul(np.zeros((3,), np.uint64), np.zeros((3,), np.uint64))


def test_jit_inside_user_scope_and_error_outside():
    a = np.array([P - 1, 2**63], np.uint64)
    with x64():
        f = jax.jit(lambda u, v: F.ext_mul(F.ext_embed(F.mul(u, v)), F.ext_embed(u)))
        out = f(jnp.asarray(a), jnp.asarray(a))
        assert out.dtype == jnp.uint64
    expect = [ref.emul((v * v % P, 0), (v, 0)) for v in map(int, a)]
    assert [tuple(r) for r in F.ext_to_int(out)] == expect
    # tracing a zk op under a jit WITHOUT the 64-bit scope fails loudly instead of truncating
    with pytest.raises(TypeError, match="64-bit mode is off"):
        jax.jit(F.mul)(np.array([1], np.uint32), np.array([2], np.uint32))


def test_int_ext_exact_for_python_int_pairs():
    """A pair mixing a value >= 2^63 with one < 2^63 must not go through a float array."""
    big, small = P - 1, 4168039664252820786
    assert F.int_ext((big, small)) == (big, small)
    assert F.int_ext([small, big]) == (small, big)
    assert F.int_ext(big) == (big, 0)
    assert F.int_ext(np.array([big, small], np.uint64)) == (big, small)
    assert F.int_ext((P + 3, 2 * P)) == (3, 0)
