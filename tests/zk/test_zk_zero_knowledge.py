"""Zero-knowledge sumcheck (``zksumcheck.py``) and the zero-knowledge committed matmul proof
(``matmul.prove_committed_zk`` / ``verify_committed_zk``).

SPEED NOTE: PCS commitments here use t = 12 column queries (INSECURE, test speed only) and the
verifier is told so via ``min_queries=12``.
"""
import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest

from jaxgraph.zk import field as F
from jaxgraph.zk import matmul as M
from jaxgraph.zk import mle, pcs
from jaxgraph.zk import sumcheck as S
from jaxgraph.zk import zksumcheck as ZS
from jaxgraph.zk._x64 import x64
from jaxgraph.zk.transcript import Transcript
from zk_fixtures import matmul_instance

P = F.P
FAST = pcs.PCSParams(queries=12)  # INSECURE, test speed only
MINQ = dict(min_queries=12)
ie, add, sub, mul, inv = F.int_ext, F.int_ext_add, F.int_ext_sub, F.int_ext_mul, F.int_ext_inv


def _rand_ext(rng, shape):
    return rng.integers(0, P, tuple(shape) + (2,), dtype=np.uint64)


def _prod_at(tables, point):
    acc = (1, 0)
    for t in tables:
        acc = mul(acc, ie(np.asarray(mle.evaluate(t, point))))
    return acc


# ------------------------------------------------------------------ zk sumcheck: completeness
@pytest.mark.parametrize("k,n", [(1, 1), (2, 3), (3, 4)])
def test_zk_sumcheck_complete(k, n):
    rng = np.random.default_rng(10 * k + n)
    tables = [_rand_ext(rng, (1 << n,)) for _ in range(k)]
    prover = ZS.ZKProver(tables, params=FAST, rng=k + n)
    proof, point, finals, rho = prover.run(Transcript("zk-test"))
    res = ZS.verify(prover.claim, proof, Transcript("zk-test"), num_vars=n, degree=k, **MINQ)
    assert res.ok, res.reason
    assert (res.point == point).all()
    assert ie(res.expected) == _prod_at(tables, point)
    # the claim is the true sum, the finals are the true evaluations
    tot = (0, 0)
    for b in range(1 << n):
        pr = (1, 0)
        for t in tables:
            pr = mul(pr, ie(t[b]))
        tot = add(tot, pr)
    assert ie(prover.claim) == tot
    # the sent messages are exactly masked_transcript(f's round polys, g, rho, r)
    G, h, y = ZS.masked_transcript(prover.f_round_evals, prover._coeffs, rho, point)
    assert (G == proof.mask_sum).all() and (h == proof.rounds.round_evals).all()
    m = ZS.mask_layout(n, k)[1]
    for i in range(n):
        assert mul(ZS.mask_scale(point[i], m), ie(proof.mask_evals[i])) == ie(y[i])
    # and they differ from the unmasked round polynomials
    assert not (h == prover.f_round_evals).all()


