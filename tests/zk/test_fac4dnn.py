"""FAC4DNN (zkDL): one aggregated matmul proof + weight-update / chain / range checks over all
layers and steps of a fixed-point training trace. Completeness, rejection of tampered traces and
proofs, and logarithmic proof size in T."""
import copy
import dataclasses

import numpy as np
import pytest

from jaxgraph.zk import fac4dnn as FD
from jaxgraph.zk import fixed_point as fp
from jaxgraph.zk import sumcheck as S
from jaxgraph.zk.transcript import Transcript

WIDTHS = [8, 4, 4, 4, 2]
BATCH, STEPS, LR_SHIFT = 4, 3, 2


def _data(n=16, seed=0, widths=WIDTHS):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 1.0, size=(n, widths[0])), rng.integers(0, widths[-1], size=n)


def _train(seed=1, rounding="nearest", steps=STEPS, widths=WIDTHS, batch=BATCH, frac_bits=16):
    X, y = _data(widths=widths)
    _, trace = fp.train_fixed_point(widths, X, y, steps=steps, batch_size=batch,
                                    lr_shift=LR_SHIFT, seed=seed, rounding=rounding,
                                    frac_bits=frac_bits)
    assert fp.check_trace(trace) == []
    return trace


@pytest.fixture(scope="module")
def trace():
    return _train()


@pytest.fixture(scope="module")
def honest(trace):
    st = FD.fac4dnn_statement(trace)
    return st, FD.prove_fac4dnn(st)


def _rejects(tr, prefix):
    st = FD.fac4dnn_statement(tr)
    ok, reason = FD.verify_fac4dnn_detailed(st, FD.prove_fac4dnn(st))
    assert not ok
    assert reason.startswith(prefix), reason
    return reason


# ------------------------------------------------------------------------------ completeness
def test_honest_trace_verifies(honest):
    st, proof = honest
    assert FD.verify_fac4dnn_detailed(st, proof) == FD.Fac4dnnVerdict(True)
    assert FD.verify_fac4dnn(st, proof)
    # one aggregated matmul proof over N = 3 L T = 36 instances (padded 64) of common shape
    (label, a, w, z), = FD.matmul_instances(st)
    assert a.shape == (36, 8, 8) and w.shape == (36, 8, 8) and z.shape == (36, 8, 8)
    rounds = proof.num_rounds()
    # log2(64) + log2(8); weight domain Tp Lp R C = 4 * 4 * 8 * 4; bits * 2 * NB(16)
    assert rounds == {"matmul": [6 + 3], "linear": 9, "binary": 9 + 1 + 4}
    assert proof.num_field_elements() == (6 + 8 * 9) + (6 * 9 + 20) + (8 * 14 + 2)
    assert proof.num_bytes() == 8 * proof.num_field_elements()
    assert proof.num_field_elements() == FD.proof_size_words(WIDTHS, BATCH, STEPS,
                                                             lr_shift=LR_SHIFT)["total"] == 266


def test_per_kind_mode_and_floor_rounding():
    tr = _train(rounding="floor")
    for mode in FD.MATMUL_MODES:
        st = FD.fac4dnn_statement(tr, matmul_mode=mode)
        proof = FD.prove_fac4dnn(st)
        assert FD.verify_fac4dnn(st, proof), mode
        assert len(proof.matmul) == (1 if mode == "single" else 3)
        assert proof.num_field_elements() == FD.proof_size_words(
            WIDTHS, BATCH, STEPS, lr_shift=LR_SHIFT, matmul_mode=mode)["total"]
    # a single-mode proof does not verify as a per-kind statement (mode is bound)
    st1 = FD.fac4dnn_statement(tr, matmul_mode="single")
    st3 = FD.fac4dnn_statement(tr, matmul_mode="per_kind")
    assert not FD.verify_fac4dnn(st3, FD.prove_fac4dnn(st1))


