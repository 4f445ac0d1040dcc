r"""zkReLU: proof of the ReLU layers and their backpropagation, with auxiliary bit inputs.

Paper: Sun et al., "zkDL: Efficient Zero-Knowledge Proofs of Deep Learning Training", zkReLU.
The ReLU is not arithmetic; zkDL proves it from *auxiliary inputs*: the sign bits and bit
decompositions of the rescaled pre-activations and of the remainders left by every rescale, and
proves all relations together with ONE sumcheck plus a binary check on the bits. This module is
that proof for every hidden layer of every step of a fixed-point trace
(:mod:`jaxgraph.zk.fixed_point`), in the same design as :mod:`jaxgraph.zk.matmul`: statement
digests in the Fiat-Shamir transcript, random challenges, sumchecks, final evaluation claims and
*oracle checks*, which in this first (uncommitted) version the verifier performs by evaluating
the MLEs of the tables it holds directly. Not zero-knowledge (nothing is masked or committed).

Statement (one hidden layer l < L of one step; all tensors [B, d_l], signed integers embedded
in F_p with ``field.from_signed``; record indexing of ``fixed_point``)
---------------------------------------------------------------------------------------------
=========  ===========================================  =====================================
name       meaning                                      taken from
=========  ===========================================  =====================================
Z          pre-rescale product A_{l-1} W_l (scale 2^2f)  ``layers[l-1].Z``
Zq         Z' = rescaled pre-activation                 ``layers[l-1].Zq``
R          remainder of Z's rescale, in [0, 2^f)        ``layers[l-1].Z_rem``
S          sign bit of Z'                               ``layers[l-1].S``
A          ReLU output A_l                              ``layers[l-1].A_out``
GA         G'_A = gradient w.r.t. A_l (this layer's     ``layers[l].G_A_in`` -- the record of
           OUTPUT), scale 2^f                           the NEXT layer l+1 (its G_A_in)
GA_full    G_Z(l+1) W_{l+1}^T before rescaling          ``layers[l].G_A_in_full``
RG         remainder of GA_full's rescale, [0, 2^f)     ``layers[l].G_A_in_rem``
GZ         G_Z = gradient w.r.t. Z_l                    ``layers[l-1].G_Z``
=========  ===========================================  =====================================

Stacking layout
---------------
Slot ``s = t * H + (l - 1)`` holds hidden layer l (1..H, H = L - 1) of the t-th record given
(``trace[t]``). Every tensor is zero-padded to ``[Sp, Bp, Wp]`` (powers of two >= number of slots,
batch B, max hidden width) and flattened C-order: ``x = (s * Bp + b) * Wp + w``; with the MLE
conventions of ``mle.py`` the w-variables are the lowest, then b, then s. Hidden widths may
differ (each slot is padded to Wp); the *validity mask* V (1 on real entries, 0 on padding) is
public, computed by both sides from the shape. T = Sp * Bp * Wp = 2^n.

Auxiliary inputs: bit planes, ONE layout
----------------------------------------
``bit_planes: uint64[Jp, T]``, plane j is a table over the same stacked hypercube as the tensors
(same stride T for every plane; in flattened form entry ``j * T + x``, i.e. the plane index
occupies the HIGH variables). Planes, with Q = ``bits`` (width incl. sign) and f = frac_bits::

    j in [0, Q)            bits z_i of Z'   (two's complement, LSB first; z_{Q-1} = sign)
    j in [Q, Q + f)        bits r_i of R    (unsigned, LSB first)
    j in [Q + f, 2Q + f)   bits g'_i of G'_A (two's complement, LSB first)
    j in [2Q + f, 2Q + 2f) bits g_i of RG   (unsigned, LSB first)
    j in [2Q + 2f, Jp)     zero planes (padding to a power of two)

Two's complement weights: ``c_i = 2^i`` (i < Q - 1), ``c_{Q-1} = -2^(Q-1)``. The sign is
DEFINED by the decomposition (S must equal plane Q - 1), not detected heuristically. G'_A is
decomposed too: without a range on G'_A relation (5) would admit 2^f solutions (G'_A, RG) in
F_p, all but one with G'_A huge.

Relations (vector identities over all T positions; h = 0 for ``rounding="floor"``, 2^(f-1)
for ``"nearest"``)::

    (1) Z + h V - 2^f Zq - R          = 0
    (2) Zq - sum_i c_i z_i            = 0
    (3) R - sum_{i<f} 2^i r_i         = 0
    (4) A - (1 - S) Zq                = 0
    (5) GA_full + h V - 2^f GA - RG   = 0
    (6) RG - sum_{i<f} 2^i g_i        = 0
    (7) GZ - (1 - S) GA               = 0
    (8) S - z_{Q-1}                   = 0
    (9) GA - sum_i c_i g'_i           = 0
    (B) b (b - 1) = 0 for every bit plane entry (all Jp planes, all positions).

With (B), (2)-(3), (6), (8)-(9): Z', G'_A in [-2^(Q-1), 2^(Q-1)), R, RG in [0, 2^f), S in {0,1}
and S = [Z' < 0] (the top bit of a two's complement number). Then (1) forces Z to be the integer
2^f Z' + R - h, |Z| < 2^(Q-1+f) + 2^f, so Z' = floor((Z + h) / 2^f) and R its remainder exactly
(Q + f <= 62 keeps every such integer far below p/2, so the field identity is an integer one);
likewise (5) for GA_full; (4) and (7) are then ReLU and its backward pass. No separate range
assumption on Z or GA_full is needed.

Protocol (transcript label prefix ``label``, default "relu")
-----------------------------------------------------------
1. ``label/params`` = [f, Q, h, B, #slots, Sp, Bp, Wp, Jp, widths...]; then, when
   :func:`prove_relu` / :func:`verify_relu` create the transcript themselves
   (``Transcript("jaxgraph.zk.relu")``), SHA-256 digests of every tensor and of the bit planes
   (``label/statement/<name>``, ``label/statement/bits``) -- the stand-in for commitments.
2. Challenges r in F_{p^2}^n (``label/r``) and rho_1..rho_9 (``label/rho``).
3. Relation sumcheck (``label/relations``): 0 = sum_x eq(r, x) [L(x) + S(x) M(x)] with
   L = sum_k rho_k (linear part of rel_k) and M = rho_4 Zq + rho_7 GA (the quadratic parts of
   (4) and (7) are S*Zq and S*GA). The sumcheck module proves ONE product of tables, so the
   two terms are merged by stacking along one extra (top) variable y:
   ``sum_{x,y} E'(x,y) P(x,y) Q(x,y)`` with E' = eq(r, x), P = (1-y) L + y S,
   Q = (1-y) + y M -- degree 3, n + 1 rounds, claim 0.
   At its point (x*, y*) the prover sends the evaluations of the 9 tensors and of the
   2Q + 2f bit planes at x* (``label/evals``, ``label/plane_evals``); the verifier recomputes
   L(x*), M(x*) from them (and V~(x*), which it evaluates itself) and checks the final value
   ``eq(r, x*) ((1-y*) L* + y* S*) ((1-y*) + y* M*)``.
4. Binary check (``label/binary``): challenges r' in F_{p^2}^(n + log Jp) (``label/r_bits``),
   sumcheck of 0 = sum_{j,x} eq(r', (x, j)) b_j(x) (b_j(x) - 1) over the flattened bit table
   (the random plane weights mu_j of zkDL are mu_j = eq(r'_planes, j)); degree 3. The prover
   sends ``B~(z)`` at the final point z (``label/bit_eval``); the verifier checks
   ``eq(r', z) b (b - 1)``.
5. Oracle checks: every claimed evaluation against the tables (direct MLE evaluation), or, in
   the committed mode (``verify_relu_detailed(..., claims=sink)``), the claims handed to the
   caller, who proves them by openings of its commitment (:mod:`jaxgraph.zk.claims`).

Proof size: 4 (n + 1) + 4 (n + log Jp) + 9 + (2Q + 2f) + 1 extension elements (x2 words).
Soundness error (interactive, union bound): (n + 1 + 3 (n + 1)) / p^2 for step 3 (random r,
random rho, sumcheck) plus (n + log Jp + 3 (n + log Jp)) / p^2 for step 4.
"""
from __future__ import annotations

