r"""FAC4DNN: one aggregated proof for every matmul and every weight update of T training steps.

Paper: Sun et al., "zkDL: Efficient Zero-Knowledge Proofs of Deep Learning Training" (FAC4DNN).
Because the prover supplies every intermediate tensor as an auxiliary input (the records of
:mod:`jaxgraph.zk.fixed_point`), the relations of different layers and steps no longer depend on
each other sequentially; they can all be stacked into one circuit and proven together. This module
proves, for a :class:`~jaxgraph.zk.fixed_point.Trace` of T steps of an L-layer MLP:

1. all matmuls (forward ``Z = A_in W``, weight gradient ``G_W_full = A_in^T G_Z``, input
   gradient ``G_A_in_full = G_Z W^T``) with ONE aggregated Thaler proof (:mod:`matmul`);
2. the weight updates and their consistency across steps with ONE random-linear-combination
   sumcheck and ONE binary (range) sumcheck.

The zkReLU part (``Z -> Zq, S, A_out``, ``G_A -> G_Z``, the loss gradient) is proven elsewhere
(``jaxgraph.zk.zkrelu``) and is not part of this statement.

Versions: standalone it is uncommitted ("oracle") like the first version of :mod:`matmul`: the
verifier holds all statement tensors and checks the final MLE evaluations directly (O(size)
work); SHA-256 digests of every statement tensor are absorbed into the transcript before any
challenge. Committed (``verify_fac4dnn_detailed(..., claims=sink)``, used by
:mod:`jaxgraph.zk.training`): the verifier gets only the public shapes (:meth:`Statement.public`)
and hands every final evaluation to the sink; the caller proves them against its commitment
(:mod:`jaxgraph.zk.claims`, where the stacked matmul tables, W_shift and Rec_U / Rec_G are
public views of the committed tensors -- no layout change and no separate shift argument
needed).

Statement (:func:`fac4dnn_statement`)
-------------------------------------
Public: ``widths = [d_0..d_L]``, batch B, T, f = frac_bits, e = lr_shift, rounding,
``matmul_mode``. Padded sizes: ``R = pow2(max_l d_{l-1})``, ``C = pow2(max_l d_l)``,
``Tp = pow2(T)``, ``Lp = pow2(L)``, ``NB = pow2(max(e, f, 1))``. Field tensors (from_signed; entry
``[t, l]`` is step t, layer l+1, zero-padded in the last two axes):

* weight domain ``[T, L, R, C]``: ``W`` (W_t), ``W_next``, ``G_W_full``, ``G_W``, ``G_W_rem``,
  ``U``, ``U_rem``;
* batch domain: ``A_in [T, L, B, R]``, ``G_Z [T, L, B, C]``, ``Z [T, L, B, C]`` (pre-rescale),
  ``G_A_in_full [T, L, B, R]`` (zero for layer 1, which has none);
* auxiliary bits ``Bits [2, T, L, R, C, NB]``: kind 0 decomposes ``U_rem`` into e bits, kind 1
  ``G_W_rem`` into f bits (slot j has weight 2^j for j < e resp. f; slots beyond carry weight 0
  and are zero). The builder writes ``(v >> j) & 1`` for j < n-1 and ``v >> (n-1)`` in the top
  slot, so the recomposition is exact for ANY integer v and the top slot is binary iff
  ``0 <= v < 2^n``: a cheating value is caught by the binary check, not by the linear one.

Part 1: aggregated matmuls, stacking layout
-------------------------------------------
Instance (t, l, kind), kind 0/1/2 = forward / weight gradient / input gradient::

    kind 0:  A_in   [B, d_{l-1}] @ W   [d_{l-1}, d_l] = Z           [B, d_l]
    kind 1:  A_in^T [d_{l-1}, B] @ G_Z [B, d_l]       = G_W_full    [d_{l-1}, d_l]
    kind 2:  G_Z    [B, d_l]     @ W^T [d_l, d_{l-1}] = G_A_in_full [B, d_{l-1}]

(transposes are data layout only). For layer 1 (l = 0) the kind-2 instance is the zero instance
``0 @ W^T = 0`` (there is no G_A_0), so the index stays regular.

* ``matmul_mode="single"`` (default, the paper's one aggregated proof): every instance is
  zero-padded to ONE common shape ``[m, k, n] = [pow2(max(B, R)), pow2(max(R, B, C)),
  pow2(max(C, R))]`` and they form one stacked statement of N = 3 L T instances, instance
  index ``((t * L + l) * 3 + kind)`` (N is padded to a power of two by :mod:`matmul` with zero
  instances). One ``matmul.prove`` call, label ``fac4dnn/matmul``.
* ``matmul_mode="per_kind"``: three stacked proofs (labels ``fac4dnn/matmul/{fwd,gw,ga}``), kind
  kappa stacked over index ``t * L + l`` at its own padded shape ``(B, R, C)``, ``(R, B, C)``,
  ``(B, C, R)``. No cross-kind padding; three times the (small) proof.

Zero padding keeps every identity exact (zero rows/columns contribute zero products).
Padding overhead (:func:`padding_overhead`, entries of all A, W, Z tables after padding / before
padding): for 8 layers of 1024 x 1024 at batch 64, ``single`` = 2.78x (every instance becomes
1024 x 1024 x 1024), ``per_kind`` = 1.04x (only the zero kind-2 instance of layer 1); with
d_0 = 784, d_L = 10: 3.24x vs 1.22x. The single proof is the default (smallest proof, as in the
paper); ``per_kind`` is the faster prover (about 2.7x less matmul-table work) for wide nets with
small batches, at 3 matmul proofs instead of 1 (e.g. 682 vs 510 words for the 8 x 1024, B = 64,
T = 1 net).

Part 2: weight updates, one RLC sumcheck + one binary sumcheck
--------------------------------------------------------------
With h_r = 2^(r-1) for rounding "nearest" (r >= 1) and 0 for "floor", V the public 0/1 mask of
valid entries of the weight domain (``t < T``, ``i < d_{l-1}``, ``j < d_l``), and
``Rec_U = sum_{j<e} 2^j Bits[0, ..., j]``, ``Rec_G = sum_{j<f} 2^j Bits[1, ..., j]``::

    rel_1 = G_W_full + h_f V - 2^f G_W - G_W_rem     (rescale of the weight gradient)
    rel_2 = G_W + h_e V - 2^e U - U_rem              (learning-rate shift)
    rel_3 = W_next - W + U                           (update)
    rel_4 = W_next - W_shift                         (chain: W_next of step t = W of step t+1)
    rel_5 = U_rem - Rec_U                            (U_rem = its e bits)
    rel_6 = G_W_rem - Rec_G                          (G_W_rem = its f bits)

Chain (the documented choice): ``W_next`` is a statement table and ``W_shift`` is built by the
verifier from the statement as ``W_shift[t] = W[t+1]`` for t < T-1 and ``W_shift[T-1] =
W_next[T-1]`` (so rel_4 is a plain linear relation, trivially true at the last step). In a
committed version W_t for t = 0..T would be one committed sequence and W_shift an
index-shifted view of it (a shift argument); here the oracle verifier evaluates it directly.

All tables are zero-padded to ``[Tp, Lp, R, C]`` (n_w = log2(Tp Lp R C) variables; every relation
is zero on the padding). With challenges rho_1..rho_6 and r in F_{p^2}^{n_w}, the prover shows

    0 = sum_x eq(r, x) P(x),    P = sum_k rho_k rel_k

with a degree-2 sumcheck (tables eq(r, .), P), then sends the 10 evaluations of W, W_next,
W_shift, G_W_full, G_W, G_W_rem, U, U_rem, Rec_U, Rec_G at the final point r'; the verifier
computes V~(r') itself, checks ``C_final = eq(r, r') * sum_k rho_k rel_k~(r')`` and (oracle)
each evaluation. (P is multilinear, so ``sum_x eq(r, x) P(x) = P~(r)``: the sumcheck is a
uniform reduction to one evaluation point, as in the committed version where the relations
would be opened at r'; it costs n_w rounds.) If some rel_k is non-zero somewhere, P~(r) = 0
with probability <= (6 + n_w)/p^2 (Schwartz-Zippel in rho and r).

Binary check: ``0 = sum_y eq(r2, y) B(y) (1 - B(y))`` over the flattened, padded Bits table
(n_b = 1 + n_w + log2 NB variables), degree-3 sumcheck with tables (eq, B, 1 - B); the prover
sends ``b = B~(r'')``, the verifier checks ``C_final = eq(r2, r'') b (1 - b)`` and b (oracle).
With rel_5, rel_6: ``0 <= U_rem < 2^e`` and ``0 <= G_W_rem < 2^f`` as integers.

What this proves and what it does not: with the remainders range-checked, rel_1 / rel_2 make
G_W, U the correct (floor or nearest) quotients PROVIDED they are small integers; over F_p a
quotient is determined only modulo p, so a complete system also range-checks W (or U), e.g.
in the zkReLU-style range proofs. That range check is not part of this module.

Transcript (default ``Transcript("jaxgraph.zk.fac4dnn")``; a caller-supplied one is used as is,
the digests are absorbed either way): ``fac4dnn/params`` = [T, L, B, f, e, rounding (0 floor, 1
nearest), mode (0 single, 1 per_kind), d_0..d_L], ``fac4dnn/statement/<name>`` digests (names
in :data:`TENSOR_NAMES` order), the matmul proof(s), ``fac4dnn/linear/rho`` (6),
``fac4dnn/linear/r`` (n_w), sumcheck ``fac4dnn/linear/sumcheck``, ``fac4dnn/linear/evals``
[10, 2], ``fac4dnn/binary/r`` (n_b), sumcheck ``fac4dnn/binary/sumcheck``,
``fac4dnn/binary/b_eval``.

Proof size (field words of 8 bytes; extension element = 2 words), with
``n_w = log2(Tp Lp R C)``, ``n_b = n_w + 1 + log2 NB``:

* single: matmul ``6 + 8 (log2 pow2(3 L T) + log2 k)``;
  per_kind: ``sum over 3 kinds of 6 + 8 (log2 pow2(L T) + log2 k_kind)``;
* linear: ``6 n_w + 20``;  binary: ``8 n_b + 2``.

All O(log(L T) + log D): each doubling of T adds one round to each of the three sumchecks
(8 + 6 + 8 = 22 words = 176 bytes in single mode; 8 x 3 + 6 + 8 in per_kind mode).
:func:`proof_size_words` gives the formula; the tests check it against
:meth:`Fac4dnnProof.num_field_elements`. Examples (single mode, f = 16,
NB = 16):

* widths [8, 4, 4, 4, 2], B = 4, T = 3 (the test net): 78 + 74 + 114 = 266 words = 2128 bytes;
* 8 layers of 1024 x 1024, B = 64, T = 1: 3 L T = 24 -> 5 + 10 rounds, n_w = 3 + 20 = 23,
  n_b = 28: 126 + 158 + 226 = 510 words = 4080 bytes; T = 1024: +10 rounds each,
  730 words = 5840 bytes.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

import jax.numpy as jnp
import numpy as np

from jaxgraph.zk import field as F
from jaxgraph.zk import matmul as M
from jaxgraph.zk import mle
from jaxgraph.zk import sumcheck as S
from jaxgraph.zk._x64 import x64
from jaxgraph.zk.fixed_point import rounding_offset as _offset
from jaxgraph.zk.mle import log2_floor as _log2
from jaxgraph.zk.mle import pow2_ceil as _pow2
from jaxgraph.zk.transcript import Transcript, digest_elements
from jaxgraph.zk.verdict import Verdict

__all__ = ["Statement", "Fac4dnnProof", "Fac4dnnVerdict", "fac4dnn_statement", "prove_fac4dnn",
           "verify_fac4dnn", "verify_fac4dnn_detailed", "matmul_instances", "padding_overhead",
           "proof_size_words", "TENSOR_NAMES", "WEIGHT_NAMES", "MATMUL_MODES", "EVAL_NAMES",
           "matmul_dims"]

WEIGHT_NAMES = ("W", "W_next", "G_W_full", "G_W", "G_W_rem", "U", "U_rem")
BATCH_NAMES = ("A_in", "G_Z", "Z", "G_A_in_full")
TENSOR_NAMES = WEIGHT_NAMES + BATCH_NAMES + ("Bits",)
EVAL_NAMES = ("W", "W_next", "W_shift", "G_W_full", "G_W", "G_W_rem", "U", "U_rem", "Rec_U",
              "Rec_G")
MATMUL_MODES = ("single", "per_kind")
KIND_LABELS = ("fwd", "gw", "ga")
_PROTOCOL = "jaxgraph.zk.fac4dnn"
_LABEL = "fac4dnn"
NUM_RELATIONS = 6


# =============================================================================== statement
@dataclasses.dataclass(frozen=True)
class Statement:
    """Public parameters and field tensors of the FAC4DNN statement (see the module docstring).

    Attributes:
      widths, batch, steps (T), frac_bits (f), lr_shift (e), rounding, matmul_mode.
      R, C, NB: padded max input width, max output width, bit slots.
      tensors: ``{name: numpy uint64}`` for :data:`TENSOR_NAMES` (canonical field elements).
    """
    widths: tuple
    batch: int
    steps: int
    frac_bits: int
    lr_shift: int
    rounding: str
    matmul_mode: str
    R: int
    C: int
    NB: int
    tensors: dict

    @property
    def L(self) -> int:
        return len(self.widths) - 1

    @property
    def Tp(self) -> int:
        return _pow2(self.steps)

    @property
    def Lp(self) -> int:
        return _pow2(self.L)

    @property
    def weight_vars(self) -> int:
        """n_w = log2(Tp Lp R C)."""
        return _log2(self.Tp * self.Lp * self.R * self.C)

    @property
    def bit_vars(self) -> int:
        """n_b = n_w + 1 + log2 NB."""
        return self.weight_vars + 1 + _log2(self.NB)

    def public(self) -> "Statement":
        """The public part only (``tensors`` None): what the committed-mode verifier knows."""
        return dataclasses.replace(self, tensors=None)

    def params_vector(self) -> np.ndarray:
        return np.array([self.steps, self.L, self.batch, self.frac_bits, self.lr_shift,
                         int(self.rounding == "nearest"), MATMUL_MODES.index(self.matmul_mode)]
                        + list(self.widths), np.uint64)


def _bits(v: np.ndarray, nbits: int, slots: int) -> np.ndarray:
    """int64 [...] -> int64 [..., slots]: (v >> j) & 1 for j < nbits-1, v >> (nbits-1) in slot
    nbits-1 (exact recomposition for any v; binary iff 0 <= v < 2^nbits), zeros beyond."""
    out = np.zeros(v.shape + (slots,), np.int64)
    if nbits == 0:
        return out
    for j in range(nbits - 1):
        out[..., j] = (v >> j) & 1
    out[..., nbits - 1] = v >> (nbits - 1)
    return out


def fac4dnn_statement(trace, *, matmul_mode: str = "single") -> Statement:
    """Build the FAC4DNN statement from a fixed-point trace (``train_fixed_point``'s records).

    The builder does not check any relation: a tampered trace gives a false statement, which
    :func:`prove_fac4dnn` still proves and :func:`verify_fac4dnn` rejects.

    Args:
      trace: a sequence of :class:`~jaxgraph.zk.fixed_point.StepRecord` (T >= 1 steps, same
        network, same f, e, rounding).
      matmul_mode: ``"single"`` (default: one aggregated matmul proof) or ``"per_kind"``.

    Raises:
      ValueError: empty trace, inconsistent records, unknown mode, or a tensor outside the field's
        signed range.
    """
    from jaxgraph.zk import fixed_point as fp

    if matmul_mode not in MATMUL_MODES:
        raise ValueError(f"matmul_mode must be one of {MATMUL_MODES}, got {matmul_mode!r}")
    steps = list(trace)
    if not steps:
        raise ValueError("fac4dnn_statement: empty trace (train with keep_records=True)")
    r0 = steps[0]
    L = len(r0.layers)
    widths = tuple([int(r0.layers[0].W.shape[0])] + [int(rec.W.shape[1]) for rec in r0.layers])
    B = int(r0.layers[0].A_in.shape[0])
    f, e, rounding = int(r0.frac_bits), int(r0.lr_shift), r0.rounding
    for s in steps:
        if (s.frac_bits, s.lr_shift, s.rounding, len(s.layers)) != (f, e, rounding, L):
            raise ValueError("fac4dnn_statement: records disagree on f, e, rounding or depth")
    T = len(steps)
    R, C, NB = _pow2(max(widths[:-1])), _pow2(max(widths[1:])), _pow2(max(e, f, 1))
    shapes = {"W": (R, C), "W_next": (R, C), "G_W_full": (R, C), "G_W": (R, C),
              "G_W_rem": (R, C), "U": (R, C), "U_rem": (R, C),
              "A_in": (B, R), "G_Z": (B, C), "Z": (B, C), "G_A_in_full": (B, R)}
    ints = {name: np.zeros((T, L) + shp, np.int64) for name, shp in shapes.items()}
    for t, s in enumerate(steps):
        for l, rec in enumerate(s.layers):
            d_in, d_out = widths[l], widths[l + 1]
            for name in shapes:
                x = getattr(rec, name)
                if x is None:
                    if name == "G_A_in_full" and l == 0:
                        continue
                    raise ValueError(f"fac4dnn_statement: step {t} layer {l + 1} has no {name}")
                x = np.asarray(x, np.int64)
                if x.shape[0] != (B if name in BATCH_NAMES else d_in) or x.ndim != 2:
                    raise ValueError(f"fac4dnn_statement: {name} at step {t} layer {l + 1} has "
                                     f"shape {x.shape}")
                ints[name][t, l, :x.shape[0], :x.shape[1]] = x
    bits = np.stack([_bits(ints["U_rem"], e, NB), _bits(ints["G_W_rem"], f, NB)])
    tensors = {name: fp.to_field(ints[name]) for name in WEIGHT_NAMES + BATCH_NAMES}
    tensors["Bits"] = fp.to_field(bits)
    return Statement(widths=widths, batch=B, steps=T, frac_bits=f, lr_shift=e, rounding=rounding,
                     matmul_mode=matmul_mode, R=R, C=C, NB=NB, tensors=tensors)


# ============================================================================ matmul layout
def _t(x):
    return np.swapaxes(x, -1, -2)


def matmul_instances(st: Statement):
    """The stacked matmul statements: list of ``(label, A, W, Z)`` (numpy uint64 [N, m, k] etc.).

    ``single``: one entry, N = 3 L T, index ((t * L + l) * 3 + kind), common shape [m, k, n].
    ``per_kind``: three entries (fwd, gw, ga), N = L T each, index t * L + l.
    """
    ts = st.tensors
    T, L, B = st.steps, st.L, st.batch
    ga_left = ts["G_Z"].copy()
    ga_left[:, 0] = 0  # layer 1 has no input gradient: zero instance 0 @ W^T = 0
    ga_out = ts["G_A_in_full"].copy()
    ga_out[:, 0] = 0
    kinds = [(ts["A_in"], ts["W"], ts["Z"]),                     # [B,R] @ [R,C] = [B,C]
             (_t(ts["A_in"]), ts["G_Z"], ts["G_W_full"]),        # [R,B] @ [B,C] = [R,C]
             (ga_left, _t(ts["W"]), ga_out)]                     # [B,C] @ [C,R] = [B,R]
    if st.matmul_mode == "per_kind":
        return [(f"{_LABEL}/matmul/{KIND_LABELS[k]}",) + tuple(x.reshape((T * L,) + x.shape[2:])
                                                              for x in kinds[k]) for k in range(3)]
    m, kk, n = _common_shape(st)

    def stack(idx, rows, cols):
        out = np.zeros((T, L, 3, rows, cols), np.uint64)
        for k in range(3):
            x = kinds[k][idx]
            out[:, :, k, :x.shape[2], :x.shape[3]] = x
        return out.reshape(3 * T * L, rows, cols)

    return [(f"{_LABEL}/matmul", stack(0, m, kk), stack(1, kk, n), stack(2, m, n))]


def matmul_dims(st: Statement) -> list:
    """``[(label, (N, m, k, n))]`` of the stacked matmul statements of :func:`matmul_instances`,
    from the public shapes alone."""
    T, L, B, R, C = st.steps, st.L, st.batch, st.R, st.C
    if st.matmul_mode == "per_kind":
        return [(f"{_LABEL}/matmul/{KIND_LABELS[k]}", (T * L,) + shp)
                for k, shp in enumerate(((B, R, C), (R, B, C), (B, C, R)))]
    return [(f"{_LABEL}/matmul", (3 * T * L,) + _common_shape(st))]


def _common_shape(st: Statement):
    B, R, C = _pow2(st.batch), st.R, st.C
    return max(B, R), max(R, B, C), max(C, R)


def padding_overhead(widths, batch: int, mode: str = "single") -> float:
    """Entries of all padded matmul tables (A, W, Z of every instance, T = 1) divided by the
    entries of the unpadded instances. ``widths = [d_0..d_L]``."""
    L = len(widths) - 1
    R, C, Bp = _pow2(max(widths[:-1])), _pow2(max(widths[1:])), _pow2(batch)
    actual = 0
    for l in range(L):
        di, do = widths[l], widths[l + 1]
        actual += (batch * di + di * do + batch * do) + (di * batch + batch * do + di * do)
        if l > 0:
            actual += batch * do + do * di + batch * di
    if mode == "single":
        m, k, n = max(Bp, R), max(R, Bp, C), max(C, R)
        padded = 3 * L * (m * k + k * n + m * n)
    elif mode == "per_kind":
        shp = [(Bp, R, C), (R, Bp, C), (Bp, C, R)]
        padded = L * sum(m * k + k * n + m * n for m, k, n in shp)
        # the zero instance of layer 1's kind 2 is counted as padding
    else:
        raise ValueError(f"mode must be one of {MATMUL_MODES}")
    return padded / actual


def proof_size_words(widths, batch: int, steps: int, *, frac_bits: int = 16, lr_shift: int = 4,
                     matmul_mode: str = "single") -> dict:
    """Proof size in field words (8 bytes) from the public parameters (module docstring formula).

    Returns ``{"matmul", "linear", "binary", "total", "bytes"}``.
    """
    L = len(widths) - 1
    R, C, Bp = _pow2(max(widths[:-1])), _pow2(max(widths[1:])), _pow2(batch)
    n_w = _log2(_pow2(steps) * _pow2(L) * R * C)
    n_b = n_w + 1 + _log2(_pow2(max(lr_shift, frac_bits, 1)))
    if matmul_mode == "single":
        k = max(R, Bp, C)
        mm = 6 + 8 * (_log2(_pow2(3 * L * steps)) + _log2(k))
    elif matmul_mode == "per_kind":
        mm = sum(6 + 8 * (_log2(_pow2(L * steps)) + _log2(k)) for k in (R, Bp, C))
    else:
        raise ValueError(f"matmul_mode must be one of {MATMUL_MODES}")
    lin, bn = 6 * n_w + 20, 8 * n_b + 2
    total = mm + lin + bn
    return {"matmul": mm, "linear": lin, "binary": bn, "total": total, "bytes": 8 * total}


# ============================================================================== proof object
@dataclasses.dataclass(frozen=True)
class Fac4dnnProof:
    """FAC4DNN proof.

    Attributes:
      matmul: tuple of :class:`matmul.MatmulProof` (1 for ``single``, 3 for ``per_kind``).
      linear: :class:`sumcheck.SumcheckProof` of the RLC zero check, [n_w, 3, 2].
      evals: numpy uint64 [10, 2], the evaluations :data:`EVAL_NAMES` at the linear point.
      binary: :class:`sumcheck.SumcheckProof` of the binary check, [n_b, 4, 2].
      b_eval: numpy uint64 [2], Bits~ at the binary point.
    """
    matmul: tuple
    linear: S.SumcheckProof
    evals: np.ndarray
    binary: S.SumcheckProof
    b_eval: np.ndarray

    def num_field_elements(self) -> int:
        """Proof size in base-field words (8 bytes each)."""
        return int(sum(p.num_field_elements() for p in self.matmul)
                   + np.asarray(self.linear.round_evals).size + np.asarray(self.evals).size
                   + np.asarray(self.binary.round_evals).size + np.asarray(self.b_eval).size)

    def num_bytes(self) -> int:
        return 8 * self.num_field_elements()

    def num_rounds(self) -> dict:
        """Sumcheck rounds per part: ``{"matmul": [...], "linear": n_w, "binary": n_b}``."""
        return {"matmul": [p.sumcheck.num_rounds for p in self.matmul],
                "linear": self.linear.num_rounds, "binary": self.binary.num_rounds}


Fac4dnnVerdict = Verdict  # ok, reason (jaxgraph.zk.verdict)


# ============================================================================ shared pieces
def _begin(st: Statement, transcript: Optional[Transcript], bind: bool = True) -> Transcript:
    if transcript is None:
        transcript = Transcript(_PROTOCOL)
    transcript.append(_LABEL + "/params", st.params_vector())
    for name in (TENSOR_NAMES if bind else ()):
        transcript.append_bytes(f"{_LABEL}/statement/{name}",
                                digest_elements(name, np.asarray(st.tensors[name])))
    return transcript


def _pad_w(x: np.ndarray, st: Statement) -> np.ndarray:
    """[T, L, ...] -> [Tp, Lp, ...] zero-padded."""
    pad = [(0, st.Tp - x.shape[0]), (0, st.Lp - x.shape[1])] + [(0, 0)] * (x.ndim - 2)
    return np.pad(x, pad)


def _valid_mask(st: Statement) -> np.ndarray:
    v = np.zeros((st.Tp, st.Lp, st.R, st.C), np.uint64)
    for l in range(st.L):
        v[:st.steps, l, :st.widths[l], :st.widths[l + 1]] = 1
    return v


def _weight_tables(st: Statement) -> dict:
    """Padded base-field tables [Tp, Lp, R, C] of every name in :data:`EVAL_NAMES` plus "V"."""
    ts = st.tensors
    out = {name: _pad_w(np.asarray(ts[name]), st) for name in WEIGHT_NAMES}
    w_shift = np.concatenate([ts["W"][1:], ts["W_next"][-1:]], axis=0)
    out["W_shift"] = _pad_w(w_shift, st)
    bits = np.asarray(ts["Bits"])
    for kind, (name, nbits) in enumerate((("Rec_U", st.lr_shift), ("Rec_G", st.frac_bits))):
        acc = np.zeros(bits.shape[1:-1], np.uint64)
        with x64():
            acc = jnp.asarray(acc)
            for j in range(nbits):
                acc = F.add(acc, F.mul(bits[kind, ..., j], np.uint64(1 << j)))
            out[name] = _pad_w(np.asarray(acc), st)
    out["V"] = _valid_mask(st)
    return out


def _relation_table(tabs: dict, st: Statement, rho: np.ndarray) -> np.ndarray:
    """P = sum_k rho_k rel_k as an extension table [Tp Lp R C, 2]."""
    f, e = st.frac_bits, st.lr_shift
    hf, he = _offset(st.rounding, f), _offset(st.rounding, e)

    def c(v):
        return np.uint64(v % F.P)

    with x64():
        g = {k: jnp.asarray(v.reshape(-1)) for k, v in tabs.items()}
        rels = [
            F.sub(F.sub(F.add(g["G_W_full"], F.mul(g["V"], c(hf))), F.mul(g["G_W"], c(1 << f))),
                  g["G_W_rem"]),
            F.sub(F.sub(F.add(g["G_W"], F.mul(g["V"], c(he))), F.mul(g["U"], c(1 << e))),
                  g["U_rem"]),
            F.add(F.sub(g["W_next"], g["W"]), g["U"]),
            F.sub(g["W_next"], g["W_shift"]),
            F.sub(g["U_rem"], g["Rec_U"]),
            F.sub(g["G_W_rem"], g["Rec_G"]),
        ]
        acc = None
        for k, rel in enumerate(rels):
            rk = jnp.broadcast_to(jnp.asarray(rho[k]), rel.shape + (2,))
            term = F.ext_mul_base(rk, rel)
            acc = term if acc is None else F.ext_add(acc, term)
        return np.asarray(acc)


def _combine_int(rho, ev: dict, v_eval, st: Statement):
    """sum_k rho_k rel_k~ at a point from the evaluations (host ints, extension pairs)."""
    f, e = st.frac_bits, st.lr_shift
    hf, he = _offset(st.rounding, f), _offset(st.rounding, e)
    add, sub, mul = F.int_ext_add, F.int_ext_sub, F.int_ext_mul

    def sc(k):
        return (k % F.P, 0)

    rels = [
        sub(sub(add(ev["G_W_full"], mul(sc(hf), v_eval)), mul(sc(1 << f), ev["G_W"])),
            ev["G_W_rem"]),
        sub(sub(add(ev["G_W"], mul(sc(he), v_eval)), mul(sc(1 << e), ev["U"])), ev["U_rem"]),
        add(sub(ev["W_next"], ev["W"]), ev["U"]),
        sub(ev["W_next"], ev["W_shift"]),
        sub(ev["U_rem"], ev["Rec_U"]),
        sub(ev["G_W_rem"], ev["Rec_G"]),
    ]
    acc = (0, 0)
    for k, rel in enumerate(rels):
        acc = add(acc, mul(F.int_ext(rho[k]), rel))
    return acc


def _bits_table(st: Statement) -> np.ndarray:
    """Flattened padded Bits [2 * Tp * Lp * R * C * NB] (base field)."""
    bits = np.asarray(st.tensors["Bits"])
    pad = [(0, 0), (0, st.Tp - bits.shape[1]), (0, st.Lp - bits.shape[2])] + [(0, 0)] * 3
    return np.pad(bits, pad).reshape(-1)


# ============================================================================== prove/verify
def prove_fac4dnn(statement: Statement, *, transcript: Optional[Transcript] = None,
                  bind: bool = True) -> Fac4dnnProof:
    """Prove the FAC4DNN statement (all matmuls, updates, chain, remainder ranges).

    The prover does not check the statement; on a false one it outputs a proof that the
    verifier rejects (with overwhelming probability).

    Args:
      statement: from :func:`fac4dnn_statement`.
      transcript: None -> ``Transcript("jaxgraph.zk.fac4dnn")``; a given one is used as is
        (the verifier must start from the same state).
      bind: absorb SHA-256 digests of every statement tensor (False in the committed mode,
        where the caller's transcript already holds a commitment).
    """
    st = statement
    tr = _begin(st, transcript, bind)
    # --- part 1: matmuls
    mm = []
    for label, a, w, z in matmul_instances(st):
        mm.append(M.prove(a, w, z, transcript=tr, label=label))
    # --- part 2a: RLC zero check over the weight domain
    tabs = _weight_tables(st)
    rho = tr.challenges(_LABEL + "/linear/rho", NUM_RELATIONS)
    r = tr.challenges(_LABEL + "/linear/r", st.weight_vars)
    ptab = _relation_table(tabs, st, rho)
    with x64():
        eq = np.asarray(mle.eq_table(r))
    lin_proof, point, _, _ = S.prove([eq, ptab], tr, label=_LABEL + "/linear/sumcheck")
    with x64():
        evals = np.stack([np.asarray(mle.evaluate(tabs[name].reshape(-1), point))
                          for name in EVAL_NAMES]).astype(np.uint64)
    tr.append(_LABEL + "/linear/evals", evals)
    # --- part 2b: binary check of the bit decompositions
    r2 = tr.challenges(_LABEL + "/binary/r", st.bit_vars)
    bin_proof, b_eval = S.prove_binary(_bits_table(st), r2, tr, label=_LABEL + "/binary/sumcheck",
                                       eval_label=_LABEL + "/binary/b_eval")
    return Fac4dnnProof(matmul=tuple(mm), linear=lin_proof, evals=evals, binary=bin_proof,
                        b_eval=b_eval)


def _is_ext(x, shape) -> bool:
    x = np.asarray(x)
    return x.dtype == np.uint64 and x.shape == shape and F.is_canonical(x)


def verify_fac4dnn_detailed(statement: Statement, proof: Fac4dnnProof, *,
                            transcript: Optional[Transcript] = None,
                            claims=None) -> Fac4dnnVerdict:
    """Verify a FAC4DNN proof against the statement; returns ``Fac4dnnVerdict(ok, reason)``
    (unpackable as ``(ok, reason)``). Malformed proofs are rejected, never raised.

    ``claims``: a :class:`jaxgraph.zk.claims.ClaimSink` for the committed mode: the statement may
    be public only (:meth:`Statement.public`), no digests are absorbed (the caller's transcript
    holds a commitment), and instead of the oracle checks the final evaluations become claims
    ``<matmul label>/{A,W,Z}`` (stacked instance tables of :func:`matmul_instances`, zero-padded
    by :mod:`matmul` to powers of two), ``fac4dnn/<name>`` for :data:`EVAL_NAMES` (weight domain
    ``[Tp, Lp, R, C]``) and ``fac4dnn/Bits`` (the padded ``[2, Tp, Lp, R, C, NB]`` table).
    """
    st = statement
    committed = claims is not None
    try:
        if not isinstance(proof, Fac4dnnProof):
            return Fac4dnnVerdict(False, "malformed proof: not a Fac4dnnProof")
        if committed and transcript is None:
            raise ValueError("verify_fac4dnn: claims= needs the caller's (committed) transcript")
        instances = matmul_dims(st) if committed else matmul_instances(st)
        if not isinstance(proof.matmul, (tuple, list)) or len(proof.matmul) != len(instances):
            return Fac4dnnVerdict(False, f"malformed proof: expected {len(instances)} matmul "
                                  f"proofs")
        if not _is_ext(proof.evals, (len(EVAL_NAMES), 2)):
            return Fac4dnnVerdict(False, "malformed proof: evals must be canonical uint64 [10, 2]")
        if not _is_ext(proof.b_eval, (2,)):
            return Fac4dnnVerdict(False, "malformed proof: b_eval must be canonical uint64 [2]")
        for name in ("linear", "binary"):
            if not isinstance(getattr(proof, name), S.SumcheckProof):
                return Fac4dnnVerdict(False, f"malformed proof: {name} is not a SumcheckProof")
        tr = _begin(st, transcript, bind=not committed)
        # --- part 1
        for inst, p in zip(instances, proof.matmul):
            label = inst[0]
            if not isinstance(p, M.MatmulProof):
                return Fac4dnnVerdict(False, f"malformed proof: {label} is not a MatmulProof")
            if committed:
                v, pts = M._verify_core(inst[1], p, tr, label, None)
                if v.ok:
                    r_t, r_i, r_j, r_b, r_t2 = pts
                    claims.add(label + "/Z", mle.tensor_point(r_t, r_i, r_j), p.z_eval)
                    claims.add(label + "/A", mle.tensor_point(r_t2, r_i, r_b), p.a_eval)
                    claims.add(label + "/W", mle.tensor_point(r_t2, r_b, r_j), p.w_eval)
            else:
                v = M.verify_detailed(*inst[1:], p, transcript=tr, label=label)
            if not v.ok:
                return Fac4dnnVerdict(False, f"matmul ({label}): {v.reason}")
        # --- part 2a
        rho = tr.challenges(_LABEL + "/linear/rho", NUM_RELATIONS)
        r = tr.challenges(_LABEL + "/linear/r", st.weight_vars)
        zero = np.zeros(2, np.uint64)
        res = S.verify(zero, proof.linear, tr, num_vars=st.weight_vars, degree=2,
                       label=_LABEL + "/linear/sumcheck")
        if not res.ok:
            return Fac4dnnVerdict(False, "linear relations: sumcheck: " + res.reason)
        tr.append(_LABEL + "/linear/evals", proof.evals)
        ev = {name: F.int_ext(proof.evals[i]) for i, name in enumerate(EVAL_NAMES)}
        with x64():
            v_eval = F.int_ext(np.asarray(mle.evaluate(_valid_mask(st).reshape(-1), res.point)))
        rhs = F.int_ext_mul(mle.eq_eval_int(r, res.point), _combine_int(rho, ev, v_eval, st))
        if rhs != F.int_ext(res.expected):
            return Fac4dnnVerdict(False, "linear relations: final value != eq * sum rho_k rel_k")
        if committed:
            for i, name in enumerate(EVAL_NAMES):
                claims.add(f"{_LABEL}/{name}", res.point, proof.evals[i])
        tabs = {} if committed else _weight_tables(st)
        with x64():
            for i, name in enumerate(EVAL_NAMES if not committed else ()):
                true = np.asarray(mle.evaluate(tabs[name].reshape(-1), res.point))
                if not (true == proof.evals[i]).all():
                    return Fac4dnnVerdict(False, f"linear relations: oracle check of {name} "
                                          f"failed")
        # --- part 2b
        r2 = tr.challenges(_LABEL + "/binary/r", st.bit_vars)
        ok, why, z2 = S.verify_binary(proof.binary, proof.b_eval, r2, tr, label=_LABEL + "/binary/sumcheck",
                                      eval_label=_LABEL + "/binary/b_eval")
        if not ok:
            return Fac4dnnVerdict(False, "binary check: " + why)
        if committed:
            claims.add(_LABEL + "/Bits", z2, proof.b_eval)
            return Fac4dnnVerdict(True)
        with x64():
            true_b = np.asarray(mle.evaluate(_bits_table(st), z2))
        if not (true_b == proof.b_eval).all():
            return Fac4dnnVerdict(False, "binary check: oracle check of Bits failed")
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        return Fac4dnnVerdict(False, f"malformed proof: {exc}")
    return Fac4dnnVerdict(True)


def verify_fac4dnn(statement: Statement, proof: Fac4dnnProof, *,
                   transcript: Optional[Transcript] = None) -> bool:
    """True iff ``proof`` verifies for ``statement`` (see :func:`verify_fac4dnn_detailed`)."""
    return verify_fac4dnn_detailed(statement, proof, transcript=transcript).ok