def test_instance_layout(trace):
    st = FD.fac4dnn_statement(trace)
    (_, a, w, z), = FD.matmul_instances(st)
    L = len(WIDTHS) - 1
    t, l = 1, 2
    rec = trace[t].layers[l]
    base = (t * L + l) * 3
    to = fp.to_field
    d_in, d_out = WIDTHS[l], WIDTHS[l + 1]
    assert (a[base][:BATCH, :d_in] == to(rec.A_in)).all()
    assert (w[base][:d_in, :d_out] == to(rec.W)).all()
    assert (z[base + 1][:d_in, :d_out] == to(rec.G_W_full)).all()
    assert (z[base + 2][:BATCH, :d_in] == to(rec.G_A_in_full)).all()
    assert not z[(t * L + 0) * 3 + 2].any()  # layer 1 has no input gradient: zero instance
    assert not a[base][BATCH:].any() and not a[base][:, d_in:].any()  # zero padding


def test_padding_overhead_reported():
    single = FD.padding_overhead([1024] * 9, 64, "single")
    per_kind = FD.padding_overhead([1024] * 9, 64, "per_kind")
    assert 2.7 < single < 2.8 and 1.0 <= per_kind < 1.05


# ---------------------------------------------------------------------------------- soundness
def _recompute_from(tr, t0, weights):
    """Recompute steps t0.. honestly from ``weights`` (a consistent trace except at t0)."""
    for t in range(t0, len(tr)):
        r = tr[t]
        weights, tr[t] = fp.fixed_point_step(weights, r.X, r.Y, frac_bits=r.frac_bits,
                                             lr_shift=r.lr_shift, loss_shift=r.loss_shift,
                                             step=t, batch=r.batch, rounding=r.rounding)
    return tr


def test_flipped_weight_bit_rejected(trace):
    tr = copy.deepcopy(trace)
    lay = tr[1].layers[1]
    lay.W = lay.W.copy()  # the trace aliases W(t+1) with W_next(t): flip only W(t=1)
    lay.W[0, 1] ^= 1 << 3
    _rejects(tr, "matmul")  # Z = A_in W (and G_A = G_Z W^T) no longer hold
    tabs = FD._weight_tables(FD.fac4dnn_statement(tr))
    assert not (tabs["W_next"] == tabs["W_shift"]).all()  # and the chain breaks
    # flip W(t=1) and recompute steps 1.. honestly: all matmuls hold, only the chain breaks
    tr = copy.deepcopy(trace)
    weights = [x.W.copy() for x in tr[1].layers]
    weights[1][0, 1] ^= 1 << 3
    _rejects(_recompute_from(tr, 1, weights), "linear relations")
    # and the same flip in W_next(t=0) too (aliased, as the trace records it): the update breaks
    tr = copy.deepcopy(trace)
    tr[1].layers[1].W[0, 1] ^= 1 << 3
    assert tr[0].layers[1].W_next[0, 1] == tr[1].layers[1].W[0, 1]
    _rejects(tr, "matmul")


def test_wrong_gradients_rejected(trace):
    tr = copy.deepcopy(trace)
    tr[2].layers[0].G_W_full[1, 2] += 1
    assert "fac4dnn/matmul" in _rejects(tr, "matmul")
    tr = copy.deepcopy(trace)
    tr[0].layers[3].G_A_in_full[0, 0] -= 5
    _rejects(tr, "matmul")
    tr = copy.deepcopy(trace)  # rescaled gradient wrong: only the linear relations see it
    tr[1].layers[2].G_W[0, 0] += 1
    _rejects(tr, "linear relations")


def test_skipped_update_rejected(trace):
    """Step 0 'forgets' its update (W_1 = W_0) and all later steps are recomputed honestly from
    the stale weights: every matmul holds, only the update/chain relations catch it."""
    tr = copy.deepcopy(trace)
    rec0 = tr[0]
    tr = _recompute_from(tr, 1, [lay.W.copy() for lay in rec0.layers])
    _rejects(tr, "linear relations")
    # the same with W_next of step 0 also set to W_0 (then rel_3 W_next = W - U breaks)
    for lay in rec0.layers:
        lay.W_next = lay.W.copy()
    _rejects(tr, "linear relations")


