"""Hash-based (Ligero/Brakedown-style) multilinear polynomial commitment: completeness, soundness,
binding and hiding sanity checks.

SPEED NOTE: the secure default is t = 245 column queries (soundness error <= 2^-100, checked in
``test_default_queries_reach_100_bits``). Every other test uses ``FAST`` (t = 12 queries, i.e.
only ~2^-5 soundness) to keep the suite fast; the tamper tests are deterministic anyway (a changed
message changes all later Fiat-Shamir challenges or breaks an exact equation).
"""
import dataclasses
import random

import numpy as np
import pytest

import zk_reference as ref
from jaxgraph.zk import field as F
from jaxgraph.zk import merkle
from jaxgraph.zk import mle
from jaxgraph.zk import pcs
from jaxgraph.zk.transcript import Transcript

P = F.P
FAST = pcs.PCSParams(queries=12)  # INSECURE, test speed only (see module docstring)


def _table(n, seed):
    return np.random.default_rng(seed).integers(0, P, 1 << n, dtype=np.uint64)


def _point(n, seed):
    return np.random.default_rng(1000 + seed).integers(0, P, (n, 2), dtype=np.uint64)


def _opened(n, seed, params=FAST, label="pcs"):
    tab, z = _table(n, seed), _point(n, seed)
    com, pd = pcs.commit(tab, rng=seed, params=params)
    val, proof = pcs.open(pd, z, Transcript("test"), label=label)
    return tab, z, com, pd, val, proof


def _check(com, z, val, proof, label="pcs"):
    return pcs.verify_detailed(com, z, val, proof, Transcript("test"), label=label)


