"""Committed mode of the zkDL training proof: the verifier holds only the PCS commitment of
the witness (no tables); every final evaluation claim of zkReLU, FAC4DNN, the output-layer and
the U-range proofs is a claim on a public view of ONE committed vector, proven by one batched
sumcheck + one opening (:mod:`jaxgraph.zk.claims`). Dishonest provers (tampered witness) are
covered for both modes by ``test_training._reject_dishonest``; here: completeness, what the
views enforce by construction (data / W_0 binding, zkReLU <-> FAC4DNN consistency, zero
padding), tampered proofs and public inputs, and the claims module against dense references."""
import copy
import dataclasses

import numpy as np
import pytest

import jaxgraph.zk as zk
from jaxgraph.zk import claims as CL
from jaxgraph.zk import field as F
from jaxgraph.zk import fixed_point as fp
from jaxgraph.zk import mle
from jaxgraph.zk import pcs as PCS
from jaxgraph.zk import sumcheck as SC
from jaxgraph.zk import training as TR
from jaxgraph.zk import zkrelu as ZR
from jaxgraph.zk._x64 import x64
from jaxgraph.zk.transcript import Transcript
from zk_fixtures import (TRAIN_BATCH, TRAIN_LR_SHIFT, TRAIN_SEED, TRAIN_STEPS, TRAIN_WIDTHS,
                         training_data)

WIDTHS = TRAIN_WIDTHS
BATCH, STEPS, LR_SHIFT, SEED = TRAIN_BATCH, TRAIN_STEPS, TRAIN_LR_SHIFT, TRAIN_SEED
CFG = dict(widths=WIDTHS, batch_size=BATCH, lr_shift=LR_SHIFT, commit=True)
_data = training_data
DATA = _data()


@pytest.fixture(scope="module")
def honest():
    tm = {}
    proof, pub = zk.prove_training(zk.ModelConfig(**CFG), DATA, STEPS, SEED, timings=tm)
    return proof, pub, tm


def _trace(data=DATA, init=None):
    _, trace = TR.build_trace(CFG, data, STEPS, SEED, init_weights=init)
    return copy.deepcopy(list(trace))


def _dense(c, view):
    """A view applied to c by dense integer arithmetic (the independent reference)."""
    out = np.zeros(view.size, object)
    for coef, idx in view.terms:
        sel = idx > 0
        out[sel] += coef * c[idx[sel].astype(np.int64) - 1].astype(object)
    if view.const is not None:
        out += view.const.astype(object)
    return np.array([int(v) % F.P for v in out], np.uint64)


# ------------------------------------------------------------------------- completeness
def test_honest_committed_training_verifies(honest):
    proof, pub, tm = honest
    assert tuple(TR.verify_training_detailed(proof, pub)) == (True, "")
    assert zk.verify_training(proof, pub) is True  # the package-level API of the issue
    assert pub["mode"] == "committed" and "oracle" not in pub and "final_weights_digest" not in pub
    # nothing in the public input is a witness table: only config, data, seed, W0, commitment
    assert set(pub) == {"config", "steps", "seed", "X", "y", "W0", "commitment", "mode"}
    assert isinstance(pub["commitment"], PCS.Commitment)
    assert tm["commit"] > 0 and tm["commitment_bytes"] > 32 and tm["committed_words"] > 0
    assert proof.claims is not None
    parts = proof.parts_bytes()
    assert proof.num_bytes() == sum(parts.values()) and parts["opening"] > 0