def test_zk_sumcheck_rejects_false_claim_and_tampering():
    rng = np.random.default_rng(3)
    n, k = 3, 2
    tables = [_rand_ext(rng, (1 << n,)) for _ in range(k)]
    prover = ZS.ZKProver(tables, params=FAST, rng=5)
    proof, point, finals, rho = prover.run(Transcript("zk-test"))

    def check(claim, pr):
        res = ZS.verify(claim, pr, Transcript("zk-test"), num_vars=n, degree=k, **MINQ)
        return res.ok and ie(res.expected) == _prod_at(tables, res.point)

    assert check(prover.claim, proof)
    bad_claim = np.array(add(ie(prover.claim), (1, 0)), np.uint64)
    assert not check(bad_claim, proof)
    bump = lambda a, idx: _bump(a, idx)
    assert not check(prover.claim, dataclasses.replace(proof, mask_sum=bump(proof.mask_sum, 0)))
    for idx in [(0, 0, 0), (1, 2, 1), (2, 1, 0)]:
        rounds = S.SumcheckProof(bump(proof.rounds.round_evals, idx))
        assert not check(prover.claim, dataclasses.replace(proof, rounds=rounds))
    for i in range(n):
        assert not check(prover.claim, dataclasses.replace(
            proof, mask_evals=bump(proof.mask_evals, (i, 1))))
        op = proof.mask_opening  # v_i of the multi-opening, and its mask_eval
        assert not check(prover.claim, dataclasses.replace(
            proof, mask_opening=dataclasses.replace(op, vs=bump(op.vs, (i, 0, 0)))))
        assert not check(prover.claim, dataclasses.replace(
            proof, mask_opening=dataclasses.replace(op, mask_evals=bump(op.mask_evals, (i, 1)))))
    op = proof.mask_opening
    for field, idx in (("u", (0, 0)), ("columns", (0, 0)), ("salts", (0, 0)), ("paths", (0, 0, 0))):
        arr = getattr(op, field)
        bad = arr.copy()
        bad[idx] = (int(bad[idx]) + 1) % (P if arr.dtype == np.uint64 else 256)
        assert not check(prover.claim, dataclasses.replace(
            proof, mask_opening=dataclasses.replace(op, **{field: bad})))
    # weak mask commitment parameters are refused
    res = ZS.verify(prover.claim, proof, Transcript("zk-test"), num_vars=n, degree=k,
                    min_queries=13)
    assert not res.ok


def _bump(x, idx, delta=1):
    y = np.array(x, copy=True)
    y[idx] = np.uint64((int(y[idx]) + delta) % P)
    return y


# ------------------------------------------------------- zero knowledge: the bijection argument
def _f_round_evals(tables, point):
    """Unmasked round polynomials of prod_k f_k along fixed challenges (sumcheck.py kernels)."""
    with x64():
        ts = jnp.stack([jnp.asarray(t) for t in tables])
        out = []
        for r in point:
            out.append(np.asarray(S.round_poly(ts)))
            ts = S.round_step(ts, jnp.asarray(r))
    return np.stack(out)


def _interp_coeffs(vals):
    """Coefficients (ext tuples) of the degree-K polynomial with values vals[t] at t = 0..K."""
    k1 = len(vals)
    coeffs = [(0, 0)] * k1
    for t in range(k1):
        basis, den = [1], 1
        for s in range(k1):
            if s == t:
                continue
            basis = [(a - s * b) % P for a, b in zip([0] + basis, basis + [0])]
            den = den * (t - s) % P
        w = mul(vals[t], (pow(den, P - 2, P), 0))
        coeffs = [add(c, mul(w, (b, 0))) for c, b in zip(coeffs, basis)]
    return coeffs


def _solve_mask(target, f_evals, rho, point):
    """The unique g (coefficients [n, K+1, 2]) with masked_transcript(f, g) = target, found
    backwards from the round polynomials and the y_i (as in the injectivity proof)."""
    G, h, y = target
    n, k1 = h.shape[0], h.shape[1]
    rho_inv = inv(ie(rho))
    half = (pow(2, P - 2, P), 0)
    coeffs = [None] * n
    for i in range(n - 1, -1, -1):
        prefix = (0, 0)
        for j in range(i):
            prefix = add(prefix, ie(y[j]))
        suffix = (0, 0)
        for j in range(i + 1, n):
            cj = coeffs[j]
            suffix = add(suffix, add(cj[0], ZS.poly_eval(cj, (1, 0))))
        scale = (pow(pow(2, n - 1 - i, P), P - 2, P), 0)
        vals = []
        for t in range(k1):
            gh = mul(sub(ie(h[i, t]), ie(f_evals[i, t])), rho_inv)
            vals.append(sub(sub(mul(gh, scale), prefix), mul(suffix, half)))
        coeffs[i] = _interp_coeffs(vals)
    return np.array(coeffs, np.uint64)