import dataclasses
from typing import Optional

import jax
import jax.numpy as jnp
import numpy as np

from jaxgraph.zk import field as F
from jaxgraph.zk import mle
from jaxgraph.zk import sumcheck as SC
from jaxgraph.zk._x64 import x64
from jaxgraph.zk.fixed_point import rounding_offset as _offset
from jaxgraph.zk.mle import log2_floor as _log2
from jaxgraph.zk.mle import pow2_ceil as _pow2
from jaxgraph.zk.transcript import Transcript, digest_elements
from jaxgraph.zk.verdict import Verdict

__all__ = ["TENSORS", "NUM_RELATIONS", "ReluStatement", "ReluProof", "ReluVerdict",
           "relu_statement", "relu_statement_from_ints", "min_bits", "decompose",
           "prove_relu", "verify_relu", "verify_relu_detailed", "soundness_error",
           "public_statement"]

TENSORS = ("Z", "Zq", "R", "S", "A", "GA", "GA_full", "RG", "GZ")
"""Statement tensors, in the order of ``ReluProof.tensor_evals``."""
NUM_RELATIONS = 9
_PROTOCOL = "jaxgraph.zk.relu"


def decompose(x, width: int, signed: bool) -> np.ndarray:
    """Bit decomposition, LSB first: int64 [...] -> int64 [width, ...] of 0/1.

    signed: two's complement ``x = -2^(w-1) b_{w-1} + sum_{i<w-1} 2^i b_i`` (requires
    ``-2^(w-1) <= x < 2^(w-1)``); unsigned: ``x = sum 2^i b_i`` (``0 <= x < 2^w``).

    Raises:
      ValueError: a value is out of range.
    """
    x = np.asarray(x, np.int64)
    if width == 0:
        lo, hi = 0, 1
    elif signed:
        lo, hi = -(1 << (width - 1)), 1 << (width - 1)
    else:
        lo, hi = 0, 1 << width
    if x.size and (int(x.min()) < lo or int(x.max()) >= hi):
        raise ValueError(f"value out of the {'signed' if signed else 'unsigned'} {width}-bit "
                         f"range [{lo}, {hi}): min {int(x.min())}, max {int(x.max())}")
    u = x & np.int64((1 << width) - 1) if width < 63 else x
    return np.stack([(u >> np.int64(i)) & 1 for i in range(width)]) if width else \
        np.zeros((0,) + x.shape, np.int64)


