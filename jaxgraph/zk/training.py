r"""End-to-end zkDL proof of T fixed-point SGD steps: zkReLU + FAC4DNN + the missing range checks.

Paper: Sun et al., "zkDL: Efficient Zero-Knowledge Proofs of Deep Learning Training" (zkReLU
for the non-arithmetic ReLU and its backward pass, FAC4DNN for aggregating all layers and steps
into one proof; the paper reports "less than a second per batch update for an 8-layer network
with 10M parameters and batch size 64"). This module is the glue: it trains with
:func:`jaxgraph.zk.fixed_point.train_fixed_point`, builds the zkReLU
(:mod:`jaxgraph.zk.zkrelu`) and FAC4DNN (:mod:`jaxgraph.zk.fac4dnn`) statements from the trace,
adds the relations neither covers, and proves everything on ONE Fiat-Shamir transcript.

Modes
-----
COMMITTED (``ModelConfig.commit=True``): the verifier holds only the public input and a PCS
commitment (:func:`jaxgraph.zk.pcs.commit`, Merkle root of an RS-encoded table) of ONE vector c
of the prover's free witness values, each stored once (:func:`_committed_layout`): FAC4DNN's
tensors (without the public first-layer input and W_0), zkReLU's Zq, R, S, G'_A, RG and bit
planes, the output proof's Zq_L, R_L, D_rem and planes, the U planes. The root and the PCS
parameters are absorbed before any challenge. Every table a sub-proof ends with a claim about
is a public affine *view* of c (position maps computed from the public shapes): zkReLU's Z, G_Z,
A, G_A_full and the output proof's Z_L, G_Z_L are views of FAC4DNN's tensors, the stacked
(transposed, zero-padded) matmul instance tables are views, W_shift is the index-shifted view of
W / W_next, Rec_U and Rec_G are weighted sums of Bits views, and the public batch, W_0 and the
one-hot targets enter as the views' constants. So the oracle mode's direct checks -- zero
padding, zkReLU <-> FAC4DNN consistency, data and W_0 binding, the W_T chain -- hold by
construction. The sub-verifiers run without tables and hand their final evaluation claims to a
:class:`jaxgraph.zk.claims.ClaimSink`; :mod:`jaxgraph.zk.claims` batches all of them (random
alpha_k) into ONE sumcheck ``sum_j Wt[j] c[j]`` and ONE opening of c. The verifier's work stays
linear in the witness size (it builds the public weight table Wt, like an oracle verifier's MLE
evaluations) but it never sees a witness value. The trained weights W_T stay inside the
commitment (no digest is published). Not zero-knowledge: the sumchecks are not masked.

ORACLE (``commit=False``): the verifier holds the witness tables (``public["oracle"]``: the
zkReLU statement, the FAC4DNN statement and the tables of the two extra sub-proofs below) and
checks every final evaluation claim by evaluating those tables' MLEs itself; SHA-256 digests of
every table are absorbed instead of a commitment, and ``public["final_weights_digest"]`` binds
W_T. Kept as the reference the committed mode is tested against.

Public / committed choice
-------------------------
* Public: the :class:`ModelConfig` (widths, batch size B, f, e = lr_shift, k = loss_shift,
  Q = bits, rounding), T, the seed (it fixes the initial weights ``W_0 =
  init_weights(widths, f, seed)`` and the batches ``batch_indices(N, T, B, seed)``, both
  recomputed by the verifier), the training data (X, y) -- public here (the verifier checks that
  the first layer's input of step t is the encoded batch t and builds the one-hot targets Y
  itself), and a digest of the final weights W_T (the training result). Optionally W_0 itself
  (``init_weights=``, ``public["W0"]``) instead of the seeded init -- e.g. to prove one batch
  update at a time, step t starting from the W_t that step t - 1 output.
* Committed (oracle mode: handed to the verifier): every intermediate tensor and auxiliary bit.

Sub-proofs (in transcript order, one ``Transcript("jaxgraph.zk.training")``)
---------------------------------------------------------------------------
1. zkReLU (label ``training/relu``): every hidden layer of every step (rescale of Z, sign bit,
   ReLU, rescale of G_A, ReLU backward; Q-bit two's-complement ranges on Z' and G'_A).
2. FAC4DNN (labels ``fac4dnn/...``): every matmul (forward, weight gradient, input gradient)
   of every layer and step in one stacked proof, the weight-gradient rescale, the learning-rate
   shift, the update W_next = W - U, the chain W_next(t) = W(t+1), remainder ranges.
3. Output layer and loss (label ``training/out``), over ``[Tp, Bp, Cp]`` (Cp = pow2(d_L)):
   with h_r = 2^(r-1) ("nearest", r >= 1) or 0, Y = 2^f one-hot targets (public), V the
   public validity mask, Z_L and G_Z_L the last layer's tables of the FAC4DNN statement::

       (o1) Z_L + h_f V - 2^f Zq_L - R_L          = 0   (logits rescale)
       (o2) Zq_L - Y + h_k V - 2^k G_Z_L - D_rem  = 0   (D = A_L - Y; loss-gradient shift)
       (o3) Zq_L  - sum_i c_i zq_i  = 0   (Q-bit two's complement)
       (o4) R_L   - sum_i 2^i r_i   = 0   (f bits)
       (o5) G_Z_L - sum_i c_i g_i   = 0   (Q-bit two's complement)
       (o6) D_rem - sum_i 2^i d_i   = 0   (k bits)

   one RLC sumcheck (degree 2) + one binary sumcheck on the planes. zkReLU covers only hidden
   layers, FAC4DNN only matmuls and updates; without (o1)-(o6) the logits and the loss
   gradient G_Z_L -- the start of backpropagation -- would be unconstrained.
4. Range check of U (label ``training/urange``), the KNOWN GAP of FAC4DNN: over its weight domain
   ``[Tp, Lp, R, C]``, ``U - sum_i c_i u_i = 0`` with Q two's-complement bit planes (binary
   sumcheck). Built like fac4dnn's remainder bits: the top plane is ``-(v >> (Q-1))``, so the
   recomposition is exact for ANY value and the binary check is what rejects an out-of-range U.

Soundness of the range checks (why U suffices, no range check of W or G_W)
------------------------------------------------------------------------
All below are field identities proven by the sub-proofs, lifted to integers. A_in of layer 1 is
public data; A_in of layer l >= 2 is a ReLU output (1 - S) Z' with Z' in Q bits (zkReLU); G_Z is
(1 - S) G'_A with G'_A in Q bits (zkReLU) or G_Z_L in Q bits (o5). W_0 is public and
``W(t+1) = W(t) - U(t)`` with U in Q bits (4), so every W(t) is an integer with
``|W| < |W_0| + T 2^(Q-1)``. Hence every matmul output (Z, G_W_full, G_A_in_full) is the true
integer product as long as ``d * max|A| * max|W| < p/2`` (true for every honest trace, which
fixed_point bounds by 2^62, and forced for cheating ones by the ranges just listed when the
widths are moderate). Then: ``G_W + h_e = 2^e U + U_rem`` with U in Q bits and U_rem in e bits
makes G_W a small integer (|G_W| < 2^(Q-1+e) + 2^e); ``G_W_full + h_f = 2^f G_W + G_W_rem`` is
then an identity between integers of magnitude < 2^(Q+e+f) <= 2^62 < p/2, hence an integer
identity, so G_W and G_W_rem are THE rescale of G_W_full and U and U_rem THE rescale of G_W.
Without (4) the field admits ``U' = U - j 2^(-e) mod p`` (huge) with ``U_rem' = U_rem + j``
still in range (the test ``test_huge_field_U_rejected`` builds exactly this, and FAC4DNN alone
accepts it). Requirement (checked by :class:`ModelConfig`): ``Q + f + e <= 62`` and
``Q + f <= 62``, ``Q + k <= 62``. The same argument with (o3)-(o6) makes the logits and the
loss gradient exact.

Soundness error: the union of the sub-proofs' (each ``O((n + rounds) / p^2)``, p^2 ~ 2^128)
plus, in the oracle mode, nothing else (the oracle checks are exact); in the committed mode plus
the claim batching's ``(K + 2 log2 |c|) / p^2`` and the PCS opening's (about 2^-100 with the
default 245 queries, :func:`jaxgraph.zk.pcs.soundness_bits`).

API
---
* :class:`ModelConfig` -- public hyper-parameters (validated; ValueError names field and value).
* :func:`prove_training` ``(model_config, data, steps, key) -> (proof, public)``;
  ``trace=`` proves a given (e.g. tampered) witness, ``init_weights=`` a public W_0.
* :func:`verify_training` ``(proof, public) -> bool``; :func:`verify_training_detailed` ->
  :class:`TrainingVerdict` (unpacks as ``(ok, reason)``).
* :class:`TrainingProof` (``num_bytes``, ``parts_bytes``), :class:`LinProof`,
  :func:`build_trace`, :func:`seed_from_key`.

Measured (``experiments/benchmarks/zkdl_training.py``, 2-core CPU): 8 layers [64, 64 x 7, 10],
B = 64, one proof per SGD step, committed mode: prove 4.9 s, commit 3.1 s, verify 1.3 s, proof
4.2 MB (of it 4.18 MB the PCS opening), 4.06M committed words; oracle mode: prove 3.2 s, verify
0.34 s, proof 12.0 KB.
"""
from __future__ import annotations

