"""End-to-end zkDL training proof (zkReLU + FAC4DNN + output layer + U range check on one
transcript): completeness, rejection of dishonest provers (tampered witness BEFORE proving) and
of tampered proofs / public inputs AFTER proving, and the FAC4DNN range gap closed."""
import copy
import dataclasses

import numpy as np
import pytest

from jaxgraph.zk import fac4dnn as FD
from jaxgraph.zk import field as F
from jaxgraph.zk import fixed_point as fp
from jaxgraph.zk import sumcheck as SC
from jaxgraph.zk import training as TR
from zk_fixtures import (TRAIN_BATCH, TRAIN_LR_SHIFT, TRAIN_SEED, TRAIN_STEPS, TRAIN_WIDTHS,
                         training_data)

WIDTHS = TRAIN_WIDTHS
BATCH, STEPS, LR_SHIFT, SEED = TRAIN_BATCH, TRAIN_STEPS, TRAIN_LR_SHIFT, TRAIN_SEED
CFG = dict(widths=WIDTHS, batch_size=BATCH, lr_shift=LR_SHIFT)
_data = training_data
DATA = _data()


@pytest.fixture(scope="module")
def honest():
    return TR.prove_training(CFG, DATA, STEPS, SEED)


def _trace():
    _, trace = TR.build_trace(CFG, DATA, STEPS, SEED)
    assert fp.check_trace(trace) == []
    return copy.deepcopy(list(trace))


def _reject_dishonest(trace, expect=None, committed_expect=None):
    """A dishonest prover proves a tampered witness; the verifier must reject it in both modes
    (oracle: the verifier holds the tables; committed: it holds only the PCS commitment)."""
    proof, pub = TR.prove_training(CFG, DATA, STEPS, SEED, trace=trace)
    ok, why = TR.verify_training_detailed(proof, pub)
    assert not ok, "tampered witness accepted (oracle mode)"
    print("rejected:", why)
    if expect is not None:
        assert expect in why, why
    proof, pub = TR.prove_training(dict(CFG, commit=True), DATA, STEPS, SEED, trace=trace)
    assert "oracle" not in pub
    ok, why_c = TR.verify_training_detailed(proof, pub)
    assert not ok, "tampered witness accepted (committed mode)"
    print("rejected (committed):", why_c)
    if committed_expect is not None:
        assert committed_expect in why_c, why_c
    return why


def _set(layer, name, fn):
    """Replace layer.<name> by a modified COPY (records share arrays across steps)."""
    x = np.array(getattr(layer, name), np.int64, copy=True)
    fn(x)
    setattr(layer, name, x)


# ------------------------------------------------------------------------- completeness
def test_honest_training_verifies(honest):
    proof, pub = honest
    assert tuple(TR.verify_training_detailed(proof, pub)) == (True, "")
    assert TR.verify_training(proof, pub)
    # independent reference: the committed result is what plain fixed-point training returns
    w_ref, _ = fp.train_fixed_point(WIDTHS, DATA[0], DATA[1], STEPS, BATCH, lr_shift=LR_SHIFT,
                                    seed=SEED)
    fac = pub["oracle"]["fac4dnn"]
    for l, w in enumerate(w_ref):
        got = fp.from_field(fac.tensors["W_next"][-1, l, :w.shape[0], :w.shape[1]])
        assert np.array_equal(got, w)
    assert proof.num_bytes() == sum(proof.parts_bytes().values()) > 0
    # logarithmic pieces only: far smaller than the witness
    assert proof.num_bytes() < 16 * 1024


def test_seed_from_key():
    import jax
    assert TR.seed_from_key(jax.random.PRNGKey(SEED)) == SEED
    assert TR.seed_from_key(jax.random.key(SEED)) == SEED
    assert TR.seed_from_key(SEED) == SEED
    with pytest.raises(ValueError, match="key"):
        TR.seed_from_key(-1)


def test_config_object_and_dict_give_same_public_params(honest):
    _, pub = honest
    assert pub["config"] == TR.ModelConfig(widths=tuple(WIDTHS), batch_size=BATCH,
                                           lr_shift=LR_SHIFT)
    assert pub["config"].loss_shift == fp.default_loss_shift(BATCH)