# ----------------------------------------------------------------------------- statement
@dataclasses.dataclass(frozen=True, eq=False)
class ReluStatement:
    """The stacked zkReLU statement (see the module docstring for the layout).

    Attributes:
      frac_bits: f (every rescale here is by 2^f).  bits: Q (two's complement width of Z', G'_A).
      offset: h (0 floor, 2^(f-1) nearest).   batch: B.
      widths: hidden width of every slot (tuple, one per slot).
      shape: (Sp, Bp, Wp) padded stacked shape; T = Sp * Bp * Wp.
      tensors: {name: uint64 [T]} for the names of :data:`TENSORS` (canonical field elements).
      bit_planes: uint64 [Jp, T] (layout in the module docstring).
    """
    frac_bits: int
    bits: int
    offset: int
    batch: int
    widths: tuple
    shape: tuple
    tensors: dict
    bit_planes: np.ndarray

    # --- layout helpers
    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def num_vars(self) -> int:
        return _log2(self.size)

    @property
    def num_planes(self) -> int:
        """2Q + 2f real bit planes (Jp = bit_planes.shape[0] >= this, a power of two)."""
        return 2 * self.bits + 2 * self.frac_bits

    @property
    def jp(self) -> int:
        """Jp = pow2(2Q + 2f), the number of bit-plane rows."""
        return _pow2(max(self.num_planes, 1))

    def public(self) -> "ReluStatement":
        """The public part only (parameters and shapes; ``tensors`` / ``bit_planes`` None): what
        the committed-mode verifier knows."""
        return dataclasses.replace(self, tensors=None, bit_planes=None)

    def plane(self, group: str, i: int) -> int:
        """Plane index of bit i of group ``"Zq"``, ``"R"``, ``"GA"`` or ``"RG"``."""
        q, f = self.bits, self.frac_bits
        start, width = {"Zq": (0, q), "R": (q, f), "GA": (q + f, q), "RG": (2 * q + f, f)}[group]
        if not 0 <= i < width:
            raise IndexError(f"bit {i} of {group}: width {width}")
        return start + i

    def index(self, slot: int, b: int, w: int) -> int:
        """Flat position x of entry (slot, b, w)."""
        _, bp, wp = self.shape
        return (slot * bp + b) * wp + w

    def validity(self) -> np.ndarray:
        """Public mask V: uint64 [T], 1 on real entries, 0 on padding."""
        sp, bp, wp = self.shape
        v = np.zeros((sp, bp, wp), np.uint64)
        for s, d in enumerate(self.widths):
            v[s, :self.batch, :d] = 1
        return v.reshape(-1)

    def signed(self, name: str) -> np.ndarray:
        """A tensor lifted back to int64, shape [Sp, Bp, Wp]."""
        return np.asarray(F.to_signed(self.tensors[name]), np.int64).reshape(self.shape)

    # --- tampering helpers (tests, experiments): return a modified copy
    def with_entry(self, name: str, slot: int, b: int, w: int, value: int) -> "ReluStatement":
        t = dict(self.tensors)
        arr = t[name].copy()
        arr[self.index(slot, b, w)] = np.uint64(int(value) % F.P)
        t[name] = arr
        return dataclasses.replace(self, tensors=t)

    def with_bit(self, plane: int, slot: int, b: int, w: int, value: int) -> "ReluStatement":
        bp = self.bit_planes.copy()
        bp[plane, self.index(slot, b, w)] = np.uint64(int(value) % F.P)
        return dataclasses.replace(self, bit_planes=bp)

    def with_position(self, x: int, name: str, value: int) -> "ReluStatement":
        """Set tensor ``name`` at flat position x (also padding positions)."""
        t = dict(self.tensors)
        arr = t[name].copy()
        arr[x] = np.uint64(int(value) % F.P)
        t[name] = arr
        return dataclasses.replace(self, tensors=t)


