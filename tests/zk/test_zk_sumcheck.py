"""Sumcheck: completeness, soundness against tampering and adaptive cheating, kernel hook."""
import dataclasses
import functools
import random

import jax.numpy as jnp
import numpy as np
import pytest

import zk_reference as ref
from jaxgraph.zk import field as F
from jaxgraph.zk import mle, x64
from jaxgraph.zk import sumcheck as S
from jaxgraph.zk.transcript import Transcript

P = ref.P


def _tables(seed, n, k, ext_first=False):
    rng = random.Random(seed)
    py = []
    for j in range(k):
        if ext_first and j == 0:
            py.append([(rng.randrange(P), rng.randrange(P)) for _ in range(1 << n)])
        else:
            py.append([rng.randrange(P) for _ in range(1 << n)])
    arrs = [np.array(t, np.uint64) for t in py]
    return py, arrs


def _true_product(py_tables, point):
    pt = [tuple(map(int, r)) for r in point]
    return functools.reduce(ref.emul, [ref.mle_eval(t, pt) for t in py_tables])


def _accepts(py_tables, proof, claim, n, k, protocol="t"):
    """Full verifier: round checks AND the final oracle check against the true tables."""
    res = S.verify(claim, proof, Transcript(protocol), num_vars=n, degree=k)
    return res.ok and F.int_ext(res.expected) == _true_product(py_tables, res.point)


@pytest.mark.parametrize("n,k", [(0, 2), (1, 2), (4, 2), (3, 1), (2, 3), (5, 3)])
def test_completeness(n, k):
    py, arrs = _tables(10 * n + k, n, k, ext_first=(k == 3))
    proof, point, finals, claim = S.prove(arrs, Transcript("t"))
    assert proof.round_evals.shape == (n, k + 1, 2) and point.shape == (n, 2)
    assert F.int_ext(claim) == ref.product_sum(py)
    for j in range(k):  # final values are the MLEs at the challenge point
        assert F.int_ext(finals[j]) == ref.mle_eval(py[j], [tuple(map(int, r)) for r in point])
    res = S.verify(claim, proof, Transcript("t"), num_vars=n, degree=k)
    assert res.ok, res.reason
    assert (res.point == point).all()
    assert F.int_ext(res.expected) == functools.reduce(ref.emul, [F.int_ext(f) for f in finals])
    assert _accepts(py, proof, claim, n, k)


def test_large_tables_exact_shape_path():
    n, k = mle.SMALL_VARS + 1, 2
    py, arrs = _tables(99, n, k)
    proof, point, finals, claim = S.prove(arrs, Transcript("t"))
    assert F.int_ext(claim) == ref.product_sum(py)
    res = S.verify(claim, proof, Transcript("t"), num_vars=n, degree=k)
    assert res.ok
    pt = [tuple(map(int, r)) for r in point]
    assert F.int_ext(finals[1]) == ref.mle_eval(py[1], pt)