@pytest.mark.parametrize("bad, field", [
    (dict(widths=[8, 2]), "widths"), (dict(batch_size=0), "batch_size"),
    (dict(rounding="up"), "rounding"), (dict(bits=50), "bits"), (dict(frac_bits=-1), "frac_bits"),
])
def test_config_validation(bad, field):
    with pytest.raises(ValueError, match=field):
        TR.ModelConfig.from_any(dict(CFG, **bad))


def test_data_validation():
    X, y = DATA
    with pytest.raises(ValueError, match="data y"):
        TR.prove_training(CFG, (X, y + 5), 1, 0)
    with pytest.raises(ValueError, match="data X"):
        TR.prove_training(CFG, (X[:, :3], y), 1, 0)
    with pytest.raises(ValueError, match="steps"):
        TR.prove_training(CFG, DATA, 0, 0)


def test_bits_too_small_for_honest_run():
    with pytest.raises(ValueError, match="bits=4 too small"):
        TR.prove_training(dict(CFG, bits=4), DATA, 1, SEED)


def test_decompose_any_reference():
    rng = np.random.default_rng(3)
    for signed in (False, True):
        w = 6
        lo, hi = (-(1 << (w - 1)), 1 << (w - 1)) if signed else (0, 1 << w)
        v = rng.integers(-200, 200, size=64)
        bits = TR._decompose_any(v, w, signed)
        weights = [TR._weight(i, w, signed) for i in range(w)]
        for j, x in enumerate(v):  # exact recomposition for any value (python-int reference)
            assert sum(int(bits[i, j]) * weights[i] for i in range(w)) == int(x)
            assert (lo <= x < hi) == all(int(bits[i, j]) in (0, 1) for i in range(w))


# -------------------------------------------------------- dishonest prover (before proving)
@pytest.mark.parametrize("step", range(STEPS))
def test_flipped_weight_bit_rejected(step):
    trace = _trace()
    _set(trace[step].layers[1], "W", lambda x: x.__setitem__((0, 0), x[0, 0] ^ 1))
    _reject_dishonest(trace)


@pytest.mark.parametrize("step", [1, 2])
def test_flipped_weight_bit_recomputed_downstream_rejected(step):
    """A consistent cheater: flip a weight bit entering step t and recompute steps t.. honestly
    from the tampered weights; every step is locally correct, only the update chain breaks."""
    trace = _trace()
    X_int, Y_int = fp.encode_inputs(DATA[0]), fp.encode_targets(DATA[1], WIDTHS[-1])
    w = [x.W.copy() for x in trace[step].layers]
    w[1][0, 0] ^= 1
    for t in range(step, STEPS):
        idx = trace[t].batch
        w, trace[t] = fp.fixed_point_step(w, X_int[idx], Y_int[idx], lr_shift=LR_SHIFT,
                                          loss_shift=fp.default_loss_shift(BATCH), step=t,
                                          batch=idx)
    errs = fp.check_trace(trace)
    assert errs and all("W_next != W of step" in e for e in errs), errs
    _reject_dishonest(trace, "FAC4DNN: linear relations")


def test_wrong_gradient_rejected():
    trace = _trace()
    _set(trace[1].layers[2], "G_W", lambda x: x.__setitem__((1, 0), x[1, 0] + 1))
    _reject_dishonest(trace, "FAC4DNN")


def test_wrong_loss_gradient_rejected():
    trace = _trace()  # only the output-layer proof covers D_rem / G_Z_L
    trace[0].D_rem = trace[0].D_rem.copy()
    trace[0].D_rem[0, 0] += 1
    _reject_dishonest(trace, "output layer")


def test_relu_sign_bit_flipped_rejected():
    trace = _trace()
    _set(trace[0].layers[0], "S", lambda x: x.__setitem__((0, 0), 1 - x[0, 0]))
    _reject_dishonest(trace, "zkReLU")


def test_remainder_out_of_range_rejected():
    """U_rem + 2^e with U - 1 (and W_next + 1) at the last step: every linear relation still
    holds; only the remainder's range check can reject."""
    trace = _trace()
    lay = trace[-1].layers[1]
    _set(lay, "U_rem", lambda x: x.__setitem__((0, 0), x[0, 0] + (1 << LR_SHIFT)))
    _set(lay, "U", lambda x: x.__setitem__((0, 0), x[0, 0] - 1))
    _set(lay, "W_next", lambda x: x.__setitem__((0, 0), x[0, 0] + 1))
    _reject_dishonest(trace, "binary check")