def min_bits(trace_or_ints) -> int:
    """Smallest two's complement width Q (incl. sign) holding every Z' and G'_A of the
    statement (a Trace/list of StepRecords, or the ints dict of :func:`relu_statement_from_ints`)."""
    ints = trace_or_ints if isinstance(trace_or_ints, dict) else _ints_from_records(trace_or_ints)
    m = 0
    for name in ("Zq", "GA"):
        for x in ints[name]:
            x = np.asarray(x, np.int64)
            if x.size:
                m = max(m, int(x.max()).bit_length(), (-int(x.min()) - 1).bit_length())
    return m + 1


def _records(trace):
    if hasattr(trace, "layers"):  # a single StepRecord
        return [trace]
    return list(trace)


def _ints_from_records(trace) -> dict:
    recs = _records(trace)
    if not recs:
        raise ValueError("relu_statement: empty trace")
    out = {k: [] for k in TENSORS}
    for rec in recs:
        L = len(rec.layers)
        if L < 2:
            raise ValueError("relu_statement: the network has no hidden (ReLU) layer")
        for l in range(1, L):  # hidden layer l; its record is layers[l-1], the next one layers[l]
            cur, nxt = rec.layers[l - 1], rec.layers[l]
            if not cur.hidden or cur.S is None:
                raise ValueError(f"step {rec.step} layer {l}: not a hidden layer record")
            for name, x in (("Z", cur.Z), ("Zq", cur.Zq), ("R", cur.Z_rem), ("S", cur.S),
                            ("A", cur.A_out), ("GA", nxt.G_A_in), ("GA_full", nxt.G_A_in_full),
                            ("RG", nxt.G_A_in_rem), ("GZ", cur.G_Z)):
                if x is None:
                    raise ValueError(f"step {rec.step} layer {l}: {name} missing from the record")
                out[name].append(np.asarray(x, np.int64))
    return out


def relu_statement_from_ints(ints: dict, *, frac_bits: int, bits: int = 24,
                             rounding: str = "nearest") -> ReluStatement:
    """Build the stacked statement (with its bit planes) from signed integer tensors.

    Args:
      ints: {name: list (one entry per slot) of int64 arrays [B, d_s]} for every name in
        :data:`TENSORS` (slot order = the stacking order).
      frac_bits: f.  bits: Q, two's complement width (incl. sign) of Z' and G'_A.
      rounding: "floor" (h = 0) or "nearest" (h = 2^(f-1)).

    Raises:
      ValueError: inconsistent shapes, Q + f > 62, or a value outside its range (Z', G'_A outside
        Q-bit two's complement, a remainder outside [0, 2^f)); S is NOT checked here (the proof
        checks S = sign bit of Z').
    """
    f, q = int(frac_bits), int(bits)
    if not 0 <= f <= 30 or q < 1 or q + f > 62:
        raise ValueError(f"need 0 <= frac_bits <= 30, bits >= 1, bits + frac_bits <= 62; "
                         f"got f={f}, Q={q}")
    h = _offset(rounding, f)
    n_slots = len(ints["Z"])
    if n_slots == 0 or any(len(ints[k]) != n_slots for k in TENSORS):
        raise ValueError("relu_statement: every tensor needs one array per slot")
    shapes = [np.shape(x) for x in ints["Z"]]
    if any(len(s) != 2 for s in shapes) or len({s[0] for s in shapes}) != 1:
        raise ValueError(f"relu_statement: tensors must be [B, d] with one batch size, got {shapes}")
    for k in TENSORS:
        for s, x in enumerate(ints[k]):
            if np.shape(x) != shapes[s]:
                raise ValueError(f"slot {s}: {k} has shape {np.shape(x)}, Z has {shapes[s]}")
    batch = shapes[0][0]
    widths = tuple(int(s[1]) for s in shapes)
    shape = (_pow2(n_slots), _pow2(batch), _pow2(max(widths)))
    T = int(np.prod(shape))

    def stack(name, arrays):
        buf = np.zeros(shape, np.int64)
        for s, x in enumerate(arrays):
            buf[s, :batch, :widths[s]] = x
        return buf.reshape(-1)

    signed = {k: stack(k, ints[k]) for k in TENSORS}
    for k, v in signed.items():
        if v.size and np.abs(v).max() >= (1 << 62):
            raise ValueError(f"relu_statement: |{k}| >= 2^62")
    groups = [decompose(signed["Zq"], q, True), decompose(signed["R"], f, False),
              decompose(signed["GA"], q, True), decompose(signed["RG"], f, False)]
    planes = np.concatenate(groups, axis=0)
    jp = _pow2(planes.shape[0])
    bit_planes = np.zeros((jp, T), np.uint64)
    bit_planes[:planes.shape[0]] = planes.astype(np.uint64)
    tensors = {k: np.asarray(F.from_signed(v), np.uint64) for k, v in signed.items()}
    return ReluStatement(frac_bits=f, bits=q, offset=h, batch=int(batch), widths=widths,
                         shape=shape, tensors=tensors, bit_planes=bit_planes)