def test_committed_vector_holds_each_value_once_and_views_rebuild_every_table():
    """Independent reference: every view of the layout, applied to the prover's c, equals the
    table the honest prover's sub-proofs use (dense gather, no MLEs)."""
    cfg = TR.ModelConfig.from_any(CFG)
    X, y = DATA
    W0 = fp.init_weights(WIDTHS, cfg.frac_bits, SEED)
    _, trace = TR.build_trace(cfg, DATA, STEPS, SEED)
    relu, fac = ZR.relu_statement(trace, cfg.bits), TR.FD.fac4dnn_statement(trace)
    oracle = {"relu": relu, "fac4dnn": fac, "out": TR._out_witness(cfg, trace, fac),
              "u_planes": TR._u_witness(cfg, fac)}
    lay = TR._committed_layout(cfg, STEPS, SEED, X, y, W0)
    c = TR._witness_vector(lay, oracle)
    pos = np.concatenate([idx[idx > 0] for _, _, idx in lay.free]).astype(np.int64)
    assert np.array_equal(np.sort(pos), np.arange(1, lay.used + 1))  # each position once

    (_, a, w, z), = TR.FD.matmul_instances(fac)
    ps = TR.M.padded_shape(a.shape[:2] + (a.shape[2], w.shape[2]))
    want = {"fac4dnn/matmul/A": np.pad(a, [(0, ps[0] - a.shape[0]), (0, ps[1] - a.shape[1]),
                                          (0, ps[2] - a.shape[2])]),
            "fac4dnn/matmul/Z": np.pad(z, [(0, ps[0] - z.shape[0]), (0, ps[1] - z.shape[1]),
                                          (0, ps[3] - z.shape[2])])}
    tabs = TR.FD._weight_tables(fac)
    want.update({f"fac4dnn/{n}": tabs[n] for n in TR.FD.EVAL_NAMES})
    want["fac4dnn/Bits"] = TR.FD._bits_table(fac)
    want.update({f"training/relu/{k}": relu.tensors[k] for k in ZR.TENSORS})
    want["training/relu/bits"] = relu.bit_planes
    Y = TR._targets(cfg, y, fp.batch_indices(len(y), STEPS, BATCH, SEED))
    inst = TR._out_instance(cfg, STEPS, fac, Y, oracle["out"])
    want.update({f"training/out/{k}": v for k, v in inst.tables.items()})
    want["training/out/planes"] = inst.planes
    want["training/urange/U"] = TR._u_table(fac)
    want["training/urange/planes"] = oracle["u_planes"]
    for name, table in want.items():
        assert np.array_equal(_dense(c, lay.views[name]), np.asarray(table).reshape(-1)), name


# ------------------------------------------------- what the views enforce by construction
def _reject(trace, expect="openings"):
    proof, pub = TR.prove_training(CFG, DATA, STEPS, SEED, trace=trace)
    ok, why = TR.verify_training_detailed(proof, pub)
    assert not ok and expect in why, why
    # the oracle-mode verifier's direct checks reject the same witness
    proof, pub = TR.prove_training(dict(CFG, commit=False), DATA, STEPS, SEED, trace=trace)
    ok, why_o = TR.verify_training_detailed(proof, pub)
    assert not ok
    return why, why_o


def test_training_on_other_data_rejected():
    """Every relation holds for the other data's run; only the public-data view binds A_in."""
    other = (_data(seed=5)[0], DATA[1])
    _, why_o = _reject(_trace(data=other))
    assert "data binding" in why_o


def test_training_from_other_initial_weights_rejected():
    w = fp.init_weights(WIDTHS, 16, SEED + 7)
    _, why_o = _reject(_trace(init=w))
    assert "initial weights" in why_o


def test_relu_inconsistent_with_fac4dnn_rejected(monkeypatch):
    """zkReLU proves a (self-consistent) pre-activation Z + 2^f and output A + 1 while FAC4DNN
    keeps the true ones: both sub-proofs hold on their own; only the shared views reject."""
    trace = _trace()
    tampered = copy.deepcopy(trace)
    lay = tampered[0].layers[0]
    b, j = [(b, j) for b in range(BATCH) for j in range(WIDTHS[1]) if lay.Zq[b, j] >= 0][0]
    for name, delta in (("Z", 1 << 16), ("Zq", 1), ("A_out", 1)):
        x = np.array(getattr(lay, name), np.int64, copy=True)
        x[b, j] += delta
        setattr(lay, name, x)
    real = ZR.relu_statement
    st = real(tampered, 24)
    assert ZR.verify_relu(st, ZR.prove_relu(st))  # zkReLU alone accepts it
    monkeypatch.setattr(TR.ZR, "relu_statement", lambda tr, bits=24: real(tampered, bits))
    _, why_o = _reject(trace)
    assert "consistency" in why_o