def test_skipped_update_rejected():
    X_int = fp.encode_inputs(DATA[0])
    Y_int = fp.encode_targets(DATA[1], WIDTHS[-1])
    w = fp.init_weights(WIDTHS, 16, SEED)
    trace = []
    for t, idx in enumerate(fp.batch_indices(len(DATA[1]), STEPS, BATCH, SEED)):
        w_new, rec = fp.fixed_point_step(w, X_int[idx], Y_int[idx], lr_shift=LR_SHIFT,
                                         loss_shift=fp.default_loss_shift(BATCH), step=t,
                                         batch=idx)
        trace.append(rec)
        if t != 0:  # the update of step 0 is skipped
            w = w_new
    errs = fp.check_trace(trace)  # every step is locally correct; only the chain breaks
    assert errs and all("W_next != W of step 1" in e for e in errs), errs
    _reject_dishonest(trace, "FAC4DNN")


def _huge_u_trace():
    """U' = U - 2^-e (mod p, a huge field element), U_rem' = U_rem + 1, W_next' = W - U' at
    the last step: rel_1..rel_6 of FAC4DNN all hold in F_p."""
    trace = _trace()
    lay = trace[-1].layers[1]
    i, j = [(a, b) for a in range(lay.U.shape[0]) for b in range(lay.U.shape[1])
            if lay.U_rem[a, b] < (1 << LR_SHIFT) - 1][0]
    inv = pow(1 << LR_SHIFT, F.P - 2, F.P)

    def lift(v):
        v %= F.P
        return v - F.P if v > (F.P - 1) // 2 else v

    u_new = lift(int(lay.U[i, j]) - inv)
    assert abs(u_new) > 1 << 40
    w_new = lift(int(lay.W[i, j]) - u_new)
    _set(lay, "U", lambda x: x.__setitem__((i, j), u_new))
    _set(lay, "U_rem", lambda x: x.__setitem__((i, j), x[i, j] + 1))
    _set(lay, "W_next", lambda x: x.__setitem__((i, j), w_new))
    return trace


def test_huge_field_U_rejected():
    trace = _huge_u_trace()
    # the gap is real: FAC4DNN alone accepts this statement
    st = FD.fac4dnn_statement(trace)
    assert FD.verify_fac4dnn(st, FD.prove_fac4dnn(st))
    _reject_dishonest(trace, "U range check")


# --------------------------------------------------------------- tampering after proving
def _tamper_array(arr, idx=(0, 0, 0)):
    a = np.array(arr, copy=True)
    a[idx] = (int(a[idx]) + 1) % F.P
    return a


def _sc(p, idx=(0, 0, 0)):
    return SC.SumcheckProof(_tamper_array(p.round_evals, idx))


@pytest.mark.parametrize("what", ["relu_round", "relu_eval", "fac_linear", "fac_eval", "out_eval",
                                  "out_round", "u_beval", "u_binary"])
def test_tampered_proof_rejected(honest, what):
    proof, pub = honest
    r, f, o, u = proof.relu, proof.fac4dnn, proof.out, proof.urange
    if what == "relu_round":
        r = dataclasses.replace(r, relations=_sc(r.relations, (1, 2, 0)))
    elif what == "relu_eval":
        r = dataclasses.replace(r, tensor_evals=_tamper_array(r.tensor_evals, (3, 0)))
    elif what == "fac_linear":
        f = dataclasses.replace(f, linear=_sc(f.linear, (2, 1, 1)))
    elif what == "fac_eval":
        f = dataclasses.replace(f, evals=_tamper_array(f.evals, (5, 0)))
    elif what == "out_eval":
        o = dataclasses.replace(o, evals=_tamper_array(o.evals, (3, 0)))
    elif what == "out_round":
        o = dataclasses.replace(o, relations=_sc(o.relations, (0, 2, 0)))
    elif what == "u_beval":
        u = dataclasses.replace(u, b_eval=_tamper_array(u.b_eval, (1,)))
    else:
        u = dataclasses.replace(u, binary=_sc(u.binary, (3, 1, 0)))
    bad = TR.TrainingProof(relu=r, fac4dnn=f, out=o, urange=u)
    assert not TR.verify_training(bad, pub)