import dataclasses
import hashlib
import time
from typing import Optional

import jax.numpy as jnp
import numpy as np

from jaxgraph.zk import claims as CL
from jaxgraph.zk import fac4dnn as FD
from jaxgraph.zk import field as F
from jaxgraph.zk import fixed_point as fp
from jaxgraph.zk import matmul as M
from jaxgraph.zk import mle
from jaxgraph.zk import pcs as PCS
from jaxgraph.zk import sumcheck as SC
from jaxgraph.zk import zkrelu as ZR
from jaxgraph.zk._x64 import x64
from jaxgraph.zk.fixed_point import rounding_offset as _offset
from jaxgraph.zk.mle import log2_floor as _log2
from jaxgraph.zk.mle import pow2_ceil as _pow2
from jaxgraph.zk.transcript import Transcript, digest_elements
from jaxgraph.zk.verdict import Verdict

__all__ = ["ModelConfig", "LinProof", "TrainingProof", "TrainingVerdict", "prove_training",
           "verify_training", "verify_training_detailed", "build_trace", "seed_from_key",
           "OUT_TABLES", "measure_proof"]

_PROTOCOL = "jaxgraph.zk.training"
_LABEL = "training"
OUT_TABLES = ("Zq_L", "R_L", "D_rem")
"""Prover-supplied tables of the output-layer proof (Z_L, G_Z_L come from FAC4DNN, Y is public)."""


