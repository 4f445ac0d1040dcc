"""zkReLU (ReLU + backprop with sign bits, bit decompositions and rescaling remainders):
completeness on a real fixed-point trace, the stacking/bit layout, and soundness against each
kind of tampering.

Two verifier settings, as in test_zk_matmul.py: with statement binding (default transcript, the
statement digests change every challenge) and without (a caller transcript: the algebra alone
must catch the change). The per-relation tests tamper so that EXACTLY one relation fails (checked
by an independent big-int residual computation below), so a relation whose random coefficient
were dropped (e.g. a zero-coefficient bug) would let its test through -- the meta test shows that.
"""
import dataclasses

import numpy as np
import pytest

import zk_reference as ref
from jaxgraph.zk import fixed_point as fp
from jaxgraph.zk import zkrelu as ZR
from jaxgraph.zk.transcript import Transcript

P = ref.P
WIDTHS = [8, 4, 4, 4, 2]  # 3 hidden layers of width 4
Q = 24


def _trace(rounding="nearest", seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.0, 1.0, size=(16, WIDTHS[0]))
    y = rng.integers(0, WIDTHS[-1], size=16)
    _, trace = fp.train_fixed_point(WIDTHS, X, y, steps=2, batch_size=4, seed=seed,
                                    rounding=rounding)
    return trace


@pytest.fixture(scope="module", params=["nearest", "floor"])
def trace(request):
    return _trace(request.param)


@pytest.fixture(scope="module")
def honest():
    tr = _trace("nearest")
    st = ZR.relu_statement(tr, bits=Q)
    return tr, st, ZR.prove_relu(st)


def _caller():
    return Transcript("caller")


# ------------------------------------------------------------------ independent residuals
def _ints(x):
    return [int(v) for v in np.asarray(x, np.uint64).reshape(-1)]


def residuals(st):
    """Relations (1)-(9) and (B) recomputed with Python big ints mod p, independently of the
    library's coefficient code. Returns {k: set of failing flat positions} (k = 1..9, "B")."""
    f, q, h = st.frac_bits, st.bits, st.offset
    T = st.size
    t = {k: _ints(st.tensors[k]) for k in ZR.TENSORS}
    bp = [_ints(row) for row in st.bit_planes]
    V = _ints(st.validity())
    z = lambda i: bp[i]  # noqa: E731
    rb = lambda i: bp[q + i]  # noqa: E731
    ga = lambda i: bp[q + f + i]  # noqa: E731
    gb = lambda i: bp[2 * q + f + i]  # noqa: E731
    c = [(1 << i) for i in range(q - 1)] + [-(1 << (q - 1))]
    bad = {k: set() for k in list(range(1, 10)) + ["B"]}
    for x in range(T):
        Z, Zq, R, S, A = (t[k][x] for k in ("Z", "Zq", "R", "S", "A"))
        GA, GAf, RG, GZ = (t[k][x] for k in ("GA", "GA_full", "RG", "GZ"))
        rel = {
            1: Z + h * V[x] - (1 << f) * Zq - R,
            2: Zq - sum(c[i] * z(i)[x] for i in range(q)),
            3: R - sum((1 << i) * rb(i)[x] for i in range(f)),
            4: A - (1 - S) * Zq,
            5: GAf + h * V[x] - (1 << f) * GA - RG,
            6: RG - sum((1 << i) * gb(i)[x] for i in range(f)),
            7: GZ - (1 - S) * GA,
            8: S - z(q - 1)[x],
            9: GA - sum(c[i] * ga(i)[x] for i in range(q)),
        }
        for k, v in rel.items():
            if v % P:
                bad[k].add(x)
        if any(row[x] not in (0, 1) for row in bp):
            bad["B"].add(x)
    return bad


def failing(st):
    return {k for k, v in residuals(st).items() if v}


# --------------------------------------------------------------------------- completeness
def test_honest_trace_verifies(trace):
    st = ZR.relu_statement(trace, bits=Q)
    assert failing(st) == set()
    proof = ZR.prove_relu(trace, bits=Q)  # from the records directly
    verdict = ZR.verify_relu_detailed(st, proof)
    assert verdict.ok, verdict.reason
    assert ZR.verify_relu(trace, proof, bits=Q)
    # caller transcript (statement bound elsewhere)
    assert ZR.verify_relu(st, ZR.prove_relu(st, transcript=_caller()), transcript=_caller())
    # proof size: (n+1) + (n + log Jp) rounds of 4 evaluations, 9 + 2Q + 2f evaluations, 1
    n, jb, f = st.num_vars, 7, st.frac_bits
    assert st.shape == (8, 4, 4) and n == 7 and st.bit_planes.shape == (1 << jb, 128)
    assert proof.relations.round_evals.shape == (n + 1, 4, 2)
    assert proof.binary.round_evals.shape == (n + jb, 4, 2)
    words = 2 * (4 * (n + 1) + 4 * (n + jb) + 9 + 2 * Q + 2 * f + 1)
    assert proof.num_field_elements() == words == 356
    assert ZR.soundness_error(st) < 2.0 ** -120
    import jax.numpy as jnp
    assert jnp.zeros(1).dtype == jnp.float32  # 64-bit mode stayed scoped


