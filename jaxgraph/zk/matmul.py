r"""Thaler's matrix-multiplication proof, single and aggregated over N stacked instances.

Paper: "zkDL: Efficient Zero-Knowledge Proofs of Deep Learning Training". zkDL proves every
matmul of the forward and backward passes; FAC4DNN stacks the same-shaped matmuls of all layers
and training steps into one tensor and proves them with ONE sumcheck whose size is
logarithmic in the number of instances. Protocol: J. Thaler, "Time-optimal interactive proofs
for circuit evaluation" (CRYPTO 2013), matmul section; "Proofs, Arguments, and Zero-Knowledge"
section 4.4.

Statement and reduction
-----------------------
Field matrices A_t [m, k], W_t [k, n], Z_t [m, n] for t < N, claim: Z_t = A_t W_t for all t.
All dimensions are zero-padded to powers of two (zero rows/columns keep the identity exact);
write a, c, d, e for log2 of the padded m, k, n, N. With the MLE conventions of ``mle.py``
(per-axis points, innermost variables first in the flattened table):

1. The verifier draws r_t in F_{p^2}^e, r_i in F_{p^2}^a, r_j in F_{p^2}^d. If Z != A W as
   tensors, their MLEs differ and Z~(r_t, r_i, r_j) != (AW)~(r_t, r_i, r_j) except with
   probability (e + a + d)/p^2 (Schwartz-Zippel).
2. (AW)~(r_t, r_i, r_j) = sum_{t, b} eq(r_t, t) A~(t, r_i, b) W~(t, b, r_j), a sum over the
   (e + c)-dimensional hypercube of a product of three multilinear polynomials in (t, b):

       E(t, b)  = eq(r_t, t)            table eq_table(r_t) broadcast over b
       A'(t, b) = sum_i eq(r_i, i) A[t, i, b]
       W'(t, b) = sum_j W[t, b, j] eq(r_j, j)

   The prover sends z = Z~(r_t, r_i, r_j) and runs the degree-3 sumcheck over the table index
   t * k + b (so the b-variables are bound first, then t), e + c rounds. For N = 1 the E factor
   is dropped (degree 2, c rounds).
3. The sumcheck ends at (r_b', r_t') with expected value C; the prover sends
   a = A~(r_t', r_i, r_b') and w = W~(r_t', r_b', r_j); the verifier checks
   C = eq(r_t, r_t') * a * w.
4. Oracle checks: z, a, w against the matrices. **In this first version the verifier holds A, W,
   Z and evaluates their MLEs directly (O(size) work).** Later parts of the issue replace these
   with polynomial-commitment openings (Hyrax-style, with blinding for zero knowledge); the proof
   format then gains commitments and opening proofs but the reduction above is unchanged.

Proof size: 3 extension elements + (e + c) rounds x (K + 1) evaluations = O(log N + log k).
Soundness error: (e + a + d + K (e + c)) / p^2 (see ``field.py`` for the numbers: <= 2^-121 at
the issue's benchmark size).

Fiat-Shamir transcript (``transcript.py``), in order, with ``label`` prefix (default
"matmul"): ``label/shape`` = [N, m, k, n] (unpadded; N = 0 encodes the unstacked 2-D form),
then -- only when :func:`prove` / :func:`verify` create the transcript themselves -- SHA-256
digests of the canonical encodings of A, W, Z (``label/statement/{A,W,Z}``; the stand-in for
commitments, which binds the statement so challenges cannot be predicted before it is fixed),
then challenges ``label/r_t``, ``label/r_i``, ``label/r_j``, the message ``label/z_eval``, the
sumcheck (``label/sumcheck``), and ``label/a_eval``, ``label/w_eval``.
"""
from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

from jaxgraph.zk import field as F
from jaxgraph.zk import mle
from jaxgraph.zk import sumcheck as S
from jaxgraph.zk._x64 import x64
from jaxgraph.zk.transcript import Transcript, digest_elements

__all__ = ["MatmulProof", "MatmulVerdict", "prove", "verify", "verify_detailed", "padded_shape"]