# ------------------------------------------------------------ tampering after proving
def _bump(arr, idx):
    a = np.array(arr, copy=True)
    a[idx] = (int(a[idx]) + 1) % F.P
    return a


@pytest.mark.parametrize("what", ["relu_eval", "relu_plane", "fac_eval", "out_eval", "u_beval",
                                  "claims_round", "c_eval", "opening_u", "opening_column",
                                  "no_claims"])
def test_tampered_committed_proof_rejected(honest, what):
    proof, pub, _ = honest
    r, f, o, u, cl = proof.relu, proof.fac4dnn, proof.out, proof.urange, proof.claims
    if what == "relu_eval":  # a claimed evaluation: only the openings can tell
        r = dataclasses.replace(r, tensor_evals=_bump(r.tensor_evals, (2, 0)))
    elif what == "relu_plane":
        r = dataclasses.replace(r, plane_evals=_bump(r.plane_evals, (0, 0)))
    elif what == "fac_eval":
        f = dataclasses.replace(f, evals=_bump(f.evals, (5, 0)))
    elif what == "out_eval":
        o = dataclasses.replace(o, evals=_bump(o.evals, (3, 0)))
    elif what == "u_beval":
        u = dataclasses.replace(u, b_eval=_bump(u.b_eval, (1,)))
    elif what == "claims_round":
        cl = dataclasses.replace(cl, sumcheck=SC.SumcheckProof(
            _bump(cl.sumcheck.round_evals, (1, 2, 0))))
    elif what == "c_eval":
        cl = dataclasses.replace(cl, c_eval=_bump(cl.c_eval, (0,)))
    elif what == "opening_u":
        cl = dataclasses.replace(cl, opening=dataclasses.replace(
            cl.opening, u=_bump(cl.opening.u, (0, 0) if np.ndim(cl.opening.u) == 2 else (0,))))
    elif what == "opening_column":
        cols = np.array(cl.opening.columns, copy=True)
        cols.reshape(-1)[0] = (int(cols.reshape(-1)[0]) + 1) % F.P
        cl = dataclasses.replace(cl, opening=dataclasses.replace(cl.opening, columns=cols))
    else:
        cl = None
    bad = TR.TrainingProof(relu=r, fac4dnn=f, out=o, urange=u, claims=cl)
    ok, why = TR.verify_training_detailed(bad, pub)
    assert not ok and why


def test_commitment_and_public_inputs_bound(honest):
    proof, pub, _ = honest
    com = pub["commitment"]
    assert not TR.verify_training(proof, dict(pub, commitment=dataclasses.replace(com, root=bytes(32))))
    assert not TR.verify_training(proof, dict(pub, commitment=None))
    weak = dataclasses.replace(com, params=dataclasses.replace(com.params, queries=8))
    ok, why = TR.verify_training_detailed(proof, dict(pub, commitment=weak))
    assert not ok and "queries" in why, why  # a weak commitment is refused by policy
    X2 = pub["X"].copy()
    X2[fp.batch_indices(len(DATA[1]), STEPS, BATCH, SEED)[0][0], 0] += 0.5
    assert not TR.verify_training(proof, dict(pub, X=X2))
    y2 = pub["y"].copy()
    y2[:] = (y2 + 1) % WIDTHS[-1]
    assert not TR.verify_training(proof, dict(pub, y=y2))
    assert not TR.verify_training(proof, dict(pub, seed=pub["seed"] + 1))
    w0 = fp.init_weights(WIDTHS, 16, SEED)
    w0[0][0, 0] += 1
    assert not TR.verify_training(proof, dict(pub, W0=w0))
    # a committed proof is not an oracle-mode proof and vice versa
    assert not TR.verify_training(proof, dict(pub, config=dataclasses.replace(pub["config"], commit=False)))


def test_proof_from_another_run_rejected(honest):
    proof, pub, _ = honest
    proof2, pub2 = TR.prove_training(CFG, DATA, STEPS, SEED + 1)
    assert TR.verify_training(proof2, pub2)
    assert not TR.verify_training(proof2, pub)
    assert not TR.verify_training(proof, pub2)
    assert not TR.verify_training(proof, dict(pub, commitment=pub2["commitment"]))
    assert not TR.verify_training(dataclasses.replace(proof, claims=proof2.claims), pub)


