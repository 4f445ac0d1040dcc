"""Multilinear extensions vs brute-force big-int evaluation of the multilinear polynomial."""
import random

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import zk_reference as ref
from jaxgraph.zk import field as F
from jaxgraph.zk import mle, x64

P = ref.P


def _rand_table(rng, n, ext=False):
    if ext:
        return [(rng.randrange(P), rng.randrange(P)) for _ in range(1 << n)]
    return [rng.randrange(P) for _ in range(1 << n)]


def _rand_point(rng, n, ext=True):
    return [(rng.randrange(P), rng.randrange(P)) if ext else rng.randrange(P) for _ in range(n)]


def _out(x):
    x = np.asarray(x)
    return ref.e(tuple(int(v) for v in x)) if x.ndim else ref.e(int(x))


@pytest.mark.parametrize("n", [0, 1, 3, 6])
@pytest.mark.parametrize("table_ext,point_ext", [(False, True), (True, True), (False, False),
                                                 (True, False)])
def test_evaluate_vs_bruteforce(n, table_ext, point_ext):
    rng = random.Random(100 * n + 10 * table_ext + point_ext)
    tab = _rand_table(rng, n, table_ext)
    pt = _rand_point(rng, n, point_ext)
    got = mle.evaluate(np.array(tab, np.uint64).reshape((1 << n,) + ((2,) if table_ext else ())),
                       np.array(pt, np.uint64).reshape((n,) + ((2,) if point_ext else ())))
    if not table_ext and not point_ext:
        assert np.asarray(got).shape == ()
    assert _out(got) == ref.mle_eval(tab, pt)


def test_evaluate_large_exact_path():
    """> SMALL entries: exact-shape folds first, then the fixed buffer."""
    rng = random.Random(7)
    n = mle.SMALL_VARS + 2
    tab = _rand_table(rng, n)
    pt = _rand_point(rng, n)
    got = _out(mle.evaluate(np.array(tab, np.uint64), np.array(pt, np.uint64)))
    assert got == ref.mle_eval(tab, pt)


def test_boolean_points_return_entries():
    rng = random.Random(8)
    n = 4
    tab = _rand_table(rng, n)
    t = np.array(tab, np.uint64)
    for idx in (0, 1, 6, 15):
        bits = np.array([[(idx >> i) & 1, 0] for i in range(n)], np.uint64)  # bit 0 first
        assert _out(mle.evaluate(t, bits)) == (tab[idx], 0)


def test_fold_formula_and_consistency():
    rng = random.Random(9)
    n = 5
    tab = _rand_table(rng, n)
    r = (rng.randrange(P), rng.randrange(P))
    folded = np.asarray(mle.fold(np.array(tab, np.uint64), np.array(r, np.uint64)))
    assert folded.shape == (1 << (n - 1), 2)  # base table + extension challenge -> extension
    for j in range(1 << (n - 1)):
        expect = ref.eadd(ref.e(tab[2 * j]), ref.emul(r, ref.e(ref.sub(tab[2 * j + 1], tab[2 * j]))))
        assert tuple(int(v) for v in folded[j]) == expect
    rest = _rand_point(rng, n - 1)
    assert _out(mle.evaluate(folded, np.array(rest, np.uint64))) == ref.mle_eval(tab, [r] + rest)
    # base fold with base challenge stays base
    fb = np.asarray(mle.fold(np.array(tab, np.uint64), np.uint64(3)))
    assert fb.shape == (1 << (n - 1),)
    assert fb.tolist() == [ref.add(tab[2 * j], ref.mul(3, ref.sub(tab[2 * j + 1], tab[2 * j])))
                           for j in range(1 << (n - 1))]
    with pytest.raises(ValueError):
        mle.fold(np.array([1], np.uint64), np.uint64(3))
    with pytest.raises(ValueError):
        mle.evaluate(np.zeros((6,), np.uint64), np.zeros((2, 2), np.uint64))
    with pytest.raises(ValueError):
        mle.evaluate(np.zeros((8,), np.uint64), np.zeros((2, 2), np.uint64))


