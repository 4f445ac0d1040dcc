"""Committed matmul proofs (``matmul.commit_statement`` / ``prove_committed`` /
``verify_committed``): the verifier sees only the PCS commitments to A, W, Z and the shape.

SPEED NOTE: the secure PCS default is t = 245 column queries. Every test here except
``test_secure_default_params_tiny_instance`` uses ``FAST`` (t = 12 queries, ~2^-5 PCS soundness,
INSECURE, for test speed only) and tells the verifier so via ``min_queries=12``. The tamper tests
are deterministic anyway: a changed message changes every later Fiat-Shamir challenge or breaks
an exact equation / a Merkle path.
"""
import dataclasses
import math
import random

import numpy as np
import pytest

from jaxgraph.zk import field as F
from jaxgraph.zk import matmul as M
from jaxgraph.zk import pcs
from jaxgraph.zk.transcript import Transcript
from zk_fixtures import matmul_instance

P = F.P
FAST = pcs.PCSParams(queries=12)  # INSECURE, test speed only (see module docstring)
MINQ = dict(min_queries=FAST.queries)


_instance = matmul_instance


def _committed(shape, seed, z=None, params=FAST):
    a, w, z0 = _instance(shape, seed)
    z = z0 if z is None else z
    coms, pd = M.commit_statement(a, w, z, params, rng=seed)
    proof = M.prove_committed(None, None, None, pd)
    return (a, w, z), coms, proof


def _verdict(coms, shape, proof, **kw):
    return M.verify_committed_detailed(coms, shape, proof, **{**MINQ, **kw})


def _bump_u64(x, idx, delta=1):
    y = np.array(x, copy=True)
    y[idx] = np.uint64((int(y[idx]) + delta) % P)
    return y


def _flip_u8(x, idx):
    y = np.array(x, copy=True)
    y[idx] ^= np.uint8(1)
    return y


def _rand_index(shape, rnd):
    return tuple(rnd.randrange(s) for s in shape)


SHAPES = [(3, 5, 6), (1, 1, 1), (4, 8, 4), (2, 3, 5, 6), (1, 2, 3, 4)]
TAMPER_CASES = [(4, 4, 4), (2, 4, 4, 4)]  # square, so A <-> W swaps pass the size check


# ----------------------------------------------------------------------------- completeness
@pytest.mark.parametrize("shape", SHAPES)
def test_completeness(shape):
    (a, w, z), coms, proof = _committed(shape, sum(shape))
    verdict = _verdict(coms, shape, proof)
    assert verdict.ok, verdict.reason
    assert M.verify_committed(coms, shape, proof, **MINQ)
    # claimed evaluations are the ones of the plain proof on the same transcript prefix
    assert proof.matmul.sumcheck.round_evals.shape[1] == (4 if len(shape) == 4 else 3)
    assert proof.num_bytes() > 8 * proof.matmul.num_field_elements()


def test_caller_transcript_and_label():
    shape = (3, 5, 6)
    a, w, z = _instance(shape, 7)
    coms, pd = M.commit_statement(a, w, z, FAST, rng=7)
    proof = M.prove_committed(a, w, z, pd, transcript=Transcript("outer"), label="layer0")
    assert M.verify_committed(coms, shape, proof, transcript=Transcript("outer"), label="layer0",
                              **MINQ)
    assert not M.verify_committed(coms, shape, proof, transcript=Transcript("other"),
                                  label="layer0", **MINQ)
    assert not M.verify_committed(coms, shape, proof, transcript=Transcript("outer"),
                                  label="layer1", **MINQ)
    assert not M.verify_committed(coms, shape, proof, **MINQ)  # default transcript differs


def test_prover_data_allows_one_proof_and_checks_matrices():
    shape = (3, 5, 6)
    a, w, z = _instance(shape, 3)
    coms, pd = M.commit_statement(a, w, z, FAST, rng=3)
    with pytest.raises(ValueError, match="differs from the committed"):
        M.prove_committed(a, w, _bump_u64(z, (0, 0)), pd)
    M.prove_committed(a, w, z, pd)
    with pytest.raises(RuntimeError, match="max_openings"):  # mask reuse would break hiding
        M.prove_committed(a, w, z, pd)