def test_out_of_range_u_rem_rejected(trace):
    """U_rem + 2^e with U - 1 (and W_next + 1 at the last step, which no later step uses): every
    linear relation still holds; only the binary (range) check catches it."""
    tr = copy.deepcopy(trace)
    lay = tr[-1].layers[1]
    e = tr[-1].lr_shift
    lay.U_rem[0, 0] += 1 << e
    lay.U[0, 0] -= 1
    lay.W_next[0, 0] += 1
    assert fp.check_trace(tr)  # the plain checker sees the range violation too
    _rejects(tr, "binary check")
    tr = copy.deepcopy(trace)  # negative remainder
    lay = tr[-1].layers[2]
    lay.U_rem[1, 1] -= 1 << e
    lay.U[1, 1] += 1
    lay.W_next[1, 1] -= 1
    _rejects(tr, "binary check")


def test_out_of_range_g_w_rem_rejected(trace):
    tr = copy.deepcopy(trace)
    lay = tr[-1].layers[0]
    f = tr[-1].frac_bits
    i, j = map(int, np.argwhere(lay.U_rem >= 1)[0])
    lay.G_W_rem[i, j] += 1 << f  # G_W_full + h = 2^f (G_W - 1) + (G_W_rem + 2^f)
    lay.G_W[i, j] -= 1
    lay.U_rem[i, j] -= 1  # G_W - 1 + h_e = 2^e U + (U_rem - 1), still in range
    _rejects(tr, "binary check")


def test_proof_from_another_run_rejected(honest):
    st, proof = honest
    other = FD.fac4dnn_statement(_train(seed=7))
    other_proof = FD.prove_fac4dnn(other)
    assert FD.verify_fac4dnn(other, other_proof)
    assert not FD.verify_fac4dnn(st, other_proof)
    assert not FD.verify_fac4dnn(other, proof)
    # transcript binding: a proof made on another transcript does not verify on the default one
    p2 = FD.prove_fac4dnn(st, transcript=Transcript("another protocol"))
    assert not FD.verify_fac4dnn(st, p2)
    assert FD.verify_fac4dnn(st, p2, transcript=Transcript("another protocol"))


def test_truncated_and_malformed_proofs_rejected(honest):
    st, proof = honest
    cut = S.SumcheckProof(proof.linear.round_evals[:-1])
    ok, reason = FD.verify_fac4dnn_detailed(st, dataclasses.replace(proof, linear=cut))
    assert not ok and "round_evals" in reason
    cut = S.SumcheckProof(proof.binary.round_evals[:-1])
    assert not FD.verify_fac4dnn(st, dataclasses.replace(proof, binary=cut))
    mm = proof.matmul[0]
    cut_mm = dataclasses.replace(mm, sumcheck=S.SumcheckProof(mm.sumcheck.round_evals[:-1]))
    assert not FD.verify_fac4dnn(st, dataclasses.replace(proof, matmul=(cut_mm,)))
    assert not FD.verify_fac4dnn(st, dataclasses.replace(proof, matmul=()))
    assert not FD.verify_fac4dnn(st, dataclasses.replace(proof, evals=proof.evals[:-1]))
    assert not FD.verify_fac4dnn(st, dataclasses.replace(proof, b_eval=None))
    assert not FD.verify_fac4dnn(st, None)
    bad = proof.evals.copy()
    bad[0, 0] = (int(bad[0, 0]) + 1) % (2**64 - 2**32 + 1)
    assert not FD.verify_fac4dnn(st, dataclasses.replace(proof, evals=bad))


# ------------------------------------------------------------------------------- proof size
def test_proof_size_logarithmic_in_steps():
    widths, rounds, sizes = [2, 2, 2], [], []
    for T in (2, 4, 8):
        st = FD.fac4dnn_statement(_train(steps=T, widths=widths, batch=2, frac_bits=4))
        proof = FD.prove_fac4dnn(st)
        assert FD.verify_fac4dnn(st, proof)
        r = proof.num_rounds()
        rounds.append((r["matmul"][0], r["linear"], r["binary"]))
        sizes.append(proof.num_field_elements())
        assert sizes[-1] == FD.proof_size_words(widths, 2, T, frac_bits=4,
                                                lr_shift=LR_SHIFT)["total"]
    for prev, cur in zip(rounds, rounds[1:]):
        assert [c - p for p, c in zip(prev, cur)] == [1, 1, 1]
    assert sizes[1] - sizes[0] == sizes[2] - sizes[1] == 8 + 6 + 8