def relu_statement(trace, bits: int = 24) -> ReluStatement:
    """The zkReLU statement of every hidden layer of every step of a fixed-point trace.

    Args:
      trace: a :class:`fixed_point.Trace` / list of :class:`StepRecord` (or one record); all
        records must share frac_bits, rounding and batch size.
      bits: Q (see :func:`min_bits` for the smallest width the trace needs).
    """
    recs = _records(trace)
    if not recs:
        raise ValueError("relu_statement: empty trace")
    f, rounding = recs[0].frac_bits, recs[0].rounding
    if any(r.frac_bits != f or r.rounding != rounding for r in recs):
        raise ValueError("relu_statement: records differ in frac_bits or rounding")
    return relu_statement_from_ints(_ints_from_records(recs), frac_bits=f, bits=bits,
                                    rounding=rounding)


def public_statement(*, frac_bits: int, bits: int, offset: int, batch: int,
                     widths) -> ReluStatement:
    """The public part of a statement (no tables) for the committed-mode verifier."""
    widths = tuple(int(w) for w in widths)
    if not widths:
        raise ValueError("public_statement: widths must not be empty")
    shape = (_pow2(len(widths)), _pow2(int(batch)), _pow2(max(widths)))
    st = ReluStatement(frac_bits=int(frac_bits), bits=int(bits), offset=int(offset),
                       batch=int(batch), widths=widths, shape=shape, tensors=None, bit_planes=None)
    _check_public(st)
    return st


def _check_public(st: ReluStatement):
    if not isinstance(st, ReluStatement):
        raise ValueError(f"expected a ReluStatement, got {type(st).__name__}")
    T = st.size
    if T != _pow2(T) or len(st.shape) != 3 or any(d != _pow2(d) for d in st.shape):
        raise ValueError(f"statement shape {st.shape} is not a power-of-two shape")
    if len(st.widths) > st.shape[0] or st.batch > st.shape[1] or max(st.widths) > st.shape[2]:
        raise ValueError("statement widths/batch do not fit its padded shape")
    if st.bits + st.frac_bits > 62 or st.offset not in (0, (1 << (st.frac_bits - 1)) if st.frac_bits else 0):
        raise ValueError("statement parameters out of range")


def _check_statement(st: ReluStatement):
    _check_public(st)
    T = st.size
    if set(st.tensors) != set(TENSORS):
        raise ValueError(f"statement tensors must be {TENSORS}")
    for k in TENSORS:
        x = st.tensors[k]
        if not isinstance(x, np.ndarray) or x.dtype != np.uint64 or x.shape != (T,) \
                or not F.is_canonical(x):
            raise ValueError(f"statement tensor {k} must be a canonical uint64 [{T}]")
    bp = st.bit_planes
    if not isinstance(bp, np.ndarray) or bp.dtype != np.uint64 or bp.ndim != 2 \
            or bp.shape[1] != T or bp.shape[0] != _pow2(max(st.num_planes, 1)) \
            or not F.is_canonical(bp):
        raise ValueError(f"bit_planes must be canonical uint64 [{_pow2(max(st.num_planes, 1))}, {T}]")


def _as_statement(x, bits) -> ReluStatement:
    if isinstance(x, ReluStatement):
        _check_statement(x)
        return x
    return relu_statement(x, bits)


# ------------------------------------------------------------------------ coefficients
def _columns(st: ReluStatement) -> list:
    """Names of the linear-combination columns: V, the tensors, the 2Q + 2f real planes."""
    return ["V"] + list(TENSORS) + [f"plane{j}" for j in range(st.num_planes)]


def _coefficients(st: ReluStatement, rho) -> tuple:
    """Host (Python int) coefficients of L = sum_k rho_k lin_k and M = rho_4 Zq + rho_7 GA,
    per column of :func:`_columns`. rho: 9 extension elements (c0, c1). Returns two lists of
    (c0, c1) tuples."""
    cols = _columns(st)
    pos = {c: i for i, c in enumerate(cols)}
    Lc = [(0, 0)] * len(cols)
    Mc = [(0, 0)] * len(cols)
    q, f, h = st.bits, st.frac_bits, st.offset

    def add(target, col, k, c):
        r = rho[k - 1]
        i = pos[col]
        target[i] = F.int_ext_add(target[i], (r[0] * c % F.P, r[1] * c % F.P))

    def tc(i):  # two's complement weight of bit i of a Q-bit number
        return -(1 << i) if i == q - 1 else (1 << i)

    P = lambda g, i: f"plane{st.plane(g, i)}"  # noqa: E731
    # (1) Z + h V - 2^f Zq - R
    add(Lc, "Z", 1, 1); add(Lc, "V", 1, h); add(Lc, "Zq", 1, -(1 << f)); add(Lc, "R", 1, -1)
    # (2) Zq - sum c_i z_i
    add(Lc, "Zq", 2, 1)
    for i in range(q):
        add(Lc, P("Zq", i), 2, -tc(i))
    # (3) R - sum 2^i r_i
    add(Lc, "R", 3, 1)
    for i in range(f):
        add(Lc, P("R", i), 3, -(1 << i))
    # (4) A - Zq + S Zq
    add(Lc, "A", 4, 1); add(Lc, "Zq", 4, -1); add(Mc, "Zq", 4, 1)
    # (5) GA_full + h V - 2^f GA - RG
    add(Lc, "GA_full", 5, 1); add(Lc, "V", 5, h); add(Lc, "GA", 5, -(1 << f)); add(Lc, "RG", 5, -1)
    # (6) RG - sum 2^i g_i
    add(Lc, "RG", 6, 1)
    for i in range(f):
        add(Lc, P("RG", i), 6, -(1 << i))
    # (7) GZ - GA + S GA
    add(Lc, "GZ", 7, 1); add(Lc, "GA", 7, -1); add(Mc, "GA", 7, 1)
    # (8) S - z_{Q-1}
    add(Lc, "S", 8, 1); add(Lc, P("Zq", q - 1), 8, -1)
    # (9) GA - sum c_i g'_i
    add(Lc, "GA", 9, 1)
    for i in range(q):
        add(Lc, P("GA", i), 9, -tc(i))
    return Lc, Mc


