r"""Exact fixed-point SGD training of a ReLU MLP: the computation the zkDL proofs speak about.

Paper: Sun et al., "zkDL: Efficient Zero-Knowledge Proofs of Deep Learning Training" (zkReLU
and FAC4DNN). zkDL proves one SGD step of a bias-free ReLU MLP whose every tensor is an integer
(a fixed-point number) embedded in a prime field; every rescaling of a product of two fixed-point
numbers leaves a *remainder* that the prover commits to as an auxiliary input, and the ReLU is
proved from the *sign bits* of the rescaled pre-activations (zkReLU). This module is that
computation, done exactly in host ``numpy.int64`` (no JAX, no x64 flag), producing per step a
record of every tensor the prover needs, plus an independent checker of all relations, a float64
twin for comparison, and the embedding into the Goldilocks field of :mod:`jaxgraph.zk.field`.

Fixed point
-----------
A real ``x`` is the integer ``round(x * 2^f)``, ``f = frac_bits`` (default 16) -- "scale 2^f".
A product of two scale-2^f integers has scale ``2^(2f)`` and is brought back to scale 2^f by
:func:`rescale`: exact floor division ``z = 2^r * q + rem`` with ``0 <= rem < 2^r``, for any sign
of ``z`` (``q = floor(z / 2^r)``).

Network (no bias, as in zkDL)
-----------------------------
``widths = [d_0, d_1, ..., d_L]``; layer ``l = 1..L`` has weights ``W_l`` of shape
``[d_{l-1}, d_l]`` (scale 2^f). A batch is ``A_0 = X`` ``[B, d_0]`` and one-hot targets
``Y = 2^f * onehot`` ``[B, d_L]`` (both scale 2^f).

Forward, for l = 1..L::

    Z_l  = A_{l-1} @ W_l                      [B, d_l], exact, scale 2^(2f)
    Z_l  = 2^f * Z'_l + R_l,   0 <= R_l < 2^f Z'_l scale 2^f
    hidden (l < L):  S_l = [Z'_l < 0] in {0,1},  A_l = (1 - S_l) * Z'_l     (ReLU)
    last   (l = L):  A_L = Z'_L                 (logits, scale 2^f)

Note ``Z'_l < 0  <=>  Z_l < 0`` (floor division by a positive number), so the sign bit is the
sign of the exact product and ``A_l = ReLU(floor(Z_l / 2^f))``.

Loss (squared error; gradient is a shift)
-----------------------------------------
With ``c = 2^-k`` (``k = loss_shift``; default ``k = max(0, round(log2 B) - 1)``, i.e.
``c ~ 2/B``, exactly ``2/B`` when B is a power of two) the real loss is::

    L(A_L) = (c / 2) * sum_{b,j} (A_L[b,j] - Y[b,j])^2       (reals, A_L and Y unscaled)

which for ``B = 2^(k+1)`` is the batch mean of the per-example squared error
``||a_b - y_b||^2``. Its gradient ``c (A_L - Y)`` is computed exactly as::

    D   = A_L - Y                              scale 2^f
    D   = 2^k * G_{Z_L} + R^D,  0 <= R^D < 2^k  G_{Z_L} scale 2^f

Backward, for l = L..1 (all with the *old* weights ``W_l``)::

    G~_{W_l}     = A_{l-1}^T @ G_{Z_l}          [d_{l-1}, d_l], scale 2^(2f)
    G~_{W_l}     = 2^f * G_{W_l} + R^{GW}_l,     0 <= R^{GW}_l < 2^f
    (l >= 2)  G~_{A_{l-1}} = G_{Z_l} @ W_l^T    [B, d_{l-1}], scale 2^(2f)
              G~_{A_{l-1}} = 2^f * G_{A_{l-1}} + R^{GA}_{l-1},  0 <= R^{GA} < 2^f
    hidden (l < L):  G_{Z_l} = (1 - S_l) * G_{A_l}        (G_{A_l} from layer l+1)

The input gradient ``G_{A_0}`` is not needed for training and is not computed (``None`` in the
record of layer 1).

Update (learning rate ``eta = 2^-e``, ``e = lr_shift``)::

    G_{W_l} = 2^e * U_l + R^U_l,   0 <= R^U_l < 2^e
    W_l(t+1) = W_l(t) - U_l

Rounding. Floor rescaling (exactly the relations above) biases every quotient by
up to one unit of ``2^-f`` towards -inf; the bias is systematic (weights drift by ~0.5 unit per
step), visible as a slightly higher training loss than the float twin. ``rounding="nearest"``
rescales ``z + h_r`` instead of ``z``, ``h_r = 2^(r-1)`` a public constant, so every relation
``z = 2^r q + rem`` above becomes ``z + h_r = 2^r q + rem`` (``0 <= rem < 2^r`` unchanged;
``q = round-half-up(z / 2^r)``); the sign bit stays ``S = [Z' < 0]``. Both modes are recorded
(:attr:`StepRecord.rounding`) and checked by :func:`check_step`; ``"nearest"`` is the default
(within 1 point of the float twin on all four seeds below; floor falls 5.8 points behind on
seed 3). Defaults: ``f = 16``,
``eta = 2^-4`` (``lr_shift = 4``), ``c = 2^-k ~ 2/B``.

Accuracy (``python -m jaxgraph.zk.fixed_point``; sklearn digits, 8 layers of width 32, B = 32,
1000 steps, eta = 2^-4), test accuracy per seed 0 / 1 / 2 / 3:

    float64        0.960 / 0.962 / 0.942 / 0.944
    fixed floor    0.967 / 0.944 / 0.951 / 0.887
    fixed nearest  0.973 / 0.960 / 0.960 / 0.936

Floor stays within 3 points of float on seeds 0-2 but not on seed 3; nearest stays within 1 point
on all four.

Bounds
------
Every tensor must satisfy ``|x| < 2^62`` (:data:`BOUND`): this fits int64 and the signed range
``|x| <= (p-1)/2`` of the field (p = 2^64 - 2^32 + 1, ``(p-1)/2 > 2^63 - 2^32``), so every integer
relation above also holds in F_p and lifts back uniquely. Matrix products are checked *before*
they are computed (``(|A| @ |W|)`` in float64 bounds every partial sum, so the int64 product
cannot wrap) and every result after (also ``X``, ``D``, ``G_Z``, ``W_next`` and ``z + h_r``;
quotients, remainders and masked values are bounded by their inputs); a violation raises
``ValueError`` naming tensor, layer and step, e.g. ``"Z at layer 3, step 5 exceeds 2^62"``.
:meth:`Trace.bit_widths` reports the magnitudes reached (``max |Z'|``, ``max |G_A|`` ...) so a
range proof (zkReLU) can choose its decomposition width.

API
---
* :func:`rescale` -- exact floor division by 2^r with remainder.
* :func:`init_weights`, :func:`mlp_widths`, :func:`batch_indices`, :func:`encode_inputs`,
  :func:`encode_targets`.
* :func:`fixed_point_step` -- one exact SGD step -> ``(new_weights, StepRecord)``.
* :func:`train_fixed_point` -- ``(final_weights, Trace)``; ``Trace`` is a list of
  :class:`StepRecord` (one per step, each with a :class:`LayerRecord` per layer).
* :func:`check_step` / :func:`check_trace` -- recompute every relation from the records alone.
* :func:`train_float`, :func:`forward_backward_float` -- the float64 twin.
* :func:`accuracy` (fixed-point forward), :func:`accuracy_float`.
* :func:`to_field` / :func:`from_field` -- int64 <-> Goldilocks (uint64) embedding;
  :meth:`LayerRecord.to_field`.
* :func:`digits_demo` -- 8-layer MLP on sklearn digits, fixed vs float accuracy.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Optional, Sequence

import numpy as np

from jaxgraph.zk import field as _field

__all__ = [
    "BOUND_BITS", "BOUND", "FIELD_HALF", "LayerRecord", "StepRecord", "Trace",
    "rescale", "mlp_widths", "init_weights", "batch_indices", "encode_inputs", "encode_targets",
    "default_loss_shift", "fixed_point_step", "train_fixed_point", "fixed_forward",
    "check_step", "check_trace", "forward_backward_float", "train_float", "accuracy",
    "accuracy_float", "to_field", "from_field", "load_digits_split", "digits_demo",
]

BOUND_BITS = 62
BOUND = 1 << BOUND_BITS
"""Every tensor of the computation satisfies ``|x| < 2^62``."""
FIELD_HALF = (_field.P - 1) // 2
"""Signed range of the field embedding: ``|x| <= (p-1)/2``."""

# float64 estimate of sum |a||w| has relative error <= k * 2^-53; this margin covers k <= 2^40.
_PRE_MARGIN = 1.0 - 2.0 ** -12


# ---------------------------------------------------------------------------------- basics
def _bound_error(name: str, layer, step, max_abs, bound_bits: int = BOUND_BITS) -> ValueError:
    where = []
    if layer is not None:
        where.append(f"layer {layer}")
    if step is not None:
        where.append(f"step {step}")
    loc = (" at " + ", ".join(where)) if where else ""
    return ValueError(f"{name}{loc} exceeds 2^{bound_bits} (max |{name}| = {max_abs})")


def _max_abs(x: np.ndarray) -> int:
    """max |x| as a Python int (exact for int64, including -2^63)."""
    if x.size == 0:
        return 0
    return max(abs(int(x.max())), abs(int(x.min())))


def _check_bound(x: np.ndarray, name: str, layer=None, step=None) -> np.ndarray:
    m = _max_abs(x)
    if m >= BOUND:
        raise _bound_error(name, layer, step, m)
    return x


def _as_int64(x, name: str) -> np.ndarray:
    a = np.asarray(x)
    if a.dtype != np.int64:
        if not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"{name} must be an integer (int64) array, got dtype {a.dtype}")
        a = a.astype(np.int64)
    return a


def _check_shift(r, name: str) -> int:
    if not isinstance(r, (int, np.integer)) or isinstance(r, bool) or not 0 <= int(r) <= 62:
        raise ValueError(f"{name} must be an integer in [0, 62], got {r!r}")
    return int(r)


ROUNDINGS = ("floor", "nearest")


def _check_rounding(rounding) -> str:
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding must be one of {ROUNDINGS}, got {rounding!r}")
    return rounding


def rounding_offset(rounding: str, r: int) -> int:
    """Public offset h_r added before a rescale by r: 0 (floor) or 2^(r-1) (nearest, r >= 1).

    Raises:
      ValueError: ``rounding`` not in :data:`ROUNDINGS`.
    """
    return (1 << (r - 1)) if (_check_rounding(rounding) == "nearest" and r > 0) else 0


def rescale(z, r: int):
    """Exact floor division by a power of two: ``z = 2^r * q + rem``, ``0 <= rem < 2^r``.

    This is the rescaling of zkDL: a product of two fixed-point numbers (scale 2^(2f)) is brought
    back to scale 2^f with ``r = f``; the remainder is the prover's auxiliary input.

    Args:
      z: int64 array [...] (any sign).
      r: shift, integer in [0, 62].

    Returns:
      ``(q, rem)``: int64 arrays of z's shape; ``q = floor(z / 2^r)`` (arithmetic shift, exact
      for negative z) and ``rem = z - 2^r q`` in ``[0, 2^r)``.

    Raises:
      ValueError: if r is not an integer in [0, 62] or z is not an integer array.
    """
    r = _check_shift(r, "rescale: r")
    z = _as_int64(z, "rescale: z")
    q = np.right_shift(z, np.int64(r))
    rem = np.bitwise_and(z, np.int64((1 << r) - 1))
    return q, rem


def _matmul_checked(a: np.ndarray, b: np.ndarray, name: str, layer, step) -> np.ndarray:
    """Exact int64 ``a @ b`` after proving no partial sum can reach 2^62.

    ``(|a| @ |b|)`` (float64) bounds every partial sum of every entry; if it stays below 2^62
    (with a margin for its own rounding) the int64 loop cannot wrap.
    """
    est = np.abs(a.astype(np.float64)) @ np.abs(b.astype(np.float64))
    m = float(est.max()) if est.size else 0.0
    if not math.isfinite(m) or m >= BOUND * _PRE_MARGIN:
        raise _bound_error(name, layer, step, f"~{m:.3e} (a-priori bound)")
    return _check_bound(a @ b, name, layer, step)


def to_field(x) -> np.ndarray:
    """Embed signed integers into the Goldilocks field: ``x >= 0 -> x``, ``x < 0 -> p - |x|``.

    Args:
      x: int64 array [...] with ``|x| <= (p-1)/2``.

    Returns:
      numpy uint64 array [...] of canonical field elements (via :func:`field.from_signed`).

    Raises:
      ValueError: if an entry is outside the field's signed range (the lift would be ambiguous).
    """
    x = _as_int64(x, "to_field: x")
    m = _max_abs(x)
    if m > FIELD_HALF:
        raise ValueError(f"to_field: x has |x| = {m} > (p-1)/2 = {FIELD_HALF}")
    return np.asarray(_field.from_signed(x), dtype=np.uint64)


def from_field(u) -> np.ndarray:
    """Centered lift of field elements back to int64 (inverse of :func:`to_field`)."""
    return np.asarray(_field.to_signed(np.asarray(u, dtype=np.uint64)), dtype=np.int64)


# ------------------------------------------------------------------------------ records
@dataclasses.dataclass
class LayerRecord:
    """Every tensor of one layer in one SGD step (int64 numpy arrays).

    Scales: ``*_full`` tensors are scale 2^(2f) (exact products); ``*_rem`` are remainders in
    ``[0, 2^f)`` (``U_rem`` in ``[0, 2^e)``); everything else is scale 2^f.

    Attributes (B = batch, d_in = d_{l-1}, d_out = d_l):
      layer: l in 1..L.
      hidden: True for l < L (ReLU layer), False for the output layer.
      A_in: A_{l-1} [B, d_in].
      W: W_l(t) [d_in, d_out].
      Z: Z_l = A_in @ W [B, d_out] (pre-rescale).
      Zq: Z'_l = floor(Z / 2^f);  Z_rem: R_l = Z - 2^f Zq.
      S: sign bits [Z' < 0] (0/1) for hidden layers; None for the output layer.
      A_out: A_l = (1 - S) Zq (hidden) or Zq (output).
      G_Z: G_{Z_l} [B, d_out].
      G_A_in_full, G_A_in, G_A_in_rem: G_Z @ W^T, its rescale by f, remainder [B, d_in];
        None for l = 1.
      G_W_full, G_W, G_W_rem: A_in^T @ G_Z, its rescale by f, remainder [d_in, d_out].
      U, U_rem: G_W = 2^e U + U_rem.
      W_next: W_l(t+1) = W - U.
    """

    layer: int
    hidden: bool
    A_in: np.ndarray
    W: np.ndarray
    Z: np.ndarray
    Zq: np.ndarray
    Z_rem: np.ndarray
    S: Optional[np.ndarray]
    A_out: np.ndarray
    G_Z: Optional[np.ndarray] = None
    G_A_in_full: Optional[np.ndarray] = None
    G_A_in: Optional[np.ndarray] = None
    G_A_in_rem: Optional[np.ndarray] = None
    G_W_full: Optional[np.ndarray] = None
    G_W: Optional[np.ndarray] = None
    G_W_rem: Optional[np.ndarray] = None
    U: Optional[np.ndarray] = None
    U_rem: Optional[np.ndarray] = None
    W_next: Optional[np.ndarray] = None

    TENSORS = ("A_in", "W", "Z", "Zq", "Z_rem", "S", "A_out", "G_Z", "G_A_in_full", "G_A_in",
               "G_A_in_rem", "G_W_full", "G_W", "G_W_rem", "U", "U_rem", "W_next")

    def to_field(self) -> dict:
        """All tensors embedded in F_p: ``{name: uint64 array}`` (None entries omitted)."""
        return {k: to_field(getattr(self, k)) for k in self.TENSORS
                if getattr(self, k) is not None}


@dataclasses.dataclass
class StepRecord:
    """One SGD step: public parameters, the batch, the loss-gradient shift and all layers.

    Attributes:
      step: step index t (0-based).
      frac_bits: f.  lr_shift: e (eta = 2^-e).  loss_shift: k (c = 2^-k).
      rounding: ``"floor"`` or ``"nearest"``: every rescale by r is
        ``z + h_r = 2^r q + rem``, ``0 <= rem < 2^r``, with ``h_r = 0`` (floor) or
        ``h_r = 2^(r-1)`` (nearest, ``h_0 = 0``).
      batch: indices of the batch rows in the training set [B].
      X: A_0 [B, d_0] (scale 2^f).   Y: 2^f * one-hot targets [B, d_L].
      D: A_L - Y [B, d_L];  D_rem: D - 2^k G_{Z_L} in [0, 2^k).
      layers: LayerRecord for l = 1..L (``layers[l-1]``).
    """

    step: int
    frac_bits: int
    lr_shift: int
    loss_shift: int
    rounding: str
    batch: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    D: np.ndarray
    D_rem: np.ndarray
    layers: list

    @property
    def loss(self) -> float:
        """The real loss (c/2) sum (A_L - Y)^2 of this batch (float, for monitoring)."""
        d = self.D.astype(np.float64) / float(1 << self.frac_bits)
        return 0.5 * 2.0 ** -self.loss_shift * float(np.sum(d * d))


_STAT_NAMES = ("X", "Z", "Zq", "A", "D", "G_Z", "G_A_full", "G_A", "G_W_full", "G_W", "U", "W")


class Trace(list):
    """List of :class:`StepRecord` (one per step; empty if records were not kept), plus
    run-wide statistics that are always collected.

    Attributes:
      losses: real loss of every step (floats).
      max_abs: ``{name: max |x| over the run}`` for ``X, Z (pre-rescale), Zq (= Z'), A, D,
        G_Z, G_A_full, G_A (= G'), G_W_full, G_W, U, W``.
      max_abs_per_layer: ``{name: [max over the run for layer l = 1..L]}``.
    """

    def __init__(self, num_layers: int):
        super().__init__()
        self.losses: list = []
        self.max_abs = {k: 0 for k in _STAT_NAMES}
        self.max_abs_per_layer = {k: [0] * num_layers for k in _STAT_NAMES}

    def _note(self, name: str, layer: Optional[int], x: Optional[np.ndarray]):
        if x is None:
            return
        m = _max_abs(x)
        if m > self.max_abs[name]:
            self.max_abs[name] = m
        if layer is not None and m > self.max_abs_per_layer[name][layer - 1]:
            self.max_abs_per_layer[name][layer - 1] = m

    def bit_widths(self, per_layer: bool = False) -> dict:
        """Magnitude bits needed for range checks: ``{name: (max |x|).bit_length()}``, i.e. the
        smallest n with ``|x| < 2^n`` over the whole run (add one bit for the sign).
        With ``per_layer=True``: ``{name: [bits for l = 1..L]}``."""
        if per_layer:
            return {k: [int(m).bit_length() for m in v] for k, v in self.max_abs_per_layer.items()}
        return {k: int(v).bit_length() for k, v in self.max_abs.items()}


# ------------------------------------------------------------------------- setup helpers
def mlp_widths(d_in: int, width: int, d_out: int, depth: int = 8) -> list:
    """``[d_in, width, ..., width, d_out]`` for a ``depth``-layer MLP (depth weight matrices)."""
    if depth < 1:
        raise ValueError(f"mlp_widths: depth must be >= 1, got {depth}")
    return [int(d_in)] + [int(width)] * (depth - 1) + [int(d_out)]


def _check_widths(widths) -> list:
    w = [int(v) for v in widths]
    if len(w) < 2 or any(v < 1 for v in w):
        raise ValueError(f"widths must list >= 2 positive layer sizes, got {widths!r}")
    return w


def init_weights(widths: Sequence[int], frac_bits: int = 16, seed: int = 0) -> list:
    """He/Kaiming-uniform init, quantized: ``W_l = round(U(-b, b) * 2^f)``, ``b = sqrt(6/d_{l-1})``.

    Args:
      widths: [d_0, ..., d_L].
      frac_bits: f.
      seed: numpy seed.

    Returns:
      list of L int64 arrays, ``W_l`` of shape [d_{l-1}, d_l] (scale 2^f).
    """
    widths = _check_widths(widths)
    f = _check_shift(frac_bits, "frac_bits")
    rng = np.random.default_rng(seed)
    out = []
    for d_in, d_out in zip(widths[:-1], widths[1:]):
        b = math.sqrt(6.0 / d_in)
        w = rng.uniform(-b, b, size=(d_in, d_out))
        out.append(np.round(w * float(1 << f)).astype(np.int64))
    return out


def batch_indices(n: int, steps: int, batch_size: int, seed: int = 0) -> list:
    """Mini-batches for ``steps`` SGD steps: consecutive slices of per-epoch permutations
    (an incomplete epoch tail is dropped). Returns a list of ``steps`` int arrays [B]."""
    if batch_size < 1 or batch_size > n:
        raise ValueError(f"batch_size must be in [1, {n}], got {batch_size}")
    rng = np.random.default_rng(seed + 1_000_003)
    per_epoch = n // batch_size
    out = []
    while len(out) < steps:
        perm = rng.permutation(n)
        for i in range(per_epoch):
            if len(out) == steps:
                break
            out.append(perm[i * batch_size:(i + 1) * batch_size])
    return out


def encode_inputs(X, frac_bits: int = 16) -> np.ndarray:
    """Reals -> fixed point ``round(X * 2^f)`` int64.

    Raises:
      ValueError: non-finite entries, or ``|X| * 2^f >= 2^62`` (names the value).
    """
    f = _check_shift(frac_bits, "frac_bits")
    x = np.asarray(X, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("X has non-finite entries")
    v = np.round(x * float(1 << f))
    m = float(np.abs(v).max()) if v.size else 0.0
    if m >= float(BOUND):
        raise ValueError(f"X exceeds 2^{BOUND_BITS} after scaling by 2^{f} (max |X| = "
                         f"{float(np.abs(x).max())})")
    return v.astype(np.int64)


def encode_targets(Y, num_classes: int, frac_bits: int = 16) -> np.ndarray:
    """Labels [N] (ints) or one-hot [N, C] -> ``2^f * one-hot`` int64 [N, C]."""
    f = _check_shift(frac_bits, "frac_bits")
    y = np.asarray(Y)
    if y.ndim == 1:
        if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= num_classes:
            raise ValueError(f"labels Y must be ints in [0, {num_classes}), got "
                             f"dtype {y.dtype}, range [{y.min()}, {y.max()}]")
        oh = np.zeros((y.shape[0], num_classes), np.int64)
        oh[np.arange(y.shape[0]), y] = 1
    elif y.ndim == 2 and y.shape[1] == num_classes:
        oh = np.asarray(y)
        if not np.all((oh == 0) | (oh == 1)) or not np.all(oh.sum(1) == 1):
            raise ValueError("one-hot Y must have entries in {0, 1} and one 1 per row")
        oh = oh.astype(np.int64)
    else:
        raise ValueError(f"Y must be labels [N] or one-hot [N, {num_classes}], got shape {y.shape}")
    return oh << np.int64(f)


def default_loss_shift(batch_size: int) -> int:
    """k with ``2^-k ~ 2/B``: ``max(0, round(log2 B) - 1)`` (exact for B a power of two)."""
    return max(0, int(round(math.log2(batch_size))) - 1)


# ------------------------------------------------------------------------------ training
def fixed_forward(weights: Sequence[np.ndarray], X_int: np.ndarray, frac_bits: int = 16,
                  step=None, rounding: str = "nearest") -> np.ndarray:
    """Fixed-point forward pass only (no record). X_int: [B, d_0] scale 2^f -> logits [B, d_L].

    Raises:
      ValueError: a tensor exceeds 2^62 (names tensor and layer).
    """
    f = _check_shift(frac_bits, "frac_bits")
    h = rounding_offset(rounding, f)
    a = _check_bound(_as_int64(X_int, "X"), "X", None, step)
    L = len(weights)
    for l, w in enumerate(weights, start=1):
        z = _matmul_checked(a, w, "Z", l, step)
        zq, _ = rescale(_check_bound(z + h, "Z", l, step) if h else z, f)
        a = np.where(zq < 0, 0, zq) if l < L else zq
    return a


def fixed_point_step(weights: Sequence[np.ndarray], X_int: np.ndarray, Y_int: np.ndarray, *,
                     frac_bits: int = 16, lr_shift: int = 4, loss_shift: int = 4, step: int = 0,
                     batch: Optional[np.ndarray] = None, rounding: str = "nearest"):
    """One exact fixed-point SGD step (relations in the module docstring).

    Args:
      weights: list of L int64 arrays ``W_l`` [d_{l-1}, d_l] (scale 2^f).
      X_int: A_0 [B, d_0] int64 (scale 2^f).
      Y_int: 2^f one-hot targets [B, d_L] int64.
      frac_bits, lr_shift, loss_shift: f, e (eta = 2^-e), k (c = 2^-k).
      step: step index (for the record and error messages).
      batch: optional row indices to store in the record.
      rounding: ``"floor"`` (``z = 2^r q + rem``) or ``"nearest"`` (``z + 2^(r-1) = 2^r q + rem``),
        used by every rescale of the step.

    Returns:
      ``(new_weights, StepRecord)``.

    Raises:
      ValueError: a tensor exceeds 2^62 (message names tensor, layer, step), or bad shapes.
    """
    f = _check_shift(frac_bits, "frac_bits")
    e = _check_shift(lr_shift, "lr_shift")
    k = _check_shift(loss_shift, "loss_shift")
    X = _check_bound(_as_int64(X_int, "X"), "X", None, step)
    Y = _as_int64(Y_int, "Y")
    L = len(weights)
    _check_rounding(rounding)

    def rs(z, r, name, l):
        h = rounding_offset(rounding, r)
        if h:
            z = _check_bound(z + h, name, l, step)
        return rescale(z, r)

    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(f"X [B, d_0] and Y [B, d_L] must share B; got {X.shape}, {Y.shape}")
    if weights[0].shape[0] != X.shape[1] or weights[-1].shape[1] != Y.shape[1]:
        raise ValueError(f"widths mismatch: X {X.shape}, Y {Y.shape}, W_1 {weights[0].shape}, "
                         f"W_L {weights[-1].shape}")

    layers = []
    a = X
    for l, w in enumerate(weights, start=1):
        w = _check_bound(_as_int64(w, f"W_{l}"), "W", l, step)
        z = _matmul_checked(a, w, "Z", l, step)
        zq, zr = rs(z, f, "Z", l)
        hidden = l < L
        if hidden:
            s = (zq < 0).astype(np.int64)
            a_out = (1 - s) * zq
        else:
            s = None
            a_out = zq
        layers.append(LayerRecord(layer=l, hidden=hidden, A_in=a, W=w, Z=z, Zq=zq, Z_rem=zr,
                                  S=s, A_out=a_out))
        a = a_out

    D = _check_bound(a - Y, "D", L, step)
    g_z, d_rem = rs(D, k, "D", L)
    for l in range(L, 0, -1):
        rec = layers[l - 1]
        rec.G_Z = _check_bound(g_z, "G_Z", l, step)
        rec.G_W_full = _matmul_checked(rec.A_in.T, g_z, "G_W_full", l, step)
        rec.G_W, rec.G_W_rem = rs(rec.G_W_full, f, "G_W_full", l)
        rec.U, rec.U_rem = rs(rec.G_W, e, "G_W", l)
        rec.W_next = _check_bound(rec.W - rec.U, "W_next", l, step)
        if l > 1:
            rec.G_A_in_full = _matmul_checked(g_z, rec.W.T, "G_A_full", l, step)
            rec.G_A_in, rec.G_A_in_rem = rs(rec.G_A_in_full, f, "G_A_full", l)
            s_prev = layers[l - 2].S
            g_z = (1 - s_prev) * rec.G_A_in
    record = StepRecord(step=step, frac_bits=f, lr_shift=e, loss_shift=k, rounding=rounding,
                        batch=None if batch is None else np.asarray(batch), X=X, Y=Y, D=D,
                        D_rem=d_rem, layers=layers)
    return [rec.W_next for rec in layers], record


def _note_stats(trace: Trace, rec: StepRecord):
    trace.losses.append(rec.loss)
    trace._note("X", None, rec.X)
    trace._note("D", len(rec.layers), rec.D)
    for lr in rec.layers:
        l = lr.layer
        for name, x in (("Z", lr.Z), ("Zq", lr.Zq), ("A", lr.A_out), ("G_Z", lr.G_Z),
                        ("G_A_full", lr.G_A_in_full), ("G_A", lr.G_A_in),
                        ("G_W_full", lr.G_W_full), ("G_W", lr.G_W), ("U", lr.U),
                        ("W", lr.W_next)):
            trace._note(name, l, x)
        trace._note("W", l, lr.W)


def train_fixed_point(widths: Sequence[int], X, Y, steps: int, batch_size: int, *,
                      frac_bits: int = 16, lr_shift: int = 4, loss_shift: Optional[int] = None,
                      seed: int = 0, weights: Optional[Sequence[np.ndarray]] = None,
                      keep_records: bool = True, rounding: str = "nearest"):
    """Train a bias-free ReLU MLP with exact fixed-point SGD (zkDL's training computation).

    Args:
      widths: [d_0, ..., d_L] (L weight layers; 8 for the zkDL setting, see :func:`mlp_widths`).
      X: real inputs [N, d_0] (encoded as ``round(X 2^f)``).
      Y: labels [N] or one-hot [N, d_L].
      steps: number of SGD steps.  batch_size: B.
      frac_bits: f (scale 2^f).  lr_shift: e (eta = 2^-e).
      loss_shift: k (c = 2^-k); default :func:`default_loss_shift` (c ~ 2/B).
      seed: seeds the init (:func:`init_weights`) and the batches (:func:`batch_indices`).
      weights: optional initial int64 weights (overrides the init).
      keep_records: keep every :class:`StepRecord` in the trace (memory ~ steps x model x B);
        statistics and losses are collected either way.
      rounding: ``"floor"`` (default, the relations above) or ``"nearest"`` (every rescale
        ``z + 2^(r-1) = 2^r q + rem``; unbiased, tracks the float twin more closely).

    Returns:
      ``(final_weights, trace)``: list of L int64 arrays; :class:`Trace` (a list of
      StepRecords, ``trace[t]`` for step t, plus ``losses``, ``max_abs``, ``bit_widths()``).

    Raises:
      ValueError: bad arguments, or a tensor exceeding 2^62 (names tensor, layer, step).
    """
    widths = _check_widths(widths)
    f = _check_shift(frac_bits, "frac_bits")
    k = default_loss_shift(batch_size) if loss_shift is None else loss_shift
    X_int = encode_inputs(X, f)
    Y_int = encode_targets(Y, widths[-1], f)
    if X_int.ndim != 2 or X_int.shape[1] != widths[0] or X_int.shape[0] != Y_int.shape[0]:
        raise ValueError(f"X must be [N, {widths[0]}] with N = len(Y); got {X_int.shape}, "
                         f"{Y_int.shape[0]} targets")
    if weights is None:
        weights = init_weights(widths, f, seed)
    else:
        weights = [_as_int64(w, "weights") for w in weights]
        if [w.shape for w in weights] != list(zip(widths[:-1], widths[1:])):
            raise ValueError(f"weights shapes {[w.shape for w in weights]} do not match {widths}")
    trace = Trace(len(widths) - 1)
    for t, idx in enumerate(batch_indices(X_int.shape[0], steps, batch_size, seed)):
        weights, rec = fixed_point_step(weights, X_int[idx], Y_int[idx], frac_bits=f,
                                        lr_shift=lr_shift, loss_shift=k, step=t, batch=idx,
                                        rounding=rounding)
        _note_stats(trace, rec)
        if keep_records:
            trace.append(rec)
    return weights, trace


# -------------------------------------------------------------------------------- checker
def check_step(record: StepRecord) -> list:
    """Recompute every relation of one step from the record alone.

    Independent of the training code: plain numpy equations, no :func:`rescale`. Checked:
    shapes and int64 dtype; ``|x| < 2^62`` for every tensor; ``A_in`` chaining (``A_0 = X``,
    ``A_in(l+1) = A_out(l)``); ``Z = A_in W``; ``Z = 2^f Zq + R``, ``0 <= R < 2^f``; sign bits
    binary with ``S = 1 <=> Zq < 0``; ``A_out = (1-S) Zq`` (hidden) / ``= Zq`` (output); ``Y`` is
    ``2^f`` one-hot; ``D = A_L - Y = 2^k G_{Z_L} + D_rem``, ``0 <= D_rem < 2^k``;
    ``G~_A = G_Z W^T = 2^f G_A + R`` (l >= 2); ``G_{Z_l} = (1 - S_l) G_{A_l}`` (hidden);
    ``G~_W = A_in^T G_Z = 2^f G_W + R``; ``G_W = 2^e U + R^U``, ``0 <= R^U < 2^e``;
    ``W_next = W - U``. Products are recomputed in int64 only after a float64 bound shows they
    cannot wrap (otherwise that is reported as a violation).

    Args:
      record: a :class:`StepRecord`.

    Returns:
      list of strings, one per violated relation (empty list: the step is consistent).
    """
    bad: list = []
    f, e, k = record.frac_bits, record.lr_shift, record.loss_shift
    two_f, two_e, two_k = 1 << f, 1 << e, 1 << k
    rounding = getattr(record, "rounding", "floor")
    if rounding not in ROUNDINGS:
        return [f"step {record.step}: unknown rounding {rounding!r}"]
    # public rounding offsets h_r (0 for floor; 2^(r-1) for nearest)
    h_f, h_e, h_k = (rounding_offset(rounding, r) for r in (f, e, k))
    t = record.step
    L = len(record.layers)

    def arr(x, name):
        if not isinstance(x, np.ndarray) or x.dtype != np.int64:
            bad.append(f"{name}: not an int64 array")
            return None
        if _max_abs(x) >= BOUND:
            bad.append(f"{name}: |x| >= 2^{BOUND_BITS}")
            return None
        return x

    def eq(lhs, rhs, what):
        if lhs is None or rhs is None:
            bad.append(f"{what}: missing operand")
        elif lhs.shape != rhs.shape:
            bad.append(f"{what}: shape {lhs.shape} != {rhs.shape}")
        elif not np.array_equal(lhs, rhs):
            n = int(np.sum(lhs != rhs))
            bad.append(f"{what}: {n} entries differ")

    def in_range(x, hi, what):
        if x is not None and x.size and (x.min() < 0 or x.max() >= hi):
            bad.append(f"{what}: remainder outside [0, {hi})")

    def prod(a, b, what):
        if a is None or b is None:
            return None
        if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
            bad.append(f"{what}: shapes {getattr(a, 'shape', None)} x {getattr(b, 'shape', None)}")
            return None
        est = np.abs(a.astype(np.float64)) @ np.abs(b.astype(np.float64))
        if est.size and float(est.max()) >= BOUND * _PRE_MARGIN:
            bad.append(f"{what}: product may exceed 2^{BOUND_BITS}")
            return None
        return a @ b

    X = arr(record.X, f"step {t} X")
    Y = arr(record.Y, f"step {t} Y")
    if Y is not None:
        ok = np.all((Y == 0) | (Y == two_f)) and np.all(np.sum(Y == two_f, axis=1) == 1)
        if not ok:
            bad.append(f"step {t} Y: not 2^f * one-hot")

    prev_out = X
    for l, r in enumerate(record.layers, start=1):
        tag = f"step {t} layer {l}"
        if r.layer != l or r.hidden != (l < L):
            bad.append(f"{tag}: layer index/hidden flag inconsistent")
        A_in = arr(r.A_in, f"{tag} A_in")
        eq(A_in, prev_out, f"{tag} A_in = A_out(l-1)" if l > 1 else f"{tag} A_0 = X")
        W = arr(r.W, f"{tag} W")
        Z = arr(r.Z, f"{tag} Z")
        Zq = arr(r.Zq, f"{tag} Zq")
        R = arr(r.Z_rem, f"{tag} Z_rem")
        A_out = arr(r.A_out, f"{tag} A_out")
        eq(Z, prod(A_in, W, f"{tag} A_in W"), f"{tag} Z = A_in W")
        if Zq is not None and R is not None:
            eq(Z + h_f, two_f * Zq + R, f"{tag} Z + h = 2^f Zq + Z_rem")
            in_range(R, two_f, f"{tag} Z_rem")
        if r.hidden:
            S = arr(r.S, f"{tag} S")
            if S is not None and Zq is not None:
                if not np.all((S == 0) | (S == 1)):
                    bad.append(f"{tag} S: sign bits not binary")
                if S.shape != Zq.shape or not np.array_equal(S == 1, Zq < 0):
                    bad.append(f"{tag} S: sign bits inconsistent with Zq (S = [Zq < 0])")
                eq(A_out, (1 - S) * Zq, f"{tag} A_out = (1 - S) Zq")
        else:
            if r.S is not None:
                bad.append(f"{tag} S: output layer must not have sign bits")
            if Zq is not None:
                eq(A_out, Zq, f"{tag} A_out = Zq (logits)")
        prev_out = A_out

    # loss gradient
    D = arr(record.D, f"step {t} D")
    D_rem = arr(record.D_rem, f"step {t} D_rem")
    if prev_out is not None and Y is not None and prev_out.shape == Y.shape:
        eq(D, prev_out - Y, f"step {t} D = A_L - Y")
    else:
        bad.append(f"step {t} D = A_L - Y: missing operand or shape mismatch")
    G_ZL = arr(record.layers[-1].G_Z, f"step {t} layer {L} G_Z")
    if D is not None and D_rem is not None and G_ZL is not None:
        eq(D + h_k, two_k * G_ZL + D_rem, f"step {t} D + h = 2^k G_Z(L) + D_rem")
        in_range(D_rem, two_k, f"step {t} D_rem")

    # backward and update
    for l, r in enumerate(record.layers, start=1):
        tag = f"step {t} layer {l}"
        A_in, W, G_Z = (arr(r.A_in, f"{tag} A_in"), arr(r.W, f"{tag} W"),
                        arr(r.G_Z, f"{tag} G_Z"))
        if l > 1:
            Gf = arr(r.G_A_in_full, f"{tag} G_A_in_full")
            Ga = arr(r.G_A_in, f"{tag} G_A_in")
            Gr = arr(r.G_A_in_rem, f"{tag} G_A_in_rem")
            eq(Gf, prod(G_Z, None if W is None else W.T, f"{tag} G_Z W^T"),
               f"{tag} G_A_in_full = G_Z W^T")
            if Gf is not None and Ga is not None and Gr is not None:
                eq(Gf + h_f, two_f * Ga + Gr, f"{tag} G_A_in_full + h = 2^f G_A_in + rem")
                in_range(Gr, two_f, f"{tag} G_A_in_rem")
            prev = record.layers[l - 2]
            S_prev = arr(prev.S, f"step {t} layer {l - 1} S")
            G_Zp = arr(prev.G_Z, f"step {t} layer {l - 1} G_Z")
            if S_prev is not None and Ga is not None:
                eq(G_Zp, (1 - S_prev) * Ga, f"step {t} layer {l - 1} G_Z = (1 - S) G_A")
        elif any(x is not None for x in (r.G_A_in_full, r.G_A_in, r.G_A_in_rem)):
            bad.append(f"{tag}: G_A_0 must not be recorded")
        Gwf = arr(r.G_W_full, f"{tag} G_W_full")
        Gw = arr(r.G_W, f"{tag} G_W")
        Gwr = arr(r.G_W_rem, f"{tag} G_W_rem")
        eq(Gwf, prod(None if A_in is None else A_in.T, G_Z, f"{tag} A_in^T G_Z"),
           f"{tag} G_W_full = A_in^T G_Z")
        if Gwf is not None and Gw is not None and Gwr is not None:
            eq(Gwf + h_f, two_f * Gw + Gwr, f"{tag} G_W_full + h = 2^f G_W + rem")
            in_range(Gwr, two_f, f"{tag} G_W_rem")
        U, Ur = arr(r.U, f"{tag} U"), arr(r.U_rem, f"{tag} U_rem")
        if Gw is not None and U is not None and Ur is not None:
            eq(Gw + h_e, two_e * U + Ur, f"{tag} G_W + h = 2^e U + U_rem")
            in_range(Ur, two_e, f"{tag} U_rem")
        Wn = arr(r.W_next, f"{tag} W_next")
        if W is not None and U is not None:
            eq(Wn, W - U, f"{tag} W_next = W - U")
    return bad


def check_trace(trace: Sequence[StepRecord]) -> list:
    """:func:`check_step` on every record plus chaining ``W_l(t+1)`` of step t = ``W_l`` of the
    next record (when consecutive). Returns the list of violations (empty: consistent)."""
    bad = []
    for i, rec in enumerate(trace):
        bad += check_step(rec)
        if i + 1 < len(trace) and trace[i + 1].step == rec.step + 1:
            for a, b in zip(rec.layers, trace[i + 1].layers):
                if a.W_next is None or b.W is None or not np.array_equal(a.W_next, b.W):
                    bad.append(f"step {rec.step} layer {a.layer}: W_next != W of step "
                               f"{rec.step + 1}")
    return bad


# ------------------------------------------------------------------------------ float twin
def forward_backward_float(weights: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray,
                           loss_shift: int) -> dict:
    """float64 forward/backward of the same network and loss (no rounding anywhere).

    Args:
      weights: list of float arrays W_l [d_{l-1}, d_l].  X: [B, d_0].  Y: one-hot [B, d_L].
      loss_shift: k (c = 2^-k).

    Returns:
      dict with lists over layers ``Z``, ``A`` (A_1..A_L), ``G_Z``, ``G_W``, ``G_A``
      (G_{A_{l-1}} for l >= 2, None for l = 1) and ``loss`` = (c/2) sum (A_L - Y)^2.
    """
    c = 2.0 ** -loss_shift
    L = len(weights)
    a, As, Zs, masks = X, [], [], []
    for l, w in enumerate(weights, start=1):
        z = a @ w
        Zs.append(z)
        if l < L:
            m = (z >= 0).astype(np.float64)  # matches the fixed point: S = [Z' < 0]
            masks.append(m)
            a = m * z
        else:
            a = z
        As.append(a)
    d = a - Y
    g = c * d
    G_Z, G_W, G_A = [None] * L, [None] * L, [None] * L
    for l in range(L, 0, -1):
        G_Z[l - 1] = g
        a_in = X if l == 1 else As[l - 2]
        G_W[l - 1] = a_in.T @ g
        if l > 1:
            G_A[l - 1] = g @ weights[l - 1].T
            g = masks[l - 2] * G_A[l - 1]
    return {"Z": Zs, "A": As, "G_Z": G_Z, "G_W": G_W, "G_A": G_A,
            "loss": 0.5 * c * float(np.sum(d * d))}


def train_float(widths: Sequence[int], X, Y, steps: int, batch_size: int, *,
                frac_bits: int = 16, lr_shift: int = 4, loss_shift: Optional[int] = None,
                seed: int = 0, weights: Optional[Sequence[np.ndarray]] = None):
    """The float64 twin of :func:`train_fixed_point`: same init (the quantized weights / 2^f),
    same inputs (``round(X 2^f) / 2^f``), same loss, eta = 2^-e and batches, no rounding.

    Args: as :func:`train_fixed_point` (``weights``, if given, are the int64 fixed-point ones).

    Returns:
      ``(weights, losses)``: list of float64 arrays, list of per-step losses.
    """
    widths = _check_widths(widths)
    f = _check_shift(frac_bits, "frac_bits")
    k = default_loss_shift(batch_size) if loss_shift is None else loss_shift
    scale = float(1 << f)
    Xf = encode_inputs(X, f).astype(np.float64) / scale
    Yf = encode_targets(Y, widths[-1], f).astype(np.float64) / scale
    w_int = init_weights(widths, f, seed) if weights is None else weights
    ws = [np.asarray(w, np.float64) / scale for w in w_int]
    eta = 2.0 ** -lr_shift
    losses = []
    for idx in batch_indices(Xf.shape[0], steps, batch_size, seed):
        out = forward_backward_float(ws, Xf[idx], Yf[idx], k)
        losses.append(out["loss"])
        ws = [w - eta * g for w, g in zip(ws, out["G_W"])]
    return ws, losses


# ------------------------------------------------------------------------------- accuracy
def accuracy(weights: Sequence[np.ndarray], X, y, frac_bits: int = 16,
             rounding: str = "nearest") -> float:
    """Classification accuracy of the *fixed-point* forward pass (argmax of the int logits).

    Args: weights: int64 W_l; X: reals [N, d_0]; y: labels [N]; frac_bits: f;
      rounding: rescale rounding of the forward pass (as in training).
    """
    logits = fixed_forward([_as_int64(w, "weights") for w in weights],
                           encode_inputs(X, frac_bits), frac_bits, rounding=rounding)
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(y)))


def accuracy_float(weights: Sequence[np.ndarray], X, y) -> float:
    """Accuracy of the float64 forward pass with float weights."""
    a = np.asarray(X, np.float64)
    for l, w in enumerate(weights, start=1):
        a = a @ w
        if l < len(weights):
            a = np.maximum(a, 0.0)
    return float(np.mean(np.argmax(a, axis=1) == np.asarray(y)))


# ---------------------------------------------------------------------------------- demo
def load_digits_split(seed: int = 0, test_size: float = 0.25):
    """sklearn digits: 64 features scaled to [0, 1] (pixel / 16), 10 classes, stratified fixed
    split. Returns ``(X_train, X_test, y_train, y_test)``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    X = d.data.astype(np.float64) / 16.0
    return train_test_split(X, d.target, test_size=test_size, random_state=seed,
                            stratify=d.target)


def digits_demo(steps: int = 1000, width: int = 32, depth: int = 8, batch_size: int = 32,
                frac_bits: int = 16, lr_shift: int = 4, seed: int = 0,
                roundings: Sequence[str] = ("floor", "nearest"), verbose: bool = True):
    """Train the ``depth``-layer ReLU MLP on sklearn digits in fixed point (once per rounding
    mode) and in float64, identically (init, batches, loss, eta), and report test accuracies,
    final losses and the bit widths reached. Reproduce with
    ``python -m jaxgraph.zk.fixed_point`` (about 3 s per run on one CPU core).

    Returns:
      dict with ``float_acc``, ``float_train_acc``, ``final_loss_float`` and, per rounding mode
      ``m``, ``fixed_acc[m]``, ``fixed_train_acc[m]``, ``final_loss_fixed[m]``, ``bit_widths[m]``.
    """
    Xtr, Xte, ytr, yte = load_digits_split(seed)
    widths = mlp_widths(Xtr.shape[1], width, 10, depth)
    kw = dict(frac_bits=frac_bits, lr_shift=lr_shift, seed=seed)
    scale = float(1 << frac_bits)
    w_flt, losses = train_float(widths, Xtr, ytr, steps, batch_size, **kw)
    res = {
        "float_acc": accuracy_float(w_flt, encode_inputs(Xte, frac_bits) / scale, yte),
        "float_train_acc": accuracy_float(w_flt, encode_inputs(Xtr, frac_bits) / scale, ytr),
        "final_loss_float": float(np.mean(losses[-50:])),
        "fixed_acc": {}, "fixed_train_acc": {}, "final_loss_fixed": {}, "bit_widths": {},
    }
    for m in roundings:
        w_fix, trace = train_fixed_point(widths, Xtr, ytr, steps, batch_size, keep_records=False,
                                         rounding=m, **kw)
        res["fixed_acc"][m] = accuracy(w_fix, Xte, yte, frac_bits, rounding=m)
        res["fixed_train_acc"][m] = accuracy(w_fix, Xtr, ytr, frac_bits, rounding=m)
        res["final_loss_fixed"][m] = float(np.mean(trace.losses[-50:]))
        res["bit_widths"][m] = trace.bit_widths()
    if verbose:
        print(f"digits ({len(Xtr)} train / {len(Xte)} test), {depth}-layer width-{width} ReLU MLP, "
              f"B={batch_size}, {steps} SGD steps, eta=2^-{lr_shift}, "
              f"c=2^-{default_loss_shift(batch_size)}, f={frac_bits}, seed={seed}")
        print(f"  float64     : test acc {res['float_acc']:.4f}  train acc "
              f"{res['float_train_acc']:.4f}  loss(last 50) {res['final_loss_float']:.4f}")
        for m in roundings:
            print(f"  fixed {m:8s}: test acc {res['fixed_acc'][m]:.4f}  train acc "
                  f"{res['fixed_train_acc'][m]:.4f}  "
                  f"loss(last 50) {res['final_loss_fixed'][m]:.4f}")
            print(f"    magnitude bits (|x| < 2^n): {res['bit_widths'][m]}")
    return res


if __name__ == "__main__":  # pragma: no cover
    import sys

    digits_demo(seed=int(sys.argv[1]) if len(sys.argv) > 1 else 0)