def _same_public_witness(rng, tables, point, keep_final=True):
    """A' = A + delta with sum_b delta(b) W(b) = 0 (same claim C) and, if keep_final,
    delta~(r) = 0 (same final value f(r)); W unchanged."""
    a, w = tables
    n = len(point)
    eq = np.asarray(mle.eq_table(point))
    d = _rand_ext(rng, a.shape[:1])
    rows = [w, eq] if keep_final else [w, _rand_ext(rng, a.shape[:1])]
    # fix d[0], d[1] so that sum_b d[b] u[b] = 0 for both u in rows (Cramer's rule)
    rest = []
    for u in rows:
        s = (0, 0)
        for b in range(2, 1 << n):
            s = add(s, mul(ie(d[b]), ie(u[b])))
        rest.append(sub((0, 0), s))
    (u0, u1), (v0, v1) = (ie(rows[0][0]), ie(rows[0][1])), (ie(rows[1][0]), ie(rows[1][1]))
    det_inv = inv(sub(mul(u0, v1), mul(u1, v0)))
    d[0] = mul(sub(mul(rest[0], v1), mul(u1, rest[1])), det_inv)
    d[1] = mul(sub(mul(u0, rest[1]), mul(rest[0], v0)), det_inv)
    a2 = np.array([add(ie(x), ie(y)) for x, y in zip(a, d)], np.uint64)
    return [a2, w]


@pytest.mark.parametrize("k_tables,n", [(2, 3), (3, 3)])
def test_zero_knowledge_bijection(k_tables, n):
    """For fixed challenges, every transcript produced by witness f with SOME mask g is produced
    by a different witness f' (same claim C, same final value f(r)) with EXACTLY ONE mask g'
    (the map g -> transcript is an affine bijection onto a witness-independent affine space),
    so for uniform g both transcript distributions are identical (uniform on that space)."""
    rng = np.random.default_rng(100 + k_tables)
    point = _rand_ext(rng, (n,))
    rho = _rand_ext(rng, ())
    ext_mul = lambda x, y: np.array([mul(ie(u), ie(v)) for u, v in zip(x, y)], np.uint64)
    a, w = _rand_ext(rng, (1 << n,)), _rand_ext(rng, (1 << n,))
    # k_tables == 3: a fixed public first factor e (like eq(r_t, .) in the stacked matmul)
    e = _rand_ext(rng, (1 << n,)) if k_tables == 3 else None
    pre = (lambda ts: [e] + ts) if k_tables == 3 else (lambda ts: ts)
    weight = ext_mul(e, w) if k_tables == 3 else w
    t1 = pre([a, w])
    t2 = pre(_same_public_witness(rng, [a, weight], point)[:1] + [w])
    assert not (t1[-2] == t2[-2]).all()
    f1, f2 = _f_round_evals(t1, point), _f_round_evals(t2, point)
    assert not (f1 == f2).all()  # the unmasked round polynomials differ (they leak)
    assert _prod_at(t1, point) == _prod_at(t2, point)
    for trial in range(3):
        g = _rand_ext(rng, (n, len(t1) + 1))
        target = ZS.masked_transcript(f1, g, rho, point)
        g2 = _solve_mask(target, f2, rho, point)
        out = ZS.masked_transcript(f2, g2, rho, point)
        for x_, y_ in zip(target, out):
            assert (x_ == y_).all()
        # uniqueness: solving for witness 1 recovers the original g
        assert (_solve_mask(target, f1, rho, point) == g).all()
    # control: a witness with the same claim but a different final value f(r) cannot reproduce
    # the transcript (that final value is what the zk sumcheck does NOT hide)
    t3 = pre(_same_public_witness(rng, [a, weight], point, keep_final=False)[:1] + [w])
    f3 = _f_round_evals(t3, point)
    assert _prod_at(t3, point) != _prod_at(t1, point)
    g = _rand_ext(rng, (n, len(t1) + 1))
    target = ZS.masked_transcript(f1, g, rho, point)
    out = ZS.masked_transcript(f3, _solve_mask(target, f3, rho, point), rho, point)
    assert not all((x_ == y_).all() for x_, y_ in zip(target, out))