def test_stacking_and_bit_layout(honest):
    tr, st, _ = honest
    H = len(WIDTHS) - 2
    f = st.frac_bits
    assert st.offset == 1 << (f - 1) and st.widths == (4,) * 6 and st.batch == 4
    planes = st.bit_planes.astype(np.int64).reshape(-1, *st.shape)
    for t, rec in enumerate(tr):
        for l in range(1, H + 1):
            s = t * H + (l - 1)
            cur, nxt = rec.layers[l - 1], rec.layers[l]
            for name, x in (("Z", cur.Z), ("Zq", cur.Zq), ("R", cur.Z_rem), ("S", cur.S),
                            ("A", cur.A_out), ("GZ", cur.G_Z), ("GA", nxt.G_A_in),
                            ("GA_full", nxt.G_A_in_full), ("RG", nxt.G_A_in_rem)):
                assert (st.signed(name)[s, :4, :4] == x).all(), (name, t, l)
            # sign bit = top plane of Z''s two's complement decomposition; the decomposition
            weights = [1 << i for i in range(Q - 1)] + [-(1 << (Q - 1))]
            zq = sum(w * planes[st.plane("Zq", i), s, :4, :4] for i, w in enumerate(weights))
            assert (zq == cur.Zq).all()
            assert (planes[st.plane("Zq", Q - 1), s, :4, :4] == cur.S).all()
            rem = sum((1 << i) * planes[st.plane("R", i), s, :4, :4] for i in range(f))
            assert (rem == cur.Z_rem).all()
            ga = sum(w * planes[st.plane("GA", i), s, :4, :4] for i, w in enumerate(weights))
            assert (ga == nxt.G_A_in).all()
    # padding (slots 6, 7) is zero everywhere; planes beyond 2Q + 2f are zero
    assert all((st.signed(k)[6:] == 0).all() for k in ZR.TENSORS)
    assert not st.bit_planes[st.num_planes:].any()
    assert ZR.min_bits(tr) <= Q
    with pytest.raises(ValueError, match="range"):
        ZR.relu_statement(tr, bits=ZR.min_bits(tr) - 1)


def test_decompose_roundtrip():
    x = np.array([-8, -1, 0, 5, 7])
    b = ZR.decompose(x, 4, signed=True)
    assert (b[3] == (x < 0)).all()
    assert ((b * np.array([1, 2, 4, -8])[:, None]).sum(0) == x).all()
    with pytest.raises(ValueError):
        ZR.decompose(np.array([8]), 4, signed=True)
    with pytest.raises(ValueError):
        ZR.decompose(np.array([-1]), 3, signed=False)
    assert ZR.decompose(np.array([0, 0]), 0, signed=False).shape == (0, 2)
    with pytest.raises(ValueError):
        ZR.decompose(np.array([1]), 0, signed=False)


# ------------------------------------------------------------------------------ tampering
def _entry(st, pred):
    """First real (slot, b, w) with pred(x) for flat position x."""
    for s, d in enumerate(st.widths):
        for b in range(st.batch):
            for w in range(d):
                if pred(st.index(s, b, w)):
                    return s, b, w
    raise AssertionError("no entry found")


def _rejected(st, *, bound=True, expect=None):
    tr = None if bound else _caller
    proof = ZR.prove_relu(st, transcript=tr and tr())
    verdict = ZR.verify_relu_detailed(st, proof, transcript=tr and tr())
    assert not verdict.ok
    if expect:
        assert expect in verdict.reason, verdict.reason
    return verdict