# ----------------------------------------------------------------------------- verifier inputs
def test_verifier_sees_only_commitments():
    shape = (2, 3, 5, 6)
    (a, w, z), coms, proof = _committed(shape, 11)
    # the public object holds three (root, shape, params) commitments and nothing else
    assert [f.name for f in dataclasses.fields(coms)] == ["A", "W", "Z"]
    for com in (coms.A, coms.W, coms.Z):
        assert isinstance(com, pcs.Commitment)
        assert [f.name for f in dataclasses.fields(com)] == ["root", "shape", "params"]
        assert isinstance(com.root, bytes) and len(com.root) == 32
    # rebuilt from the 32-byte roots alone (no prover object can leak in): still verifies
    rebuilt = M.MatmulCommitments(*(pcs.Commitment(root=bytes(c.root), shape=tuple(c.shape),
                                                   params=c.params)
                                    for c in (coms.A, coms.W, coms.Z)))
    assert _verdict(rebuilt, shape, proof).ok
    # passing the prover data or the matrices in place of the commitments is refused
    bad = M.verify_committed_detailed((a, w, z), shape, proof, **MINQ)
    assert not bad.ok and "MatmulCommitments" in bad.reason
    # the proof itself carries no matrix-sized data: only O(log) field elements + openings
    assert proof.matmul.num_field_elements() == 2 * (3 + (1 + 3) * 4)


def test_shape_must_match_commitments():
    shape = (3, 5, 6)
    _, coms, proof = _committed(shape, 5)
    for wrong in [(3, 5, 9), (2, 3, 5, 6), (5, 5, 6)]:
        assert not _verdict(coms, wrong, proof).ok
    for garbage in [(3, 5), (0, 5, 6), "abc"]:
        assert not _verdict(coms, garbage, proof).ok


def test_secure_default_params_tiny_instance():
    shape = (2, 3, 2)
    a, w, z = _instance(shape, 1)
    coms, pd = M.commit_statement(a, w, z, rng=1)  # default PCSParams: t = 245
    assert coms.A.params.queries == pcs.DEFAULT_QUERIES == 245
    proof = M.prove_committed(a, w, z, pd)
    verdict = M.verify_committed_detailed(coms, shape, proof)  # default policy: t >= 245
    assert verdict.ok, verdict.reason
    tampered = dataclasses.replace(proof, open_W=dataclasses.replace(
        proof.open_W, columns=_bump_u64(proof.open_W.columns, (0, 0))))
    assert not M.verify_committed(coms, shape, tampered)


def test_weak_commitment_params_rejected_by_default_policy():
    shape = (3, 5, 6)
    _, coms, proof = _committed(shape, 2)
    verdict = M.verify_committed_detailed(coms, shape, proof)  # min_queries = 245
    assert not verdict.ok and "queries" in verdict.reason


def test_soundness_figure():
    # sumcheck + Schwartz-Zippel (<= 2^-121) + 3 * eps_pcs(t = 245) (each <= 2^-101.68)
    for shape in [(64, 1024, 1024), (128, 64, 1024, 1024), (1, 1, 1)]:
        bits = -math.log2(M.committed_soundness_error(shape))
        assert bits >= 100.0, bits
        assert 98.8 < -math.log2(M.committed_soundness_error(shape, queries=242)) < 98.9
    assert -math.log2(M.committed_soundness_error((3, 5, 6), queries=12)) < 6  # FAST is insecure


# ----------------------------------------------------------------------------- soundness
@pytest.mark.parametrize("shape", [(3, 5, 6), (2, 3, 5, 6)])
def test_false_statement_honest_prover_is_rejected(shape):
    a, w, z = _instance(shape, 21)
    for seed in range(3):
        rnd = random.Random(seed)
        idx = _rand_index(z.shape, rnd)
        z_bad = _bump_u64(z, idx, rnd.randrange(1, P))
        coms, pd = M.commit_statement(a, w, z_bad, FAST, rng=seed)
        proof = M.prove_committed(None, None, None, pd)
        verdict = _verdict(coms, shape, proof)
        assert not verdict.ok, (seed, idx)
        assert "opening of Z" in verdict.reason, verdict.reason