def _column_matrix(st: ReluStatement) -> np.ndarray:
    """uint64 [K, T]: V, the tensors, the real planes (order of :func:`_columns`)."""
    rows = [st.validity()] + [st.tensors[k] for k in TENSORS] + list(st.bit_planes[:st.num_planes])
    return np.stack(rows)


@jax.jit
def _lincomb(coeffs, cols):
    """sum_k coeffs[k] * cols[k]: ext [K, 2] x base [K, T] -> ext [T, 2]."""
    return F._ext_sum(F._ext_mul_base(coeffs[:, None, :], cols), 0)


@jax.jit
def _evals_at(cols, eq):
    """MLE of every column at the point whose eq table is ``eq``: [K, T] x [T, 2] -> [K, 2]."""
    return F._ext_sum(F._ext_mul_base(jnp.broadcast_to(eq[None], cols.shape + (2,)), cols), 1)


def _relation_tables(st, r, Lc, Mc, cols):
    """Stacked tables [3, 2T, 2] of the relation sumcheck (y = top variable)."""
    with x64():
        cols_j = jnp.asarray(cols)
        L = _lincomb(jnp.asarray(np.array(Lc, np.uint64)), cols_j)
        M = _lincomb(jnp.asarray(np.array(Mc, np.uint64)), cols_j)
        E = mle.eq_table(r)
        S = F.ext_embed(jnp.asarray(st.tensors["S"]))
        one = jnp.zeros_like(E).at[:, 0].set(1)
        return jnp.stack([jnp.concatenate([E, E]), jnp.concatenate([L, S]),
                          jnp.concatenate([one, M])])


def _evaluate_columns(cols, point) -> np.ndarray:
    with x64():
        return np.asarray(_evals_at(jnp.asarray(cols), mle.eq_table(point)))


# -------------------------------------------------------------------------------- proof
@dataclasses.dataclass(frozen=True)
class ReluProof:
    """Non-interactive zkReLU proof (numpy uint64; extension elements [2]).

    Attributes:
      relations: :class:`sumcheck.SumcheckProof` of the merged relations, [n + 1, 4, 2].
      tensor_evals: [9, 2], the tensors of :data:`TENSORS` at x* (first n relation challenges).
      plane_evals: [2Q + 2f, 2], every real bit plane at x*.
      binary: :class:`sumcheck.SumcheckProof` of the binary check, [n + log Jp, 4, 2].
      bit_eval: [2], the flattened bit table B~ at the binary check's final point.
    """
    relations: SC.SumcheckProof
    tensor_evals: np.ndarray
    plane_evals: np.ndarray
    binary: SC.SumcheckProof
    bit_eval: np.ndarray

    def num_field_elements(self) -> int:
        """Proof size in base-field words."""
        return int(self.relations.round_evals.size + self.tensor_evals.size
                   + self.plane_evals.size + self.binary.round_evals.size + self.bit_eval.size)


ReluVerdict = Verdict  # ok, reason (jaxgraph.zk.verdict)


def _begin(st: ReluStatement, transcript, label, bind: bool):
    params = [st.frac_bits, st.bits, st.offset, st.batch, len(st.widths), *st.shape,
              st.jp, *st.widths]
    transcript.append(label + "/params", np.array(params, np.uint64))
    if bind:
        for k in TENSORS:
            transcript.append_bytes(f"{label}/statement/{k}", digest_elements(k, st.tensors[k]))
        transcript.append_bytes(f"{label}/statement/bits", digest_elements("bits", st.bit_planes))
    r = transcript.challenges(label + "/r", st.num_vars)
    rho = transcript.challenges(label + "/rho", NUM_RELATIONS)
    return r, [F.int_ext(x) for x in rho]