@pytest.mark.parametrize("bound", [True, False], ids=["bound", "caller-transcript"])
def test_flipped_sign_bit_rejected(honest, bound):
    _, st, _ = honest
    zq = st.signed("Zq").reshape(-1)
    s, b, w = _entry(st, lambda x: zq[x] > 0)
    x = st.index(s, b, w)
    top = st.plane("Zq", Q - 1)
    # flip S and the sign plane together; A kept (= Zq, as for S = 0)
    bad = st.with_entry("S", s, b, w, 1).with_bit(top, s, b, w, 1)
    assert 2 in failing(bad) and 4 in failing(bad) and 8 not in failing(bad)
    _rejected(bad, bound=bound, expect="relation")
    # flip S only: the sign is defined by the decomposition (relation 8)
    bad = st.with_entry("S", s, b, w, 1)
    assert 8 in failing(bad)
    _rejected(bad, bound=bound, expect="relation")
    assert x in residuals(bad)[8]


@pytest.mark.parametrize("bound", [True, False], ids=["bound", "caller-transcript"])
def test_non_binary_bit_rejected(honest, bound):
    """r_0 = 0, r_1 = 1 rewritten as r_0 = 2, r_1 = 0: every linear relation still holds."""
    _, st, _ = honest
    p0, p1 = st.plane("R", 0), st.plane("R", 1)
    s, b, w = _entry(st, lambda x: st.bit_planes[p0, x] == 0 and st.bit_planes[p1, x] == 1)
    bad = st.with_bit(p0, s, b, w, 2).with_bit(p1, s, b, w, 0)
    assert failing(bad) == {"B"}
    _rejected(bad, bound=bound, expect="binary check")


@pytest.mark.parametrize("bound", [True, False], ids=["bound", "caller-transcript"])
def test_remainder_out_of_range_rejected(honest, bound):
    """R' = R + 2^f, Z'' = Z' - 1: relation (1) holds, A and the Z' bits are made consistent,
    and the only way to decompose R' in f bits is a non-binary top bit -> the binary check."""
    _, st, _ = honest
    f = st.frac_bits
    zq, rem = st.signed("Zq").reshape(-1), st.signed("R").reshape(-1)
    s, b, w = _entry(st, lambda x: zq[x] >= 1)
    x = st.index(s, b, w)
    new_zq, new_r = int(zq[x]) - 1, int(rem[x]) + (1 << f)
    bad = st.with_entry("Zq", s, b, w, new_zq).with_entry("R", s, b, w, new_r)
    bad = bad.with_entry("A", s, b, w, new_zq)  # S = 0 stays correct since Z'' >= 0
    for i, bit in enumerate(ZR.decompose(np.array(new_zq), Q, signed=True)):
        bad = bad.with_bit(bad.plane("Zq", i), s, b, w, int(bit))
    top = bad.plane("R", f - 1)
    bad = bad.with_bit(top, s, b, w, int(bad.bit_planes[top, x]) + 2)
    assert (int(st.signed("Z").reshape(-1)[x]) + st.offset) == (1 << f) * new_zq + new_r
    assert failing(bad) == {"B"}
    _rejected(bad, bound=bound, expect="binary check")


@pytest.mark.parametrize("bound", [True, False], ids=["bound", "caller-transcript"])
@pytest.mark.parametrize("name", ["A", "GZ"])
def test_wrong_output_entry_rejected(honest, bound, name):
    _, st, _ = honest
    base = "Zq" if name == "A" else "GA"
    v, sign = st.signed(base).reshape(-1), st.signed("S").reshape(-1)
    s, b, w = _entry(st, lambda x: v[x] > 0 and sign[x] == 0)  # the ReLU passes it through
    bad = st.with_entry(name, s, b, w, 0)  # as if the ReLU had zeroed it
    assert failing(bad) == {4 if name == "A" else 7}
    _rejected(bad, bound=bound, expect="relation")


def _flip(st, plane, where):
    s, b, w = where
    return st.with_bit(plane, s, b, w, 1 - int(st.bit_planes[plane, st.index(s, b, w)]))


def _tamper(st, k):
    """A copy of st in which exactly relation k fails (k = 1..9)."""
    where = (2, 1, 3)
    s, b, w = where
    bump = lambda name: st.with_entry(name, s, b, w,  # noqa: E731
                                      int(st.signed(name)[s, b, w]) + 1)
    if k == 1:
        return bump("Z")
    if k == 2:
        return _flip(st, st.plane("Zq", 0), where)
    if k == 3:
        return _flip(st, st.plane("R", 0), where)
    if k == 4:
        return bump("A")
    if k == 5:
        return bump("GA_full")
    if k == 6:
        return _flip(st, st.plane("RG", 0), where)
    if k == 7:
        return bump("GZ")
    if k == 8:  # a padding position (slot 7): Z' = G'_A = 0 there, only S = z_{Q-1} fails
        return st.with_position(st.index(7, 0, 0), "S", 1)
    if k == 9:
        return _flip(st, st.plane("GA", 0), where)
    raise ValueError(k)