def test_round_polynomials_fresh_each_run():
    """Same witness, same transcript start, fresh masks: the masked round polynomials change
    while the verifier still accepts."""
    rng = np.random.default_rng(7)
    tables = [_rand_ext(rng, (8,)) for _ in range(2)]
    seen = []
    for seed in (1, 2):
        pr = ZS.ZKProver(tables, params=FAST, rng=seed)
        proof, *_ = pr.run(Transcript("zk-test"))
        assert ZS.verify(pr.claim, proof, Transcript("zk-test"), num_vars=3, degree=2, **MINQ).ok
        seen.append(proof.rounds.round_evals)
    assert not (seen[0][0] == seen[1][0]).any()


# --------------------------------------------------------------- zero-knowledge committed matmul
_instance = matmul_instance


def _zk_proof(shape, seed, z=None):
    a, w, z0 = _instance(shape, seed)
    coms, pd = M.commit_statement(a, w, z0 if z is None else z, FAST, rng=seed,
                                  zero_knowledge=True)
    return coms, M.prove_committed_zk(None, None, None, pd, rng=seed + 1)


@pytest.mark.parametrize("shape", [(3, 5, 2), (3, 2, 4, 3)])
def test_zk_matmul_complete_and_false_statement(shape):
    coms, proof = _zk_proof(shape, 1)
    v = M.verify_committed_zk_detailed(coms, shape, proof, **MINQ)
    assert v.ok, v.reason
    a, w, z = _instance(shape, 1)
    z = np.array(z, copy=True)
    z.reshape(-1)[0] = np.uint64((int(z.reshape(-1)[0]) + 1) % P)
    coms2, proof2 = _zk_proof(shape, 1, z=z)
    assert not M.verify_committed_zk(coms2, shape, proof2, **MINQ)
    # the existing (non-zk) verifier does not accept the zk proof and vice versa
    assert not M.verify_committed(coms, shape, proof, **MINQ)


def test_zk_matmul_tampering_rejected():
    shape = (2, 3, 4, 2)
    coms, proof = _zk_proof(shape, 4)
    assert M.verify_committed_zk(coms, shape, proof, **MINQ)
    sc = proof.sumcheck
    bad = []
    bad.append(dataclasses.replace(proof, sumcheck=dataclasses.replace(
        sc, mask_sum=_bump(sc.mask_sum, 0))))
    n_rounds, k1 = sc.rounds.round_evals.shape[:2]
    for i in range(n_rounds):
        for t in range(k1):
            ev = _bump(sc.rounds.round_evals, (i, t, (i + t) % 2))
            bad.append(dataclasses.replace(proof, sumcheck=dataclasses.replace(
                sc, rounds=S.SumcheckProof(ev))))
    for i in range(n_rounds):
        bad.append(dataclasses.replace(proof, sumcheck=dataclasses.replace(
            sc, mask_evals=_bump(sc.mask_evals, (i, 0)))))
        op = sc.mask_opening
        bad.append(dataclasses.replace(proof, sumcheck=dataclasses.replace(
            sc, mask_opening=dataclasses.replace(op, vs=_bump(op.vs, (i, 0, 1))))))
    bad.append(dataclasses.replace(proof, sumcheck=dataclasses.replace(
        sc, mask_opening=dataclasses.replace(sc.mask_opening,
                                             columns=_bump(sc.mask_opening.columns, (0, 0))))))
    for name in ("z_eval", "a_eval", "w_eval"):
        bad.append(dataclasses.replace(proof, **{name: _bump(getattr(proof, name), 1)}))
    for name in ("open_A", "open_W", "open_Z"):
        op = getattr(proof, name)
        bad.append(dataclasses.replace(proof, **{name: dataclasses.replace(
            op, v=_bump(op.v, (0, 0)))}))
        bad.append(dataclasses.replace(proof, **{name: dataclasses.replace(
            op, mask_eval=_bump(op.mask_eval, 1))}))
    for pr in bad:
        assert not M.verify_committed_zk(coms, shape, pr, **MINQ)
    # a different mask commitment (another honest one) is rejected too
    _, other = _zk_proof(shape, 5)
    assert not M.verify_committed_zk(coms, shape, dataclasses.replace(
        proof, sumcheck=other.sumcheck), **MINQ)
    # weak PCS parameters are refused by the default verifier policy
    assert not M.verify_committed_zk(coms, shape, proof)


# ------------------------------------------- factor masks: hiding the final evaluations too
def _omega(x):
    return mul(x, sub((1, 0), x))


