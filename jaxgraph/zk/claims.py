r"""Evaluation claims on *views* of ONE committed vector, batched into one sumcheck + one opening.

Used by the committed mode of :mod:`jaxgraph.zk.training` (zkDL). The sub-proofs (zkReLU,
FAC4DNN, the output-layer and range proofs) end in claims ``D~(z) = v`` about tables D that the
verifier does not hold. In the committed mode every such table is a public *affine view* of one
committed base vector c (the prover's free witness values, each stored once)::

    D[i] = sum_t coef_t * c[idx_t[i] - 1]  (+ const[i]),      idx_t[i] = 0 means "no entry",

e.g. a zero-padded or transposed or stacked copy of a tensor (the matmul instance tables), a
tensor shared by two sub-proofs (zkReLU's Z is FAC4DNN's Z), public data embedded in a witness
table (the first layer's input is the public batch: a ``const`` entry), or a weighted sum of bit
planes (FAC4DNN's ``Rec_U = sum_j 2^j Bits_j``). The index maps are public (computed from the
public shapes), so zero padding, cross-statement consistency and data binding hold by
construction instead of by direct checks.

Batching (one transcript, after every sub-proof):

1. ``alpha_1..alpha_K`` from the transcript (all claims' values are already absorbed).
2. Both sides compute ``S = sum_k alpha_k (v_k - const_k~(z_k))`` and the public weight table
   ``Wt[j] = sum_k alpha_k sum_t coef_t sum_{i: idx_t[i] = j + 1} eq(z_k, i)``, so that
   ``S = sum_j Wt[j] c[j]`` iff (w.h.p. over alpha) every claim holds.
3. Sumcheck of ``S = sum_x Wt(x) c(x)`` (degree 2, n = log2 |c| rounds) to a point r.
4. The prover opens the PCS commitment of c at r (:func:`jaxgraph.zk.pcs.open`); the verifier
   computes ``Wt~(r)`` itself and checks ``C_final = Wt~(r) * c~(r)`` and the opening.

Soundness error: ``K / p^2`` (alpha) + ``2 n / p^2`` (sumcheck) + the PCS's. The verifier's work is
linear in the total size of the viewed tables (it builds Wt), like an oracle verifier's, but it
never sees a witness value. Not zero-knowledge: c~(r) and the sumcheck messages are revealed.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np

from jaxgraph.zk import field as F
from jaxgraph.zk import mle
from jaxgraph.zk import pcs as PCS
from jaxgraph.zk import sumcheck as SC
from jaxgraph.zk._x64 import x64
from jaxgraph.zk.transcript import Transcript

__all__ = ["Claim", "ClaimSink", "View", "ClaimsProof", "weight_table", "prove_claims",
           "verify_claims"]


@dataclasses.dataclass(frozen=True)
class Claim:
    """``name~(point) = value``: point uint64 [n, 2], value uint64 [2] (extension field)."""
    name: str
    point: np.ndarray
    value: np.ndarray


class ClaimSink:
    """Collects the evaluation claims a sub-verifier would otherwise check against its tables."""

    def __init__(self):
        self.items: list[Claim] = []

    def add(self, name: str, point, value) -> None:
        point = np.asarray(point, np.uint64)
        if point.ndim == 1:
            point = np.stack([point, np.zeros_like(point)], axis=-1)
        self.items.append(Claim(name, point, np.asarray(value, np.uint64).reshape(2)))

    def __len__(self):
        return len(self.items)


@dataclasses.dataclass(frozen=True)
class View:
    """An affine view of the committed vector, over a table of ``size`` (a power of two) entries.

    Attributes:
      terms: list of ``(coef, idx)``: int coefficient, uint64 [size] positions + 1 (0 = none).
      const: uint64 [size] public field values added to the view, or None.
    """
    terms: tuple
    const: Optional[np.ndarray] = None

    @property
    def size(self) -> int:
        return int(self.terms[0][1].size if self.terms else self.const.size)

    @classmethod
    def of(cls, idx, const=None, coef: int = 1) -> "View":
        idx = np.asarray(idx, np.uint64).reshape(-1)
        if const is not None:
            const = np.asarray(const, np.uint64).reshape(-1)
            if const.shape != idx.shape:
                raise ValueError(f"View: const has {const.size} entries, idx {idx.size}")
            if not const.any():
                const = None
        return cls(((int(coef), idx),), const)


def _scalar_ext(v: int | tuple) -> np.ndarray:
    if isinstance(v, tuple):
        return np.array([v[0] % F.P, v[1] % F.P], np.uint64)
    return np.array([int(v) % F.P, 0], np.uint64)


@jax.jit
def _weights(eqs, eq_sel, scalars, scalar_sel, pos, zeros):
    """Wt = scatter-add over pairs of eqs[eq_sel] * scalars[scalar_sel] into positions pos.

    Field addition by 32-bit limbs: per position the low and high halves of both components are
    summed in uint64 (exact while a position receives < 2^32 pairs), then recombined mod p."""
    vals = F._ext_mul(eqs[eq_sel], scalars[scalar_sel])
    lo = vals & jnp.uint64(0xFFFFFFFF)
    hi = vals >> jnp.uint64(32)
    sums = zeros.at[pos].add(jnp.concatenate([lo, hi], axis=-1))
    p = jnp.uint64(F.P)

    def red(x):  # any uint64 -> [0, p): p > 2^63, so one conditional subtraction suffices
        return jnp.where(x >= p, x - p, x)

    two32 = jnp.uint64((1 << 32) % F.P)
    lo_s, hi_s = red(sums[..., :2]), red(sums[..., 2:])
    return F._add(F._mul(hi_s, jnp.broadcast_to(two32, hi_s.shape)), lo_s)


def weight_table(claims, views: dict, alphas, size: int) -> np.ndarray:
    """Wt (extension uint64 [size, 2]) with ``sum_j Wt[j] c[j] = sum_k alpha_k (view_k(c))~(z_k)
    - const part``. ``size`` = |c| (a power of two). Claims on unknown views raise KeyError.

    One gather / multiply / scatter over all (claim, view entry) pairs: the distinct eq tables
    (one per distinct point) are concatenated, every pair reads its eq entry and its scalar
    alpha_k * coef_t."""
    eq_tables, eq_off = [], {}
    scalars, eq_sel, scalar_sel, pos = [], [], [], []
    total = 0
    with x64():
        for cl, a in zip(claims, alphas):
            view = views[cl.name]
            if view.size != 1 << cl.point.shape[0]:
                raise ValueError(f"claim {cl.name}: point has {cl.point.shape[0]} variables, the "
                                 f"view {view.size} entries")
            key = (cl.point.tobytes(), view.size)
            if key not in eq_off:
                eq_off[key] = total
                eq_tables.append(mle.eq_table(cl.point))
                total += view.size
            for coef, idx in view.terms:
                sel = np.flatnonzero(idx)
                if sel.size == 0:
                    continue
                s = F.int_ext_mul(F.int_ext(a), (int(coef) % F.P, 0))
                scalar_sel.append(np.full(sel.size, len(scalars), np.int32))
                scalars.append(s)
                eq_sel.append(sel + eq_off[key])
                pos.append(idx[sel].astype(np.int64) - 1)
        if not pos:
            return np.zeros((size, 2), np.uint64)
        pos = np.concatenate(pos)
        if pos.min() < 0 or pos.max() >= size:
            raise ValueError(f"view positions outside the committed vector of {size} entries")
        # at most 2^32 pairs per position keep the 32-bit limb sums inside uint64
        return np.asarray(_weights(jnp.concatenate(eq_tables), jnp.asarray(np.concatenate(eq_sel)),
                                   jnp.asarray(np.array(scalars, np.uint64)),
                                   jnp.asarray(np.concatenate(scalar_sel)), jnp.asarray(pos),
                                   jnp.zeros((size, 4), jnp.uint64)))


def _const_sum(claims, views, alphas) -> tuple:
    """sum_k alpha_k (v_k - const_k~(z_k)) as a host extension pair."""
    acc = (0, 0)
    with x64():
        for cl, a in zip(claims, alphas):
            v = F.int_ext(cl.value)
            const = views[cl.name].const
            if const is not None:
                v = F.int_ext_sub(v, F.int_ext(np.asarray(mle.evaluate(const, cl.point))))
            acc = F.int_ext_add(acc, F.int_ext_mul(F.int_ext(a), v))
    return acc


@dataclasses.dataclass(frozen=True)
class ClaimsProof:
    """sumcheck: of ``S = sum Wt c`` [n, 3, 2]; c_eval: c~(r) [2]; opening: :class:`pcs.OpeningProof`."""
    sumcheck: SC.SumcheckProof
    c_eval: np.ndarray
    opening: PCS.OpeningProof

    def num_field_elements(self) -> int:
        return int(np.asarray(self.sumcheck.round_evals).size + np.asarray(self.c_eval).size)

    def num_bytes(self) -> int:
        """Sumcheck + c~(r) + the opening proof (Merkle paths and columns included)."""
        return 8 * self.num_field_elements() + self.opening.num_bytes()


def prove_claims(claims, views: dict, c: np.ndarray, prover_data: PCS.ProverData,
                 transcript: Transcript, *, label: str = "claims") -> ClaimsProof:
    """Prove every claim against the committed vector ``c`` (base uint64 [2^n])."""
    claims = list(claims)
    alphas = transcript.challenges(label + "/alpha", max(len(claims), 1))
    wt = weight_table(claims, views, alphas, c.size)
    with x64():
        sc, point, finals, _ = SC.prove([jnp.asarray(wt), F.ext_embed(jnp.asarray(c))], transcript,
                                        label=label + "/sumcheck")
    c_eval = np.asarray(finals[1], np.uint64)
    transcript.append(label + "/c_eval", c_eval)
    value, opening = PCS.open(prover_data, point, transcript, label=label + "/open")
    if not (np.asarray(value) == c_eval).all():  # the PCS evaluates the same table
        raise AssertionError("claims: opened value differs from the sumcheck's final c~(r)")
    return ClaimsProof(sumcheck=sc, c_eval=c_eval, opening=opening)


def verify_claims(claims, views: dict, commitment: PCS.Commitment, proof: ClaimsProof,
                  transcript: Transcript, *, label: str = "claims") -> tuple:
    """``(ok, reason)``: every claim holds for the vector committed in ``commitment``."""
    claims = list(claims)
    if not isinstance(proof, ClaimsProof) or not isinstance(proof.sumcheck, SC.SumcheckProof):
        return False, "malformed claims proof"
    c_eval = np.asarray(proof.c_eval)
    if c_eval.dtype != np.uint64 or c_eval.shape != (2,) or not F.is_canonical(c_eval):
        return False, "malformed claims proof: c_eval must be a canonical uint64 [2]"
    n = commitment.num_vars
    alphas = transcript.challenges(label + "/alpha", max(len(claims), 1))
    claim = np.array(_const_sum(claims, views, alphas), np.uint64)
    res = SC.verify(claim, proof.sumcheck, transcript, num_vars=n, degree=2,
                    label=label + "/sumcheck")
    if not res.ok:
        return False, "claims sumcheck: " + res.reason
    wt = weight_table(claims, views, alphas, 1 << n)
    with x64():
        wt_r = F.int_ext(np.asarray(mle.evaluate(wt, res.point)))
    if F.int_ext_mul(wt_r, F.int_ext(c_eval)) != F.int_ext(res.expected):
        return False, ("claims sumcheck: final value != Wt~(r) c~(r): some evaluation claim of a "
                       "sub-proof does not match the committed witness")
    transcript.append(label + "/c_eval", c_eval)
    if not PCS.verify(commitment, res.point, c_eval, proof.opening, transcript,
                      label=label + "/open"):
        return False, "PCS opening of the committed witness at the sumcheck point failed"
    return True, ""
