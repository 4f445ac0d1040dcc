"""Exact fixed-point SGD (zkDL's training computation): rescaling, per-step relations and their
tamper detection, agreement with the float64 twin, field embedding, bounds, and real training on
sklearn digits next to the float twin."""
import copy
import random

import numpy as np
import pytest

from jaxgraph.zk import field as F
from jaxgraph.zk import fixed_point as fp

TINY_WIDTHS = [6, 5, 4, 3]  # a 3-layer MLP


def _tiny_data(n=16, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.0, 1.0, size=(n, TINY_WIDTHS[0]))
    y = rng.integers(0, TINY_WIDTHS[-1], size=n)
    return X, y


@pytest.fixture(scope="module", params=["floor", "nearest"])
def tiny_trace(request):
    X, y = _tiny_data()
    _, trace = fp.train_fixed_point(TINY_WIDTHS, X, y, steps=3, batch_size=4, lr_shift=2,
                                    seed=1, rounding=request.param)
    return trace


# --------------------------------------------------------------------------------- rescale
def test_rescale_matches_python_floor_division():
    rng = random.Random(0)
    lo, hi = -(2**63), 2**63 - 1
    for r in (0, 1, 2, 5, 16, 31, 32, 33, 61, 62):
        vals = [0, 1, -1, 2**r, -(2**r), 2**r - 1, -(2**r) + 1, 2**r + 1, -(2**r) - 1, lo, hi,
                lo + 1, hi - 1, 2**62, -(2**62)]
        vals += [rng.randint(-(2**b), 2**b) for b in (3, 17, 40, 62) for _ in range(25)]
        vals = [v for v in vals if lo <= v <= hi]
        q, rem = fp.rescale(np.array(vals, dtype=np.int64), r)
        assert q.dtype == rem.dtype == np.int64
        assert q.tolist() == [v // 2**r for v in vals], r
        assert rem.tolist() == [v % 2**r for v in vals], r
        assert all(0 <= x < 2**r for x in rem.tolist())


@pytest.mark.parametrize("r", [-1, 63, 1.5, True])
def test_rescale_rejects_bad_shift(r):
    with pytest.raises(ValueError, match="rescale: r"):
        fp.rescale(np.array([1, 2], np.int64), r)


# ------------------------------------------------------------------------------ relations
def test_tiny_mlp_relations_hold(tiny_trace):
    assert len(tiny_trace) == 3
    assert fp.check_trace(tiny_trace) == []
    rec = tiny_trace[0]
    assert len(rec.layers) == 3
    assert [lr.hidden for lr in rec.layers] == [True, True, False]
    for lr in rec.layers:
        for name in lr.TENSORS:
            x = getattr(lr, name)
            assert x is None or x.dtype == np.int64, name
    assert rec.layers[0].G_A_in is None and rec.layers[1].G_A_in is not None
    assert rec.layers[-1].S is None
    s = rec.layers[0].S
    assert set(np.unique(s).tolist()) <= {0, 1}
    # the sign bits are non-trivial on this data (both branches of the ReLU are exercised)
    hidden = rec.layers[:-1]
    assert 0 < sum(int(lr.S.sum()) for lr in hidden) < sum(lr.S.size for lr in hidden)
    assert np.isfinite(rec.loss) and rec.loss > 0


def _bump(x, idx, delta=1):
    y = x.copy()
    y[idx] += delta
    return y


TAMPERS = [
    # (description, layer index or None for step-level, attribute, index, delta)
    ("Z remainder", 0, "Z_rem", (0, 0), 1),
    ("Z quotient", 1, "Zq", (1, 2), -1),
    ("pre-rescale Z", 2, "Z", (0, 1), 1),
    ("weight", 1, "W", (2, 3), 1),
    ("next weight", 0, "W_next", (0, 0), 1),
    ("activation", 0, "A_out", (3, 4), 1),
    ("input", None, "X", (0, 0), 1),
    ("target", None, "Y", (0, 0), 1),
    ("loss diff", None, "D", (1, 1), 1),
    ("loss remainder", None, "D_rem", (1, 1), 1),
    ("output gradient", 2, "G_Z", (0, 0), 1),
    ("hidden gradient", 0, "G_Z", (2, 2), 1),
    ("input gradient", 2, "G_A_in", (1, 1), 1),
    ("input gradient full", 1, "G_A_in_full", (0, 0), 1),
    ("input gradient remainder", 1, "G_A_in_rem", (0, 0), 1),
    ("weight gradient", 1, "G_W", (0, 0), 1),
    ("weight gradient full", 0, "G_W_full", (5, 4), 1),
    ("weight gradient remainder", 2, "G_W_rem", (0, 0), 1),
    ("update quotient", 0, "U", (1, 1), 1),
    ("update remainder", 2, "U_rem", (0, 1), 1),
]


@pytest.mark.parametrize("what,layer,attr,idx,delta", TAMPERS, ids=[t[0] for t in TAMPERS])
def test_tampering_one_value_is_detected(tiny_trace, what, layer, attr, idx, delta):
    rec = copy.deepcopy(tiny_trace[1])
    obj = rec if layer is None else rec.layers[layer]
    setattr(obj, attr, _bump(getattr(obj, attr), idx, delta))  # only this tensor changes
    bad = fp.check_step(rec)
    assert bad, f"tampered {what} not detected"


@pytest.mark.parametrize("layer", [0, 1])
def test_sign_bit_flip_is_detected(tiny_trace, layer):
    rec = copy.deepcopy(tiny_trace[0])
    lr = rec.layers[layer]
    for idx in [(0, 0), tuple(np.argwhere(lr.S == 1)[0])]:  # a 0 -> 1 and a 1 -> 0 flip
        r2 = copy.deepcopy(rec)
        r2.layers[layer].S = _bump(lr.S, idx, 1 - 2 * int(lr.S[idx]))
        assert any("sign bits" in b for b in fp.check_step(r2))
    # non-binary sign bit
    r3 = copy.deepcopy(rec)
    r3.layers[layer].S = _bump(lr.S, (0, 0), 2)
    assert any("not binary" in b for b in fp.check_step(r3))


def test_remainder_out_of_range_is_detected(tiny_trace):
    """Shifting a unit between quotient and remainder keeps z = 2^r q + rem but breaks the range."""
    rec = copy.deepcopy(tiny_trace[0])
    f = rec.frac_bits
    lr = rec.layers[0]
    lr.Zq = _bump(lr.Zq, (0, 0), -1)
    lr.Z_rem = _bump(lr.Z_rem, (0, 0), 2**f)
    bad = fp.check_step(rec)
    assert any("Z_rem: remainder outside" in b for b in bad)
    rec = copy.deepcopy(tiny_trace[0])
    lr = rec.layers[1]
    lr.U = _bump(lr.U, (0, 0), 1)
    lr.U_rem = _bump(lr.U_rem, (0, 0), -(2**rec.lr_shift))
    lr.W_next = _bump(lr.W_next, (0, 0), -1)
    assert any("U_rem: remainder outside" in b for b in fp.check_step(rec))


def test_weight_chaining_across_steps(tiny_trace):
    trace = copy.deepcopy(list(tiny_trace))
    assert fp.check_trace(trace) == []
    trace[0].layers[1].W_next = _bump(trace[0].layers[1].W_next, (0, 0), 1)
    trace[0].layers[1].U = _bump(trace[0].layers[1].U, (0, 0), -1)
    trace[0].layers[1].U_rem = _bump(trace[0].layers[1].U_rem, (0, 0), 2**trace[0].lr_shift)
    bad = fp.check_trace(trace)
    assert any("W_next != W of step 1" in b for b in bad)


# ---------------------------------------------------------------------- float twin agreement
def test_fixed_point_step_matches_float64_twin():
    rng = np.random.default_rng(3)
    widths = [8, 16, 16, 16, 4]
    B, f, k = 8, 16, 2
    X = rng.uniform(0, 1, size=(B, widths[0]))
    y = rng.integers(0, widths[-1], size=B)
    w_int = fp.init_weights(widths, f, seed=5)
    X_int, Y_int = fp.encode_inputs(X, f), fp.encode_targets(y, widths[-1], f)
    _, rec = fp.fixed_point_step(w_int, X_int, Y_int, frac_bits=f, lr_shift=3, loss_shift=k)
    s = float(2**f)
    out = fp.forward_backward_float([w / s for w in w_int], X_int / s, Y_int / s, k)

    def rel(a, b):
        return float(np.linalg.norm(a - b) / np.linalg.norm(b))

    for l, lr in enumerate(rec.layers):
        assert rel(lr.A_out / s, out["A"][l]) < 1e-4, l
        assert rel(lr.G_Z / s, out["G_Z"][l]) < 1e-3, l
        assert rel(lr.G_W / s, out["G_W"][l]) < 1e-3, l
        if l > 0:
            assert rel(lr.G_A_in / s, out["G_A"][l]) < 1e-3, l
    assert abs(rec.loss - out["loss"]) < 1e-3 * out["loss"]


@pytest.mark.parametrize("rounding", ["floor", "nearest"])
def test_few_steps_track_float_twin(rounding):
    X, y = _tiny_data(n=32, seed=4)
    widths = [6, 16, 16, 3]
    w_fix, trace = fp.train_fixed_point(widths, X, y, steps=8, batch_size=8, lr_shift=3, seed=2,
                                        rounding=rounding, keep_records=False)
    w_flt, losses = fp.train_float(widths, X, y, steps=8, batch_size=8, lr_shift=3, seed=2)
    w0 = fp.init_weights(widths, 16, seed=2)
    for wi, wf, w_init in zip(w_fix, w_flt, w0):
        delta_fix, delta_flt = (wi - w_init) / 2**16, wf - w_init / 2**16
        assert np.linalg.norm(delta_fix - delta_flt) < 1e-2 * np.linalg.norm(delta_flt)
    np.testing.assert_allclose(trace.losses, losses, rtol=1e-3)


# ----------------------------------------------------------------------------- field view
def test_relations_hold_in_the_field(tiny_trace):
    rec = tiny_trace[0]
    lr = rec.layers[1]
    fe = lr.to_field()
    assert all(F.is_canonical(v) for v in fe.values())
    # Z = A W mod p, computed on field elements, equals the embedding of the int64 Z
    np.testing.assert_array_equal(np.asarray(F.matmul(fe["A_in"], fe["W"])), fe["Z"])
    # G~_W = A^T G_Z and G~_A = G_Z W^T mod p
    np.testing.assert_array_equal(np.asarray(F.matmul(fp.to_field(lr.A_in.T), fe["G_Z"])),
                                  fe["G_W_full"])
    np.testing.assert_array_equal(np.asarray(F.matmul(fe["G_Z"], fp.to_field(lr.W.T))),
                                  fe["G_A_in_full"])
    # Z + h = 2^f Z' + R mod p and A = (1 - S) Z' mod p
    h = 2 ** (rec.frac_bits - 1) if rec.rounding == "nearest" else 0
    lhs = F.add(fe["Z"], np.uint64(h))
    rhs = F.add(F.mul(np.uint64(2**rec.frac_bits), fe["Zq"]), fe["Z_rem"])
    np.testing.assert_array_equal(np.asarray(lhs), np.asarray(rhs))
    one_minus_s = F.sub(np.uint64(1), fe["S"])
    np.testing.assert_array_equal(np.asarray(F.mul(one_minus_s, fe["Zq"])), fe["A_out"])
    # the centered lift recovers the integers
    np.testing.assert_array_equal(fp.from_field(fe["Z"]), lr.Z)


def test_to_field_range():
    x = np.array([0, 1, -1, 2**62, -(2**62), fp.FIELD_HALF, -fp.FIELD_HALF], dtype=np.int64)
    u = fp.to_field(x)
    assert u.tolist() == [v % F.P for v in x.tolist()]
    np.testing.assert_array_equal(fp.from_field(u), x)
    with pytest.raises(ValueError, match=r"to_field: x has \|x\|"):
        fp.to_field(np.array([2**63 - 1], dtype=np.int64))


# -------------------------------------------------------------------------------- bounds
def test_overflow_raises_named_error():
    X, y = _tiny_data()
    # 1e9 * 2^16 ~ 2^46 fits; the products grow past 2^62 within the first layers
    with pytest.raises(ValueError, match=r"Z at layer \d, step 0 exceeds 2\^62"):
        fp.train_fixed_point(TINY_WIDTHS, X * 1e9, y, steps=1, batch_size=4)
    with pytest.raises(ValueError, match=r"X exceeds 2\^62"):
        fp.train_fixed_point(TINY_WIDTHS, X * 1e20, y, steps=1, batch_size=4)
    # huge weights at a later step: the error names that step and layer
    w = fp.init_weights(TINY_WIDTHS, 16, seed=0)
    w[2] = w[2] * 2**40
    with pytest.raises(ValueError, match=r"(Z|G_W_full|G_A_full|D) at layer \d, step 0 exceeds"):
        fp.train_fixed_point(TINY_WIDTHS, X * 100, y, steps=2, batch_size=4, weights=w)


def test_overflow_names_the_step():
    X, y = _tiny_data(n=4)
    w = fp.init_weights(TINY_WIDTHS, 16, seed=0)
    X_int = fp.encode_inputs(X * 1e9)
    Y_int = fp.encode_targets(y, TINY_WIDTHS[-1])
    with pytest.raises(ValueError, match=r"^Z at layer 1, step 5 exceeds 2\^62"):
        fp.fixed_point_step(w, X_int, Y_int, step=5)
    with pytest.raises(ValueError, match=r"^(Z|G_W_full|G_A_full|D) at layer \d, step 7 exceeds"):
        fp.fixed_point_step(w, X_int // 2**12, Y_int, step=7)


def test_argument_validation():
    X, y = _tiny_data()
    with pytest.raises(ValueError, match="rounding"):
        fp.train_fixed_point(TINY_WIDTHS, X, y, steps=1, batch_size=4, rounding="up")
    with pytest.raises(ValueError, match="labels Y"):
        fp.train_fixed_point(TINY_WIDTHS, X, y + 5, steps=1, batch_size=4)
    with pytest.raises(ValueError, match="lr_shift"):
        fp.train_fixed_point(TINY_WIDTHS, X, y, steps=1, batch_size=4, lr_shift=-1)
    with pytest.raises(ValueError, match="widths"):
        fp.train_fixed_point([6], X, y, steps=1, batch_size=4)


def test_bit_widths_match_records(tiny_trace):
    bits = tiny_trace.bit_widths()
    zq_max = max(int(np.abs(lr.Zq).max()) for rec in tiny_trace for lr in rec.layers)
    ga_max = max(int(np.abs(lr.G_A_in).max()) for rec in tiny_trace for lr in rec.layers[1:])
    assert bits["Zq"] == zq_max.bit_length()
    assert bits["G_A"] == ga_max.bit_length()
    per = tiny_trace.bit_widths(per_layer=True)
    assert len(per["Zq"]) == 3 and max(per["Zq"]) == bits["Zq"]
    assert all(0 < b < fp.BOUND_BITS for b in bits.values())


# --------------------------------------------------------------------------- real training
def test_digits_fixed_point_matches_float():
    """8-layer width-32 MLP on sklearn digits: fixed point (f = 16) and the float64 twin trained
    identically both learn, and their test accuracies are within 3 points."""
    Xtr, Xte, ytr, yte = fp.load_digits_split(seed=0)
    widths = fp.mlp_widths(64, 32, 10, depth=8)
    kw = dict(lr_shift=4, seed=0)
    w_fix, trace = fp.train_fixed_point(widths, Xtr, ytr, 1000, 32, keep_records=False, **kw)
    w_flt, _ = fp.train_float(widths, Xtr, ytr, 1000, 32, **kw)
    acc_fix = fp.accuracy(w_fix, Xte, yte)
    acc_flt = fp.accuracy_float(w_flt, fp.encode_inputs(Xte) / 2**16, yte)
    assert acc_fix > 0.8 and acc_flt > 0.8, (acc_fix, acc_flt)
    assert abs(acc_fix - acc_flt) <= 0.03, (acc_fix, acc_flt)
    assert trace.bit_widths()["Zq"] < 32