@dataclasses.dataclass(frozen=True)
class MatmulProof:
    """Non-interactive matmul proof (all fields numpy uint64, extension elements [2]).

    Attributes:
      z_eval: claimed Z~(r_t, r_i, r_j).
      sumcheck: :class:`~jaxgraph.zk.sumcheck.SumcheckProof`, round_evals [e + c, K + 1, 2].
      a_eval: claimed A~(r_t', r_i, r_b').
      w_eval: claimed W~(r_t', r_b', r_j).
    """
    z_eval: np.ndarray
    sumcheck: S.SumcheckProof
    a_eval: np.ndarray
    w_eval: np.ndarray

    def num_field_elements(self) -> int:
        """Proof size in base-field words."""
        return int(self.z_eval.size + self.sumcheck.round_evals.size + self.a_eval.size
                   + self.w_eval.size)


@dataclasses.dataclass(frozen=True)
class MatmulVerdict:
    ok: bool
    reason: str = ""

    def __bool__(self):
        return self.ok


def _log2_ceil(x: int) -> int:
    return max(int(x) - 1, 0).bit_length()


def padded_shape(shape_nmkn):
    """(N, m, k, n) -> powers of two (N = 0, the unstacked form, pads to 1)."""
    return tuple(1 << _log2_ceil(max(v, 1)) for v in shape_nmkn)


def _shapes(A, W, Z=None):
    """Validate shapes; returns (N, m, k, n) with N = 0 for 2-D inputs."""
    a_shape, w_shape = tuple(np.shape(A)), tuple(np.shape(W))
    if len(a_shape) != len(w_shape) or len(a_shape) not in (2, 3):
        raise ValueError(f"A and W must both be 2-D ([m, k] @ [k, n]) or both 3-D "
                         f"([N, m, k] @ [N, k, n]); got A{a_shape}, W{w_shape}")
    if a_shape[-1] != w_shape[-2] or a_shape[:-2] != w_shape[:-2]:
        raise ValueError(f"shape mismatch: A{a_shape} @ W{w_shape}")
    n_inst = a_shape[0] if len(a_shape) == 3 else 0
    m, k, n = a_shape[-2], a_shape[-1], w_shape[-1]
    if Z is not None:
        z_shape = tuple(np.shape(Z))
        want = a_shape[:-2] + (m, n)
        if z_shape != want:
            raise ValueError(f"Z has shape {z_shape}, expected {want} for A{a_shape} @ W{w_shape}")
    if min(m, k, n) < 1 or (len(a_shape) == 3 and n_inst < 1):
        raise ValueError(f"empty matrices: A{a_shape}, W{w_shape}")
    return n_inst, m, k, n


def _check_field(x, name):
    """Validate a uint64 field array (numpy or jax) without copying it; returns it."""
    if isinstance(x, jax.Array):
        if x.dtype != jnp.uint64:
            raise ValueError(f"{name} must be a uint64 field array, got dtype {x.dtype}")
        with x64():
            top = int(jnp.max(x)) if x.size else 0
    else:
        x = np.asarray(x)
        if x.dtype != np.uint64:
            raise ValueError(f"{name} must be a uint64 field array (see jaxgraph.zk.field."
                             f"from_signed / from_int), got dtype {x.dtype}")
        top = int(x.max()) if x.size else 0
    if top >= F.P:
        raise ValueError(f"{name} has a non-canonical entry {top} >= p")
    return x


def _device3(x, stacked, shape):
    """-> jax uint64 [N, r, c] zero-padded to ``shape`` (call inside the x64 scope)."""
    x = jnp.asarray(x)
    if not stacked:
        x = x.reshape((1,) + x.shape)
    if tuple(x.shape) != tuple(shape):
        x = jnp.pad(x, [(0, s - d) for s, d in zip(shape, x.shape)])
    return x


def _as3(x, stacked):
    return x if stacked else x[None]


def _statement_digest(label, x) -> bytes:
    return digest_elements(label, np.asarray(x))