def test_round_functions_match_definitions():
    rng = random.Random(3)
    k, size = 3, 8
    tabs = [[(rng.randrange(P), rng.randrange(P)) for _ in range(size)] for _ in range(k)]
    arr = np.array(tabs, np.uint64)  # [K, S, 2]
    g = np.asarray(S.round_poly(arr))
    for t in range(k + 1):
        acc = (0, 0)
        for j in range(size // 2):
            prod = (1, 0)
            for tb in tabs:
                lo, hi = tb[2 * j], tb[2 * j + 1]
                prod = ref.emul(prod, ref.eadd(lo, ref.emul((t, 0), ref.esub(hi, lo))))
            acc = ref.eadd(acc, prod)
        assert F.int_ext(g[t]) == acc
    r = (rng.randrange(P), rng.randrange(P))
    folded = np.asarray(S.round_step(arr, np.array(r, np.uint64)))
    assert folded.shape == (k, size // 2, 2)
    for kk in range(k):
        for j in range(size // 2):
            lo, hi = tabs[kk][2 * j], tabs[kk][2 * j + 1]
            assert F.int_ext(folded[kk, j]) == ref.eadd(lo, ref.emul(r, ref.esub(hi, lo)))


def test_lagrange_eval():
    rng = random.Random(4)
    for k in (1, 2, 3, 5):
        coeffs = [(rng.randrange(P), rng.randrange(P)) for _ in range(k + 1)]

        def g(x):
            acc, xp = (0, 0), (1, 0)
            for c in coeffs:
                acc = ref.eadd(acc, ref.emul(c, xp))
                xp = ref.emul(xp, x)
            return acc
        evals = np.array([g((t, 0)) for t in range(k + 1)], np.uint64)
        for x in [(rng.randrange(P), rng.randrange(P)), (2, 0), (0, 0), (P - 1, 5)]:
            assert F.int_ext(S.lagrange_eval(evals, np.array(x, np.uint64))) == g(x)


@pytest.fixture(scope="module")
def honest():
    n, k = 3, 3
    py, arrs = _tables(5, n, k, ext_first=True)
    proof, point, finals, claim = S.prove(arrs, Transcript("t"))
    assert _accepts(py, proof, claim, n, k)
    return py, proof, claim, n, k


def test_tampering_any_round_coefficient_is_rejected(honest):
    py, proof, claim, n, k = honest
    rng = random.Random(6)
    for i in range(n):
        for t in range(k + 1):
            for c in range(2):
                for delta in (1, rng.randrange(1, P)):
                    ev = proof.round_evals.copy()
                    ev[i, t, c] = (int(ev[i, t, c]) + delta) % P
                    bad = dataclasses.replace(proof, round_evals=ev)
                    assert not _accepts(py, bad, claim, n, k), (i, t, c, delta)


def test_wrong_claim_and_wrong_transcript_are_rejected(honest):
    py, proof, claim, n, k = honest
    for c in range(2):
        bad_claim = claim.copy()
        bad_claim[c] = (int(bad_claim[c]) + 1) % P
        res = S.verify(bad_claim, proof, Transcript("t"), num_vars=n, degree=k)
        assert not res.ok and "round 1" in res.reason
    # a verifier whose transcript differs draws other challenges: the proof no longer checks
    assert not _accepts(py, proof, claim, n, k, protocol="other")


def test_malformed_proofs_return_false(honest):
    py, proof, claim, n, k = honest
    ev = proof.round_evals
    for bad in (ev[:-1], ev[:, :-1], ev.astype(np.int64), np.where(ev == ev[0, 0, 0], np.uint64(P), ev)):
        res = S.verify(claim, S.SumcheckProof(bad), Transcript("t"), num_vars=n, degree=k)
        assert not res.ok and res.reason
    res = S.verify(np.array([P, 0], np.uint64), proof, Transcript("t"), num_vars=n, degree=k)
    assert not res.ok


def test_adaptive_cheater_passes_rounds_but_fails_final_check(honest):
    """A prover claiming C + delta fixes up g_i(0) every round so that every round check
    passes; only the final oracle check (prod f_k~(r) vs C_n) catches it."""
    py, _, claim, n, k = honest
    with x64():
        arr = jnp.stack([jnp.asarray(np.array([ref.e(v) for v in t], np.uint64)) for t in py])
    fake = F.int_ext_add(F.int_ext(claim), (1, 0))
    tr = Transcript("t")
    cur, evs = fake, []
    for _ in range(n):
        g = [F.int_ext(e) for e in np.asarray(S.round_poly(arr))]
        g[0] = F.int_ext_sub(cur, g[1])  # force g(0) + g(1) = current (false) claim
        ev = np.array(g, np.uint64)
        evs.append(ev)
        tr.append("sumcheck/round", ev)
        r = tr.challenge("sumcheck/r")
        cur = F.int_ext(S.lagrange_eval(ev, r))
        arr = S.round_step(arr, r)
    proof = S.SumcheckProof(np.stack(evs))
    fake_arr = np.array(fake, np.uint64)
    res = S.verify(fake_arr, proof, Transcript("t"), num_vars=n, degree=k)
    assert res.ok  # every round check passes ...
    assert not _accepts(py, proof, fake_arr, n, k)  # ... but the final check fails


def _loop_round_poly(tables):
    """Alternative (unvectorised, per-t loop) implementation used to exercise the kernel hook."""
    k = tables.shape[0]
    outs = []
    for t in range(k + 1):
        prod = None
        for j in range(k):
            lo, hi = tables[j, 0::2], tables[j, 1::2]
            v = F._add(lo, F._ext_mul_base(F._sub(hi, lo), np.uint64(t)))
            prod = v if prod is None else F._ext_mul(prod, v)
        outs.append(F._ext_sum(prod, 0))
    return jnp.stack(outs)


def _loop_round_step(tables, r):
    return jnp.stack([mle._fold(tables[j], r) for j in range(tables.shape[0])])


def test_round_function_hook_gives_identical_proofs():
    py, arrs = _tables(21, 4, 3)
    a = S.prove(arrs, Transcript("t"))
    b = S.prove(arrs, Transcript("t"), round_poly_fn=_loop_round_poly, round_step_fn=_loop_round_step)
    for x, y in zip((a[0].round_evals, a[1], a[2], a[3]), (b[0].round_evals, b[1], b[2], b[3])):
        assert x.dtype == y.dtype and (x == y).all()


def test_validation_errors():
    with pytest.raises(ValueError):
        S.prove([np.zeros(4, np.uint64), np.zeros(8, np.uint64)], Transcript())
    with pytest.raises(ValueError):
        S.prove([np.zeros(6, np.uint64)], Transcript())
    with pytest.raises(ValueError):
        S.prove([], Transcript())