# ================================================================================ config
@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Public hyper-parameters of the proven training run.

    Attributes:
      widths: [d_0, ..., d_L], L >= 2 (at least one hidden ReLU layer).
      batch_size: B.  frac_bits: f.  lr_shift: e (eta = 2^-e).
      loss_shift: k (c = 2^-k); None -> :func:`fixed_point.default_loss_shift` (B).
      bits: Q, two's complement width (incl. sign) of Z', G'_A (zkReLU), Zq_L, G_Z_L and U.
      rounding: "nearest" or "floor".
      commit: COMMITTED mode (the verifier holds only a PCS commitment of the witness);
        False: ORACLE mode (the verifier holds the witness tables).
    """
    widths: tuple
    batch_size: int
    frac_bits: int = 16
    lr_shift: int = 4
    loss_shift: Optional[int] = None
    bits: int = 24
    rounding: str = "nearest"
    commit: bool = False

    def __post_init__(self):
        w = tuple(int(x) for x in self.widths)
        object.__setattr__(self, "widths", w)
        if len(w) < 3 or min(w) < 1:
            raise ValueError(f"widths must have >= 3 positive entries (>= 1 hidden layer), "
                             f"got {list(w)}")
        if int(self.batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        for name in ("frac_bits", "lr_shift"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or not 0 <= int(v) <= 30:
                raise ValueError(f"{name} must be an int in [0, 30], got {v!r}")
        if self.loss_shift is None:
            object.__setattr__(self, "loss_shift", fp.default_loss_shift(int(self.batch_size)))
        if not 0 <= int(self.loss_shift) <= 30:
            raise ValueError(f"loss_shift must be in [0, 30], got {self.loss_shift}")
        if self.rounding not in ("floor", "nearest"):
            raise ValueError(f"rounding must be 'floor' or 'nearest', got {self.rounding!r}")
        q, f, e, k = int(self.bits), int(self.frac_bits), int(self.lr_shift), int(self.loss_shift)
        if q < 2:
            raise ValueError(f"bits must be >= 2, got {self.bits}")
        if q + f + e > 62 or q + k > 62:
            raise ValueError(f"bits + frac_bits + lr_shift and bits + loss_shift must be <= 62 "
                             f"(range-check soundness), got bits={q}, frac_bits={f}, "
                             f"lr_shift={e}, loss_shift={k}")

    @classmethod
    def from_any(cls, cfg) -> "ModelConfig":
        """A ModelConfig, a dict or an ml_collections ConfigDict (keys = field names;
        ``batch`` is accepted for ``batch_size``)."""
        if isinstance(cfg, cls):
            return cfg
        if hasattr(cfg, "to_dict"):
            cfg = cfg.to_dict()
        if not isinstance(cfg, dict):
            raise ValueError(f"model_config must be a ModelConfig or dict, got {type(cfg)}")
        d = dict(cfg)
        if "batch" in d and "batch_size" not in d:
            d["batch_size"] = d.pop("batch")
        names = {f.name for f in dataclasses.fields(cls)}
        extra = set(d) - names
        if extra:
            raise ValueError(f"model_config: unknown keys {sorted(extra)}")
        return cls(**d)

    def params_vector(self, steps: int, seed: int, n_data: int) -> np.ndarray:
        return np.array([steps, seed, n_data, self.batch_size, self.frac_bits, self.lr_shift,
                         self.loss_shift, self.bits, int(self.rounding == "nearest"),
                         len(self.widths)] + list(self.widths), np.uint64)


def seed_from_key(key) -> int:
    """An int seed (< 2^32) from an int or a JAX PRNG key (raw uint32 [2] or typed key)."""
    if isinstance(key, (int, np.integer)):
        if int(key) < 0:
            raise ValueError(f"key must be a non-negative int or a PRNG key, got {key}")
        return int(key) % (1 << 32)
    try:
        import jax
        arr = np.asarray(jax.random.key_data(key)) if jnp.issubdtype(
            getattr(key, "dtype", np.uint32), jax.dtypes.prng_key) else np.asarray(key)
    except (TypeError, AttributeError):
        arr = np.asarray(key)
    if arr.dtype.kind not in "ui" or arr.size == 0:
        raise ValueError(f"key must be an int or a JAX PRNG key, got {key!r}")
    return int(arr.reshape(-1)[-1]) % (1 << 32)


def _check_data(cfg: ModelConfig, data):
    try:
        X, y = data
    except (TypeError, ValueError):
        raise ValueError("data must be a pair (X, y)") from None
    X = np.asarray(X, np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != cfg.widths[0]:
        raise ValueError(f"data X must be [N, {cfg.widths[0]}], got shape {X.shape}")
    if y.shape != (X.shape[0],) or y.dtype.kind not in "ui":
        raise ValueError(f"data y must be int labels [{X.shape[0]}], got {y.dtype} {y.shape}")
    if y.size and (int(y.min()) < 0 or int(y.max()) >= cfg.widths[-1]):
        raise ValueError(f"data y: labels must be in [0, {cfg.widths[-1]}), got "
                         f"[{int(y.min())}, {int(y.max())}]")
    if X.shape[0] < cfg.batch_size:
        raise ValueError(f"data: N = {X.shape[0]} < batch_size = {cfg.batch_size}")
    return X, y


def build_trace(model_config, data, steps: int, key, init_weights=None):
    """Train (the honest prover's witness): ``(final_weights, trace)`` of
    :func:`fixed_point.train_fixed_point` with the config's hyper-parameters and ``seed_from_key``
    (``init_weights``: optional int64 W_0, default ``init_weights(widths, f, seed)``)."""
    cfg = ModelConfig.from_any(model_config)
    X, y = _check_data(cfg, data)
    if int(steps) < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    return fp.train_fixed_point(list(cfg.widths), X, y, int(steps), cfg.batch_size,
                                frac_bits=cfg.frac_bits, lr_shift=cfg.lr_shift,
                                loss_shift=cfg.loss_shift, seed=seed_from_key(key),
                                rounding=cfg.rounding, weights=init_weights)


def _initial_weights(cfg: ModelConfig, seed: int, W0) -> list:
    """The public W_0: the given int64 weights (checked against the widths) or the seeded init."""
    if W0 is None:
        return fp.init_weights(list(cfg.widths), cfg.frac_bits, seed)
    W0 = [np.asarray(w) for w in W0]
    want = list(zip(cfg.widths[:-1], cfg.widths[1:]))
    if [w.shape for w in W0] != want or any(w.dtype.kind != "i" for w in W0):
        raise ValueError(f"init_weights must be int arrays of shapes {want}, got "
                         f"{[(w.dtype.name, w.shape) for w in W0]}")
    return [w.astype(np.int64) for w in W0]


# ============================================================ generic linear + bits proof
def _decompose_any(v: np.ndarray, width: int, signed: bool) -> np.ndarray:
    """int64 [...] -> int64 [width, ...]: LSB-first bits with the top slot ``v >> (w-1)``
    (unsigned) or ``-(v >> (w-1))`` (signed), so the recomposition is exact for ANY v and every
    slot is binary iff v is in range (unsigned [0, 2^w), signed [-2^(w-1), 2^(w-1)))."""
    v = np.asarray(v, np.int64)
    out = np.zeros((width,) + v.shape, np.int64)
    for i in range(width - 1):
        out[i] = (v >> np.int64(i)) & 1
    if width:
        top = v >> np.int64(width - 1)
        out[width - 1] = -top if signed else top
    return out


def _weight(i: int, width: int, signed: bool) -> int:
    return -(1 << i) if (signed and i == width - 1) else (1 << i)


@dataclasses.dataclass(frozen=True)
class LinProof:
    """Proof of linear relations over committed/oracle columns plus 0/1 bit planes.

    Attributes:
      relations: sumcheck of ``0 = sum_x eq(r, x) sum_k rho_k rel_k(x)``, [n, 3, 2].
      evals: [K, 2], every column (tables, then real planes) at the final point.
      binary: sumcheck of ``0 = sum eq(r', .) b (b - 1)`` over the planes, [n + log Jp, 4, 2].
      b_eval: [2], the flattened plane table at the binary check's final point.
    """
    relations: SC.SumcheckProof
    evals: np.ndarray
    binary: SC.SumcheckProof
    b_eval: np.ndarray

    def num_field_elements(self) -> int:
        return int(np.asarray(self.relations.round_evals).size + np.asarray(self.evals).size
                   + np.asarray(self.binary.round_evals).size + np.asarray(self.b_eval).size)


@dataclasses.dataclass(frozen=True)
class _LinInstance:
    """tables: {name: uint64 [N]}; V: uint64 [N]; planes: uint64 [Jp, N] (first ``nplanes`` real);
    relations: list of {column: int coefficient}, columns = table names, "V", "p<j>".
    The committed-mode verifier's public instance has ``tables`` values and ``planes`` None."""
    tables: dict
    V: np.ndarray
    planes: Optional[np.ndarray]
    nplanes: int
    relations: list

    @property
    def jp(self) -> int:
        return _pow2(max(self.nplanes, 1))

    def public(self) -> "_LinInstance":
        return dataclasses.replace(self, tables={k: None for k in self.tables}, planes=None)

    @property
    def columns(self) -> list:
        return list(self.tables) + [f"p{j}" for j in range(self.nplanes)]

    def matrix(self) -> np.ndarray:
        return np.stack([self.tables[k] for k in self.tables] + list(self.planes[:self.nplanes]))

    def coefficients(self, rho) -> tuple:
        """Per column (and for V) the host ext coefficient sum_k rho_k c_{k, col}."""
        cols = self.columns
        pos = {c: i for i, c in enumerate(cols)}
        coef = [(0, 0)] * len(cols)
        cv = (0, 0)
        for k, rel in enumerate(self.relations):
            r = F.int_ext(rho[k])
            for col, c in rel.items():
                term = (r[0] * c % F.P, r[1] * c % F.P)
                if col == "V":
                    cv = F.int_ext_add(cv, term)
                else:
                    coef[pos[col]] = F.int_ext_add(coef[pos[col]], term)
        return coef, cv


def _lin_prove(inst: _LinInstance, tr: Transcript, label: str) -> LinProof:
    N = inst.V.shape[0]
    n = _log2(N)
    rho = tr.challenges(label + "/rho", len(inst.relations))
    r = tr.challenges(label + "/r", n)
    coef, cv = inst.coefficients(rho)
    cols = np.concatenate([inst.V[None], inst.matrix()])
    with x64():
        P = ZR._lincomb(jnp.asarray(np.array([cv] + coef, np.uint64)), jnp.asarray(cols))
        eq = mle.eq_table(r)
        rel_proof, point, _, _ = SC.prove([eq, P], tr, label=label + "/relations")
    evals = np.asarray(ZR._evaluate_columns(inst.matrix(), np.asarray(point)), np.uint64)
    tr.append(label + "/evals", evals)
    jp = inst.planes.shape[0]
    r2 = tr.challenges(label + "/r_bits", n + _log2(jp))
    bin_proof, b_eval = SC.prove_binary(inst.planes, r2, tr, label=label + "/binary",
                                        eval_label=label + "/b_eval")
    return LinProof(relations=rel_proof, evals=evals, binary=bin_proof, b_eval=b_eval)


def _ext_ok(x, shape) -> bool:
    x = np.asarray(x)
    return x.dtype == np.uint64 and x.shape == shape and F.is_canonical(x)


def _lin_verify(inst: _LinInstance, proof, tr: Transcript, label: str, claims=None) -> tuple:
    """``(ok, reason)``. With ``claims`` (committed mode) the final evaluations become claims
    ``label/<column>`` at the relation point and ``label/planes`` (flattened [Jp, N]) at the
    binary check's point instead of oracle checks."""
    N = inst.V.shape[0]
    n = _log2(N)
    jp = inst.jp
    K = len(inst.columns)
    if not isinstance(proof, LinProof) or not isinstance(proof.relations, SC.SumcheckProof) \
            or not isinstance(proof.binary, SC.SumcheckProof):
        return False, "malformed proof"
    if not _ext_ok(proof.evals, (K, 2)) or not _ext_ok(proof.b_eval, (2,)):
        return False, f"malformed proof: evals must be canonical uint64 [{K}, 2], b_eval [2]"
    rho = tr.challenges(label + "/rho", len(inst.relations))
    r = tr.challenges(label + "/r", n)
    zero = np.zeros(2, np.uint64)
    res = SC.verify(zero, proof.relations, tr, num_vars=n, degree=2, label=label + "/relations")
    if not res.ok:
        return False, "relation sumcheck: " + res.reason
    tr.append(label + "/evals", proof.evals)
    coef, cv = inst.coefficients(rho)
    with x64():
        v_eval = F.int_ext(np.asarray(mle.evaluate(inst.V, res.point)))
    acc = F.int_ext_mul(cv, v_eval)
    for c, e in zip(coef, proof.evals):
        acc = F.int_ext_add(acc, F.int_ext_mul(c, F.int_ext(e)))
    if F.int_ext_mul(mle.eq_eval_int(r, res.point), acc) != F.int_ext(res.expected):
        return False, "relation sumcheck: final value != eq(r, x*) sum_k rho_k rel_k(x*)"
    r2 = tr.challenges(label + "/r_bits", n + _log2(jp))
    ok, why, z2 = SC.verify_binary(proof.binary, proof.b_eval, r2, tr, label=label + "/binary",
                                   eval_label=label + "/b_eval")
    if not ok:
        return False, "binary check: " + why
    if claims is not None:
        for i, name in enumerate(inst.columns):
            claims.add(f"{label}/{name}", res.point, proof.evals[i])
        claims.add(label + "/planes", z2, proof.b_eval)
        return True, ""
    # oracle checks
    true = np.asarray(ZR._evaluate_columns(inst.matrix(), res.point), np.uint64)
    for i, name in enumerate(inst.columns):
        if not (true[i] == proof.evals[i]).all():
            return False, f"oracle check: claimed evaluation of {name} is wrong"
    with x64():
        b_true = np.asarray(mle.evaluate(inst.planes.reshape(-1), z2))
    if not (b_true == proof.b_eval).all():
        return False, "oracle check: b_eval != planes~(z)"
    return True, ""


# ==================================================================== extra statements
def _out_shape(cfg: ModelConfig, T: int):
    return _pow2(T), _pow2(cfg.batch_size), max(2, _pow2(cfg.widths[-1]))


def _targets(cfg: ModelConfig, y, batches) -> np.ndarray:
    """Public Y table (field) [Tp, Bp, Cp] of 2^f one-hot targets of every batch."""
    T = len(batches)
    shp = _out_shape(cfg, T)
    out = np.zeros(shp, np.int64)
    d = cfg.widths[-1]
    for t, idx in enumerate(batches):
        out[t, :cfg.batch_size, :d] = fp.encode_targets(np.asarray(y)[idx], d, cfg.frac_bits)
    return fp.to_field(out).reshape(-1)


def _out_mask(cfg: ModelConfig, T: int) -> np.ndarray:
    v = np.zeros(_out_shape(cfg, T), np.uint64)
    v[:T, :cfg.batch_size, :cfg.widths[-1]] = 1
    return v.reshape(-1)


def _from_fac(fac: FD.Statement, name: str, cfg: ModelConfig, T: int) -> np.ndarray:
    """Last layer's ``name`` (``Z`` or ``G_Z``) of the FAC4DNN statement, re-padded to the output
    domain (field)."""
    x = np.asarray(fac.tensors[name])[:, -1, :, :cfg.widths[-1]]  # [T, B, d_L]
    out = np.zeros(_out_shape(cfg, T), np.uint64)
    out[:T, :cfg.batch_size, :cfg.widths[-1]] = x
    return out.reshape(-1)


def _out_groups(cfg: ModelConfig):
    q, f, k = cfg.bits, cfg.frac_bits, cfg.loss_shift
    return (("Zq_L", q, True), ("R_L", f, False), ("G_Z_L", q, True), ("D_rem", k, False))


def _out_witness(cfg: ModelConfig, trace, fac: FD.Statement) -> dict:
    """Prover: the output-layer tables Zq_L, R_L, D_rem (field, [N]) and their bit planes."""
    T = len(trace)
    shp = _out_shape(cfg, T)
    d = cfg.widths[-1]
    ints = {k: np.zeros(shp, np.int64) for k in OUT_TABLES}
    for t, rec in enumerate(trace):
        last = rec.layers[-1]
        for name, x in (("Zq_L", last.Zq), ("R_L", last.Z_rem), ("D_rem", rec.D_rem)):
            ints[name][t, :cfg.batch_size, :d] = np.asarray(x, np.int64)
    gz = fp.from_field(_from_fac(fac, "G_Z", cfg, T)).reshape(shp)
    vals = dict(ints, G_Z_L=gz)
    planes = [_decompose_any(vals[name], w, s).reshape(w, -1) for name, w, s in _out_groups(cfg)]
    planes = np.concatenate(planes) if planes else np.zeros((0, int(np.prod(shp))), np.int64)
    jp = _pow2(max(planes.shape[0], 1))
    full = np.zeros((jp, planes.shape[1]), np.int64)
    full[:planes.shape[0]] = planes
    return {"tables": {k: fp.to_field(v).reshape(-1) for k, v in ints.items()},
            "planes": fp.to_field(full)}


def _out_instance(cfg: ModelConfig, T: int, fac: FD.Statement, Y: np.ndarray,
                  out: dict) -> _LinInstance:
    tables = {"Z_L": _from_fac(fac, "Z", cfg, T), "G_Z_L": _from_fac(fac, "G_Z", cfg, T), "Y": Y,
              "Zq_L": out["tables"]["Zq_L"], "R_L": out["tables"]["R_L"],
              "D_rem": out["tables"]["D_rem"]}
    return dataclasses.replace(_out_instance_public(cfg, T, Y), tables=tables,
                               planes=out["planes"])


def _out_instance_public(cfg: ModelConfig, T: int, Y: np.ndarray) -> _LinInstance:
    """The output-layer instance without prover tables (column order as :func:`_out_instance`)."""
    f, k = cfg.frac_bits, cfg.loss_shift
    hf, hk = _offset(cfg.rounding, f), _offset(cfg.rounding, k)
    tables = {n: None for n in ("Z_L", "G_Z_L", "Y", "Zq_L", "R_L", "D_rem")}
    rels = [{"Z_L": 1, "V": hf, "Zq_L": -(1 << f), "R_L": -1},
            {"Zq_L": 1, "Y": -1, "V": hk, "G_Z_L": -(1 << k), "D_rem": -1}]
    start = 0
    for name, w, s in _out_groups(cfg):
        rel = {name: 1}
        for i in range(w):
            rel[f"p{start + i}"] = -_weight(i, w, s)
        rels.append(rel)
        start += w
    return _LinInstance(tables=tables, V=_out_mask(cfg, T), planes=None, nplanes=start,
                        relations=rels)


def _u_table(fac: FD.Statement) -> np.ndarray:
    return FD._pad_w(np.asarray(fac.tensors["U"]), fac).reshape(-1)


def _u_witness(cfg: ModelConfig, fac: FD.Statement) -> np.ndarray:
    """Prover: Q two's-complement bit planes of U (padded to Jp = pow2(Q)), field [Jp, N]."""
    u = fp.from_field(_u_table(fac))
    planes = _decompose_any(u, cfg.bits, True)
    full = np.zeros((_pow2(cfg.bits), u.shape[0]), np.int64)
    full[:cfg.bits] = planes
    return fp.to_field(full)


def _u_relations(cfg: ModelConfig) -> list:
    q = cfg.bits
    rel = {"U": 1}
    for i in range(q):
        rel[f"p{i}"] = -_weight(i, q, True)
    return [rel]


def _u_instance(cfg: ModelConfig, fac: FD.Statement, planes: np.ndarray) -> _LinInstance:
    return _LinInstance(tables={"U": _u_table(fac)}, V=FD._valid_mask(fac).reshape(-1),
                        planes=planes, nplanes=cfg.bits, relations=_u_relations(cfg))


# ====================================================== committed mode: the vector c and its views
class _Alloc:
    """Hands out positions of the committed vector c: ``take(mask)`` -> uint64 array of the
    mask's shape holding position + 1 on True entries (C order) and 0 elsewhere."""

    def __init__(self):
        self.n = 0

    def take(self, mask: np.ndarray) -> np.ndarray:
        mask = np.asarray(mask, bool)
        out = np.zeros(mask.shape, np.uint64)
        cnt = int(mask.sum())
        out[mask] = np.arange(self.n + 1, self.n + 1 + cnt, dtype=np.uint64)
        self.n += cnt
        return out


def _fac_public(cfg: ModelConfig, T: int, tensors=None) -> FD.Statement:
    """The FAC4DNN statement's public parameters (shapes as :func:`fac4dnn.fac4dnn_statement`)."""
    w, f, e = cfg.widths, cfg.frac_bits, cfg.lr_shift
    return FD.Statement(widths=tuple(w), batch=cfg.batch_size, steps=T, frac_bits=f, lr_shift=e,
                        rounding=cfg.rounding, matmul_mode="single", R=_pow2(max(w[:-1])),
                        C=_pow2(max(w[1:])), NB=_pow2(max(e, f, 1)), tensors=tensors)


def _relu_public(cfg: ModelConfig, T: int) -> ZR.ReluStatement:
    L = len(cfg.widths) - 1
    return ZR.public_statement(frac_bits=cfg.frac_bits, bits=cfg.bits,
                               offset=_offset(cfg.rounding, cfg.frac_bits), batch=cfg.batch_size,
                               widths=tuple(cfg.widths[1:L]) * T)


def _fac_masks(st: FD.Statement) -> dict:
    """Real (unpadded) entries of every FAC4DNN tensor, as bool arrays of the tensor shapes."""
    T, L, B, R, C, NB = st.steps, st.L, st.batch, st.R, st.C, st.NB
    vw = np.zeros((T, L, R, C), bool)
    vin = np.zeros((T, L, B, R), bool)
    vout = np.zeros((T, L, B, C), bool)
    for l in range(L):
        vw[:, l, :st.widths[l], :st.widths[l + 1]] = True
        vin[:, l, :, :st.widths[l]] = True
        vout[:, l, :, :st.widths[l + 1]] = True
    m = {n: vw for n in FD.WEIGHT_NAMES}
    m.update({"A_in": vin, "G_A_in_full": vin, "G_Z": vout, "Z": vout})
    bits = np.zeros((2, T, L, R, C, NB), bool)
    bits[0, ..., :st.lr_shift] = vw[..., None]
    bits[1, ..., :st.frac_bits] = vw[..., None]
    m["Bits"] = bits
    return m


@dataclasses.dataclass(frozen=True)
class _Layout:
    """Public layout of the committed mode: ``free`` = [(group, name, idx)] the committed
    entries of every prover table (position + 1, 0 = not committed: padding, public data,
    a copy of another table), ``views`` = {claim name: :class:`claims.View`}, ``size`` = |c|
    (a power of two) and ``used`` = number of committed entries."""
    free: list
    views: dict
    size: int
    used: int


def _committed_layout(cfg: ModelConfig, T: int, seed: int, X, y, W0: list) -> _Layout:
    """Where every witness value lives in c, and every table a sub-proof makes claims about as
    an affine view of c. Shared tensors are committed ONCE (zkReLU's Z, G_Z, A, G_A_full and the
    output proof's Z_L, G_Z_L are views of FAC4DNN's), the first layer's input and W_0 are public
    constants of the views, padding is zero by construction."""
    L, B, f = len(cfg.widths) - 1, cfg.batch_size, cfg.frac_bits
    H = L - 1
    alloc = _Alloc()
    free = []
    # --- FAC4DNN: every real entry except the public A_in of layer 1, W of step 0 and the
    # (absent) G_A_in_full of layer 1
    pub = _fac_public(cfg, T)
    masks = _fac_masks(pub)
    masks["W"] = masks["W"].copy()
    masks["W"][0] = False
    for n in ("A_in", "G_A_in_full"):
        masks[n] = masks[n].copy()
        masks[n][:, 0] = False
    fidx = {n: alloc.take(masks[n]) for n in FD.TENSOR_NAMES}
    free += [("fac4dnn", n, fidx[n]) for n in FD.TENSOR_NAMES]
    fconst = {n: np.zeros_like(fidx[n]) for n in FD.TENSOR_NAMES}
    batches = fp.batch_indices(X.shape[0], T, B, seed)
    X_int = fp.encode_inputs(X, f)
    for t, idx in enumerate(batches):
        fconst["A_in"][t, 0, :, :cfg.widths[0]] = fp.to_field(X_int[idx])
    for l, w in enumerate(W0):
        fconst["W"][0, l, :w.shape[0], :w.shape[1]] = fp.to_field(w)
    fac_i, fac_c = _fac_public(cfg, T, fidx), _fac_public(cfg, T, fconst)
    views = {}
    (label, a_i, w_i, z_i), = FD.matmul_instances(fac_i)
    (_, a_c, w_c, z_c), = FD.matmul_instances(fac_c)
    (_, dims), = FD.matmul_dims(pub)
    ps = M.padded_shape(dims)
    for name, xi, xc, shp in (("A", a_i, a_c, (ps[0], ps[1], ps[2])),
                              ("W", w_i, w_c, (ps[0], ps[2], ps[3])),
                              ("Z", z_i, z_c, (ps[0], ps[1], ps[3]))):
        pad = [(0, s - d) for s, d in zip(shp, xi.shape)]
        views[f"{label}/{name}"] = CL.View.of(np.pad(xi, pad), np.pad(xc, pad))
    for n in FD.WEIGHT_NAMES:
        views[f"fac4dnn/{n}"] = CL.View.of(FD._pad_w(fidx[n], pub), FD._pad_w(fconst[n], pub))
    shift = lambda d: np.concatenate([d["W"][1:], d["W_next"][-1:]], axis=0)  # noqa: E731
    views["fac4dnn/W_shift"] = CL.View.of(FD._pad_w(shift(fidx), pub), FD._pad_w(shift(fconst), pub))
    for kind, (n, nbits) in enumerate((("Rec_U", cfg.lr_shift), ("Rec_G", f))):
        terms = tuple((1 << j, FD._pad_w(fidx["Bits"][kind, ..., j], pub).reshape(-1))
                      for j in range(nbits))
        views[f"fac4dnn/{n}"] = CL.View(terms) if terms else CL.View.of(
            np.zeros(pub.Tp * pub.Lp * pub.R * pub.C, np.uint64))
    views["fac4dnn/Bits"] = CL.View.of(FD._bits_table(fac_i))
    # --- zkReLU: Z, GZ, A, GA_full are FAC4DNN's; Zq, R, S, GA, RG and the planes are its own
    rp = _relu_public(cfg, T)
    sp, bp, wp = rp.shape
    real = rp.validity().reshape(sp, bp, wp).astype(bool)
    ridx = {}
    for k in ("Zq", "R", "S", "GA", "RG"):
        ridx[k] = alloc.take(real).reshape(-1)
        free.append(("relu", k, ridx[k]))
    shared = {k: np.zeros((sp, bp, wp), np.uint64) for k in ("Z", "GZ", "A", "GA_full")}
    for t in range(T):
        for l in range(1, L):
            s, d = t * H + (l - 1), cfg.widths[l]
            for rn, fn, li in (("Z", "Z", l - 1), ("GZ", "G_Z", l - 1), ("A", "A_in", l),
                               ("GA_full", "G_A_in_full", l)):
                shared[rn][s, :B, :d] = fidx[fn][t, li, :, :d]
    ridx.update({k: v.reshape(-1) for k, v in shared.items()})
    pmask = np.zeros((rp.jp, rp.size), bool)
    pmask[:rp.num_planes] = real.reshape(-1)[None]
    rplanes = alloc.take(pmask)
    free.append(("relu", "planes", rplanes))
    for k in ZR.TENSORS:
        views[f"{_LABEL}/relu/{k}"] = CL.View.of(ridx[k])
    for j in range(rp.num_planes):
        views[f"{_LABEL}/relu/plane{j}"] = CL.View.of(rplanes[j])
    views[f"{_LABEL}/relu/bits"] = CL.View.of(rplanes)
    # --- output layer: Zq_L, R_L, D_rem and the planes; Z_L, G_Z_L are FAC4DNN's; Y public
    oreal = _out_mask(cfg, T).astype(bool)
    oidx = {k: alloc.take(oreal) for k in OUT_TABLES}
    free += [("out", k, oidx[k]) for k in OUT_TABLES]
    nplanes = sum(w for _, w, _ in _out_groups(cfg))
    omask = np.zeros((_pow2(max(nplanes, 1)), oreal.size), bool)
    omask[:nplanes] = oreal[None]
    oplanes = alloc.take(omask)
    free.append(("out", "planes", oplanes))
    ocols = {"Z_L": CL.View.of(_from_fac(fac_i, "Z", cfg, T)),
             "G_Z_L": CL.View.of(_from_fac(fac_i, "G_Z", cfg, T)),
             "Y": CL.View((), _targets(cfg, y, batches))}
    ocols.update({k: CL.View.of(oidx[k]) for k in OUT_TABLES})
    ocols.update({f"p{j}": CL.View.of(oplanes[j]) for j in range(nplanes)})
    ocols["planes"] = CL.View.of(oplanes)
    views.update({f"{_LABEL}/out/{k}": v for k, v in ocols.items()})
    # --- U range: the planes; U is FAC4DNN's
    umask = np.zeros((_pow2(cfg.bits), pub.Tp * pub.Lp * pub.R * pub.C), bool)
    umask[:cfg.bits] = FD._valid_mask(pub).reshape(-1).astype(bool)[None]
    uplanes = alloc.take(umask)
    free.append(("urange", "planes", uplanes))
    views[f"{_LABEL}/urange/U"] = CL.View.of(_u_table(fac_i))
    views.update({f"{_LABEL}/urange/p{j}": CL.View.of(uplanes[j]) for j in range(cfg.bits)})
    views[f"{_LABEL}/urange/planes"] = CL.View.of(uplanes)
    return _Layout(free=free, views=views, size=_pow2(max(alloc.n, 2)), used=alloc.n)


def _witness_vector(layout: _Layout, oracle: dict) -> np.ndarray:
    """Prover: c, the committed values of every prover table at its layout positions."""
    src = {("fac4dnn", n): np.asarray(oracle["fac4dnn"].tensors[n]) for n in FD.TENSOR_NAMES}
    src.update({("relu", k): oracle["relu"].tensors[k] for k in ZR.TENSORS})
    src[("relu", "planes")] = oracle["relu"].bit_planes
    src.update({("out", k): oracle["out"]["tables"][k] for k in OUT_TABLES})
    src[("out", "planes")] = oracle["out"]["planes"]
    src[("urange", "planes")] = oracle["u_planes"]
    c = np.zeros(layout.size, np.uint64)
    for group, name, idx in layout.free:
        vals = np.asarray(src[(group, name)], np.uint64)
        if vals.shape != idx.shape:
            raise ValueError(f"witness table {group}/{name} has shape {vals.shape}, the layout "
                             f"{idx.shape}")
        sel = idx > 0
        c[idx[sel].astype(np.int64) - 1] = vals[sel]
    return c


# ================================================================================= proof
@dataclasses.dataclass(frozen=True)
class TrainingProof:
    """The end-to-end proof (all four sub-proofs share one transcript).

    Attributes:
      relu: :class:`zkrelu.ReluProof`.  fac4dnn: :class:`fac4dnn.Fac4dnnProof`.
      out: :class:`LinProof` of the output layer and loss gradient.
      urange: :class:`LinProof` of the range check of U.
      claims: committed mode only: :class:`claims.ClaimsProof` (every final evaluation claim
        of the four sub-proofs batched into one sumcheck + one PCS opening); None in the oracle
        mode.
    """
    relu: ZR.ReluProof
    fac4dnn: FD.Fac4dnnProof
    out: LinProof
    urange: LinProof
    claims: Optional[CL.ClaimsProof] = None

    def num_field_elements(self) -> int:
        """Field words (8 bytes) of the sumchecks and claimed evaluations; excludes the PCS
        opening's Merkle paths and columns (:meth:`num_bytes` includes them)."""
        return int(self.relu.num_field_elements() + self.fac4dnn.num_field_elements()
                   + self.out.num_field_elements() + self.urange.num_field_elements()
                   + (self.claims.num_field_elements() if self.claims is not None else 0))

    def num_bytes(self) -> int:
        return 8 * self.num_field_elements() + (
            self.claims.opening.num_bytes() if self.claims is not None else 0)

    def parts_bytes(self) -> dict:
        out = {"relu": 8 * self.relu.num_field_elements(),
               "fac4dnn": 8 * self.fac4dnn.num_field_elements(),
               "out": 8 * self.out.num_field_elements(),
               "urange": 8 * self.urange.num_field_elements()}
        if self.claims is not None:
            out["claims"] = 8 * self.claims.num_field_elements()
            out["opening"] = self.claims.opening.num_bytes()
        return out


TrainingVerdict = Verdict  # ok, reason (jaxgraph.zk.verdict)


def _weights_digest(fac: FD.Statement) -> str:
    w = np.asarray(fac.tensors["W_next"])[-1]
    return hashlib.sha256(digest_elements("W_T", np.ascontiguousarray(w))).hexdigest()


def _all_tables(oracle: dict) -> list:
    """(label, uint64 array) of every witness table, in a fixed order."""
    relu, fac = oracle["relu"], oracle["fac4dnn"]
    out = [(f"relu/{k}", relu.tensors[k]) for k in ZR.TENSORS] + [("relu/bits", relu.bit_planes)]
    out += [(f"fac4dnn/{k}", np.asarray(fac.tensors[k])) for k in FD.TENSOR_NAMES]
    out += [(f"out/{k}", oracle["out"]["tables"][k]) for k in OUT_TABLES]
    out += [("out/planes", oracle["out"]["planes"]), ("urange/planes", oracle["u_planes"])]
    return out


def _begin(cfg: ModelConfig, T: int, seed: int, X, y, W0: list, oracle: dict,
           commitment) -> Transcript:
    tr = Transcript(_PROTOCOL)
    tr.append(_LABEL + "/params", cfg.params_vector(T, seed, X.shape[0]))
    for l, w in enumerate(W0):
        tr.append_bytes(f"{_LABEL}/W0/{l}", digest_elements("W0", fp.to_field(w)))
    tr.append_bytes(_LABEL + "/data/X",
                    digest_elements("X", fp.to_field(fp.encode_inputs(X, cfg.frac_bits))))
    tr.append_bytes(_LABEL + "/data/y", digest_elements("y", np.asarray(y, np.uint64)))
    for name, x in (_all_tables(oracle) if oracle is not None else ()):  # oracle mode only
        tr.append_bytes(f"{_LABEL}/statement/{name}", digest_elements(name, np.asarray(x)))
    if commitment is not None:
        tr.append(_LABEL + "/commitment/params", commitment.params_words())
        tr.append_bytes(_LABEL + "/commitment/root", commitment.root)
    return tr


def _check_honest_ranges(cfg: ModelConfig, trace):
    """The honest prover's own range check: every value the proof decomposes into Q bits fits."""
    lo, hi = -(1 << (cfg.bits - 1)), 1 << (cfg.bits - 1)
    for rec in trace:
        for lay in rec.layers:
            vals = [("U", lay.U), ("Zq", lay.Zq), ("G_Z", lay.G_Z)]
            if lay.G_A_in is not None:
                vals.append(("G_A", lay.G_A_in))
            for name, x in vals:
                x = np.asarray(x, np.int64)
                if x.size and (int(x.min()) < lo or int(x.max()) >= hi):
                    raise ValueError(
                        f"bits={cfg.bits} too small: {name} at layer {lay.layer}, step {rec.step} "
                        f"spans [{int(x.min())}, {int(x.max())}], outside [{lo}, {hi})")


def prove_training(model_config, data, steps: int, key, *, trace=None, init_weights=None,
                   timings: Optional[dict] = None):
    """Train with exact fixed-point SGD and prove the whole run (zkDL, one transcript).

    Args:
      model_config: :class:`ModelConfig` (or a dict / ConfigDict of its fields): widths,
        batch_size, frac_bits, lr_shift, loss_shift, bits (range width Q), rounding, commit.
      data: ``(X, y)``: real inputs [N, d_0] (encoded as round(X 2^f)) and int labels [N].
      steps: T >= 1.
      key: int seed or JAX PRNG key; fixes W_0 and the batches (both public).
      init_weights: optional public int64 W_0 (list of [d_{l-1}, d_l]) instead of the seeded
        init, e.g. to prove one step at a time from the previous step's weights; stored in
        ``public["W0"]``.
      trace: optional list of StepRecords to prove INSTEAD of training (a dishonest prover's
        tampered witness, for tests); it must have T records.
      timings: optional dict, filled with seconds ``train``, ``statements``, ``layout``,
        ``commit``, ``prove`` (sub-proofs + claims proof), ``commitment_bytes`` and
        ``committed_words`` (entries of c).

    Returns:
      ``(proof, public)``: :class:`TrainingProof`; dict with ``config`` (ModelConfig), ``steps``,
      ``seed``, ``X``, ``y``, ``W0`` (None: the seeded init), ``commitment``
      (:class:`pcs.Commitment` of c in the committed mode, else None) and ``mode``. Oracle mode
      only: ``final_weights_digest`` (hex SHA-256 of W_T's field table) and ``oracle`` -- the
      WITNESS TABLES the oracle verifier holds (``relu``: ReluStatement, ``fac4dnn``: Statement,
      ``out``: output-layer tables and planes, ``u_planes``: bit planes of U).

    Raises:
      ValueError: bad config / data / steps (names the field and value); for an honest run, a
        value outside the Q-bit range (``bits`` too small, names tensor, layer and step); for a
        given ``trace``, a witness zkrelu's builder refuses (e.g. a Z' outside Q bits).
    """
    cfg = ModelConfig.from_any(model_config)
    X, y = _check_data(cfg, data)
    T = int(steps)
    if T < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    seed = seed_from_key(key)
    W0 = _initial_weights(cfg, seed, init_weights)
    tm = {} if timings is None else timings
    t0 = time.perf_counter()
    honest = trace is None
    if honest:
        _, trace = build_trace(cfg, (X, y), T, seed, init_weights=W0)
    trace = list(trace)
    if len(trace) != T:
        raise ValueError(f"trace has {len(trace)} records, steps = {T}")
    tm["train"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if honest:
        _check_honest_ranges(cfg, trace)
    relu = ZR.relu_statement(trace, cfg.bits)
    fac = FD.fac4dnn_statement(trace)
    oracle = {"relu": relu, "fac4dnn": fac, "out": _out_witness(cfg, trace, fac),
              "u_planes": _u_witness(cfg, fac)}
    tm["statements"] = time.perf_counter() - t0
    commitment = layout = None
    tm["commit"], tm["commitment_bytes"], tm["committed_words"] = 0.0, 0, 0
    if cfg.commit:
        t0 = time.perf_counter()
        layout = _committed_layout(cfg, T, seed, X, y, W0)
        c = _witness_vector(layout, oracle)
        tm["layout"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        commitment, pcs_data = PCS.commit(c)
        tm["commit"] = time.perf_counter() - t0
        tm["commitment_bytes"] = len(commitment.root) + 8 * commitment.params_words().size
        tm["committed_words"] = layout.used
    t0 = time.perf_counter()
    tr = _begin(cfg, T, seed, X, y, W0, None if cfg.commit else oracle, commitment)
    relu_proof = ZR.prove_relu(relu, transcript=tr, label=_LABEL + "/relu")
    fac_proof = FD.prove_fac4dnn(fac, transcript=tr, bind=not cfg.commit)
    batches = fp.batch_indices(X.shape[0], T, cfg.batch_size, seed)
    out_proof = _lin_prove(_out_instance(cfg, T, fac, _targets(cfg, y, batches), oracle["out"]),
                           tr, _LABEL + "/out")
    u_proof = _lin_prove(_u_instance(cfg, fac, oracle["u_planes"]), tr, _LABEL + "/urange")
    proof = TrainingProof(relu=relu_proof, fac4dnn=fac_proof, out=out_proof, urange=u_proof)
    if cfg.commit:
        # the claims the verifier will collect: replay its (table-free) path on a fresh transcript
        vtr = _begin(cfg, T, seed, X, y, W0, None, commitment)
        sink = CL.ClaimSink()
        why = _collect_claims(cfg, T, X, y, seed, proof, vtr, sink)
        # a false statement fails its own replay (the verifier will reject the sub-proof);
        # a true one must leave the replay in the prover's transcript state
        if not why and vtr.digest() != tr.digest():
            raise AssertionError("prover: the claim replay's transcript differs from the prover's")
        claims_proof = CL.prove_claims(sink.items, layout.views, c, pcs_data, tr,
                                       label=_LABEL + "/claims")
        proof = dataclasses.replace(proof, claims=claims_proof)
    tm["prove"] = time.perf_counter() - t0
    public = {"config": cfg, "steps": T, "seed": seed, "X": X, "y": y,
              "W0": None if init_weights is None else W0, "commitment": commitment}
    if cfg.commit:
        public["mode"] = "committed"
    else:
        public.update(mode="oracle", final_weights_digest=_weights_digest(fac), oracle=oracle)
    return proof, public


# ================================================================================ verify
def _zero_outside(x: np.ndarray, valid: np.ndarray) -> bool:
    return not np.any(np.asarray(x)[~valid])


def _check_oracle(cfg: ModelConfig, T: int, seed: int, X, y, W0: list, oracle: dict) -> str:
    """Direct (oracle-mode) checks: shapes/params, public data and W_0 binding, zkReLU <->
    FAC4DNN consistency, zero padding. Returns "" or the reason."""
    relu, fac = oracle.get("relu"), oracle.get("fac4dnn")
    if not isinstance(relu, ZR.ReluStatement) or not isinstance(fac, FD.Statement):
        return "oracle: relu / fac4dnn statements missing or of the wrong type"
    L, B, f = len(cfg.widths) - 1, cfg.batch_size, cfg.frac_bits
    # --- FAC4DNN params and table shapes
    want = (cfg.widths, B, T, f, cfg.lr_shift, cfg.rounding, "single")
    got = (tuple(fac.widths), fac.batch, fac.steps, fac.frac_bits, fac.lr_shift, fac.rounding,
           fac.matmul_mode)
    if got != want:
        return f"oracle: FAC4DNN statement parameters {got} != public {want}"
    R, C, NB = _pow2(max(cfg.widths[:-1])), _pow2(max(cfg.widths[1:])), _pow2(max(cfg.lr_shift, f, 1))
    if (fac.R, fac.C, fac.NB) != (R, C, NB):
        return "oracle: FAC4DNN padded sizes do not match the public widths"
    shapes = {n: (T, L, R, C) for n in FD.WEIGHT_NAMES}
    shapes.update({"A_in": (T, L, B, R), "G_A_in_full": (T, L, B, R), "G_Z": (T, L, B, C),
                   "Z": (T, L, B, C), "Bits": (2, T, L, R, C, NB)})
    for n, shp in shapes.items():
        x = fac.tensors.get(n)
        if not isinstance(x, np.ndarray) or x.dtype != np.uint64 or x.shape != shp \
                or not F.is_canonical(x):
            return f"oracle: FAC4DNN tensor {n} must be a canonical uint64 {shp}"
    # zero padding (a committed version needs a zero-padding argument for this)
    vw = np.zeros((T, L, R, C), bool)
    vin = np.zeros((T, L, B, R), bool)
    vout = np.zeros((T, L, B, C), bool)
    for l in range(L):
        vw[:, l, :cfg.widths[l], :cfg.widths[l + 1]] = True
        vin[:, l, :, :cfg.widths[l]] = True
        vout[:, l, :, :cfg.widths[l + 1]] = True
    for n in FD.WEIGHT_NAMES:
        if not _zero_outside(fac.tensors[n], vw):
            return f"oracle: FAC4DNN tensor {n} is non-zero on its padding"
    for n, v in (("A_in", vin), ("G_A_in_full", vin), ("G_Z", vout), ("Z", vout)):
        if not _zero_outside(fac.tensors[n], v):
            return f"oracle: FAC4DNN tensor {n} is non-zero on its padding"
    if np.any(fac.tensors["G_A_in_full"][:, 0]):
        return "oracle: FAC4DNN G_A_in_full of layer 1 must be zero"
    # --- public data and initial weights
    batches = fp.batch_indices(X.shape[0], T, B, seed)
    X_int = fp.encode_inputs(X, f)
    for t, idx in enumerate(batches):
        if not np.array_equal(fac.tensors["A_in"][t, 0, :, :cfg.widths[0]],
                              fp.to_field(X_int[idx])):
            return f"data binding: the input of layer 1 at step {t} is not the public batch {t}"
    for l, w in enumerate(W0):
        if not np.array_equal(fac.tensors["W"][0, l, :w.shape[0], :w.shape[1]], fp.to_field(w)):
            return f"initial weights: W of layer {l + 1} at step 0 != public W_0"
    # --- zkReLU statement params and consistency with FAC4DNN
    H = L - 1
    widths_h = tuple(cfg.widths[1:L]) * T
    if (relu.frac_bits, relu.bits, relu.offset, relu.batch, tuple(relu.widths)) != \
            (f, cfg.bits, _offset(cfg.rounding, f), B, widths_h):
        return "oracle: zkReLU statement parameters do not match the public config"
    try:
        ZR._check_statement(relu)
    except ValueError as exc:
        return f"oracle: malformed zkReLU statement: {exc}"
    sp, bp, wp = relu.shape
    rt = {k: relu.tensors[k].reshape(sp, bp, wp) for k in ZR.TENSORS}
    for t in range(T):
        for l in range(1, L):  # hidden layer l
            s, d = t * H + (l - 1), cfg.widths[l]
            for rn, fn, li in (("Z", "Z", l - 1), ("GZ", "G_Z", l - 1), ("A", "A_in", l),
                               ("GA_full", "G_A_in_full", l)):
                if not np.array_equal(rt[rn][s, :B, :d], fac.tensors[fn][t, li, :, :d]):
                    return (f"consistency: zkReLU {rn} != FAC4DNN {fn} at step {t}, "
                            f"hidden layer {l}")
    # --- extra tables
    out = oracle.get("out")
    N = int(np.prod(_out_shape(cfg, T)))
    nplanes = 2 * cfg.bits + f + cfg.loss_shift
    if not isinstance(out, dict) or set(out.get("tables", {})) != set(OUT_TABLES):
        return "oracle: output-layer tables missing"
    for k in OUT_TABLES:
        x = out["tables"][k]
        if not isinstance(x, np.ndarray) or x.dtype != np.uint64 or x.shape != (N,) \
                or not F.is_canonical(x):
            return f"oracle: output table {k} must be a canonical uint64 [{N}]"
    for name, x, shp in (("out planes", out.get("planes"), (_pow2(max(nplanes, 1)), N)),
                         ("U planes", oracle.get("u_planes"),
                          (_pow2(cfg.bits), fac.Tp * fac.Lp * R * C))):
        if not isinstance(x, np.ndarray) or x.dtype != np.uint64 or x.shape != shp \
                or not F.is_canonical(x):
            return f"oracle: {name} must be a canonical uint64 {shp}"
    return ""


def _collect_claims(cfg: ModelConfig, T: int, X, y, seed: int, proof: TrainingProof,
                    tr: Transcript, sink) -> str:
    """Committed mode: verify the four sub-proofs without tables, their final evaluations going
    to ``sink``. Returns "" or the reason of the first failure."""
    v = ZR.verify_relu_detailed(_relu_public(cfg, T), proof.relu, transcript=tr,
                                label=_LABEL + "/relu", claims=sink)
    if not v.ok:
        return "zkReLU: " + v.reason
    pub = _fac_public(cfg, T)
    v = FD.verify_fac4dnn_detailed(pub, proof.fac4dnn, transcript=tr, claims=sink)
    if not v.ok:
        return "FAC4DNN: " + v.reason
    batches = fp.batch_indices(X.shape[0], T, cfg.batch_size, seed)
    out_inst = _out_instance_public(cfg, T, _targets(cfg, y, batches))
    ok, why = _lin_verify(out_inst, proof.out, tr, _LABEL + "/out", claims=sink)
    if not ok:
        return "output layer / loss: " + why
    u_inst = _LinInstance(tables={"U": None}, V=FD._valid_mask(pub).reshape(-1), planes=None,
                          nplanes=cfg.bits, relations=_u_relations(cfg))
    ok, why = _lin_verify(u_inst, proof.urange, tr, _LABEL + "/urange", claims=sink)
    if not ok:
        return "U range check: " + why
    return ""


def _verify_committed(cfg: ModelConfig, T: int, seed: int, X, y, W0: list, proof: TrainingProof,
                      commitment) -> TrainingVerdict:
    if not isinstance(commitment, PCS.Commitment):
        return TrainingVerdict(False, "committed mode: public['commitment'] is missing or not a "
                                      "pcs.Commitment")
    if proof.claims is None:
        return TrainingVerdict(False, "committed mode: the proof has no claims proof")
    if commitment.params.queries < PCS.DEFAULT_QUERIES:  # the verifier's soundness policy
        return TrainingVerdict(False, f"committed mode: the commitment uses t = "
                                      f"{commitment.params.queries} < {PCS.DEFAULT_QUERIES} queries")
    layout = _committed_layout(cfg, T, seed, X, y, W0)
    if commitment.num_vars != _log2(layout.size):
        return TrainingVerdict(False, f"committed mode: the commitment has {commitment.num_vars} "
                                      f"variables, the public layout {_log2(layout.size)}")
    tr = _begin(cfg, T, seed, X, y, W0, None, commitment)
    sink = CL.ClaimSink()
    why = _collect_claims(cfg, T, X, y, seed, proof, tr, sink)
    if why:
        return TrainingVerdict(False, why)
    ok, why = CL.verify_claims(sink.items, layout.views, commitment, proof.claims, tr,
                               label=_LABEL + "/claims")
    if not ok:
        return TrainingVerdict(False, "openings: " + why)
    return TrainingVerdict(True)


def verify_training_detailed(proof: TrainingProof, public: dict) -> TrainingVerdict:
    """Verify an end-to-end training proof; ``(ok, reason)`` (a :class:`TrainingVerdict`).

    The verifier uses only ``public`` (config, T, seed, data, W_T digest, commitment, and --
    oracle mode -- the witness tables under ``public["oracle"]``) and the proof. It recomputes
    W_0 and the batches from the seed, checks the oracle tables' shapes, padding, data/W_0
    binding and cross-statement consistency, replays the ONE transcript and verifies zkReLU,
    FAC4DNN, the output-layer proof and the U range check. Malformed input gives ``ok=False``.
    """
    try:
        if not isinstance(proof, TrainingProof):
            return TrainingVerdict(False, "malformed proof: not a TrainingProof")
        if not isinstance(public, dict):
            return TrainingVerdict(False, "malformed public input: not a dict")
        cfg = ModelConfig.from_any(public["config"])
        T, seed = int(public["steps"]), int(public["seed"])
        X, y = _check_data(cfg, (public["X"], public["y"]))
        W0 = _initial_weights(cfg, seed, public.get("W0"))
        if cfg.commit:
            return _verify_committed(cfg, T, seed, X, y, W0, proof, public.get("commitment"))
        if proof.claims is not None:
            return TrainingVerdict(False, "oracle mode: unexpected claims proof")
        oracle = public["oracle"]
        why = _check_oracle(cfg, T, seed, X, y, W0, oracle)
        if why:
            return TrainingVerdict(False, why)
        fac = oracle["fac4dnn"]
        if _weights_digest(fac) != public["final_weights_digest"]:
            return TrainingVerdict(False, "final weights: W_T digest does not match the public one")
        commitment = public.get("commitment")
        if commitment is not None and not isinstance(commitment, PCS.Commitment):
            return TrainingVerdict(False, "malformed commitment")
        tr = _begin(cfg, T, seed, X, y, W0, oracle, commitment)
        v = ZR.verify_relu_detailed(oracle["relu"], proof.relu, transcript=tr,
                                    label=_LABEL + "/relu")
        if not v.ok:
            return TrainingVerdict(False, "zkReLU: " + v.reason)
        v = FD.verify_fac4dnn_detailed(fac, proof.fac4dnn, transcript=tr)
        if not v.ok:
            return TrainingVerdict(False, "FAC4DNN: " + v.reason)
        batches = fp.batch_indices(X.shape[0], T, cfg.batch_size, seed)
        ok, why = _lin_verify(_out_instance(cfg, T, fac, _targets(cfg, y, batches),
                                            oracle["out"]), proof.out, tr, _LABEL + "/out")
        if not ok:
            return TrainingVerdict(False, "output layer / loss: " + why)
        ok, why = _lin_verify(_u_instance(cfg, fac, oracle["u_planes"]), proof.urange, tr,
                              _LABEL + "/urange")
        if not ok:
            return TrainingVerdict(False, "U range check: " + why)
    except (KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        return TrainingVerdict(False, f"malformed proof or public input: {exc!r}")
    return TrainingVerdict(True)


def verify_training(proof: TrainingProof, public: dict) -> bool:
    """True iff the proof verifies (see :func:`verify_training_detailed`)."""
    return verify_training_detailed(proof, public).ok


def measure_proof(model_config, data, steps: int, key, *, init_weights=None) -> tuple:
    """Prove and verify once, timed: ``(row, public)`` with ``prove_s`` (prover work without
    the commitment), ``commit_s``, ``verify_s``, ``proof_bytes``, ``parts_bytes``,
    ``commitment_bytes``, ``witness_words`` (committed mode: entries of c; oracle mode: of all
    witness tables), ``verified``, ``reason``. Used by ``experiments/zkdl`` and
    ``experiments/benchmarks/zkdl_training.py``."""
    tm = {}
    t0 = time.perf_counter()
    proof, pub = prove_training(model_config, data, steps, key, init_weights=init_weights,
                                timings=tm)
    prove_s = time.perf_counter() - t0 - tm["commit"]
    t0 = time.perf_counter()
    ok, why = verify_training_detailed(proof, pub)
    verify_s = time.perf_counter() - t0
    words = tm["committed_words"] if "oracle" not in pub else int(
        sum(np.asarray(x).size for _, x in _all_tables(pub["oracle"])))
    row = {"prove_s": prove_s, "verify_s": verify_s, "proof_bytes": proof.num_bytes(),
           "commit_s": tm["commit"], "commitment_bytes": tm["commitment_bytes"],
           "witness_words": int(words), "verified": bool(ok), "reason": why,
           "parts_bytes": proof.parts_bytes()}
    return row, pub