def _masked_value(tables, mus, x):
    """prod_k (f_k~(x) + x_1 (1 - x_1) mu_k) at an extension point x (list of tuples)."""
    pt = np.array(x, np.uint64).reshape(-1, 2)
    acc = (1, 0)
    for t, mu in zip(tables, mus):
        v = ie(np.asarray(mle.evaluate(t, pt)))
        if mu is not None:
            v = add(v, mul(_omega(x[0]), ie(mu)))
        acc = mul(acc, v)
    return acc


def _masked_round_evals(tables, mus, point, degree):
    """Brute-force unmasked-by-g round polynomials of the factor-masked product (host ints)."""
    n = len(point)
    out = np.zeros((n, degree + 1, 2), np.uint64)
    for i in range(n):
        for t in range(degree + 1):
            tot = (0, 0)
            for rest in range(1 << (n - 1 - i)):
                x = [ie(point[j]) for j in range(i)] + [(t, 0)]
                x += [((rest >> j) & 1, 0) for j in range(n - 1 - i)]
                tot = add(tot, _masked_value(tables, mus, x))
            out[i, t] = tot
    return out


def test_factor_masked_zk_sumcheck_complete_and_finals_masked():
    rng = np.random.default_rng(21)
    for n, on in ((1, (1, 1)), (3, (0, 1, 1)), (4, (1, 1))):
        tables = [_rand_ext(rng, (1 << n,)) for _ in on]
        mus = [_rand_ext(rng, ()) if m else None for m in on]
        pr = ZS.ZKProver(tables, params=FAST, rng=n, factor_masks=mus)
        assert pr.degree == len(on) + sum(on)
        proof, point, finals, rho = pr.run(Transcript("fm"))
        res = ZS.verify(pr.claim, proof, Transcript("fm"), num_vars=n, degree=pr.degree, **MINQ)
        assert res.ok, res.reason
        # the claim is the plain hypercube sum (the masks vanish there)
        assert ie(pr.claim) == ie(S.product_sum(np.stack(tables)))
        # finals are the masked evaluations, and the verifier's expected value is their product
        x = [ie(p) for p in point]
        for t, mu, fin in zip(tables, mus, finals):
            v = ie(np.asarray(mle.evaluate(t, point)))
            if mu is not None:
                assert ie(fin) != v
                v = add(v, mul(_omega(x[0]), ie(mu)))
            assert ie(fin) == v
        assert ie(res.expected) == _masked_value(tables, mus, x)
        # the unmasked round polynomials equal the brute-force ones of the masked product
        assert (pr.f_round_evals == _masked_round_evals(tables, mus, point, pr.degree)).all()
        # a verifier expecting the unmasked degree rejects (shape)
        assert not ZS.verify(pr.claim, proof, Transcript("fm"), num_vars=n,
                             degree=len(on), **MINQ).ok