def prove_relu(statement, *, transcript: Optional[Transcript] = None, bits: int = 24,
               label: str = "relu") -> ReluProof:
    """Prove the zkReLU relations (1)-(9) and the binary check (B) of a statement.

    Args:
      statement: a :class:`ReluStatement`, or a fixed-point Trace / list of StepRecords / one
        StepRecord (then :func:`relu_statement` ``(statement, bits)`` builds it).
      transcript: None -> a fresh ``Transcript("jaxgraph.zk.relu")`` that also absorbs digests
        of every statement table; if given, the caller must already have bound the statement
        (e.g. by commitments) and only the public parameters are absorbed.
      bits: Q, used only when building the statement from records.
      label: message-label prefix.

    The prover does not check the statement: on a false one it still outputs a proof, which
    the verifier rejects.
    """
    st = _as_statement(statement, bits)
    bind = transcript is None
    if transcript is None:
        transcript = Transcript(_PROTOCOL)
    r, rho = _begin(st, transcript, label, bind)
    n = st.num_vars
    Lc, Mc = _coefficients(st, rho)
    cols = _column_matrix(st)
    tables = _relation_tables(st, r, Lc, Mc, cols)
    rel_proof, point, _ = SC.Prover(tables).run(transcript, label + "/relations")
    x_star = np.asarray(point)[:n]
    evals = _evaluate_columns(cols, x_star)  # [K, 2], V first
    tensor_evals = evals[1:1 + len(TENSORS)]
    plane_evals = evals[1 + len(TENSORS):]
    transcript.append(label + "/evals", tensor_evals)
    transcript.append(label + "/plane_evals", plane_evals)
    # binary check over the flattened bit table (plane index = high variables)
    jp = st.bit_planes.shape[0]
    r_bits = transcript.challenges(label + "/r_bits", n + _log2(jp))
    bin_proof, bit_eval = SC.prove_binary(st.bit_planes, r_bits, transcript, label=label + "/binary",
                                          eval_label=label + "/bit_eval")
    return ReluProof(relations=rel_proof, tensor_evals=np.asarray(tensor_evals, np.uint64),
                     plane_evals=np.asarray(plane_evals, np.uint64), binary=bin_proof,
                     bit_eval=bit_eval)


def _ext_ok(x, shape) -> bool:
    x = np.asarray(x)
    return x.dtype == np.uint64 and x.shape == shape and F.is_canonical(x)


def _lin_host(coeffs, values):
    acc = (0, 0)
    for c, v in zip(coeffs, values):
        if c != (0, 0):
            acc = F.int_ext_add(acc, F.int_ext_mul(c, v))
    return acc