def _begin(transcript, label, dims, statement):
    """Absorb shape (+ statement digests) and draw r_t, r_i, r_j. Returns numpy points."""
    n_inst, m, k, n = dims
    transcript.append(label + "/shape", np.array(dims, np.uint64))
    if statement is not None:
        for name, x in zip("AWZ", statement):
            transcript.append_bytes(f"{label}/statement/{name}", _statement_digest(name, x))
    np_, mp, kp, nnp = padded_shape(dims)
    r_t = transcript.challenges(label + "/r_t", _log2_ceil(np_))
    r_i = transcript.challenges(label + "/r_i", _log2_ceil(mp))
    r_j = transcript.challenges(label + "/r_j", _log2_ceil(nnp))
    return r_t, r_i, r_j


def _prepare(a3, w3, eq_t, eq_i, eq_j, with_eq):
    """Sumcheck tables over (t, b), index t * kp + b.

    a3: [Np, mp, kp] base; w3: [Np, kp, np] base; eq_*: extension eq tables [2^., 2].
    Returns uint64[K, Np * kp, 2]: (E, A', W') if with_eq else (A', W').
    """
    def per_instance(aw):
        a, w = aw
        ap = F._ext_sum(F._ext_mul_base(eq_i[:, None, :], a), 0)  # [kp, 2] = sum_i eq_i A[i, :]
        wp = F._ext_sum(F._ext_mul_base(eq_j[None, :, :], w), 1)  # [kp, 2] = sum_j W[:, j] eq_j
        return ap, wp

    ap, wp = jax.lax.map(per_instance, (a3, w3))  # [Np, kp, 2] each
    kp = a3.shape[2]
    ap, wp = ap.reshape(-1, 2), wp.reshape(-1, 2)
    if with_eq:
        e = jnp.broadcast_to(eq_t[:, None, :], (eq_t.shape[0], kp, 2)).reshape(-1, 2)
        return jnp.stack([e, ap, wp])
    return jnp.stack([ap, wp])


_prepare_jit = jax.jit(_prepare, static_argnames=("with_eq",))


def prove(A, W, Z=None, *, transcript: Transcript | None = None, label: str = "matmul") -> MatmulProof:
    """Prove Z = A @ W (2-D) or Z_t = A_t @ W_t for all t (3-D, aggregated).

    Args:
      A: uint64 [m, k] or [N, m, k], canonical field elements (numpy or jax).
      W: uint64 [k, n] or [N, k, n].
      Z: uint64 [m, n] or [N, m, n]; only used to bind the statement when ``transcript`` is
        None (computed with :func:`jaxgraph.zk.field.matmul` if omitted).
      transcript: if None, a fresh ``Transcript("jaxgraph.zk.matmul")`` is created and SHA-256
        digests of A, W, Z are absorbed. If given, the caller must already have bound A, W, Z
        (e.g. by commitments); only the shape is absorbed here.
      label: message-label prefix.

    Returns:
      :class:`MatmulProof`.

    Raises:
      ValueError: on mismatched shapes, non-uint64 or non-canonical inputs.
    """
    dims = _shapes(A, W, Z)
    stacked = dims[0] > 0
    a_in, w_in = _check_field(A, "A"), _check_field(W, "W")
    statement = None
    if transcript is None:
        transcript = Transcript("jaxgraph.zk.matmul")
        if Z is None:
            Z = F.matmul(a_in, w_in)
        statement = (a_in, w_in, _check_field(Z, "Z"))
    r_t, r_i, r_j = _begin(transcript, label, dims, statement)
    pshape = padded_shape(dims)
    with x64():
        a3 = _device3(a_in, stacked, (pshape[0], pshape[1], pshape[2]))
        w3 = _device3(w_in, stacked, (pshape[0], pshape[2], pshape[3]))
        eq_t, eq_i, eq_j = mle.eq_table(r_t), mle.eq_table(r_i), mle.eq_table(r_j)
        tables = _prepare_jit(a3, w3, eq_t, eq_i, eq_j, with_eq=stacked)
        prover = S.Prover(tables)
    z_eval = prover.claim  # = Z~(r_t, r_i, r_j) = sum_{t,b} E A' W'
    transcript.append(label + "/z_eval", z_eval)
    sc_proof, point, finals = prover.run(transcript, label=label + "/sumcheck")
    a_eval, w_eval = finals[-2], finals[-1]
    transcript.append(label + "/a_eval", a_eval)
    transcript.append(label + "/w_eval", w_eval)
    return MatmulProof(z_eval=z_eval, sumcheck=sc_proof, a_eval=a_eval, w_eval=w_eval)