@pytest.mark.parametrize("part", ["relu", "fac4dnn", "out", "urange", "missing"])
def test_truncated_proof_rejected(honest, part):
    proof, pub = honest
    if part == "relu":
        bad = dataclasses.replace(proof, relu=dataclasses.replace(
            proof.relu, binary=SC.SumcheckProof(proof.relu.binary.round_evals[:-1])))
    elif part == "fac4dnn":
        bad = dataclasses.replace(proof, fac4dnn=dataclasses.replace(
            proof.fac4dnn, matmul=proof.fac4dnn.matmul[:0]))
    elif part == "out":
        bad = dataclasses.replace(proof, out=dataclasses.replace(
            proof.out, evals=proof.out.evals[:-1]))
    elif part == "urange":
        bad = dataclasses.replace(proof, urange=dataclasses.replace(
            proof.urange, relations=SC.SumcheckProof(proof.urange.relations.round_evals[:-1])))
    else:
        bad = dataclasses.replace(proof, urange=None)
    ok, why = TR.verify_training_detailed(bad, pub)
    assert not ok and why


def test_tampered_oracle_weight_after_proving_rejected(honest):
    proof, pub = honest
    fac = pub["oracle"]["fac4dnn"]
    t = dict(fac.tensors)
    w = t["W"].copy()
    w[1, 2, 0, 0] = F.add(w[1, 2, 0, 0], np.uint64(1))
    t["W"] = w
    pub2 = dict(pub, oracle=dict(pub["oracle"], fac4dnn=dataclasses.replace(fac, tensors=t)))
    assert not TR.verify_training(proof, pub2)


def test_tampered_oracle_relu_sign_after_proving_rejected(honest):
    proof, pub = honest
    relu = pub["oracle"]["relu"]
    s = int(F.to_int(relu.tensors["S"][relu.index(1, 0, 0)]))
    bad = relu.with_entry("S", 1, 0, 0, 1 - s)
    pub2 = dict(pub, oracle=dict(pub["oracle"], relu=bad))
    assert not TR.verify_training(proof, pub2)


def test_tampered_public_inputs_rejected(honest):
    proof, pub = honest
    row = fp.batch_indices(len(DATA[1]), STEPS, BATCH, SEED)[0][0]  # a row of batch 0
    X2 = pub["X"].copy()
    X2[row, 0] += 0.5
    ok, why = TR.verify_training_detailed(proof, dict(pub, X=X2))
    assert not ok and "data binding" in why, why
    y2 = pub["y"].copy()
    y2[row] = (y2[row] + 1) % WIDTHS[-1]
    assert not TR.verify_training(proof, dict(pub, y=y2))
    assert not TR.verify_training(proof, dict(pub, final_weights_digest="00" * 32))
    assert not TR.verify_training(proof, dict(pub, seed=pub["seed"] + 1))
    cfg2 = dataclasses.replace(pub["config"], lr_shift=3)
    assert not TR.verify_training(proof, dict(pub, config=cfg2))


def test_proof_from_another_run_rejected(honest):
    proof, pub = honest
    proof2, pub2 = TR.prove_training(CFG, DATA, STEPS, SEED + 1)
    assert TR.verify_training(proof2, pub2)
    assert not TR.verify_training(proof2, pub)
    assert not TR.verify_training(proof, pub2)
    # same statement tables but the other run's sub-proof spliced in
    mixed = dataclasses.replace(proof, out=proof2.out)
    assert not TR.verify_training(mixed, pub)


def test_one_step_at_a_time_with_public_w0():
    """Prove each batch update separately, step t from the W_t that step t - 1 output."""
    X, y = DATA
    idx = fp.batch_indices(len(y), STEPS, BATCH, SEED)
    w = fp.init_weights(WIDTHS, 16, SEED)
    w_ref, _ = fp.train_fixed_point(WIDTHS, X, y, STEPS, BATCH, lr_shift=LR_SHIFT, seed=SEED)
    for t in range(STEPS):
        batch = (X[idx[t]], y[idx[t]])
        proof, pub = TR.prove_training(CFG, batch, 1, SEED, init_weights=w)
        assert TR.verify_training(proof, pub)
        # a wrong public W_0 is rejected
        bad = [x.copy() for x in w]
        bad[0][0, 0] += 1
        assert not TR.verify_training(proof, dict(pub, W0=bad))
        fac = pub["oracle"]["fac4dnn"]
        w = [fp.from_field(fac.tensors["W_next"][0, l, :a.shape[0], :a.shape[1]])
             for l, a in enumerate(w)]
    for a, b in zip(w, w_ref):  # the per-step chain reproduces T-step training exactly
        assert np.array_equal(a, b)