@pytest.mark.parametrize("k", range(1, 10))
def test_each_relation_is_checked(honest, k):
    """Caller transcript: the challenges are those of the honest proof; the random combination
    must still catch a violation of relation k alone."""
    _, st, _ = honest
    bad = _tamper(st, k)
    assert failing(bad) == {k}
    _rejected(bad, bound=False, expect="relation")


def test_padding_is_constrained(honest):
    _, st, _ = honest
    bad = st.with_position(st.index(6, 3, 2), "Z", 1)  # V = 0 there: Z must be 0
    assert failing(bad) == {1}
    _rejected(bad, bound=False, expect="relation")


def test_zero_coefficient_bug_would_be_caught(honest, monkeypatch):
    """Meta test: if rho_4 were 0 (on both sides), relation (4) would not be checked and the
    A-tamper of test_each_relation_is_checked[4] would verify -- so that test guards it."""
    _, st, _ = honest
    bad = _tamper(st, 4)
    orig = ZR._begin

    def begin_without_rho4(*args, **kwargs):
        r, rho = orig(*args, **kwargs)
        rho = list(rho)
        rho[3] = (0, 0)
        return r, rho

    monkeypatch.setattr(ZR, "_begin", begin_without_rho4)
    proof = ZR.prove_relu(bad, transcript=_caller())
    assert ZR.verify_relu(bad, proof, transcript=_caller())


# ------------------------------------------------------------------------- proof binding
def test_proof_from_another_trace_rejected(honest):
    _, st, proof = honest
    other = ZR.relu_statement(_trace("nearest", seed=1), bits=Q)
    assert other.shape == st.shape
    verdict = ZR.verify_relu_detailed(other, proof)
    assert not verdict.ok and verdict.reason
    # and across transcripts: a bound proof does not verify on a caller transcript
    assert not ZR.verify_relu(st, proof, transcript=_caller())
    assert ZR.verify_relu(st, proof)


def test_truncated_or_altered_proof_rejected(honest):
    _, st, proof = honest
    rel = proof.relations.round_evals
    short = dataclasses.replace(proof, relations=dataclasses.replace(proof.relations,
                                                                     round_evals=rel[:-1]))
    v = ZR.verify_relu_detailed(st, short)
    assert not v.ok and "malformed" in v.reason
    bn = proof.binary.round_evals
    short = dataclasses.replace(proof, binary=dataclasses.replace(proof.binary,
                                                                  round_evals=bn[:-1]))
    v = ZR.verify_relu_detailed(st, short)
    assert not v.ok and "malformed" in v.reason
    v = ZR.verify_relu_detailed(st, dataclasses.replace(proof, plane_evals=proof.plane_evals[:-1]))
    assert not v.ok and "plane_evals" in v.reason
    # a wrong claimed evaluation: caught by the final identity
    te = proof.tensor_evals.copy()
    te[ZR.TENSORS.index("A"), 0] = (int(te[ZR.TENSORS.index("A"), 0]) + 1) % P
    v = ZR.verify_relu_detailed(st, dataclasses.replace(proof, tensor_evals=te))
    assert not v.ok and "final value" in v.reason
    # a changed middle round
    rel2 = rel.copy()
    rel2[3, 2, 0] = (int(rel2[3, 2, 0]) + 1) % P
    v = ZR.verify_relu_detailed(st, dataclasses.replace(
        proof, relations=dataclasses.replace(proof.relations, round_evals=rel2)))
    assert not v.ok
    be = proof.bit_eval.copy()
    be[1] = (int(be[1]) + 1) % P
    assert not ZR.verify_relu(st, dataclasses.replace(proof, bit_eval=be))


def test_unequal_hidden_widths_floor():
    """Hidden widths 3 and 2 (padded to Wp = 4, per-slot validity mask), floor rounding."""
    rng = np.random.default_rng(3)
    X = rng.uniform(0.0, 1.0, size=(8, 5))
    y = rng.integers(0, 2, size=8)
    _, tr = fp.train_fixed_point([5, 3, 2, 2], X, y, steps=1, batch_size=3, seed=3,
                                 rounding="floor")
    st = ZR.relu_statement(tr, bits=Q)
    assert st.widths == (3, 2) and st.shape == (2, 4, 4) and st.offset == 0
    assert ZR.verify_relu(st, ZR.prove_relu(st))
    bad = st.with_position(st.index(1, 0, 2), "A", 1)  # outside slot 1's width 2
    assert failing(bad) == {4}
    _rejected(bad, bound=False, expect="relation")