# ------------------------------------------------------------------ claims module alone
def _claims_setup(rng, n=6):
    c = rng.integers(0, 1000, size=1 << n).astype(np.uint64)
    mat = rng.permutation(1 << n)[:16].reshape(4, 4) + 1            # a 4 x 4 matrix inside c
    views = {"M": CL.View.of(mat), "MT": CL.View.of(mat.T.copy()),   # and its transpose
             "pad": CL.View.of(np.pad(mat, [(0, 4), (0, 4)]).reshape(-1)),  # zero-padded 8 x 8
             "aff": CL.View((( 3, mat.reshape(-1)), (-2, mat.T.reshape(-1))),
                            np.arange(16, dtype=np.uint64))}          # 3 M - 2 M^T + const
    return c, views


def _claims_for(c, views, rng):
    sink = CL.ClaimSink()
    for name, v in views.items():
        for _ in range(2):
            pt = np.stack([rng.integers(0, 1 << 62, size=mle.log2_floor(v.size)),
                           rng.integers(0, 1 << 62, size=mle.log2_floor(v.size))], -1).astype(np.uint64)
            with x64():
                val = np.asarray(mle.evaluate(_dense(c, v), pt))
            sink.add(name, pt, val)
    return sink.items


def test_claims_batch_against_dense_reference():
    rng = np.random.default_rng(0)
    c, views = _claims_setup(rng)
    items = _claims_for(c, views, rng)
    com, pd = PCS.commit(c, rng=1)
    proof = CL.prove_claims(items, views, c, pd, Transcript("t"))
    assert CL.verify_claims(items, views, com, proof, Transcript("t")) == (True, "")
    # weight table vs its definition: sum_j Wt[j] c[j] = sum_k alpha_k (view_k(c) - const)~(z_k)
    alphas = Transcript("a").challenges("alpha", len(items))
    wt = CL.weight_table(items, views, alphas, c.size)
    lhs = (0, 0)
    for j in range(c.size):
        lhs = F.int_ext_add(lhs, F.int_ext_mul(F.int_ext(wt[j]), (int(c[j]), 0)))
    rhs = (0, 0)
    for cl, a in zip(items, alphas):
        v = views[cl.name]
        no_const = CL.View(v.terms) if v.terms else None
        with x64():
            ev = F.int_ext(np.asarray(mle.evaluate(_dense(c, no_const), cl.point))) if no_const else (0, 0)
        rhs = F.int_ext_add(rhs, F.int_ext_mul(F.int_ext(a), ev))
    assert lhs == rhs


@pytest.mark.parametrize("which", [0, 3, 7])
def test_one_false_claim_rejected(which):
    rng = np.random.default_rng(1)
    c, views = _claims_setup(rng)
    items = _claims_for(c, views, rng)
    bad = list(items)
    bad[which] = dataclasses.replace(bad[which], value=_bump(bad[which].value, (0,)))
    com, pd = PCS.commit(c, rng=2)
    proof = CL.prove_claims(bad, views, c, pd, Transcript("t"))
    ok, why = CL.verify_claims(bad, views, com, proof, Transcript("t"))
    assert not ok and "claims sumcheck" in why, why
    # an honest proof does not carry over to a changed claim list
    com2, pd2 = PCS.commit(c, rng=3)
    good = CL.prove_claims(items, views, c, pd2, Transcript("t"))
    assert not CL.verify_claims(bad, views, com2, good, Transcript("t"))[0]


def test_claim_on_other_vector_rejected():
    rng = np.random.default_rng(2)
    c, views = _claims_setup(rng)
    items = _claims_for(c, views, rng)
    c2 = c.copy()
    c2[int(views["M"].terms[0][1][5]) - 1] += np.uint64(1)  # one entry the views read
    com2, pd2 = PCS.commit(c2, rng=4)
    proof = CL.prove_claims(items, views, c2, pd2, Transcript("t"))
    assert not CL.verify_claims(items, views, com2, proof, Transcript("t"))[0]