@pytest.mark.parametrize("n", [0, 1, 4, mle.SMALL_VARS + 1])
def test_eq_table(n):
    rng = random.Random(n)
    pt = _rand_point(rng, n)
    eq = np.asarray(mle.eq_table(np.array(pt, np.uint64).reshape(n, 2)))
    assert eq.shape == (1 << n, 2)
    if n <= 4:
        assert [tuple(map(int, r)) for r in eq] == ref.eq_table(pt)
    else:  # spot-check entries across both chunks of the large path
        for idx in (0, 1, 513, 1024, 2047):
            w = (1, 0)
            for i in range(n):
                w = ref.emul(w, ref.eq_bit(pt[i], (idx >> i) & 1))
            assert tuple(map(int, eq[idx])) == w, idx
    # sum_b f[b] eq(r, b) = f~(r)
    tab = _rand_table(rng, n)
    assert _out(mle.dot(np.array(tab, np.uint64), eq)) == ref.mle_eval(tab, pt)


def test_eq_eval_and_host_version():
    rng = random.Random(11)
    n = 5
    x, y = _rand_point(rng, n), _rand_point(rng, n)
    expect = (1, 0)
    for a, b in zip(x, y):
        expect = ref.emul(expect, ref.eadd(ref.emul(a, b), ref.emul(ref.esub((1, 0), a),
                                                                    ref.esub((1, 0), b))))
    xa, ya = np.array(x, np.uint64), np.array(y, np.uint64)
    assert _out(mle.eq_eval(xa, ya)) == expect
    assert mle.eq_eval_int(xa, ya) == expect
    # eq(x, y) is the MLE of eq_table(y) evaluated at x
    assert ref.mle_eval([tuple(map(int, r)) for r in np.asarray(mle.eq_table(ya))], x) == expect
    assert mle.eq_eval_int(np.zeros((0, 2), np.uint64), np.zeros((0, 2), np.uint64)) == (1, 0)


def test_tensor_point_matches_matrix_semantics():
    rng = random.Random(12)
    a, c = 2, 3
    mat = [[rng.randrange(P) for _ in range(1 << c)] for _ in range(1 << a)]
    r_i, r_j = _rand_point(rng, a), _rand_point(rng, c)
    expect = (0, 0)
    eq_i, eq_j = ref.eq_table(r_i), ref.eq_table(r_j)
    for i in range(1 << a):
        for j in range(1 << c):
            expect = ref.eadd(expect, ref.emul(ref.emul(eq_i[i], eq_j[j]), (mat[i][j], 0)))
    pt = mle.tensor_point(np.array(r_i, np.uint64), np.array(r_j, np.uint64))
    assert pt.shape == (a + c, 2) and (pt[:c] == np.array(r_j, np.uint64)).all()
    assert _out(mle.evaluate(np.array(mat, np.uint64).reshape(-1), pt)) == expect


def test_fixed_buffer_path_matches_exact_jit():
    rng = random.Random(13)
    n = 6
    tab, pt = np.array(_rand_table(rng, n, True), np.uint64), np.array(_rand_point(rng, n), np.uint64)
    with x64():
        exact = jax.jit(mle.evaluate)(jnp.asarray(tab), jnp.asarray(pt))  # traced: exact folds
        eq_exact = jax.jit(mle.eq_table)(jnp.asarray(pt))
    assert (np.asarray(exact) == np.asarray(mle.evaluate(tab, pt))).all()
    assert (np.asarray(eq_exact) == np.asarray(mle.eq_table(pt))).all()
    assert F.ext_to_int(exact) == list(ref.mle_eval([tuple(map(int, r)) for r in tab],
                                                    [tuple(map(int, r)) for r in pt]))