def _evaluate_tensor(x3, point):
    """MLE of the flattened (padded) tensor at ``point`` (host-visible numpy [2])."""
    return np.asarray(mle.evaluate(x3.reshape(-1), point))


def verify_detailed(A, W, Z, proof: MatmulProof, *, transcript: Transcript | None = None,
                    label: str = "matmul") -> MatmulVerdict:
    """Verify a :class:`MatmulProof` against A, W, Z; returns a verdict with the failure reason.

    Same arguments as :func:`prove` (Z is required). Malformed statements raise ValueError;
    malformed or wrong proofs return ``MatmulVerdict(False, reason)``.
    """
    dims = _shapes(A, W, Z)
    if Z is None:
        raise ValueError("verify: Z is required")
    stacked = dims[0] > 0
    a_in, w_in, z_in = _check_field(A, "A"), _check_field(W, "W"), _check_field(Z, "Z")
    pshape = padded_shape(dims)
    e, c = _log2_ceil(pshape[0]), _log2_ceil(pshape[2])
    degree = 3 if stacked else 2
    # --- well-formedness
    for name in ("z_eval", "a_eval", "w_eval"):
        v = np.asarray(getattr(proof, name))
        if v.dtype != np.uint64 or v.shape != (2,) or not F.is_canonical(v):
            return MatmulVerdict(False, f"{name} must be a canonical uint64 [2]")
    # --- transcript replay
    statement = None
    if transcript is None:
        transcript = Transcript("jaxgraph.zk.matmul")
        statement = (a_in, w_in, z_in)
    r_t, r_i, r_j = _begin(transcript, label, dims, statement)
    transcript.append(label + "/z_eval", proof.z_eval)
    res = S.verify(proof.z_eval, proof.sumcheck, transcript, num_vars=e + c, degree=degree,
                   label=label + "/sumcheck")
    if not res.ok:
        return MatmulVerdict(False, "sumcheck: " + res.reason)
    transcript.append(label + "/a_eval", proof.a_eval)
    transcript.append(label + "/w_eval", proof.w_eval)
    r_b, r_t2 = res.point[:c], res.point[c:]
    # --- final sumcheck identity: C = eq(r_t, r_t') * a * w
    rhs = F.int_ext_mul(F.int_ext(proof.a_eval), F.int_ext(proof.w_eval))
    if stacked:
        rhs = F.int_ext_mul(mle.eq_eval_int(r_t, r_t2), rhs)
    if rhs != F.int_ext(res.expected):
        return MatmulVerdict(False, "final sumcheck value != eq * a_eval * w_eval")
    # --- oracle checks (direct MLE evaluations; commitment openings in later parts)
    with x64():
        a3 = _device3(a_in, stacked, (pshape[0], pshape[1], pshape[2]))
        w3 = _device3(w_in, stacked, (pshape[0], pshape[2], pshape[3]))
        z3 = _device3(z_in, stacked, (pshape[0], pshape[1], pshape[3]))
        z_true = _evaluate_tensor(z3, mle.tensor_point(r_t, r_i, r_j))
        if not (z_true == proof.z_eval).all():
            return MatmulVerdict(False, "z_eval != Z~(r_t, r_i, r_j)")
        a_true = _evaluate_tensor(a3, mle.tensor_point(r_t2, r_i, r_b))
        if not (a_true == proof.a_eval).all():
            return MatmulVerdict(False, "a_eval != A~(r_t', r_i, r_b')")
        w_true = _evaluate_tensor(w3, mle.tensor_point(r_t2, r_b, r_j))
        if not (w_true == proof.w_eval).all():
            return MatmulVerdict(False, "w_eval != W~(r_t', r_b', r_j)")
    return MatmulVerdict(True)


def verify(A, W, Z, proof: MatmulProof, *, transcript: Transcript | None = None,
           label: str = "matmul") -> bool:
    """True iff ``proof`` shows Z = A @ W (see :func:`verify_detailed`)."""
    return verify_detailed(A, W, Z, proof, transcript=transcript, label=label).ok