# ----------------------------------------------------------------------------- NTT / Merkle
def test_ntt_matches_naive_polynomial_evaluation():
    rng = np.random.default_rng(0)
    for n, k in ((1, 1), (2, 1), (8, 5), (32, 32)):
        c = rng.integers(0, P, (3, k), dtype=np.uint64)
        c[0, 0] = P - 1
        w = pow(7, (P - 1) // n, P)
        got = pcs.ntt(c, n)
        want = [[sum(int(c[i, e]) * pow(w, j * e, P) for e in range(k)) % P for j in range(n)]
                for i in range(3)]
        assert got.tolist() == want


def test_seven_generates_the_multiplicative_group():
    for q in (2, 3, 5, 17, 257, 65537):  # p - 1 = 2^32 * 3 * 5 * 17 * 257 * 65537
        assert (P - 1) % q == 0 and pow(7, (P - 1) // q, P) != 1
    assert 2**32 * 3 * 5 * 17 * 257 * 65537 == P - 1


def test_merkle_paths():
    leaves = [merkle.leaf_hash(bytes([i]) * 32, bytes([i])) for i in range(8)]
    tree = merkle.MerkleTree(leaves)
    for j in range(8):
        assert merkle.verify_path(tree.root, j, leaves[j], tree.path(j), 8)
        assert not merkle.verify_path(tree.root, j ^ 1, leaves[j], tree.path(j), 8)
    bad = tree.path(3)
    bad[1] = bytes(32)
    assert not merkle.verify_path(tree.root, 3, leaves[3], bad, 8)


# ----------------------------------------------------------------------------- parameters
def test_default_queries_reach_100_bits():
    assert pcs.DEFAULT_QUERIES == 245
    assert pcs.soundness_bits(245, code_len=1 << 20) >= 101.5
    assert pcs.soundness_bits(242, code_len=1 << 20) >= 100.0
    assert pcs.soundness_bits(240, code_len=1 << 20) < 100.0  # 242 is (nearly) minimal per opening
    prm = pcs.PCSParams().resolve(10)
    assert prm.queries == 245 and prm.t_rand == 245 and prm.row_vars == 5


def test_rate_at_most_quarter():
    for n in range(0, 12):
        for a in {0, n // 2, n}:
            prm = pcs.PCSParams(queries=12, row_vars=a).resolve(n)
            _, b, k, big_n, rows = pcs._layout(n, prm)
            assert k == (1 << b) + 12 and big_n >= 4 * k and big_n < 8 * k
            assert rows == (1 << a) + 4


# ----------------------------------------------------------------------------- completeness
@pytest.mark.parametrize("n,row_vars", [(6, None), (6, 0), (6, 6), (7, 2), (8, 5), (9, None),
                                        (10, 3)])
def test_completeness_fast_queries(n, row_vars):
    params = pcs.PCSParams(queries=12, row_vars=row_vars)
    tab, z, com, pd, val, proof = _opened(n, n + (row_vars or 0), params)
    assert (val == np.asarray(mle.evaluate(tab, z))).all()
    ok, reason = _check(com, z, val, proof)
    assert ok, reason
    a = params.resolve(n).row_vars
    assert com.shape == (1 << a, 1 << (n - a))


def test_value_matches_big_int_reference():
    n = 6
    tab, z, com, pd, val, proof = _opened(n, 3)
    want = ref.e(0)
    for idx, x in enumerate(tab.tolist()):
        w = ref.e(1)
        for i in range(n):
            zi = ref.e(tuple(z[i].tolist()))
            w = ref.emul(w, zi if (idx >> i) & 1 else ref.esub(ref.e(1), zi))
        want = ref.eadd(want, ref.emul(ref.e(x), w))
    assert tuple(val.tolist()) == want


def test_base_field_point_and_secure_default_queries():
    """One run with the SECURE default t = 245 (small n keeps it fast)."""
    tab = _table(6, 5)
    z = np.random.default_rng(9).integers(0, P, 6, dtype=np.uint64)
    com, pd = pcs.commit(tab, rng=5)
    assert com.params.queries == 245
    val, proof = pcs.open(pd, z, Transcript("test"))
    assert F.int_ext(val) == (int(np.asarray(mle.evaluate(tab, z))), 0)
    assert pcs.verify(com, z, val, proof, Transcript("test"))


def test_opening_limit_and_multiple_openings():
    tab = _table(7, 1)
    com, pd = pcs.commit(tab, rng=1, params=FAST)
    pcs.open(pd, _point(7, 1), Transcript("test"))
    with pytest.raises(RuntimeError):
        pcs.open(pd, _point(7, 2), Transcript("test"))
    params = pcs.PCSParams(queries=12, max_openings=2)
    com, pd = pcs.commit(tab, rng=1, params=params)
    for s in (1, 2):
        z = _point(7, s)
        val, proof = pcs.open(pd, z, Transcript("test"))
        assert proof.mask_index == s - 1
        assert pcs.verify(com, z, val, proof, Transcript("test"))
        # using another mask index changes every challenge
        assert not pcs.verify(com, z, val, dataclasses.replace(proof, mask_index=2 - s),
                              Transcript("test"))


def test_reuse_of_prover_transcript_state():
    """The caller's transcript may already contain messages; both sides must match."""
    tab, z = _table(6, 2), _point(6, 2)
    com, pd = pcs.commit(tab, rng=2, params=FAST)
    tp = Transcript("test")
    tp.append("pre", np.array([1, 2], np.uint64))
    val, proof = pcs.open(pd, z, tp)
    tv = Transcript("test")
    tv.append("pre", np.array([1, 2], np.uint64))
    assert pcs.verify(com, z, val, proof, tv)
    assert tv.digest() == tp.digest()
    assert not pcs.verify(com, z, val, proof, Transcript("test"))  # missing prefix message
    assert not pcs.verify(com, z, val, proof, Transcript("test"), label="other")


# ----------------------------------------------------------------------------- soundness
def _bump(arr, idx, delta=1):
    out = np.array(arr, copy=True)
    out[idx] = np.uint64((int(out[idx]) + delta) % P)
    return out


@pytest.mark.parametrize("n,row_vars", [(6, None), (8, 2)])
def test_soundness_tampering_fast_queries(n, row_vars):
    params = pcs.PCSParams(queries=12, row_vars=row_vars)
    tab, z, com, pd, val, proof = _opened(n, 40 + n, params)
    assert _check(com, z, val, proof)[0]
    rnd = random.Random(n)
    cases = []
    for _ in range(3):
        c = rnd.randrange(2)
        cases.append(("value", com, z, _bump(val, c, rnd.randrange(1, P)), proof))
        cases.append(("mask_eval", com, z, val,
                      dataclasses.replace(proof, mask_eval=_bump(proof.mask_eval, c))))
        for name in ("u", "v"):
            arr = getattr(proof, name)
            pos = (rnd.randrange(arr.shape[0]), rnd.randrange(2))
            cases.append((name, com, z, val, dataclasses.replace(proof, **{name: _bump(arr, pos)})))
        pos = (rnd.randrange(proof.columns.shape[0]), rnd.randrange(proof.columns.shape[1]))
        cases.append(("column", com, z, val,
                      dataclasses.replace(proof, columns=_bump(proof.columns, pos))))
        salts = proof.salts.copy()
        salts[rnd.randrange(salts.shape[0]), rnd.randrange(32)] ^= 1 << rnd.randrange(8)
        cases.append(("salt", com, z, val, dataclasses.replace(proof, salts=salts)))
        paths = proof.paths.copy()
        paths[rnd.randrange(paths.shape[0]), rnd.randrange(paths.shape[1]), rnd.randrange(32)] ^= 1
        cases.append(("path", com, z, val, dataclasses.replace(proof, paths=paths)))
        root = bytearray(com.root)
        root[rnd.randrange(32)] ^= 1 << rnd.randrange(8)
        cases.append(("root", dataclasses.replace(com, root=bytes(root)), z, val, proof))
        cases.append(("point", com, _bump(z, (rnd.randrange(n), c)), val, proof))
    # structural: dropped / duplicated / reordered columns, wrong dtype
    cases.append(("drop column", com, z, val, dataclasses.replace(
        proof, columns=proof.columns[1:], salts=proof.salts[1:], paths=proof.paths[1:])))
    order = np.roll(np.arange(proof.columns.shape[0]), 1)
    cases.append(("reorder columns", com, z, val, dataclasses.replace(
        proof, columns=proof.columns[order], salts=proof.salts[order], paths=proof.paths[order])))
    cases.append(("non-canonical u", com, z, val, dataclasses.replace(
        proof, u=np.where(np.arange(proof.u.size).reshape(proof.u.shape) == 0,
                          np.uint64(P), proof.u).astype(np.uint64))))
    cases.append(("u as v", com, z, val, dataclasses.replace(proof, v=proof.u)))
    cases.append(("swap u/v", com, z, val, dataclasses.replace(proof, u=proof.v, v=proof.u)))
    for name, c_, z_, v_, p_ in cases:
        ok, reason = _check(c_, z_, v_, p_)
        assert not ok, f"tampered {name} accepted"


def test_soundness_consistent_fake_value():
    """A cheating prover claims value + 1 and shifts v so that <v, q2> = claim + rho y_g holds; it
    replays the Fiat-Shamir transcript honestly otherwise (new challenges, honest u, honestly
    opened columns for the new queries). The column check against Enc(v) catches it."""
    tab, z, com, pd, val, proof = _opened(7, 77)
    a = com.params.row_vars
    b = 7 - a
    q1, q2 = np.asarray(mle.eq_table(z[b:])), np.asarray(mle.eq_table(z[:b]))
    fake = np.array(F.int_ext_add(F.int_ext(val), (1, 0)), np.uint64)
    t = Transcript("test")
    pcs._begin(t, com, z, 0, "pcs")
    t.append("pcs/value", fake)
    t.append("pcs/mask_eval", proof.mask_eval)
    rho, r = pcs._challenges(t, a, com.params, "pcs")
    cu, cv = pcs._coefficients(a, com.params, 0, rho, r, q1)
    u, v = pcs._combine(cu, pd.message), pcs._combine(cv, pd.message)
    v[0] = np.array(F.int_ext_add(F.int_ext(v[0]), F.int_ext_inv(F.int_ext(q2[0]))), np.uint64)
    t.append("pcs/u", u)
    t.append("pcs/v", v)
    idx = pcs._queries(t, com.params, pd.encoded_cols.shape[0], "pcs")
    paths = np.array([[np.frombuffer(x, np.uint8) for x in pd.tree.path(j)] for j in idx], np.uint8)
    bad = pcs.OpeningProof(mask_index=0, mask_eval=proof.mask_eval, u=u, v=v,
                           columns=pd.encoded_cols[idx], salts=pd.salts[idx], paths=paths)
    assert F.int_ext(np.asarray(mle.dot(v[:1 << b], q2))) == F.int_ext_add(
        F.int_ext(fake), F.int_ext_mul(F.int_ext(rho), F.int_ext(proof.mask_eval)))
    ok, reason = _check(com, z, fake, bad)
    assert not ok and "Enc(v)" in reason, reason
    # the same forgery without the shift (honest v, wrong value) fails the final equation
    v[0] = pcs._combine(cv, pd.message)[0]
    ok, reason = _check(com, z, fake, dataclasses.replace(bad, v=v))
    assert not ok


# ----------------------------------------------------------------------------- binding
def test_binding_different_tables_different_roots():
    t1 = _table(8, 1)
    t2 = _bump(t1, 17)
    c1, _ = pcs.commit(t1, rng=7, params=FAST)
    c2, _ = pcs.commit(t2, rng=7, params=FAST)  # same randomness, one entry changed
    assert c1.root != c2.root


def test_binding_cannot_open_commitment_to_A_as_table_B():
    ta, tb = _table(8, 11), _table(8, 12)
    com_a, _ = pcs.commit(ta, rng=11, params=FAST)
    com_b, pd_b = pcs.commit(tb, rng=12, params=FAST)
    z = _point(8, 13)
    val_b, proof_b = pcs.open(pd_b, z, Transcript("test"))
    assert _check(com_b, z, val_b, proof_b)[0]
    assert not _check(com_a, z, val_b, proof_b)[0]
    # same randomness, different table: still rejected
    com_a2, _ = pcs.commit(ta, rng=12, params=FAST)
    assert not _check(com_a2, z, val_b, proof_b)[0]


# ----------------------------------------------------------------------------- hiding sanity
def test_hiding_fresh_randomness_changes_everything():
    tab, z = _table(8, 21), _point(8, 21)
    com1, pd1 = pcs.commit(tab, rng=1, params=FAST)
    com2, pd2 = pcs.commit(tab, rng=2, params=FAST)
    com3, pd3 = pcs.commit(tab, rng=None, params=FAST)  # os.urandom
    assert len({com1.root, com2.root, com3.root}) == 3
    v1, p1 = pcs.open(pd1, z, Transcript("test"))
    v2, p2 = pcs.open(pd2, z, Transcript("test"))
    assert (v1 == v2).all()
    assert (p1.u != p2.u).all()  # every coordinate (both extension components) differs
    assert (p1.v != p2.v).all()
    assert (p1.mask_eval != p2.mask_eval).all()
    assert pcs.verify(com1, z, v1, p1, Transcript("test"))


def test_hiding_structure_of_the_view():
    """The components the simulator argument covers: (i) <v[:2^b], q2> = y + rho y_g is the only
    relation v satisfies with the value; (ii) the opened DATA-row entries are a bijective image of
    the row randomness: fixing the data part of the table and changing only the table still lets
    us find randomness giving identical opened data entries (solved here explicitly), i.e. the
    opened data entries carry no information about the table."""
    n = 6
    tab, z, com, pd, val, proof = _opened(n, 31)
    prm, (a, b, k, big_n, rows) = com.params, pcs._layout(n, com.params)
    # (i)
    q2 = np.asarray(mle.eq_table(z[:b]))
    t = Transcript("test")
    pcs._begin(t, com, z, 0, "pcs")
    t.append("pcs/value", val)
    t.append("pcs/mask_eval", proof.mask_eval)
    rho = F.int_ext(t.challenge("pcs/rho"))
    assert F.int_ext(np.asarray(mle.dot(proof.v[:1 << b], q2))) == F.int_ext_add(
        F.int_ext(val), F.int_ext_mul(rho, F.int_ext(proof.mask_eval)))
    # (ii) for a DIFFERENT table B, solve for row randomness giving the same opened data entries
    idx = sorted({int(x) for x in range(big_n)} & set(
        int(np.flatnonzero((pd.encoded_cols == col).all(axis=1))[0]) for col in proof.columns))
    assert len(idx) <= prm.t_rand
    tb = _table(n, 99).reshape(1 << a, 1 << b)
    w = pow(7, (P - 1) // big_n, P)
    pts = [pow(w, j, P) for j in idx]
    rows_b = []
    for i in range(1 << a):
        target = [int(proof.columns[c, i]) for c in range(len(idx))]
        base = [sum(int(tb[i, e]) * pow(x, e, P) for e in range(1 << b)) % P for x in pts]
        # unknown rho_i (first len(idx) coefficients, rest 0): x^(2^b) * sum_e rho_e x^e
        mat = [[pow(x, (1 << b) + e, P) for e in range(len(idx))] for x in pts]
        rhs = [(tv - bv) % P for tv, bv in zip(target, base)]
        rows_b.append(_solve_mod_p(mat, rhs))
    msg_b = np.zeros((1 << a, k), np.uint64)
    msg_b[:, :1 << b] = tb
    msg_b[:, 1 << b:(1 << b) + len(idx)] = np.array(rows_b, np.uint64)
    enc_b = pcs.ntt(msg_b, big_n)
    assert (enc_b[:, idx].T == proof.columns[:, :1 << a]).all()


def _solve_mod_p(mat, rhs):
    m = len(rhs)
    aug = [list(row) + [r] for row, r in zip(mat, rhs)]
    for c in range(m):
        piv = next(r for r in range(c, m) if aug[r][c] % P)
        aug[c], aug[piv] = aug[piv], aug[c]
        inv = pow(aug[c][c], P - 2, P)
        aug[c] = [x * inv % P for x in aug[c]]
        for r in range(m):
            if r != c and aug[r][c]:
                f = aug[r][c]
                aug[r] = [(x - f * y) % P for x, y in zip(aug[r], aug[c])]
    return [aug[r][m] for r in range(m)]


def test_malformed_inputs():
    with pytest.raises(ValueError):
        pcs.commit(np.arange(6, dtype=np.uint64), rng=0, params=FAST)
    with pytest.raises(ValueError):
        pcs.commit(np.full(8, P, np.uint64), rng=0, params=FAST)
    tab, z, com, pd, val, proof = _opened(6, 5)
    assert not _check(com, z[:-1], val, proof)[0]
    assert not _check(com, z, val.astype(np.int64), proof)[0]


# ----------------------------------------------------------------------------- evaluation masks
EM = dataclasses.replace(FAST, eval_masks=True, max_openings=2)


def test_eval_masks_value_is_masked_and_verifies():
    """With eval masks, opening slot k with weight w proves f~(z) + w mu_k (mu_k the secret
    constant rows), checked against the big-int MLE; weight 0 gives the plain value."""
    n = 6
    tab, z = _table(n, 3), _point(n, 3)
    com, pd = pcs.commit(tab, rng=3, params=EM)
    assert com.params.eval_masks and pd.message.shape[0] == (1 << 3) + 4 * 2 + 2 * 2
    true = ref.mle_eval([int(x) for x in tab], [tuple(int(c) for c in zi) for zi in z])
    w = np.array([5, 7], np.uint64)
    mu0 = F.int_ext(pd.eval_mask(0))
    val, proof = pcs.open(pd, z, Transcript("test"), mask_weight=w)
    assert F.int_ext(val) == F.int_ext_add(F.int_ext(true), F.int_ext_mul((5, 7), mu0))
    ok, reason = pcs.verify_detailed(com, z, val, proof, Transcript("test"), mask_weight=w)
    assert ok, reason
    # the unmasked value, a wrong weight, or no weight are rejected
    for v_, w_ in ((np.array(F.int_ext(true), np.uint64), w), (val, np.array([5, 8], np.uint64)),
                   (val, None)):
        assert not pcs.verify(com, z, v_, proof, Transcript("test"), mask_weight=w_)
    # slot 1 with weight 0: the plain value, and mu_1 != mu_0 (independent per slot)
    val1, proof1 = pcs.open(pd, z, Transcript("t1"))
    assert F.int_ext(val1) == F.int_ext(true)
    assert pcs.verify(com, z, val1, proof1, Transcript("t1"))
    assert F.int_ext(pd.eval_mask(1)) != mu0


def test_eval_masks_fresh_commitments_give_different_values_and_errors():
    n = 5
    tab, z = _table(n, 4), _point(n, 4)
    vals = []
    for seed in (1, 2):
        com, pd = pcs.commit(tab, rng=seed, params=EM)
        val, proof = pcs.open(pd, z, Transcript("x"), mask_weight=np.array([1, 0], np.uint64))
        assert pcs.verify(com, z, val, proof, Transcript("x"), mask_weight=np.array([1, 0], np.uint64))
        vals.append(F.int_ext(val))
    assert vals[0] != vals[1]  # same table, same point: the revealed value is re-randomised
    com, pd = pcs.commit(tab, rng=1, params=FAST)
    with pytest.raises(ValueError, match="mask_weight"):
        pcs.open(pd, z, Transcript("x"), mask_weight=np.array([1, 0], np.uint64))
    com, pd = pcs.commit(tab, rng=1, params=EM)
    with pytest.raises(ValueError, match="mask_weight"):
        pcs.open(pd, z, Transcript("x"), mask_weight=np.array([P, 0], np.uint64))
    assert pd.openings_used == 0  # a rejected call does not consume a mask slot


def test_eval_mask_rows_are_bound_by_the_commitment():
    """Changing mu (the constant rows) after committing is caught by the column checks: a prover
    that opens with a different mu than it committed fails verification."""
    n = 6
    tab, z = _table(n, 5), _point(n, 5)
    com, pd = pcs.commit(tab, rng=5, params=EM)
    a = com.params.row_vars
    b = n - a
    re, im = pcs._eval_mask_rows(a, com.params, 0)
    pd.message[re, :1 << b] = (pd.message[re, :1 << b] + np.uint64(1)) % np.uint64(P)
    w = np.array([3, 1], np.uint64)
    val, proof = pcs.open(pd, z, Transcript("x"), mask_weight=w)
    ok, reason = pcs.verify_detailed(com, z, val, proof, Transcript("x"), mask_weight=w)
    assert not ok and "Enc" in reason, reason


def test_chunked_and_spilled_encoding_match_one_shot(monkeypatch):
    """The chunked encoder (and its disk-backed variant for huge matrices) gives exactly the
    one-shot NTT encoding, and the commitment opens and verifies from the spilled matrix."""
    n = 7
    tab, z = _table(n, 9), _point(n, 9)
    com0, pd0 = pcs.commit(tab, rng=9, params=FAST)
    monkeypatch.setattr(pcs, "ENCODE_CHUNK_BYTES", 8 * 3 * pd0.encoded_cols.shape[0])  # 3 rows
    monkeypatch.setattr(pcs, "SPILL_BYTES", 0)
    com1, pd1 = pcs.commit(tab, rng=9, params=FAST)
    assert isinstance(pd1.encoded_cols, np.memmap)
    one_shot = pcs.ntt(pd0.message, pd0.encoded_cols.shape[0]).T
    assert (np.asarray(pd1.encoded_cols) == one_shot).all()
    assert com1.root == com0.root
    val, proof = pcs.open(pd1, z, Transcript("s"))
    assert pcs.verify(com1, z, val, proof, Transcript("s"))


# ----------------------------------------------------------------------------- multi-point opening
def test_open_many_complete_and_tamper_rejected():
    """s points, one proximity test and one set of columns: values equal the big-int MLE; any
    changed value, mask eval, u, v_j, column, salt or path is rejected; too many points or an
    evaluation-masked commitment raise."""
    n, s = 7, 4
    prm = dataclasses.replace(FAST, max_openings=s + 1, t_rand=FAST.queries)
    tab = _table(n, 12)
    zs = [_point(n, 20 + j) for j in range(s)]
    com, pd = pcs.commit(tab, rng=12, params=prm)
    vals, proof = pcs.open_many(pd, zs, Transcript("mo"))
    assert pd.openings_used == s
    for j in range(s):
        assert F.int_ext(vals[j]) == ref.mle_eval([int(x) for x in tab],
                                                  [tuple(int(c) for c in zi) for zi in zs[j]])
    check = lambda v, p: pcs.verify_many_detailed(com, zs, v, p, Transcript("mo"))
    assert check(vals, proof) == (True, "")
    assert proof.columns.shape[0] <= prm.queries  # ONE set of queried columns
    assert not check(_bump(vals, (2, 0)), proof)[0]
    assert not pcs.verify_many_detailed(com, zs[::-1], vals[::-1], proof, Transcript("mo"))[0]
    for field, idx in (("mask_evals", (1, 1)), ("u", (3, 0)), ("vs", (2, 5, 1)), ("columns", (0, 3))):
        assert not check(vals, dataclasses.replace(proof, **{field: _bump(getattr(proof, field), idx)}))[0]
    for field, idx in (("salts", (0, 0)), ("paths", (1, 0, 0))):
        arr = getattr(proof, field).copy()
        arr[idx] ^= 1
        assert not check(vals, dataclasses.replace(proof, **{field: arr}))[0]
    with pytest.raises(RuntimeError, match="mask pairs"):
        pcs.open_many(pd, zs[:2], Transcript("mo"))
    _, pd_em = pcs.commit(tab, rng=1, params=dataclasses.replace(prm, eval_masks=True))
    with pytest.raises(ValueError, match="evaluation masks"):
        pcs.open_many(pd_em, zs, Transcript("mo"))