@pytest.mark.parametrize("n", [2, 3])
def test_zero_knowledge_bijection_with_factor_masks(n):
    """With factor masks on A' and W' the view (G, round polynomials, y, a^, w^) for fixed
    challenges is a bijective image of the prover's randomness (g, mu_A, mu_W) for EVERY witness
    with the same claim C -- no condition on the final values any more (the control case of
    test_zero_knowledge_bijection is now covered): two witnesses with the same public output have
    identically distributed views."""
    rng = np.random.default_rng(300 + n)
    point = _rand_ext(rng, (n,))
    rho = _rand_ext(rng, ())
    e = _rand_ext(rng, (1 << n,))  # public eq(r_t, .) factor
    a, w = _rand_ext(rng, (1 << n,)), _rand_ext(rng, (1 << n,))
    ew = np.array([mul(ie(u), ie(v)) for u, v in zip(e, w)], np.uint64)
    a2 = _same_public_witness(rng, [a, ew], point, keep_final=False)[0]
    t1, t2 = [e, a, w], [e, a2, w]
    assert ie(S.product_sum(np.stack(t1))) == ie(S.product_sum(np.stack(t2)))  # same claim
    x = [ie(p) for p in point]
    om_inv = inv(_omega(x[0]))
    degree = 5
    for trial in range(2):
        mu_a, mu_w = _rand_ext(rng, ()), _rand_ext(rng, ())
        g = _rand_ext(rng, (n, degree + 1))
        f1 = _masked_round_evals(t1, [None, mu_a, mu_w], point, degree)
        target = ZS.masked_transcript(f1, g, rho, point)
        finals1 = [add(ie(np.asarray(mle.evaluate(t, point))), mul(_omega(x[0]), ie(mu)))
                   for t, mu in ((a, mu_a), (w, mu_w))]
        # witness 2: the unique mu'_A making a^ equal (W unchanged, so mu'_W = mu_W), then g'
        a_true1 = ie(np.asarray(mle.evaluate(a, point)))
        a_true2 = ie(np.asarray(mle.evaluate(a2, point)))
        assert a_true1 != a_true2  # unmasked, the final value of A' would tell them apart
        mu_a2 = np.array(add(ie(mu_a), mul(sub(a_true1, a_true2), om_inv)), np.uint64)
        f2 = _masked_round_evals(t2, [None, mu_a2, mu_w], point, degree)
        g2 = _solve_mask(target, f2, rho, point)
        out = ZS.masked_transcript(f2, g2, rho, point)
        for x_, y_ in zip(target, out):
            assert (x_ == y_).all()
        finals2 = [add(a_true2, mul(_omega(x[0]), ie(mu_a2))),
                   add(ie(np.asarray(mle.evaluate(w, point))), mul(_omega(x[0]), ie(mu_w)))]
        assert finals1 == finals2
        assert (_solve_mask(target, f1, rho, point) == g).all()  # uniqueness for witness 1


def test_zk_matmul_evaluations_are_masked_and_fresh():
    """a_eval / w_eval are NOT A~(r') / W~(r') and change with fresh randomness for the same
    committed witness; commitments without evaluation masks are refused by prover and verifier."""
    shape = (2, 3, 4, 2)
    a, w, z = _instance(shape, 8)
    evals = []
    for seed in (8, 9):
        coms, pd = M.commit_statement(a, w, z, FAST, rng=seed, zero_knowledge=True)
        out = []
        proof = M.prove_committed_zk(None, None, None, pd, rng=seed, _prover_out=out)
        assert M.verify_committed_zk(coms, shape, proof, **MINQ)
        evals.append((ie(proof.a_eval), ie(proof.w_eval)))
        # recompute the true (unmasked) evaluations at the proof's point
        tr = Transcript("jaxgraph.zk.matmul.committed.zk")
        M._absorb_commitments(tr, "matmul", coms)
        dims = M._dims_from_shape(shape)
        r_t, r_i, r_j = M._begin(tr, "matmul", dims, None)
        tr.append("matmul/z_eval", proof.z_eval)
        res = ZS.verify(proof.z_eval, proof.sumcheck, tr, num_vars=3, degree=5,
                        label="matmul/zksumcheck", **MINQ)
        assert res.ok
        pts = M._opening_points((r_t, r_i, r_j, res.point[:2], res.point[2:]))
        pshape = M.padded_shape(dims)
        a_true = np.asarray(mle.evaluate(M._padded_table(a, True, (pshape[0], pshape[1], pshape[2])),
                                         pts["A"]))
        assert ie(a_true) != ie(proof.a_eval)
    assert evals[0][0] != evals[1][0] and evals[0][1] != evals[1][1]
    coms, pd = M.commit_statement(a, w, z, FAST, rng=1)
    with pytest.raises(ValueError, match="evaluation masks"):
        M.prove_committed_zk(None, None, None, pd, rng=1)
    coms_zk, pd_zk = M.commit_statement(a, w, z, FAST, rng=1, zero_knowledge=True)
    proof = M.prove_committed_zk(None, None, None, pd_zk, rng=1)
    bad = M.MatmulCommitments(A=coms.A, W=coms_zk.W, Z=coms_zk.Z)
    v = M.verify_committed_zk_detailed(bad, shape, proof, **MINQ)
    assert not v.ok and "evaluation masks" in v.reason