def _tampered_proofs(proof, rnd):
    """(description, tampered proof) for every claimed evaluation, a random round-polynomial
    coefficient, and every field of every opening proof."""
    out = []
    mm = proof.matmul
    for name in ("z_eval", "a_eval", "w_eval"):
        for comp in (0, 1):
            out.append((name, dataclasses.replace(proof, matmul=dataclasses.replace(
                mm, **{name: _bump_u64(getattr(mm, name), comp)}))))
    re = mm.sumcheck.round_evals
    for _ in range(4):
        idx = _rand_index(re.shape, rnd)
        sc = dataclasses.replace(mm.sumcheck, round_evals=_bump_u64(re, idx))
        out.append((f"round_evals{idx}", dataclasses.replace(
            proof, matmul=dataclasses.replace(mm, sumcheck=sc))))
    for which in ("open_A", "open_W", "open_Z"):
        op = getattr(proof, which)
        for field in ("mask_eval", "u", "v", "columns"):
            arr = getattr(op, field)
            idx = _rand_index(arr.shape, rnd)
            out.append((f"{which}.{field}{idx}", dataclasses.replace(
                proof, **{which: dataclasses.replace(op, **{field: _bump_u64(arr, idx)})})))
        for field in ("salts", "paths"):
            arr = getattr(op, field)
            if arr.size == 0:
                continue
            idx = _rand_index(arr.shape, rnd)
            out.append((f"{which}.{field}{idx}", dataclasses.replace(
                proof, **{which: dataclasses.replace(op, **{field: _flip_u8(arr, idx)})})))
        out.append((f"{which}.mask_index", dataclasses.replace(
            proof, **{which: dataclasses.replace(op, mask_index=op.mask_index + 1)})))
        out.append((f"{which}.truncated_columns", dataclasses.replace(
            proof, **{which: dataclasses.replace(op, columns=op.columns[:-1])})))
    out.append(("swap open_A/open_W", dataclasses.replace(proof, open_A=proof.open_W,
                                                          open_W=proof.open_A)))
    out.append(("swap open_Z/open_A", dataclasses.replace(proof, open_Z=proof.open_A,
                                                          open_A=proof.open_Z)))
    return out


@pytest.mark.parametrize("shape", TAMPER_CASES)
def test_tampering_any_proof_component_is_rejected(shape):
    _, coms, proof = _committed(shape, 31)
    assert _verdict(coms, shape, proof).ok
    rnd = random.Random(sum(shape))
    for desc, bad in _tampered_proofs(proof, rnd):
        verdict = _verdict(coms, shape, bad)
        assert not verdict.ok, desc


@pytest.mark.parametrize("shape", TAMPER_CASES)
def test_swapped_or_altered_roots_are_rejected(shape):
    _, coms, proof = _committed(shape, 41)
    swaps = {
        "A<->W": M.MatmulCommitments(A=coms.W, W=coms.A, Z=coms.Z),
        "A<->Z": M.MatmulCommitments(A=coms.Z, W=coms.W, Z=coms.A),
        "W<->Z": M.MatmulCommitments(A=coms.A, W=coms.Z, Z=coms.W),
    }
    for desc, swapped in swaps.items():
        assert not _verdict(swapped, shape, proof).ok, desc
    for name in "AWZ":
        com = getattr(coms, name)
        root = bytearray(com.root)
        root[random.Random(name).randrange(32)] ^= 1
        altered = dataclasses.replace(coms, **{name: dataclasses.replace(com, root=bytes(root))})
        assert not _verdict(altered, shape, proof).ok, name


def test_binding_proof_for_one_commitment_set_fails_against_another():
    shape = (2, 4, 4, 4)
    (a, w, z), coms1, proof1 = _committed(shape, 51)
    # same statement, fresh commitment randomness -> different roots
    coms2, pd2 = M.commit_statement(a, w, z, FAST, rng=52)
    assert coms2.roots != coms1.roots
    proof2 = M.prove_committed(None, None, None, pd2)
    assert _verdict(coms2, shape, proof2).ok
    assert not _verdict(coms2, shape, proof1).ok
    assert not _verdict(coms1, shape, proof2).ok
    # a different (true) statement of the same shape
    (_, _, _), coms3, proof3 = _committed(shape, 53)
    assert _verdict(coms3, shape, proof3).ok
    assert not _verdict(coms3, shape, proof1).ok
    assert not _verdict(coms1, shape, proof3).ok
    # mixing one commitment of another set is rejected too
    for name in "AWZ":
        mixed = dataclasses.replace(coms1, **{name: getattr(coms3, name)})
        assert not _verdict(mixed, shape, proof1).ok, name