def verify_relu_detailed(statement, proof: ReluProof, *, transcript: Optional[Transcript] = None,
                         bits: int = 24, label: str = "relu", claims=None) -> ReluVerdict:
    """Verify a :class:`ReluProof` against the statement; returns a verdict with the reason.

    Same ``statement`` / ``transcript`` / ``bits`` / ``label`` conventions as :func:`prove_relu`.
    Malformed statements raise ValueError; malformed or wrong proofs give ``ok=False``.

    ``claims``: a :class:`jaxgraph.zk.claims.ClaimSink` for the committed mode. The statement may
    then be public only (:meth:`ReluStatement.public`), a ``transcript`` must be given (already
    bound to a commitment), and instead of the oracle checks the final evaluations are recorded
    as claims ``label/<tensor>`` and ``label/plane<j>`` at x*, ``label/bits`` (the flattened
    [Jp, T] plane table) at the binary check's point, for the caller to prove by openings.
    """
    if claims is not None:
        if transcript is None:
            raise ValueError("verify_relu: claims= needs the caller's (committed) transcript")
        st = statement
        _check_public(st)
    else:
        st = _as_statement(statement, bits)
    n, jp = st.num_vars, st.jp
    nb = n + _log2(jp)
    # --- well-formedness
    if not isinstance(proof, ReluProof) or not isinstance(proof.relations, SC.SumcheckProof) \
            or not isinstance(proof.binary, SC.SumcheckProof):
        return ReluVerdict(False, "malformed proof")
    if not _ext_ok(proof.tensor_evals, (len(TENSORS), 2)):
        return ReluVerdict(False, f"tensor_evals must be a canonical uint64 [{len(TENSORS)}, 2]")
    if not _ext_ok(proof.plane_evals, (st.num_planes, 2)):
        return ReluVerdict(False, f"plane_evals must be a canonical uint64 [{st.num_planes}, 2]")
    if not _ext_ok(proof.bit_eval, (2,)):
        return ReluVerdict(False, "bit_eval must be a canonical uint64 [2]")
    for name, sc, rounds in (("relation", proof.relations, n + 1), ("binary", proof.binary, nb)):
        ev = np.asarray(sc.round_evals)
        if ev.dtype != np.uint64 or ev.shape != (rounds, 4, 2) or not F.is_canonical(ev):
            return ReluVerdict(False, f"{name} sumcheck: malformed (expected {rounds} rounds of "
                                      f"4 evaluations, got shape {ev.shape})")
    # --- transcript replay: relations
    bind = transcript is None
    if transcript is None:
        transcript = Transcript(_PROTOCOL)
    r, rho = _begin(st, transcript, label, bind)
    zero = np.zeros(2, np.uint64)
    g = [F.int_ext(e) for e in proof.relations.round_evals[0]]
    if F.int_ext_add(g[0], g[1]) != (0, 0):
        return ReluVerdict(False, "relation sumcheck: the random combination of relations "
                                  "(1)-(9) does not sum to 0 (round 1)")
    res = SC.verify(zero, proof.relations, transcript, num_vars=n + 1, degree=3,
                    label=label + "/relations")
    if not res.ok:
        return ReluVerdict(False, "relation sumcheck: " + res.reason)
    x_star, y_star = res.point[:n], F.int_ext(res.point[n])
    transcript.append(label + "/evals", proof.tensor_evals)
    transcript.append(label + "/plane_evals", proof.plane_evals)
    Lc, Mc = _coefficients(st, rho)
    with x64():
        v_eval = np.asarray(mle.evaluate(st.validity(), x_star))  # public mask: verifier's own
    values = [F.int_ext(v_eval)] + [F.int_ext(v) for v in proof.tensor_evals] \
        + [F.int_ext(v) for v in proof.plane_evals]
    L_star, M_star = _lin_host(Lc, values), _lin_host(Mc, values)
    S_star = F.int_ext(proof.tensor_evals[TENSORS.index("S")])
    one = (1, 0)
    not_y = F.int_ext_sub(one, y_star)
    p_star = F.int_ext_add(F.int_ext_mul(not_y, L_star), F.int_ext_mul(y_star, S_star))
    q_star = F.int_ext_add(not_y, F.int_ext_mul(y_star, M_star))
    rhs = F.int_ext_mul(mle.eq_eval_int(r, x_star), F.int_ext_mul(p_star, q_star))
    if rhs != F.int_ext(res.expected):
        return ReluVerdict(False, "relation sumcheck: final value != eq(r, x*) (L* + S* M*) "
                                  "recomputed from the claimed evaluations")
    # --- binary check
    r_bits = transcript.challenges(label + "/r_bits", nb)
    g = [F.int_ext(e) for e in proof.binary.round_evals[0]]
    if F.int_ext_add(g[0], g[1]) != (0, 0):
        return ReluVerdict(False, "binary check: sum eq * b (b - 1) != 0 (round 1): a bit "
                                  "plane entry is not 0/1")
    ok, why, z_bits = SC.verify_binary(proof.binary, proof.bit_eval, r_bits, transcript,
                                       label=label + "/binary", eval_label=label + "/bit_eval")
    if not ok:
        return ReluVerdict(False, "binary check: " + why)
    if claims is not None:  # committed mode: the caller proves these by openings
        for i, k in enumerate(TENSORS):
            claims.add(f"{label}/{k}", x_star, proof.tensor_evals[i])
        for j in range(st.num_planes):
            claims.add(f"{label}/plane{j}", x_star, proof.plane_evals[j])
        claims.add(f"{label}/bits", z_bits, proof.bit_eval)
        return ReluVerdict(True)
    # --- oracle checks (direct MLE evaluations of the tables the verifier holds)
    true = _evaluate_columns(_column_matrix(st), x_star)
    for i, k in enumerate(TENSORS):
        if not (true[1 + i] == proof.tensor_evals[i]).all():
            return ReluVerdict(False, f"oracle check: claimed {k}~(x*) != evaluation of {k}")
    for j in range(st.num_planes):
        if not (true[1 + len(TENSORS) + j] == proof.plane_evals[j]).all():
            return ReluVerdict(False, f"oracle check: claimed evaluation of bit plane {j} is wrong")
    with x64():
        b_true = np.asarray(mle.evaluate(st.bit_planes.reshape(-1), z_bits))
    if not (b_true == proof.bit_eval).all():
        return ReluVerdict(False, "oracle check: bit_eval != B~(z)")
    return ReluVerdict(True)


def verify_relu(statement, proof: ReluProof, *, transcript: Optional[Transcript] = None,
                bits: int = 24, label: str = "relu") -> bool:
    """True iff ``proof`` shows relations (1)-(9) and (B) for ``statement``
    (see :func:`verify_relu_detailed`)."""
    return verify_relu_detailed(statement, proof, transcript=transcript, bits=bits,
                                label=label).ok


def soundness_error(statement: ReluStatement) -> float:
    """Interactive soundness error bound of the module docstring (union bound)."""
    n, jb = statement.num_vars, _log2(statement.bit_planes.shape[0])
    return (n + 1 + 3 * (n + 1) + (n + jb) + 3 * (n + jb)) / float(F.P) ** 2
